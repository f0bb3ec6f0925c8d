// Normalisation layers, as torch.nn: BatchNorm1d, BatchNorm2d, LayerNorm,
// InstanceNorm2d, GroupNorm and LocalResponseNorm. Parameter and buffer
// names match PyTorch's, so state_dict() keys do: weight, bias,
// running_mean, running_var, num_batches_tracked.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "nabla/core/shape.h"
#include "nabla/nn/module.h"
#include "nabla/nn/options.h"

namespace nabla::nn {

struct BatchNormOptions {
  BatchNormOptions(int64_t num_features) : num_features_(num_features) {}  // NOLINT
  NABLA_ARG(int64_t, num_features);
  NABLA_ARG(double, eps) = 1e-5;
  // std::nullopt is PyTorch's momentum=None: the running statistics are the
  // cumulative average of all batches, factor 1/num_batches_tracked.
  NABLA_ARG(std::optional<double>, momentum) = 0.1;
  NABLA_ARG(bool, affine) = true;
  NABLA_ARG(bool, track_running_stats) = true;
};

// The same fields with InstanceNorm's defaults: no affine, no running statistics.
struct InstanceNormOptions {
  InstanceNormOptions(int64_t num_features) : num_features_(num_features) {}  // NOLINT
  NABLA_ARG(int64_t, num_features);
  NABLA_ARG(double, eps) = 1e-5;
  NABLA_ARG(std::optional<double>, momentum) = 0.1;
  NABLA_ARG(bool, affine) = false;
  NABLA_ARG(bool, track_running_stats) = false;
};

// What BatchNorm and InstanceNorm share (PyTorch's _NormBase): γ = 1 and
// β = 0 (C) when affine; running_mean = 0, running_var = 1 (C) and
// num_batches_tracked = 0 (i64, 0-d) when track_running_stats. Absent ones
// are undefined and left out of state_dict(), as PyTorch's None.
class NormBase : public Module {
 public:
  void reset_running_stats();
  void reset_parameters();  // also resets the running statistics
  std::string extra_repr() const override;

  BatchNormOptions options;  // InstanceNorm's options are copied in
  Tensor& weight;
  Tensor& bias;
  Tensor& running_mean;
  Tensor& running_var;
  Tensor& num_batches_tracked;

 protected:
  explicit NormBase(const BatchNormOptions& options);
};

// Training: normalises with the batch's statistics and, when
// track_running_stats, updates the running ones and num_batches_tracked.
// Eval: normalises with the running statistics, or with the batch's when
// there are none (track_running_stats = false), as PyTorch.
class BatchNormBase : public NormBase {
 public:
  Tensor forward(const Tensor& x) override;

 protected:
  using NormBase::NormBase;
  virtual void check_input_dim(const Tensor& x) const = 0;

 private:
  friend Tensor batch_norm_relu(Module& norm, Module& relu, const Tensor& x);
  Tensor normalise(const Tensor& x, bool relu);
};

// x (N, C) or (N, C, L); statistics per channel over N (and L).
class BatchNorm1d final : public BatchNormBase {
 public:
  explicit BatchNorm1d(const BatchNormOptions& options) : BatchNormBase(options) {}

 protected:
  void check_input_dim(const Tensor& x) const override;
};

// x (N, C, H, W); statistics per channel over (N, H, W).
class BatchNorm2d final : public BatchNormBase {
 public:
  explicit BatchNorm2d(const BatchNormOptions& options) : BatchNormBase(options) {}

 protected:
  void check_input_dim(const Tensor& x) const override;
};

// relu(norm(x)) as F::batch_norm_relu, one pass over memory, where `norm` is
// a BatchNorm1d or BatchNorm2d and `relu` an nn::ReLU, neither with forward
// hooks; otherwise the two modules' calls, (relu)((norm)(x)). Sequential runs
// every such pair of consecutive children this way; ResNet's blocks call it.
Tensor batch_norm_relu(Module& norm, Module& relu, const Tensor& x);
// Whether batch_norm_relu(norm, relu, x) takes the fused pass.
bool fuses_with_relu(const Module& norm, const Module& relu);

// x (N, C, H, W) or unbatched (C, H, W); statistics per sample and channel
// over (H, W), in training and in eval (unless track_running_stats, when
// eval uses the running statistics).
class InstanceNorm2d final : public NormBase {
 public:
  explicit InstanceNorm2d(const InstanceNormOptions& options);
  Tensor forward(const Tensor& x) override;
};

struct LayerNormOptions {
  LayerNormOptions(Shape normalized_shape)  // NOLINT: LayerNorm({4, 5})
      : normalized_shape_(std::move(normalized_shape)) {}
  NABLA_ARG(Shape, normalized_shape);
  NABLA_ARG(double, eps) = 1e-5;
  NABLA_ARG(bool, elementwise_affine) = true;
};

// Normalises over the trailing normalized_shape dims of each sample;
// γ = 1, β = 0 of normalized_shape when elementwise_affine.
class LayerNorm : public Module {
 public:
  explicit LayerNorm(const LayerNormOptions& options);
  explicit LayerNorm(const Shape& normalized_shape)
      : LayerNorm(LayerNormOptions(normalized_shape)) {}

  void reset_parameters();
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  LayerNormOptions options;
  Tensor& weight;
  Tensor& bias;
};

struct GroupNormOptions {
  GroupNormOptions(int64_t num_groups, int64_t num_channels)
      : num_groups_(num_groups), num_channels_(num_channels) {}
  NABLA_ARG(int64_t, num_groups);
  NABLA_ARG(int64_t, num_channels);
  NABLA_ARG(double, eps) = 1e-5;
  NABLA_ARG(bool, affine) = true;
};

// x (N, C, *) with C = num_channels split into num_groups groups;
// statistics per sample and group; γ = 1, β = 0 (C) when affine.
class GroupNorm : public Module {
 public:
  explicit GroupNorm(const GroupNormOptions& options);
  GroupNorm(int64_t num_groups, int64_t num_channels)
      : GroupNorm(GroupNormOptions(num_groups, num_channels)) {}

  void reset_parameters();
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  GroupNormOptions options;
  Tensor& weight;
  Tensor& bias;
};

struct LocalResponseNormOptions {
  LocalResponseNormOptions(int64_t size) : size_(size) {}  // NOLINT
  NABLA_ARG(int64_t, size);
  NABLA_ARG(double, alpha) = 1e-4;
  NABLA_ARG(double, beta) = 0.75;
  NABLA_ARG(double, k) = 1.0;
};

// AlexNet's LRN: y = x / (k + alpha/n · Σ x² over n neighbouring channels)^beta.
class LocalResponseNorm : public Module {
 public:
  explicit LocalResponseNorm(const LocalResponseNormOptions& options) : options(options) {}

  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  LocalResponseNormOptions options;
};

}  // namespace nabla::nn
