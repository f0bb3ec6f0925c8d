// The backward engine: counts, for every node reachable from the roots, how
// many edges lead into it; then runs nodes whose gradients are complete,
// newest first (sequence numbers grow with creation, so this is a reverse
// topological order), summing the gradients that reach each input.
#include <queue>
#include <unordered_map>

#include "nabla/autograd/grad_mode.h"
#include "nabla/autograd/node.h"
#include "nabla/ops/elementwise.h"

namespace nabla::autograd {
namespace {

struct NodeTask {
  std::vector<Tensor> grads;  // one slot per output of the node
  int dependencies = 0;
};

struct NewestFirst {
  bool operator()(const Node* a, const Node* b) const {
    return a->sequence_nr() < b->sequence_nr();
  }
};

void accumulate(Tensor& slot, Tensor g) {
  if (!g.defined()) return;
  if (!slot.defined()) {
    slot = std::move(g);
  } else {
    slot = slot + g;  // out of place: slot may be a tensor another node still refers to
  }
}

// Runs the graph. With captures (autograd::grad) the gradients reaching the
// captured edges are returned and leaves' .grad() is left alone.
std::vector<Tensor> execute(const std::vector<Edge>& root_edges, const std::vector<Tensor>& grads,
                            bool retain_graph, const std::vector<Edge>* captures) {
  std::unordered_map<Node*, NodeTask> tasks;
  {  // count dependencies
    std::vector<Node*> stack;
    for (const Edge& e : root_edges) {
      if (e.node && !tasks.count(e.node.get())) {
        tasks[e.node.get()];
        stack.push_back(e.node.get());
      }
    }
    while (!stack.empty()) {
      Node* n = stack.back();
      stack.pop_back();
      for (const Edge& e : n->next_edges()) {
        if (!e.node) continue;
        auto [it, inserted] = tasks.try_emplace(e.node.get());
        it->second.dependencies++;
        if (inserted) stack.push_back(e.node.get());
      }
    }
  }
  std::vector<Tensor> captured(captures ? captures->size() : 0);
  auto capture = [&](Node* n, NodeTask& task) {
    if (!captures) return;
    for (size_t i = 0; i < captures->size(); ++i)
      if ((*captures)[i].node.get() == n) captured[i] = task.grads[(*captures)[i].input_nr];
  };

  std::priority_queue<Node*, std::vector<Node*>, NewestFirst> ready;
  for (size_t i = 0; i < root_edges.size(); ++i) {
    const Edge& e = root_edges[i];
    if (!e.node) continue;
    NodeTask& task = tasks[e.node.get()];
    task.grads.resize(e.node->num_outputs());
    accumulate(task.grads[e.input_nr], grads[i]);
  }
  for (const Edge& e : root_edges)
    if (e.node && tasks[e.node.get()].dependencies == 0) {
      tasks[e.node.get()].dependencies = -1;  // queued
      ready.push(e.node.get());
    }

  while (!ready.empty()) {
    Node* node = ready.top();
    ready.pop();
    NodeTask& task = tasks[node];
    task.grads.resize(node->num_outputs());
    capture(node, task);
    const bool is_leaf_accumulator = dynamic_cast<AccumulateGrad*>(node) != nullptr;
    if (captures && is_leaf_accumulator) continue;

    // Outputs that received no gradient get zeros, so every node may assume
    // all its incoming gradients are defined.
    for (size_t k = 0; k < task.grads.size(); ++k) {
      if (task.grads[k].defined()) continue;
      const auto& m = node->output_meta()[k];
      task.grads[k] = Tensor::empty(m.shape, TensorOptions(m.dtype).device(m.device));
      task.grads[k].zero_();
    }
    for (auto& r : node->retained()) {
      if (auto impl = r.tensor.lock()) {
        if (!impl->grad)
          impl->grad = task.grads[r.output_nr].clone().impl_ptr();
        else
          Tensor(impl->grad).add_(task.grads[r.output_nr]);
      }
    }

    std::vector<Tensor> input_grads;
    {
      // The incoming gradients die here, not with the task table: a gradient
      // passed on as a view (a bias's dy reshaped) is then the sole owner of
      // its buffer, and AccumulateGrad takes it instead of copying it.
      std::vector<Tensor> grads = std::move(task.grads);
      input_grads = node->apply(std::move(grads));
    }
    if (!retain_graph) node->release();

    const auto& edges = node->next_edges();
    NABLA_CHECK(is_leaf_accumulator || input_grads.size() == edges.size(), node->name(),
                " returned ", input_grads.size(), " gradients, expected ", edges.size());
    for (size_t i = 0; i < edges.size(); ++i) {
      const Edge& e = edges[i];
      if (!e.node) continue;
      NodeTask& next = tasks[e.node.get()];
      next.grads.resize(e.node->num_outputs());
      if (input_grads[i].defined()) {
        const auto& meta = e.node->output_meta()[e.input_nr];
        NABLA_CHECK(input_grads[i].shape() == meta.shape, node->name(),
                    " returned a gradient of shape ", input_grads[i].shape(), " for input ", i,
                    ", expected ", meta.shape);
      }
      accumulate(next.grads[e.input_nr], std::move(input_grads[i]));
      if (--next.dependencies == 0) {
        next.dependencies = -1;
        ready.push(e.node.get());
      }
    }
  }
  return captured;
}

std::vector<Edge> root_edges_of(const std::vector<Tensor>& roots) {
  std::vector<Edge> edges;
  for (const Tensor& r : roots) {
    check_defined(r, "backward", "root");
    NABLA_CHECK(r.requires_grad(), "backward: a root tensor does not require grad");
    edges.push_back(gradient_edge(r));
  }
  return edges;
}

}  // namespace

void run_backward(const std::vector<Tensor>& roots, const std::vector<Tensor>& grads,
                  bool retain_graph) {
  NoGradGuard no_grad;  // gradients are computed without recording a graph of their own
  execute(root_edges_of(roots), grads, retain_graph, nullptr);
}

std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs, bool retain_graph,
                         bool allow_unused) {
  std::vector<Tensor> gs = grad_outputs;
  if (gs.empty()) {
    for (const Tensor& o : outputs) {
      NABLA_CHECK(o.numel() == 1,
                  "autograd::grad: grad_outputs can be implicit only for "
                  "one-element outputs, got shape ",
                  o.shape());
      Tensor one = Tensor::empty(o.shape(), TensorOptions(o.dtype()).device(o.device()));
      one.fill_(1.0);
      gs.push_back(one);
    }
  }
  NABLA_CHECK(gs.size() == outputs.size(), "autograd::grad: ", outputs.size(), " outputs but ",
              gs.size(), " grad_outputs");
  std::vector<Edge> captures;
  for (const Tensor& in : inputs) {
    NABLA_CHECK(in.requires_grad(), "autograd::grad: an input does not require grad");
    captures.push_back(gradient_edge(in));
  }
  NoGradGuard no_grad;
  auto result = execute(root_edges_of(outputs), gs, retain_graph, &captures);
  for (size_t i = 0; i < result.size(); ++i)
    NABLA_CHECK(allow_unused || result[i].defined(), "autograd::grad: input ", i,
                " was not used in the graph (pass allow_unused=true)");
  return result;
}

}  // namespace nabla::autograd
