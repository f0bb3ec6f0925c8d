// Normalisation, as torch.nn.functional: batch, layer, instance and group
// normalisation and AlexNet's local response normalisation.
//
// Which values share one mean and variance, for x (N, C, H, W):
//   batch_norm     per channel, over (N, H, W)
//   layer_norm     per sample, over the trailing normalized_shape dims
//   instance_norm  per sample and channel, over (H, W)
//   group_norm     per sample and group of C/G channels, over (C/G, H, W)
#pragma once

#include <cstdint>

#include "nabla/core/tensor.h"

namespace nabla {

// x (N, C), (N, C, L) or (N, C, H, W); running_mean, running_var, weight,
// bias (C) or undefined.
//   training: y = (x − μ_B)/√(σ²_B + eps)·γ + β with the batch's mean and
//     biased variance; defined running statistics are updated in place with
//     the unbiased variance: running = (1 − momentum)·running + momentum·batch.
//   not training: the running statistics take the place of μ_B and σ²_B.
Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight = {}, const Tensor& bias = {}, bool training = false,
                  double momentum = 0.1, double eps = 1e-5);

// relu(batch_norm(...)), the same values and gradients, in one pass over
// memory instead of two (no PyTorch counterpart: its eager mode runs the
// two). nn::Sequential and the model zoo's blocks take it for a BatchNorm
// followed by a ReLU (nn::batch_norm_relu).
Tensor batch_norm_relu(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                       const Tensor& weight = {}, const Tensor& bias = {}, bool training = false,
                       double momentum = 0.1, double eps = 1e-5);

// Normalises over the trailing dims given by normalized_shape; weight and
// bias have that shape or are undefined.
Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);

// x (N, C, *): statistics per (n, c) over the spatial dims (use_input_stats),
// or the running statistics (C) when not. Defined running statistics are
// updated with the mean over the batch of the per-instance statistics, as PyTorch.
Tensor instance_norm(const Tensor& x, const Tensor& running_mean = {},
                     const Tensor& running_var = {}, const Tensor& weight = {},
                     const Tensor& bias = {}, bool use_input_stats = true, double momentum = 0.1,
                     double eps = 1e-5);

// x (N, C, *) with C divisible by num_groups; weight, bias (C) or undefined.
Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight = {},
                  const Tensor& bias = {}, double eps = 1e-5);

// x (N, C, *), at least 3-D. With n = size and the window over channels
// c − n/2 … c + (n − 1)/2 (zero outside):
//   y = x / (k + alpha/n · Σ_window x²)^beta
Tensor local_response_norm(const Tensor& x, int64_t size, double alpha = 1e-4, double beta = 0.75,
                           double k = 1.0);

}  // namespace nabla
