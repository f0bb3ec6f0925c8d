#include "nabla/nn/pool.h"

namespace nabla::nn {
namespace {

const char* python_bool(bool b) {
  return b ? "True" : "False";
}

// A pair as Python prints a tuple: "(2, 3)"; a 1-tuple: "(3,)".
std::string tuple2(const Size2& s) {
  return detail::concat("(", s.h, ", ", s.w, ")");
}
std::string tuple1(int64_t v) {
  return detail::concat("(", v, ",)");
}

}  // namespace

Tensor MaxPool1d::forward(const Tensor& x) {
  return max_pool1d(x, options.kernel_size(), options.stride(), options.padding(),
                    options.dilation(), options.ceil_mode());
}

std::pair<Tensor, Tensor> MaxPool1d::forward_with_indices(const Tensor& x) {
  return max_pool1d_with_indices(x, options.kernel_size(), options.stride(), options.padding(),
                                 options.dilation(), options.ceil_mode());
}

std::string MaxPool1d::extra_repr() const {
  return detail::concat("kernel_size=", options.kernel_size(), ", stride=", options.stride(),
                        ", padding=", options.padding(), ", dilation=", options.dilation(),
                        ", ceil_mode=", python_bool(options.ceil_mode()));
}

Tensor MaxPool2d::forward(const Tensor& x) {
  // Not through forward_with_indices: without autograd no indices are made.
  return max_pool2d(x, options.kernel_size(), options.stride(), options.padding(),
                    options.dilation(), options.ceil_mode());
}

std::pair<Tensor, Tensor> MaxPool2d::forward_with_indices(const Tensor& x) {
  return max_pool2d_with_indices(x, options.kernel_size(), options.stride(), options.padding(),
                                 options.dilation(), options.ceil_mode());
}

std::string MaxPool2d::extra_repr() const {
  return detail::concat("kernel_size=", options.kernel_size(), ", stride=", options.stride(),
                        ", padding=", options.padding(), ", dilation=", options.dilation(),
                        ", ceil_mode=", python_bool(options.ceil_mode()));
}

Tensor MaxUnpool2d::forward(const Tensor& x, const Tensor& indices,
                            std::optional<Size2> output_size) {
  return max_unpool2d(x, indices, options.kernel_size(), options.stride(), options.padding(),
                      output_size);
}

// PyTorch stores MaxUnpool2d's sizes as pairs and prints them so.
std::string MaxUnpool2d::extra_repr() const {
  return "kernel_size=" + tuple2(options.kernel_size()) + ", stride=" + tuple2(options.stride()) +
         ", padding=" + tuple2(options.padding());
}

Tensor AvgPool1d::forward(const Tensor& x) {
  return avg_pool1d(x, options.kernel_size(), options.stride(), options.padding(),
                    options.ceil_mode(), options.count_include_pad());
}

// PyTorch stores AvgPool1d's sizes as 1-tuples and prints them so.
std::string AvgPool1d::extra_repr() const {
  return "kernel_size=" + tuple1(options.kernel_size()) + ", stride=" + tuple1(options.stride()) +
         ", padding=" + tuple1(options.padding());
}

Tensor AvgPool2d::forward(const Tensor& x) {
  return avg_pool2d(x, options.kernel_size(), options.stride(), options.padding(),
                    options.ceil_mode(), options.count_include_pad(), options.divisor_override());
}

std::string AvgPool2d::extra_repr() const {
  return detail::concat("kernel_size=", options.kernel_size(), ", stride=", options.stride(),
                        ", padding=", options.padding());
}

Tensor AdaptiveAvgPool1d::forward(const Tensor& x) {
  return adaptive_avg_pool1d(x, output_size);
}

std::string AdaptiveAvgPool1d::extra_repr() const {
  return detail::concat("output_size=", output_size);
}

Tensor AdaptiveAvgPool2d::forward(const Tensor& x) {
  return adaptive_avg_pool2d(x, output_size);
}

std::string AdaptiveAvgPool2d::extra_repr() const {
  return detail::concat("output_size=", output_size);
}

Tensor AdaptiveMaxPool2d::forward(const Tensor& x) {
  return forward_with_indices(x).first;
}

std::pair<Tensor, Tensor> AdaptiveMaxPool2d::forward_with_indices(const Tensor& x) {
  return adaptive_max_pool2d_with_indices(x, output_size);
}

std::string AdaptiveMaxPool2d::extra_repr() const {
  return detail::concat("output_size=", output_size);
}

}  // namespace nabla::nn
