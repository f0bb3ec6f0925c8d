#include "nabla/nn/conv.h"

#include <cmath>

#include "nabla/nn/init.h"

namespace nabla::nn {
namespace {

// The checks every convolution layer makes at construction, as PyTorch's
// _ConvNd.__init__.
void check_layer(const char* layer, int64_t in_channels, int64_t out_channels, int64_t groups,
                 const std::string& padding_mode) {
  NABLA_CHECK(in_channels > 0 && out_channels > 0, layer,
              ": in_channels and out_channels must be positive, got ", in_channels, " and ",
              out_channels);
  NABLA_CHECK(groups > 0, layer, ": groups must be positive, got ", groups);
  NABLA_CHECK(in_channels % groups == 0, layer, ": in_channels ", in_channels,
              " must be divisible by groups ", groups);
  NABLA_CHECK(out_channels % groups == 0, layer, ": out_channels ", out_channels,
              " must be divisible by groups ", groups);
  NABLA_CHECK(padding_mode == "zeros", layer, ": padding_mode \"", padding_mode,
              "\" is not supported; nabla pads with \"zeros\" only");
}

void check_positive(const char* layer, const char* what, Size2 v) {
  NABLA_CHECK(v.h > 0 && v.w > 0, layer, ": ", what, " must be positive, got (", v.h, ", ", v.w,
              ")");
}

void check_same_padding(const char* layer, PaddingMode mode, Size2 stride) {
  NABLA_CHECK(mode != PaddingMode::Same || (stride.h == 1 && stride.w == 1), layer,
              ": padding=\"same\" is not supported for strided convolutions (stride (", stride.h,
              ", ", stride.w, "))");
}

// PyTorch's reset_parameters of _ConvNd: a = √5 gives the bound 1/√fan_in.
void reset_conv_parameters(Tensor& weight, Tensor& bias) {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const int64_t fan_in = init::calculate_fan_in_and_fan_out(weight).first;
    const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
    init::uniform_(bias, -bound, bound);
  }
}

// Python's tuple printing: "(3,)" and "(3, 3)".
std::string tuple(int64_t v) {
  return detail::concat("(", v, ",)");
}
std::string tuple(Size2 v) {
  return detail::concat("(", v.h, ", ", v.w, ")");
}

std::string padding_repr(PaddingMode mode) {
  return mode == PaddingMode::Same ? "same" : "valid";
}

// The tail of _ConvNd.extra_repr after padding: what differs from the defaults.
template <class Size>
std::string repr_tail(Size dilation, Size one, const std::string& output_padding, int64_t groups,
                      bool bias) {
  std::string s;
  if (!(dilation == one)) s += ", dilation=" + tuple(dilation);
  s += output_padding;
  if (groups != 1) s += detail::concat(", groups=", groups);
  if (!bias) s += ", bias=False";
  return s;
}

const Conv1dOptions& checked(const Conv1dOptions& o) {
  check_layer("Conv1d", o.in_channels(), o.out_channels(), o.groups(), o.padding_mode());
  check_positive("Conv1d", "kernel_size", {1, o.kernel_size()});
  check_positive("Conv1d", "stride", {1, o.stride()});
  check_positive("Conv1d", "dilation", {1, o.dilation()});
  check_same_padding("Conv1d", o.padding().mode, {1, o.stride()});
  return o;
}

const Conv2dOptions& checked(const Conv2dOptions& o) {
  check_layer("Conv2d", o.in_channels(), o.out_channels(), o.groups(), o.padding_mode());
  check_positive("Conv2d", "kernel_size", o.kernel_size());
  check_positive("Conv2d", "stride", o.stride());
  check_positive("Conv2d", "dilation", o.dilation());
  check_same_padding("Conv2d", o.padding().mode, o.stride());
  return o;
}

const ConvTranspose2dOptions& checked(const ConvTranspose2dOptions& o) {
  check_layer("ConvTranspose2d", o.in_channels(), o.out_channels(), o.groups(), o.padding_mode());
  check_positive("ConvTranspose2d", "kernel_size", o.kernel_size());
  check_positive("ConvTranspose2d", "stride", o.stride());
  check_positive("ConvTranspose2d", "dilation", o.dilation());
  return o;
}

}  // namespace

// ---- Conv1d

Conv1d::Conv1d(const Conv1dOptions& o)
    : options(checked(o)),
      weight(register_parameter(
          "weight",
          Tensor::empty({o.out_channels(), o.in_channels() / o.groups(), o.kernel_size()}))),
      bias(register_parameter("bias", o.bias() ? Tensor::empty({o.out_channels()}) : Tensor())) {
  reset_parameters();
}

void Conv1d::reset_parameters() {
  reset_conv_parameters(weight, bias);
}

Tensor Conv1d::forward(const Tensor& x) {
  return conv1d(x, weight, bias, options.stride(), options.padding(), options.dilation(),
                options.groups());
}

std::string Conv1d::extra_repr() const {
  const Conv1dOptions& o = options;
  std::string s =
      detail::concat(o.in_channels(), ", ", o.out_channels(),
                     ", kernel_size=", tuple(o.kernel_size()), ", stride=", tuple(o.stride()));
  if (o.padding().mode != PaddingMode::Explicit)
    s += ", padding=" + padding_repr(o.padding().mode);
  else if (o.padding().size != 0)
    s += ", padding=" + tuple(o.padding().size);
  return s + repr_tail<int64_t>(o.dilation(), 1, "", o.groups(), o.bias());
}

// ---- Conv2d

Conv2d::Conv2d(const Conv2dOptions& o)
    : options(checked(o)),
      weight(register_parameter("weight",
                                Tensor::empty({o.out_channels(), o.in_channels() / o.groups(),
                                               o.kernel_size().h, o.kernel_size().w}))),
      bias(register_parameter("bias", o.bias() ? Tensor::empty({o.out_channels()}) : Tensor())) {
  reset_parameters();
}

void Conv2d::reset_parameters() {
  reset_conv_parameters(weight, bias);
}

Tensor Conv2d::forward(const Tensor& x) {
  return conv2d(x, weight, bias, options.stride(), options.padding(), options.dilation(),
                options.groups());
}

std::string Conv2d::extra_repr() const {
  const Conv2dOptions& o = options;
  std::string s =
      detail::concat(o.in_channels(), ", ", o.out_channels(),
                     ", kernel_size=", tuple(o.kernel_size()), ", stride=", tuple(o.stride()));
  if (o.padding().mode != PaddingMode::Explicit)
    s += ", padding=" + padding_repr(o.padding().mode);
  else if (!(o.padding().size == Size2(0)))
    s += ", padding=" + tuple(o.padding().size);
  return s + repr_tail<Size2>(o.dilation(), 1, "", o.groups(), o.bias());
}

// ---- ConvTranspose2d

ConvTranspose2d::ConvTranspose2d(const ConvTranspose2dOptions& o)
    : options(checked(o)),
      weight(register_parameter("weight",
                                Tensor::empty({o.in_channels(), o.out_channels() / o.groups(),
                                               o.kernel_size().h, o.kernel_size().w}))),
      bias(register_parameter("bias", o.bias() ? Tensor::empty({o.out_channels()}) : Tensor())) {
  reset_parameters();
}

void ConvTranspose2d::reset_parameters() {
  reset_conv_parameters(weight, bias);
}

Tensor ConvTranspose2d::forward(const Tensor& x) {
  return conv_transpose2d(x, weight, bias, options.stride(), options.padding(),
                          options.output_padding(), options.groups(), options.dilation());
}

std::string ConvTranspose2d::extra_repr() const {
  const ConvTranspose2dOptions& o = options;
  std::string s =
      detail::concat(o.in_channels(), ", ", o.out_channels(),
                     ", kernel_size=", tuple(o.kernel_size()), ", stride=", tuple(o.stride()));
  if (!(o.padding() == Size2(0))) s += ", padding=" + tuple(o.padding());
  const std::string output_padding =
      o.output_padding() == Size2(0) ? "" : ", output_padding=" + tuple(o.output_padding());
  return s + repr_tail<Size2>(o.dilation(), 1, output_padding, o.groups(), o.bias());
}

}  // namespace nabla::nn
