// Matrix products on the backend's GEMM.
#pragma once

#include "nabla/core/tensor.h"

namespace nabla {

// As torch.matmul: 1-D·1-D is a dot product, 2-D·2-D a matrix product,
// 1-D operands get a dimension prepended/appended and removed again, and
// batch dimensions broadcast.
Tensor matmul(const Tensor& a, const Tensor& b);
Tensor mm(const Tensor& a, const Tensor& b);   // (n, k)·(k, m)
Tensor bmm(const Tensor& a, const Tensor& b);  // (b, n, k)·(b, k, m)
Tensor dot(const Tensor& a, const Tensor& b);
// y = x·Wᵀ + b, x (…, in), W (out, in), b (out) or undefined.
Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias = {});

}  // namespace nabla
