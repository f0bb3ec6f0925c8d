#include "nabla/autograd/node.h"

#include <algorithm>
#include <atomic>

#include "nabla/autograd/grad_mode.h"

namespace nabla::autograd {
namespace {
std::atomic<uint64_t> g_next_sequence_nr{0};
}

Node::Node() : sequence_nr_(g_next_sequence_nr.fetch_add(1, std::memory_order_relaxed)) {}

// Released recursively, a chain of nodes (each destructor dropping the last
// reference to the next) overflows the stack after some 10^5 nodes. Instead
// the edges of every node about to die are moved to one list here, so each
// node is destroyed with no edges left and the recursion is one level deep.
Node::~Node() {
  std::vector<std::shared_ptr<Node>> pending;
  auto take_edges = [&pending](Node& n) {
    for (Edge& e : n.next_edges_)
      if (e.node) pending.push_back(std::move(e.node));
  };
  take_edges(*this);
  while (!pending.empty()) {
    std::shared_ptr<Node> n = std::move(pending.back());
    pending.pop_back();
    if (n.use_count() == 1) take_edges(*n);  // the last reference: n dies below
  }
}

SavedTensor::SavedTensor(const Tensor& t) {
  if (!t.defined()) return;
  // A tensor with history is kept detached: it may be an output of the node
  // saving it, whose grad_fn is that node (a reference cycle). One without
  // (a parameter, an input, a value computed without grad) is kept as it is,
  // which spares a new TensorImpl for every saved parameter.
  data_ = t.grad_fn() ? t.detach() : t;
  saved_version_ = t.version();
}

Tensor SavedTensor::unpack(const Node& owner) const {
  NABLA_CHECK(!released_ && !owner.released(), owner.name(),
              ": trying to backward through the graph a second time (or to use saved tensors "
              "after they were freed). Saved tensors are freed after backward(); pass "
              "retain_graph=true to the first backward to keep them.");
  if (data_.defined()) {
    NABLA_CHECK(data_.version() == saved_version_, owner.name(), ": a tensor of shape ",
                data_.shape(),
                " saved for the gradient computation was modified by an in-place "
                "operation: it is at version ",
                data_.version(), ", expected version ", saved_version_);
  }
  return data_;
}

AccumulateGrad::AccumulateGrad(std::shared_ptr<TensorImpl> leaf) : leaf_(std::move(leaf)) {
  add_output_meta(Tensor(leaf_));
}

std::vector<Tensor> AccumulateGrad::apply(std::vector<Tensor>&& grad_outputs) {
  Tensor g = std::move(grad_outputs[0]);
  Tensor leaf(leaf_);
  NoGradGuard no_grad;
  if (!leaf_->grad) {
    // Take the incoming buffer when nothing else refers to it; otherwise copy,
    // so that a later accumulation cannot write into another tensor's data.
    const bool sole_owner = g.impl_ptr().use_count() == 1 && g.storage().use_count() == 1 &&
                            g.is_contiguous() && g.numel() == leaf.numel();
    leaf_->grad = sole_owner ? g.impl_ptr() : g.contiguous().clone().impl_ptr();
  } else {
    Tensor(leaf_->grad).add_(g);
  }
  for (auto& hook : leaf_->post_accumulate_grad_hooks) hook(leaf);
  return {};
}

bool any_requires_grad(std::initializer_list<const Tensor*> inputs) {
  for (const Tensor* t : inputs)
    if (t->defined() && t->requires_grad()) return true;
  return false;
}

bool should_record(std::initializer_list<const Tensor*> inputs) {
  return GradMode::is_enabled() && any_requires_grad(inputs);
}

bool any_requires_grad(std::span<const Tensor> inputs) {
  for (const Tensor& t : inputs)
    if (t.defined() && t.requires_grad()) return true;
  return false;
}

bool should_record(std::span<const Tensor> inputs) {
  return GradMode::is_enabled() && any_requires_grad(inputs);
}

bool should_record(const std::vector<Tensor>& inputs) {
  return should_record(std::span<const Tensor>(inputs));
}

Edge gradient_edge(const Tensor& t) {
  if (!t.defined() || !t.requires_grad()) return {};
  TensorImpl* impl = t.impl();
  if (impl->grad_fn) return {impl->grad_fn, impl->output_nr};
  auto acc = impl->grad_accumulator.lock();
  if (!acc) {
    acc = std::make_shared<AccumulateGrad>(t.impl_ptr());
    impl->grad_accumulator = acc;
  }
  return {acc, 0};
}

void set_history(const std::shared_ptr<Node>& node, const std::vector<Tensor>& inputs,
                 const std::vector<Tensor*>& outputs) {
  set_history(node, std::span<const Tensor>(inputs), std::span<Tensor* const>(outputs));
}

void set_history(const std::shared_ptr<Node>& node, std::span<const Tensor> inputs,
                 std::span<Tensor* const> outputs) {
  std::vector<Edge> edges;
  edges.reserve(inputs.size());
  for (const Tensor& t : inputs) edges.push_back(gradient_edge(t));
  node->set_next_edges(std::move(edges));
  node->set_num_outputs(static_cast<uint32_t>(outputs.size()));
  uint32_t nr = 0;
  for (Tensor* out : outputs) {
    node->add_output_meta(*out);
    TensorImpl* impl = out->impl();
    impl->grad_fn = node;
    impl->output_nr = nr++;
    impl->requires_grad = true;
  }
}

const std::vector<std::string>& registered_node_names() {
  static std::vector<std::string> names;
  return names;
}

bool register_node_name(const char* name) {
  auto& names = const_cast<std::vector<std::string>&>(registered_node_names());
  if (std::find(names.begin(), names.end(), name) == names.end()) names.emplace_back(name);
  return true;
}

}  // namespace nabla::autograd
