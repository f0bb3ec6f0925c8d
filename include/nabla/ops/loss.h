// Losses, as torch.nn.functional. reduction: "mean" (default), "sum", "none".
#pragma once

#include <string>

#include "nabla/core/tensor.h"

namespace nabla {

Tensor mse_loss(const Tensor& input, const Tensor& target, const std::string& reduction = "mean");
Tensor l1_loss(const Tensor& input, const Tensor& target, const std::string& reduction = "mean");
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target,
                      const std::string& reduction = "mean", double beta = 1.0);
// input (N, C) or (N, C, d…) log-probabilities; target (N) or (N, d…) i64.
Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                int64_t ignore_index = -100, const std::string& reduction = "mean");
// input logits (N, C) or (N, C, d…). target: class indices (i64, with
// ignore_index and label_smoothing) or class probabilities (floating, same
// shape as input).
Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                     int64_t ignore_index = -100, const std::string& reduction = "mean",
                     double label_smoothing = 0.0);
// input probabilities in [0, 1]; log is clamped at −100 as PyTorch does.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = {},
                            const std::string& reduction = "mean");
// Stable form: max(x, 0) − x·t + log(1 + e^(−|x|)).
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const Tensor& weight = {},
                                        const std::string& reduction = "mean",
                                        const Tensor& pos_weight = {});
// input log-probabilities; target probabilities (or log-probabilities with
// log_target). reduction also accepts "batchmean".
Tensor kl_div(const Tensor& input, const Tensor& target, const std::string& reduction = "mean",
              bool log_target = false);

}  // namespace nabla
