// The geometry of the indexing kernels (gather, scatter_add, index_select,
// index_add), the same on every device: the checks each kernel makes before
// touching memory, and the views the 1-D index kernels are run through.
#pragma once

#include "nabla/core/tensor.h"

namespace nabla::backends {

// Dtypes, ranks, and that the positions of index (its shape, `positions`)
// fit in each operand apart from dim in the addressed one. max_dims: the
// most dims the backend's kernels address.
void check_index_operands(const char* op, const Tensor& addressed, const Tensor& walked,
                          const Tensor& index, const Shape& positions, int64_t dim,
                          int64_t max_dims);

// index_select's and index_add's 1-D index, checked against the operands
// (out of index_select, src of index_add: `along`, whose size at dim is the
// index's length), and seen along dim of a tensor of that shape: stride 0
// everywhere else, so they run as gather and scatter_add.
Tensor broadcast_index(const char* op, const Tensor& index, const Tensor& along,
                       const Tensor& other, int64_t dim);

}  // namespace nabla::backends
