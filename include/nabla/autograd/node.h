// The backward graph. Each differentiable op that ran with an input needing
// grad leaves a Node: it holds what its backward needs (SavedTensor) and
// edges to the nodes of its inputs. backward() walks the nodes in reverse
// order of creation, which is a reverse topological order.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "nabla/core/tensor.h"

namespace nabla::autograd {

class Node;

struct Edge {
  std::shared_ptr<Node> node;  // null: this input needs no gradient
  uint32_t input_nr = 0;       // which of node's outputs the gradient flows into
};

// A tensor kept for backward. It holds the data without its history (so a
// node saving its own output makes no reference cycle) and the version the
// data had, so an in-place change made after saving is reported, not used.
class SavedTensor {
 public:
  SavedTensor() = default;
  SavedTensor(const Tensor& t);  // NOLINT: saving is the common case
  // The saved data; throws if it was released (a second backward without
  // retain_graph) or modified in place since it was saved.
  Tensor unpack(const Node& owner) const;
  void reset() {
    data_ = Tensor();
    released_ = true;
  }
  bool defined() const { return data_.defined() || released_; }

 private:
  Tensor data_;
  uint32_t saved_version_ = 0;
  bool released_ = false;
};

class Node : public std::enable_shared_from_this<Node> {
 public:
  Node();
  // Releases the graph below iteratively (see node.cpp).
  virtual ~Node();
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;

  // Gradients w.r.t. the inputs (one per next edge; undefined where none)
  // from the gradients w.r.t. the outputs (undefined where none flowed).
  virtual std::vector<Tensor> apply(std::vector<Tensor>&& grad_outputs) = 0;
  virtual std::string name() const = 0;
  // Drops saved tensors after backward unless retain_graph was asked for.
  virtual void release_saved() {}
  // Called by the engine after a backward without retain_graph: from then
  // on unpacking a SavedTensor of this node fails, whether or not the node
  // freed it in release_saved().
  void release() {
    released_ = true;
    release_saved();
  }
  bool released() const { return released_; }

  const std::vector<Edge>& next_edges() const { return next_edges_; }
  void set_next_edges(std::vector<Edge> edges) { next_edges_ = std::move(edges); }
  uint64_t sequence_nr() const { return sequence_nr_; }
  uint32_t num_outputs() const { return num_outputs_; }
  void set_num_outputs(uint32_t n) { num_outputs_ = n; }
  // The shapes, dtypes and device of the outputs, to check and to make zero
  // gradients for outputs that received none.
  struct OutputMeta {
    Shape shape;
    DType dtype;
    Device device;
  };
  const std::vector<OutputMeta>& output_meta() const { return output_meta_; }
  void add_output_meta(const Tensor& t) {
    output_meta_.push_back({t.shape(), t.dtype(), t.device()});
  }

  // Whether input i's gradient is wanted: lets backward skip work.
  bool needs_input_grad(size_t i) const { return i < next_edges_.size() && next_edges_[i].node; }

  // Non-leaf tensors that asked for retain_grad(): the gradient reaching
  // output output_nr is stored in their .grad().
  struct Retained {
    uint32_t output_nr;
    std::weak_ptr<TensorImpl> tensor;
  };
  std::vector<Retained>& retained() { return retained_; }

 private:
  std::vector<Retained> retained_;
  std::vector<Edge> next_edges_;
  std::vector<OutputMeta> output_meta_;
  uint64_t sequence_nr_;
  uint32_t num_outputs_ = 1;
  bool released_ = false;
};

// Accumulates the gradient that reaches a leaf into leaf.grad(), then runs
// the leaf's post-accumulate hooks.
class AccumulateGrad final : public Node {
 public:
  explicit AccumulateGrad(std::shared_ptr<TensorImpl> leaf);
  std::vector<Tensor> apply(std::vector<Tensor>&& grad_outputs) override;
  std::string name() const override { return "AccumulateGrad"; }

 private:
  std::shared_ptr<TensorImpl> leaf_;
};

// --- what ops use to record themselves

bool any_requires_grad(std::initializer_list<const Tensor*> inputs);
bool any_requires_grad(std::span<const Tensor> inputs);
inline bool any_requires_grad(const std::vector<Tensor>& inputs) {
  return any_requires_grad(std::span<const Tensor>(inputs));
}
// Whether the op should record: grad mode is on and an input requires grad.
bool should_record(std::initializer_list<const Tensor*> inputs);
bool should_record(std::span<const Tensor> inputs);
bool should_record(const std::vector<Tensor>& inputs);

// The edge along which a gradient for t flows (to its grad_fn, or to its
// leaf accumulator), or an empty edge when t needs no gradient.
Edge gradient_edge(const Tensor& t);

// Connects node to its inputs and makes it the grad_fn of outputs. The span
// form lets ops pass their tensors without building vectors on every call.
void set_history(const std::shared_ptr<Node>& node, std::span<const Tensor> inputs,
                 std::span<Tensor* const> outputs);
void set_history(const std::shared_ptr<Node>& node, const std::vector<Tensor>& inputs,
                 const std::vector<Tensor*>& outputs);

// Runs backward from roots with the given gradients (see Tensor::backward).
void run_backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grads,
                  bool retain_graph);

// Computes gradients of outputs w.r.t. inputs without touching .grad()
// (torch.autograd.grad). Used by gradient checks and gradient penalties.
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {}, bool retain_graph = false,
                         bool allow_unused = false);

// Names of all Node types in the library, for the test that every op is in
// the test table. NABLA_NODE registers one.
const std::vector<std::string>& registered_node_names();
bool register_node_name(const char* name);

}  // namespace nabla::autograd

// Declares name() and registers the name at start-up:
//   struct MulBackward final : Node { NABLA_NODE(MulBackward) ... };
#define NABLA_NODE(NAME)              \
  std::string name() const override { \
    return #NAME;                     \
  }                                   \
  static inline const bool nabla_registered_ = ::nabla::autograd::register_node_name(#NAME)
