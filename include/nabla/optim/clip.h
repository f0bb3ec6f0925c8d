// Gradient clipping, as torch.nn.utils.clip_grad_norm_ / clip_grad_value_,
// and the L1 penalty. Parameters without a gradient are skipped.
#pragma once

#include <vector>

#include "nabla/core/tensor.h"

namespace nabla::optim {

// Scales every gradient by min(1, max_norm / (‖g‖ + 1e-6)), where ‖g‖ is the
// norm_type-norm of all gradients taken as one vector (norm_type may be
// INFINITY: the largest |gᵢ|). Returns ‖g‖ (0 when no parameter has a
// gradient). error_if_nonfinite throws when ‖g‖ is NaN or infinite; otherwise
// the gradients are scaled by the coefficient all the same, as in PyTorch.
double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type = 2.0,
                       bool error_if_nonfinite = false);
// Clamps every gradient element to [−clip_value, clip_value].
void clip_grad_value_(const std::vector<Tensor>& params, double clip_value);

// Σ_p Σ|w|: the L1 regulariser, differentiable (d|w|/dw = sign(w), 0 at 0).
// Added to a loss as loss + λ·l1_penalty(model.parameters()). A 0-d tensor of
// the first parameter's dtype.
Tensor l1_penalty(const std::vector<Tensor>& params);

}  // namespace nabla::optim
