// What every op file uses: recording autograd history, broadcasting views,
// argument checks, and the backend of a tensor's device.
#pragma once

#include <initializer_list>
#include <memory>
#include <span>
#include <vector>

#include "backends/backend.h"
#include "nabla/autograd/grad_mode.h"
#include "nabla/autograd/node.h"
#include "nabla/core/tensor.h"

namespace nabla::ops {

using autograd::Node;
using autograd::SavedTensor;
using backends::BinaryOp;
using backends::ReduceOp;
using backends::UnaryOp;

inline backends::Backend& backend_of(const Tensor& t) {
  return backends::backend(t.device());
}

// Makes a NodeT the grad_fn of outputs when an input requires grad and grad
// mode is on; returns it so the op can save what backward needs, or null.
//   if (auto node = record<MulBackward>({a, b}, {&out})) { node->a = a; node->b = b; }
template <class NodeT>
std::shared_ptr<NodeT> record(std::span<const Tensor> inputs, std::span<Tensor* const> outputs) {
  if (!autograd::should_record(inputs)) return nullptr;
  auto node = std::make_shared<NodeT>();
  autograd::set_history(node, inputs, outputs);
  return node;
}
// The lists live on the stack: no vector is built on every call of an op.
template <class NodeT>
std::shared_ptr<NodeT> record(std::initializer_list<Tensor> inputs,
                              std::initializer_list<Tensor*> outputs) {
  return record<NodeT>(std::span<const Tensor>(inputs.begin(), inputs.size()),
                       std::span<Tensor* const>(outputs.begin(), outputs.size()));
}
template <class NodeT>
std::shared_ptr<NodeT> record(const std::vector<Tensor>& inputs,
                              std::initializer_list<Tensor*> outputs) {
  return record<NodeT>(std::span<const Tensor>(inputs),
                       std::span<Tensor* const>(outputs.begin(), outputs.size()));
}

// t viewed with shape (broadcast rules; stride 0 along expanded dims),
// without autograd history. For kernels only.
Tensor broadcast_view(const Tensor& t, const Shape& shape);

// A fresh contiguous tensor on t's device.
inline Tensor empty_on(const Tensor& t, const Shape& shape, DType dtype) {
  return Tensor::empty(shape, TensorOptions(dtype).device(t.device()));
}
inline Tensor empty_on(const Tensor& t, const Shape& shape) {
  return empty_on(t, shape, t.dtype());
}

void check_floating(const Tensor& t, const char* op);
// In-place writes may not hit a tensor autograd tracks while recording.
void check_inplace(const Tensor& t, const char* op);

}  // namespace nabla::ops
