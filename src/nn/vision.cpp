#include "nabla/nn/vision.h"

#include "nabla/ops/vision.h"

namespace nabla::nn {
namespace {

// Python's repr of a tuple: "(1, 2)"; of a one-element list given for a
// scalar argument, the scalar: "2".
template <class T, class Format>
std::string tuple_repr(const std::vector<T>& values, bool scalar_if_one, Format format) {
  if (scalar_if_one && values.size() == 1) return format(values[0]);
  std::string s = "(";
  for (size_t i = 0; i < values.size(); ++i) s += (i ? ", " : "") + format(values[i]);
  return s + (values.size() == 1 ? ",)" : ")");
}

std::string int_repr(int64_t v) {
  return std::to_string(v);
}

std::string padding_repr(const std::vector<int64_t>& padding) {
  return tuple_repr(padding, false, int_repr);
}

}  // namespace

Padding2d::Padding2d(std::initializer_list<int64_t> left_right_top_bottom)
    : values(left_right_top_bottom) {
  NABLA_CHECK(values.size() == 4, "Padding2d: expected 4 values (left, right, top, bottom), got ",
              values.size(), " values ", values);
}

Tensor Upsample::forward(const Tensor& x) {
  return interpolate(x, options.size(), options.scale_factor(), options.mode(),
                     options.align_corners());
}

std::string Upsample::extra_repr() const {
  const std::string what =
      options.scale_factor().empty()
          ? "size=" + tuple_repr(options.size(), true, int_repr)
          : "scale_factor=" + tuple_repr(options.scale_factor(), true, format_double);
  return what + ", mode=" + options.mode();
}

Tensor PixelShuffle::forward(const Tensor& x) {
  return pixel_shuffle(x, upscale_factor);
}

std::string PixelShuffle::extra_repr() const {
  return "upscale_factor=" + std::to_string(upscale_factor);
}

Tensor PixelUnshuffle::forward(const Tensor& x) {
  return pixel_unshuffle(x, downscale_factor);
}

std::string PixelUnshuffle::extra_repr() const {
  return "downscale_factor=" + std::to_string(downscale_factor);
}

Tensor ChannelShuffle::forward(const Tensor& x) {
  return channel_shuffle(x, groups);
}

std::string ChannelShuffle::extra_repr() const {
  return "groups=" + std::to_string(groups);
}

Dropout2d::Dropout2d(const DropoutOptions& options) : options(options) {
  NABLA_CHECK(options.p() >= 0.0 && options.p() <= 1.0,
              "Dropout2d: probability has to be between 0 and 1, but got ", options.p());
}

Tensor Dropout2d::forward(const Tensor& x) {
  return dropout2d(x, options.p(), is_training());
}

std::string Dropout2d::extra_repr() const {
  return "p=" + format_double(options.p());
}

Tensor ConstantPad2d::forward(const Tensor& x) {
  return pad(x, padding, "constant", value);
}

std::string ConstantPad2d::extra_repr() const {
  return "padding=" + padding_repr(padding) + ", value=" + format_double(value);
}

Tensor ZeroPad2d::forward(const Tensor& x) {
  return pad(x, padding, "constant", 0.0);
}

std::string ZeroPad2d::extra_repr() const {
  return padding_repr(padding);
}

Tensor ReflectionPad2d::forward(const Tensor& x) {
  return pad(x, padding, "reflect");
}

std::string ReflectionPad2d::extra_repr() const {
  return padding_repr(padding);
}

Tensor ReplicationPad2d::forward(const Tensor& x) {
  return pad(x, padding, "replicate");
}

std::string ReplicationPad2d::extra_repr() const {
  return padding_repr(padding);
}

}  // namespace nabla::nn
