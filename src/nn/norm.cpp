#include "nabla/nn/norm.h"

#include <typeinfo>

#include "nabla/autograd/grad_mode.h"
#include "nabla/nn/activation.h"
#include "nabla/nn/functional.h"
#include "nabla/ops/factory.h"

namespace nabla::nn {

namespace {

const char* py_bool(bool b) {
  return b ? "True" : "False";
}

std::string py_optional(const std::optional<double>& v) {
  return v ? format_double(*v) : std::string("None");
}

// A shape as Python prints a tuple: (10,) or (4, 5).
std::string py_tuple(const Shape& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + (s.size() == 1 ? ",)" : ")");
}

}  // namespace

// ---- NormBase

NormBase::NormBase(const BatchNormOptions& options)
    : options(options),
      weight(register_parameter(
          "weight", options.affine() ? Tensor::empty({options.num_features()}) : Tensor())),
      bias(register_parameter(
          "bias", options.affine() ? Tensor::empty({options.num_features()}) : Tensor())),
      running_mean(register_buffer("running_mean", options.track_running_stats()
                                                       ? zeros({options.num_features()})
                                                       : Tensor())),
      running_var(register_buffer("running_var", options.track_running_stats()
                                                     ? ones({options.num_features()})
                                                     : Tensor())),
      num_batches_tracked(register_buffer("num_batches_tracked", options.track_running_stats()
                                                                     ? zeros(Shape{}, kInt64)
                                                                     : Tensor())) {
  NABLA_CHECK(options.num_features() > 0,
              "BatchNorm/InstanceNorm: num_features must be positive, got ",
              options.num_features());
  reset_parameters();
}

void NormBase::reset_running_stats() {
  if (!options.track_running_stats()) return;
  NoGradGuard no_grad;
  running_mean.zero_();
  running_var.fill_(1.0);
  num_batches_tracked.zero_();
}

void NormBase::reset_parameters() {
  reset_running_stats();
  if (!options.affine()) return;
  NoGradGuard no_grad;
  weight.fill_(1.0);
  bias.zero_();
}

std::string NormBase::extra_repr() const {
  return detail::concat(options.num_features(), ", eps=", format_double(options.eps()),
                        ", momentum=", py_optional(options.momentum()),
                        ", affine=", py_bool(options.affine()),
                        ", track_running_stats=", py_bool(options.track_running_stats()));
}

// ---- BatchNorm (PyTorch's _BatchNorm.forward)

Tensor BatchNormBase::forward(const Tensor& x) {
  return normalise(x, false);
}

bool fuses_with_relu(const Module& norm, const Module& relu) {
  const bool batch_norm =
      typeid(norm) == typeid(BatchNorm2d) || typeid(norm) == typeid(BatchNorm1d);
  return batch_norm && typeid(relu) == typeid(ReLU) && !norm.has_forward_hooks() &&
         !relu.has_forward_hooks();
}

Tensor batch_norm_relu(Module& norm, Module& relu, const Tensor& x) {
  if (!fuses_with_relu(norm, relu)) return relu(norm(x));
  return static_cast<BatchNormBase&>(norm).normalise(x, true);
}

Tensor BatchNormBase::normalise(const Tensor& x, bool relu) {
  check_input_dim(x);
  double factor = options.momentum().value_or(0.0);
  if (is_training() && options.track_running_stats()) {
    num_batches_tracked.fill_(static_cast<double>(num_batches_tracked.item<int64_t>() + 1));
    // momentum None: the cumulative average, each batch weighted 1/count.
    if (!options.momentum()) factor = 1.0 / num_batches_tracked.item_double();
  }
  // Eval without running statistics normalises with the batch's.
  const bool use_batch_stats = is_training() || !running_mean.defined();
  const bool pass_running = !is_training() || options.track_running_stats();
  return (relu ? F::batch_norm_relu : F::batch_norm)(x, pass_running ? running_mean : Tensor(),
                                                     pass_running ? running_var : Tensor(), weight,
                                                     bias, use_batch_stats, factor, options.eps());
}

void BatchNorm1d::check_input_dim(const Tensor& x) const {
  NABLA_CHECK(x.dim() == 2 || x.dim() == 3, "BatchNorm1d: expected 2D or 3D input (got ", x.dim(),
              "D input of shape ", x.shape(), ")");
}

void BatchNorm2d::check_input_dim(const Tensor& x) const {
  NABLA_CHECK(x.dim() == 4, "BatchNorm2d: expected 4D input (got ", x.dim(), "D input of shape ",
              x.shape(), ")");
}

// ---- InstanceNorm2d (PyTorch's _InstanceNorm.forward)

namespace {
BatchNormOptions as_norm_options(const InstanceNormOptions& o) {
  NABLA_CHECK(o.momentum().has_value(), "InstanceNorm2d: momentum must be a number (the ",
              "cumulative average of momentum=None is BatchNorm's alone)");
  return BatchNormOptions(o.num_features())
      .eps(o.eps())
      .momentum(o.momentum())
      .affine(o.affine())
      .track_running_stats(o.track_running_stats());
}
}  // namespace

InstanceNorm2d::InstanceNorm2d(const InstanceNormOptions& options)
    : NormBase(as_norm_options(options)) {}

Tensor InstanceNorm2d::forward(const Tensor& x) {
  NABLA_CHECK(x.dim() == 3 || x.dim() == 4, "InstanceNorm2d: expected 3D or 4D input (got ",
              x.dim(), "D input of shape ", x.shape(), ")");
  if (x.dim() == 3) return forward(x.unsqueeze(0)).squeeze(0);  // unbatched (C, H, W)
  // PyTorch only warns for a channel count other than num_features when there
  // are no per-channel tensors; with any, the mismatch is an error.
  NABLA_CHECK(
      x.size(1) == options.num_features() || (!options.affine() && !options.track_running_stats()),
      "InstanceNorm2d: expected input's size at dim=1 to match num_features (",
      options.num_features(), "), but got: ", x.size(1));
  return F::instance_norm(x, running_mean, running_var, weight, bias,
                          is_training() || !options.track_running_stats(), *options.momentum(),
                          options.eps());
}

// ---- LayerNorm

LayerNorm::LayerNorm(const LayerNormOptions& options)
    : options(options),
      weight(register_parameter("weight", options.elementwise_affine()
                                              ? Tensor::empty(options.normalized_shape())
                                              : Tensor())),
      bias(register_parameter("bias", options.elementwise_affine()
                                          ? Tensor::empty(options.normalized_shape())
                                          : Tensor())) {
  reset_parameters();
}

void LayerNorm::reset_parameters() {
  if (!options.elementwise_affine()) return;
  NoGradGuard no_grad;
  weight.fill_(1.0);
  bias.zero_();
}

Tensor LayerNorm::forward(const Tensor& x) {
  return F::layer_norm(x, options.normalized_shape(), weight, bias, options.eps());
}

std::string LayerNorm::extra_repr() const {
  return detail::concat(py_tuple(options.normalized_shape()),
                        ", eps=", format_double(options.eps()),
                        ", elementwise_affine=", py_bool(options.elementwise_affine()));
}

// ---- GroupNorm

namespace {
GroupNormOptions checked(const GroupNormOptions& o) {
  NABLA_CHECK(o.num_groups() > 0 && o.num_channels() % o.num_groups() == 0,
              "GroupNorm: num_channels (", o.num_channels(), ") must be divisible by num_groups (",
              o.num_groups(), ")");
  return o;
}
}  // namespace

GroupNorm::GroupNorm(const GroupNormOptions& options)
    : options(checked(options)),
      weight(register_parameter(
          "weight", options.affine() ? Tensor::empty({options.num_channels()}) : Tensor())),
      bias(register_parameter(
          "bias", options.affine() ? Tensor::empty({options.num_channels()}) : Tensor())) {
  reset_parameters();
}

void GroupNorm::reset_parameters() {
  if (!options.affine()) return;
  NoGradGuard no_grad;
  weight.fill_(1.0);
  bias.zero_();
}

Tensor GroupNorm::forward(const Tensor& x) {
  return F::group_norm(x, options.num_groups(), weight, bias, options.eps());
}

std::string GroupNorm::extra_repr() const {
  return detail::concat(options.num_groups(), ", ", options.num_channels(),
                        ", eps=", format_double(options.eps()),
                        ", affine=", py_bool(options.affine()));
}

// ---- LocalResponseNorm

Tensor LocalResponseNorm::forward(const Tensor& x) {
  return F::local_response_norm(x, options.size(), options.alpha(), options.beta(), options.k());
}

std::string LocalResponseNorm::extra_repr() const {
  return detail::concat(options.size(), ", alpha=", format_double(options.alpha()),
                        ", beta=", format_double(options.beta()),
                        ", k=", format_double(options.k()));
}

}  // namespace nabla::nn
