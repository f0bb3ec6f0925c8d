// How a GEMM operand view maps onto a BLAS call, the same for every
// backend's library: its batch, rows and columns, and which of its strides
// is the unit one (a view whose rows are contiguous is passed as is; one
// whose columns are is passed as the transpose of a row-major matrix).
#pragma once

#include <algorithm>

#include "nabla/core/error.h"
#include "nabla/core/tensor.h"

namespace nabla::backends {

// A GEMM operand: 3-D (batch, rows, cols), or 2-D, one matrix for the whole
// batch (batch stride 0).
struct Matrices {
  int64_t batch, rows, cols;
  int64_t batch_stride, row_stride, col_stride;
};

inline Matrices matrices(const Tensor& t, const char* arg) {
  NABLA_CHECK(t.dim() == 2 || t.dim() == 3, "gemm: operand ", arg,
              " must be 2-D or 3-D, got shape ", t.shape());
  const Shape& s = t.shape();
  const Shape& st = t.strides();
  if (t.dim() == 2) return {1, s[0], s[1], 0, st[0], st[1]};
  return {s[0], s[1], s[2], s[0] == 1 ? 0 : st[0], st[1], st[2]};
}

// A matrix view usable by GEMM: one of its two strides is 1. The leading
// dimension, and whether the view is the transpose of a row-major one.
struct MatrixLayout {
  int64_t ld;
  bool transposed;
};

inline MatrixLayout matrix_layout(const Tensor& t, const Matrices& v, const char* arg) {
  if (v.col_stride == 1 || v.cols == 1)
    return {std::max<int64_t>({v.row_stride, v.cols, 1}), false};
  if (v.row_stride == 1 || v.rows == 1) return {std::max<int64_t>({v.col_stride, v.rows, 1}), true};
  NABLA_FAIL("gemm: operand ", arg, " of shape ", t.shape(), " has strides ", t.strides(),
             " with no unit stride; make it contiguous first");
}

}  // namespace nabla::backends
