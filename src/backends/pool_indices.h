// How max pooling stores where each window's maximum is (Backend::max_pool2d),
// the same on every device: not at all, as a position h·W + w in the plane
// (int64, PyTorch's return_indices), or as a tap a·kernel_w + b of the
// window (uint8: what autograd saves when the caller does not ask for the
// indices, an eighth of the memory traffic).
#pragma once

#include <cstdint>
#include <type_traits>

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

}  // namespace nabla::backends
