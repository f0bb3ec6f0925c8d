// What the pooling kernels share on every device: the checks of their
// operands, and how max pooling stores where each window's maximum is
// (Backend::max_pool2d): not at all, as a position h·W + w in the plane
// (int64, PyTorch's return_indices), or as a tap a·kernel_w + b of the
// window (uint8: what autograd saves when the caller does not ask for the
// indices, an eighth of the memory traffic).
#pragma once

#include <cstdint>
#include <type_traits>

#include "nabla/core/error.h"
#include "nabla/core/tensor.h"

namespace nabla::backends {

enum class Where { kNowhere, kPosition, kTap };

inline Where where_of(const Tensor& indices) {
  if (!indices.defined()) return Where::kNowhere;
  return indices.dtype() == kUInt8 ? Where::kTap : Where::kPosition;
}

// The element type of indices stored as K.
template <Where K>
using index_t = std::conditional_t<K == Where::kTap, uint8_t, int64_t>;

// big and small: 4-D (N, C, H, W) views of the same N and C (an input and
// its pooled output, or the gradients of both).
inline void check_pool_operands(const char* op, const Tensor& big, const Tensor& small) {
  NABLA_CHECK(big.dim() == 4 && small.dim() == 4 && big.size(0) == small.size(0) &&
                  big.size(1) == small.size(1),
              op, ": expected 4-D (N, C, H, W) operands with the same N and C, got ", big.shape(),
              " and ", small.shape());
}

// max_pool2d_backward's operands: a contiguous dx, and indices as the
// forward stored them, of dy's shape.
inline void check_max_pool_backward(const Tensor& dx, const Tensor& dy, const Tensor& indices) {
  check_pool_operands("max_pool2d_backward", dx, dy);
  NABLA_CHECK(dx.is_contiguous() && indices.defined() &&
                  (indices.dtype() == kInt64 || indices.dtype() == kUInt8) &&
                  indices.shape() == dy.shape(),
              "max_pool2d_backward: expected a contiguous gradient and int64 or uint8 indices of "
              "shape ",
              dy.shape());
}

}  // namespace nabla::backends
