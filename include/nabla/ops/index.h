// Joining, splitting and indexing.
#pragma once

#include <vector>

#include "nabla/core/tensor.h"

namespace nabla {

Tensor cat(const std::vector<Tensor>& tensors, int64_t dim = 0);
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim = 0);
std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim = 0);
std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim = 0);
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim = 0);
// out[i][j] = x[index[i][j]][j] for dim 0, and so on (index i64, same rank).
Tensor gather(const Tensor& x, int64_t dim, const Tensor& index);
// out = x, then out[index[i][j]][j] += src[i][j] for dim 0, and so on.
Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src);
Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index);
// x where mask is 0, value where it is 1 (mask u8, broadcast to x).
Tensor masked_fill(const Tensor& x, const Tensor& mask, double value);
// (…) i64 in [0, num_classes) → (…, num_classes) i64; -1 infers the count.
Tensor one_hot(const Tensor& labels, int64_t num_classes = -1);
// Rows of weight (num, dim) picked by indices (…) → (…, dim). The gradient
// is accumulated row by row (index_add), never as a dense one-hot product;
// rows at padding_idx get none.
Tensor embedding(const Tensor& weight, const Tensor& indices, int64_t padding_idx = -1);

}  // namespace nabla
