// Fused CPU kernels on contiguous CPU tensors, where one pass over memory
// replaces several elementwise ops (CpuBackend::sgd_step takes them). Each
// caller keeps its general path (any device, any layout) beside it.
#pragma once

#include "nabla/core/tensor.h"

namespace nabla::backends::cpu {

// Whether the fused kernels below take these tensors: CPU, contiguous, one
// floating dtype, one number of elements.
bool fusable(std::initializer_list<const Tensor*> ts);

// SGD with momentum μ, dampening τ, weight decay λ, learning rate η:
//   d = g + λ·p
//   buf = d (first step)   or   buf = μ·buf + (1 − τ)·d
//   p = p − η·(d + μ·buf)  (nesterov)   or   p = p − η·buf
void sgd_momentum_step(const Tensor& p, const Tensor& grad, const Tensor& buf, double lr,
                       double momentum, double dampening, double weight_decay, bool nesterov,
                       bool first_step);

}  // namespace nabla::backends::cpu
