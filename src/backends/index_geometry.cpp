#include "backends/index_geometry.h"

#include "nabla/core/error.h"

namespace nabla::backends {

void check_index_operands(const char* op, const Tensor& addressed, const Tensor& walked,
                          const Tensor& index, const Shape& positions, int64_t dim,
                          int64_t max_dims) {
  NABLA_CHECK(index.dtype() == kInt64, op, ": expected index of dtype int64, got ", index.dtype());
  NABLA_CHECK(addressed.dtype() == walked.dtype(), op, ": dtypes ", addressed.dtype(), " and ",
              walked.dtype(), " differ");
  const int64_t nd = addressed.dim();
  NABLA_CHECK(nd <= max_dims, op, ": at most ", max_dims, " dimensions are supported, got ", nd);
  NABLA_CHECK(
      dim >= 0 && dim < nd && walked.dim() == nd && static_cast<int64_t>(positions.size()) == nd,
      op, ": bad geometry: dim ", dim, ", tensors ", addressed.shape(), " and ", walked.shape(),
      ", index positions ", positions);
  for (int64_t d = 0; d < nd; ++d)
    NABLA_CHECK(
        positions[d] <= walked.shape()[d] && (d == dim || positions[d] <= addressed.shape()[d]), op,
        ": index positions ", positions, " do not fit ", walked.shape(), " and ", addressed.shape(),
        " apart from dimension ", dim);
}

Tensor broadcast_index(const char* op, const Tensor& index, const Tensor& along,
                       const Tensor& other, int64_t dim) {
  NABLA_CHECK(index.dim() == 1 && along.dim() == other.dim() && dim >= 0 && dim < other.dim() &&
                  along.size(dim) == index.numel(),
              op, ": bad geometry: dim ", dim, ", tensors ", along.shape(), " and ", other.shape(),
              ", index ", index.shape());
  const Shape& shape = along.shape();
  Shape strides(shape.size(), 0);
  strides[dim] = index.stride(0);
  return alias(index, shape, strides, index.storage_offset());
}

}  // namespace nabla::backends
