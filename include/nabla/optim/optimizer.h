// The base of every optimizer, as torch.optim.Optimizer.
//
// Parameters come in groups. Each group carries its own hyper-parameters in a
// map, as PyTorch's param_group dict does ("lr", "weight_decay", ...):
// schedulers change them between steps, and a group given with overrides
// ({"lr", 0.01}) keeps the optimizer's defaults for the rest. Per-parameter
// state (momentum buffers, moment estimates, step counts) is kept by the
// parameter's index, counted across groups in order, as in PyTorch's
// state_dict. Booleans (nesterov, amsgrad, centered) are 0/1 in the map.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "nabla/autograd/grad_mode.h"
#include "nabla/core/state_dict.h"
#include "nabla/core/tensor.h"

// An option with a chainable setter, as LibTorch's TORCH_ARG:
//   NABLA_OPTIM_ARG(double, lr) = 1e-3;   →   opts.lr(0.1).lr() == 0.1
#define NABLA_OPTIM_ARG(T, name) \
 public:                         \
  auto& name(const T& value) {   \
    this->name##_ = value;       \
    return *this;                \
  }                              \
  const T& name() const {        \
    return this->name##_;        \
  }                              \
                                 \
 private:                        \
  T name##_

namespace nabla::optim {

using GroupOptions = std::map<std::string, double>;

struct ParamGroup {
  explicit ParamGroup(std::vector<Tensor> params, GroupOptions options = {})
      : params(std::move(params)), options(std::move(options)) {}

  // The option named key; an error names the missing key.
  double get(const std::string& key) const;
  void set(const std::string& key, double value) { options[key] = value; }
  bool contains(const std::string& key) const { return options.count(key) != 0; }
  double lr() const { return get("lr"); }

  std::vector<Tensor> params;
  GroupOptions options;  // in an optimizer: the group's overrides merged over the defaults
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // One update of every parameter that has a gradient (the others are skipped).
  virtual void step() = 0;
  // set_to_none drops the gradients (PyTorch 2.x's default; 1.13's was false);
  // otherwise they are zeroed in place.
  void zero_grad(bool set_to_none = true);

  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  const GroupOptions& defaults() const { return defaults_; }
  const std::string& name() const { return name_; }
  // Appends a group; its options are checked as the constructor's are.
  void add_param_group(ParamGroup group);

  // PyTorch's {"state": {i: {...}}, "param_groups": [{...}]} flattened:
  //   state.<i>.<buffer>      the buffer, a copy     (state.0.exp_avg)
  //   state.<i>.step          0-d float64            (optimizers that count steps)
  //   param_groups.<g>.<key>  0-d float64            (param_groups.0.lr)
  //   param_groups.<g>.params int64 indices of the group's parameters
  // Adam's betas tuple is saved as beta1 and beta2.
  StateDict state_dict() const;
  // Restores what state_dict() saved into an optimizer over the same groups of
  // parameters of the same shapes; training then resumes exactly.
  void load_state_dict(const StateDict& state);

 protected:
  struct ParamState {
    bool initialized = false;
    int64_t step = 0;
    std::map<std::string, Tensor> buffers;
  };

  Optimizer(std::string name, std::vector<ParamGroup> groups, GroupOptions defaults);
  // Called by each optimizer's constructor once its defaults are in place:
  // checks every group with check_options.
  void check_groups() const;
  // Throws if a group's hyper-parameters are invalid (negative lr, ...).
  virtual void check_options(const GroupOptions& options) const = 0;

  // Runs fn(param, grad, state, options) for every parameter that has a
  // gradient, under NoGradGuard.
  template <class Fn>
  void for_each_param(Fn&& fn);

  bool counts_steps_ = true;  // whether state_dict saves state.<i>.step (SGD: no)

 private:
  void append_group(ParamGroup group);

  std::string name_;
  GroupOptions defaults_;
  std::vector<ParamGroup> groups_;
  std::vector<ParamState> states_;  // by parameter index
};

template <class Fn>
void Optimizer::for_each_param(Fn&& fn) {
  NoGradGuard no_grad;
  size_t index = 0;
  for (auto& group : groups_) {
    for (auto& p : group.params) {
      ParamState& state = states_[index++];
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      fn(p, grad, state, group.options);
    }
  }
}

}  // namespace nabla::optim
