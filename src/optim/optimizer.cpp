#include "nabla/optim/optimizer.h"

#include <cmath>
#include <sstream>
#include <unordered_set>

#include "nabla/ops/factory.h"

namespace nabla::optim {

double ParamGroup::get(const std::string& key) const {
  auto it = options.find(key);
  NABLA_CHECK(it != options.end(), "param group: no option named '", key, "'");
  return it->second;
}

Optimizer::Optimizer(std::string name, std::vector<ParamGroup> groups, GroupOptions defaults)
    : name_(std::move(name)), defaults_(std::move(defaults)) {
  NABLA_CHECK(!groups.empty(), name_, ": optimizer got an empty parameter list");
  for (auto& group : groups) append_group(std::move(group));
}

void Optimizer::check_groups() const {
  for (const auto& group : groups_) check_options(group.options);
}

void Optimizer::add_param_group(ParamGroup group) {
  append_group(std::move(group));
  check_options(groups_.back().options);
}

void Optimizer::append_group(ParamGroup group) {
  NABLA_CHECK(!group.params.empty(), name_, ": optimizer got an empty parameter list (param group ",
              groups_.size(), ")");
  std::unordered_set<const TensorImpl*> seen;
  for (const auto& g : groups_)
    for (const auto& p : g.params) seen.insert(p.impl());
  for (size_t i = 0; i < group.params.size(); ++i) {
    const Tensor& p = group.params[i];
    NABLA_CHECK(p.defined(), name_, ": parameter ", i, " of group ", groups_.size(),
                " is undefined");
    NABLA_CHECK(p.is_floating_point(), name_,
                ": can only optimize floating-point tensors, "
                "parameter ",
                i, " of group ", groups_.size(), " is ", p.dtype());
    NABLA_CHECK(p.requires_grad(), name_, ": parameter ", i, " of group ", groups_.size(),
                " (shape ", p.shape(), ") does not require grad");
    NABLA_CHECK(p.is_leaf(), name_, ": can't optimize a non-leaf tensor (parameter ", i,
                " of group ", groups_.size(), ", shape ", p.shape(), ")");
    NABLA_CHECK(seen.insert(p.impl()).second, name_, ": parameter ", i, " of group ",
                groups_.size(), " appears more than once in the parameter groups");
  }
  GroupOptions merged = defaults_;
  for (const auto& [key, value] : group.options) {
    if (!defaults_.count(key)) {
      std::ostringstream known;
      for (const auto& [k, v] : defaults_) known << " " << k;
      NABLA_FAIL(name_, ": unknown option '", key, "' in param group ", groups_.size(),
                 "; the options are:", known.str());
    }
    merged[key] = value;
  }
  group.options = std::move(merged);
  states_.resize(states_.size() + group.params.size());
  groups_.push_back(std::move(group));
}

void Optimizer::zero_grad(bool set_to_none) {
  for (auto& group : groups_) {
    for (auto& p : group.params) {
      Tensor grad = p.grad();
      if (!grad.defined()) continue;
      if (set_to_none) {
        p.set_grad(Tensor());
      } else {
        if (grad.grad_fn()) grad.detach_();
        grad.zero_();
      }
    }
  }
}

StateDict Optimizer::state_dict() const {
  StateDict out;
  for (size_t i = 0; i < states_.size(); ++i) {
    const ParamState& s = states_[i];
    if (!s.initialized) continue;
    const std::string prefix = "state." + std::to_string(i) + ".";
    if (counts_steps_) out.set(prefix + "step", scalar_tensor(double(s.step), kFloat64));
    for (const auto& [name, buffer] : s.buffers) out.set(prefix + name, buffer.clone());
  }
  int64_t index = 0;
  for (size_t g = 0; g < groups_.size(); ++g) {
    const std::string prefix = "param_groups." + std::to_string(g) + ".";
    for (const auto& [key, value] : groups_[g].options)
      out.set(prefix + key, scalar_tensor(value, kFloat64));
    std::vector<int64_t> indices;
    for (size_t k = 0; k < groups_[g].params.size(); ++k) indices.push_back(index++);
    out.set(prefix + "params", tensor(indices));
  }
  return out;
}

namespace {

// "state.3.exp_avg" → {"state", 3, "exp_avg"}.
struct StateKey {
  std::string section;
  size_t index = 0;
  std::string name;
};

StateKey parse_key(const std::string& optimizer, const std::string& key) {
  const size_t a = key.find('.');
  const size_t b = a == std::string::npos ? a : key.find('.', a + 1);
  NABLA_CHECK(b != std::string::npos && b > a + 1 && b + 1 < key.size(), optimizer,
              ".load_state_dict: unexpected entry '", key, "'");
  StateKey out{key.substr(0, a), 0, key.substr(b + 1)};
  const std::string digits = key.substr(a + 1, b - a - 1);
  NABLA_CHECK(digits.find_first_not_of("0123456789") == std::string::npos &&
                  (out.section == "state" || out.section == "param_groups"),
              optimizer, ".load_state_dict: unexpected entry '", key, "'");
  out.index = std::stoul(digits);
  return out;
}

}  // namespace

void Optimizer::load_state_dict(const StateDict& state) {
  const std::string who = name_ + ".load_state_dict";
  // The groups first: they must hold the same parameters, in the same order.
  size_t saved_groups = 0;
  while (state.contains("param_groups." + std::to_string(saved_groups) + ".params")) ++saved_groups;
  NABLA_CHECK(saved_groups == groups_.size(), who, ": the state has ", saved_groups,
              " parameter groups, the optimizer ", groups_.size());
  int64_t index = 0;
  for (size_t g = 0; g < groups_.size(); ++g) {
    const auto saved = state.at("param_groups." + std::to_string(g) + ".params").to_vector();
    NABLA_CHECK(saved.size() == groups_[g].params.size(), who, ": group ", g, " has ",
                groups_[g].params.size(), " parameters, the state ", saved.size());
    for (double i : saved)
      NABLA_CHECK(int64_t(i) == index++, who, ": group ", g,
                  " lists parameter indices out of order");
  }

  std::vector<ParamState> states(states_.size());
  std::vector<Tensor*> params;
  for (auto& group : groups_)
    for (auto& p : group.params) params.push_back(&p);
  std::vector<GroupOptions> options(groups_.size());
  for (size_t g = 0; g < groups_.size(); ++g) options[g] = groups_[g].options;

  for (const auto& [key, value] : state) {
    const StateKey k = parse_key(name_, key);
    if (k.section == "param_groups") {
      NABLA_CHECK(k.index < groups_.size(), who, ": ", key, " but the optimizer has ",
                  groups_.size(), " parameter groups");
      if (k.name != "params") options[k.index][k.name] = value.item_double();
      continue;
    }
    NABLA_CHECK(k.index < states.size(), who, ": state for parameter ", k.index,
                " but the optimizer has ", states.size());
    ParamState& s = states[k.index];
    s.initialized = true;
    if (k.name == "step") {
      s.step = std::llround(value.item_double());
      continue;
    }
    const Tensor& p = *params[k.index];
    NABLA_CHECK(value.shape() == p.shape(), who, ": ", key, " has shape ", value.shape(),
                ", the parameter ", p.shape());
    // As PyTorch: buffers take the parameter's dtype and device.
    s.buffers[k.name] = value.to(p.device()).to(p.dtype()).clone();
  }
  for (size_t g = 0; g < groups_.size(); ++g) check_options(options[g]);
  for (size_t g = 0; g < groups_.size(); ++g) groups_[g].options = std::move(options[g]);
  states_ = std::move(states);
}

}  // namespace nabla::optim
