// nn::Module: the base of every layer and model. A module owns named
// parameters (leaf tensors that require grad), buffers (state that is saved
// but not trained, such as BatchNorm's running statistics) and child modules,
// all in registration order. Names join with dots as in PyTorch, so
// state_dict() keys match the equivalent PyTorch module ("layer1.0.conv1.weight").
//
// Modules are plain classes shared through std::shared_ptr (no holder
// macros):
//   struct Net : nn::Module {
//     Net() { fc = register_module("fc", std::make_shared<nn::Linear>(784, 10)); }
//     Tensor forward(const Tensor& x) override { return (*fc)(x.flatten(1)); }
//     std::shared_ptr<nn::Linear> fc;
//   };
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "nabla/core/state_dict.h"
#include "nabla/core/tensor.h"

namespace nabla::nn {

using NamedTensor = std::pair<std::string, Tensor>;

class Module;
using NamedModule = std::pair<std::string, std::shared_ptr<Module>>;

// What load_state_dict found, as PyTorch's (missing_keys, unexpected_keys),
// plus the entries whose shape differs (name and both shapes).
struct LoadStateDictResult {
  std::vector<std::string> missing_keys;      // expected by the module, absent from the dict
  std::vector<std::string> unexpected_keys;   // in the dict, unknown to the module
  std::vector<std::string> shape_mismatches;  // "fc.weight: checkpoint [3, 4], module [4, 4]"
  bool ok() const {
    return missing_keys.empty() && unexpected_keys.empty() && shape_mismatches.empty();
  }
  std::string to_string() const;
};

class Module : public std::enable_shared_from_this<Module> {
 public:
  Module() = default;
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  // ---- forward
  // Modules that take one tensor override this; others (losses, attention)
  // define their own forward and leave this one throwing.
  virtual Tensor forward(const Tensor& x);
  // forward(x), then this module's forward hooks. Modules call their
  // children through operator(), so hooks see every module a pass reaches.
  Tensor operator()(const Tensor& x) {
    Tensor y = forward(x);
    if (!forward_hooks_.empty()) run_forward_hooks(x, y);
    return y;
  }

  // ---- hooks
  // fn(module, input, output) runs after each call through operator() (as
  // PyTorch's register_forward_hook); summaries and activation probes use it.
  using ForwardHook = std::function<void(Module&, const Tensor& input, const Tensor& output)>;
  // Returns a handle for remove_forward_hook.
  int64_t register_forward_hook(ForwardHook hook);
  void remove_forward_hook(int64_t handle);
  bool has_forward_hooks() const { return !forward_hooks_.empty(); }

  // ---- registration
  // Registers t as parameter `name` and sets its requires_grad; t must be a
  // leaf. An undefined t registers an absent parameter (PyTorch's None, e.g.
  // a Linear without bias), which listings and state_dict() skip.
  // Registering an existing parameter name replaces that parameter (weight
  // tying): the returned reference is the module's slot for the parameter,
  // stable for the module's life, so a layer can keep `Tensor& weight` and
  // see the replacement.
  Tensor& register_parameter(const std::string& name, Tensor t, bool requires_grad = true);
  // Same rules for buffers; a buffer never requires grad.
  Tensor& register_buffer(const std::string& name, Tensor t);
  // Registers (or replaces) child module `name`.
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    register_child(name, module);
    return module;
  }

  // ---- listings, in registration order, each module's own entries before
  // its children's (PyTorch's order). A tensor or module reachable under
  // several names (tied weights) is listed once, under its first name.
  std::vector<NamedTensor> named_parameters(bool recurse = true) const;
  std::vector<Tensor> parameters(bool recurse = true) const;
  std::vector<NamedTensor> named_buffers(bool recurse = true) const;
  std::vector<Tensor> buffers(bool recurse = true) const;
  std::vector<NamedModule> named_children() const;
  std::vector<std::shared_ptr<Module>> children() const;
  // This module (named "", when include_self) and all its descendants in
  // pre-order. Listing itself needs the module to be held by a shared_ptr.
  std::vector<NamedModule> named_modules(const std::string& prefix = "", bool include_self = true);
  std::vector<std::shared_ptr<Module>> modules(bool include_self = true);
  // Applies fn to every descendant, then to this module (as PyTorch's apply).
  void apply(const std::function<void(Module&)>& fn);

  // ---- modes
  virtual void train(bool on = true);  // this module and all descendants
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // Sets every parameter's gradient to undefined (PyTorch's set_to_none=True).
  void zero_grad();

  // ---- state
  // Parameters and buffers under their dotted names, detached (sharing
  // storage with the module), in PyTorch's order: each module's parameters,
  // then its buffers, then its children's entries. Tied tensors appear under
  // every name, as in PyTorch.
  StateDict state_dict() const;
  // Copies the dict's values into the module's tensors in place (converting
  // dtype and device), under NoGradGuard. strict: any missing key, unexpected
  // key or shape mismatch throws one Error listing all of them, and nothing
  // is loaded. Not strict: loads every entry whose name and shape match and
  // returns what did not; nabla also skips shape mismatches here, where
  // PyTorch raises for them even when not strict.
  LoadStateDictResult load_state_dict(const StateDict& state, bool strict = true);

  // ---- devices and dtypes
  // Converts parameters and buffers in place: the tensor objects (and so the
  // module's members, an optimizer's references) stay the same, their data
  // moves. Parameters stay leaves that require grad; gradients move along.
  // to(dtype) converts floating-point tensors only, as PyTorch does.
  Module& to(Device device);
  Module& to(DType dtype);

  // ---- printing
  // The type's name as PyTorch prints it ("Linear"). Defaults to the C++
  // class name without namespaces.
  virtual std::string name() const;
  // The arguments printed between the parentheses: "in_features=784, ...".
  virtual std::string extra_repr() const { return ""; }
  // PyTorch's repr: "Name(extra)" for a leaf, otherwise one "(child): ..."
  // line per child, indented by two spaces per level.
  std::string repr() const;

 private:
  void register_child(const std::string& name, std::shared_ptr<Module> module);
  void run_forward_hooks(const Tensor& input, const Tensor& output);
  void check_new_name(const std::string& name, const char* what) const;
  void convert_in_place(const std::function<Tensor(const Tensor&)>& convert, bool floating_only);
  // Entries of the parameter (or buffer) lists of this module and, with
  // recurse, its descendants; seen drops tensors already listed.
  void collect(bool params, const std::string& prefix, bool recurse,
               std::unordered_set<const TensorImpl*>& seen, std::vector<NamedTensor>& out) const;
  // state_dict()'s entries, not detached: the module's own tensor handles.
  void collect_state(const std::string& prefix, std::vector<NamedTensor>& out) const;

  bool training_ = true;
  // deques: references to slots stay valid as entries are added.
  std::deque<NamedTensor> parameters_;
  std::deque<NamedTensor> buffers_;
  std::vector<NamedModule> children_;
  std::vector<std::pair<int64_t, ForwardHook>> forward_hooks_;
  int64_t next_hook_handle_ = 0;
};

std::ostream& operator<<(std::ostream& os, const Module& module);

// Formats a floating-point argument as Python's repr of a float ("1.0", "0.01").
std::string format_double(double value);

}  // namespace nabla::nn
