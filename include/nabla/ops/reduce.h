// Reductions over any dims, with keepdim, as torch.sum and friends. An empty
// dims list means all dims.
#pragma once

#include <utility>
#include <vector>

#include "nabla/core/tensor.h"

namespace nabla {

Tensor sum(const Tensor& x);
Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);
Tensor mean(const Tensor& x);
Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);
Tensor prod(const Tensor& x, int64_t dim, bool keepdim = false);
// unbiased: divide by N − 1 (Bessel), as torch.var's default.
Tensor var(const Tensor& x, const std::vector<int64_t>& dims = {}, bool unbiased = true,
           bool keepdim = false);
Tensor std(const Tensor& x, const std::vector<int64_t>& dims = {}, bool unbiased = true,
           bool keepdim = false);
// Values and indices of the maximum along dim (first one on ties).
std::pair<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim = false);
std::pair<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor max(const Tensor& x);  // over all elements
Tensor min(const Tensor& x);
Tensor amax(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);
Tensor amin(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor argmin(const Tensor& x, int64_t dim, bool keepdim = false);
Tensor argmax(const Tensor& x);  // index into the flattened tensor
Tensor argmin(const Tensor& x);
// log Σ exp(x), computed as m + log Σ exp(x − m) with m the max.
Tensor logsumexp(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim = false);
// p-norm (p = 2 default; p = 1; p = inf; any p > 0) over dims (empty: all).
Tensor norm(const Tensor& x, double p = 2.0, const std::vector<int64_t>& dims = {},
            bool keepdim = false);

// Sums a broadcast gradient back to shape (the backward of broadcasting).
Tensor sum_to(const Tensor& x, const Shape& shape);

}  // namespace nabla
