#include "nabla/nn/module.h"

#include <cxxabi.h>

#include <cmath>
#include <cstdlib>
#include <sstream>
#include <typeinfo>

#include "nabla/autograd/grad_mode.h"
#include "nabla/autograd/node.h"

namespace nabla::nn {

namespace {

std::string join_quoted(const std::vector<std::string>& names) {
  std::string out;
  for (size_t i = 0; i < names.size(); ++i) out += (i ? ", \"" : "\"") + names[i] + "\"";
  return out;
}

// Python's _addindent: every line but the first gets `spaces` more spaces.
std::string add_indent(const std::string& s, int spaces) {
  std::string out;
  for (char c : s) {
    out += c;
    if (c == '\n') out += std::string(spaces, ' ');
  }
  return out;
}

}  // namespace

std::string format_double(double value) {
  std::ostringstream os;
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e16) {
    os << static_cast<int64_t>(value) << ".0";
    return os.str();
  }
  // The shortest form that reads back as the same double, as Python's repr.
  for (int digits = 1; digits < 17; ++digits) {
    os.str("");
    os.precision(digits);
    os << value;
    if (std::strtod(os.str().c_str(), nullptr) == value) return os.str();
  }
  os.str("");
  os.precision(17);
  os << value;
  return os.str();
}

std::string LoadStateDictResult::to_string() const {
  std::ostringstream os;
  if (!missing_keys.empty())
    os << "Missing key(s) in state_dict: " << join_quoted(missing_keys) << ". ";
  if (!unexpected_keys.empty())
    os << "Unexpected key(s) in state_dict: " << join_quoted(unexpected_keys) << ". ";
  for (const auto& m : shape_mismatches) os << "size mismatch for " << m << ". ";
  std::string s = os.str();
  if (!s.empty()) s.pop_back();
  return s;
}

// ---- forward

int64_t Module::register_forward_hook(ForwardHook hook) {
  forward_hooks_.emplace_back(next_hook_handle_, std::move(hook));
  return next_hook_handle_++;
}

void Module::remove_forward_hook(int64_t handle) {
  std::erase_if(forward_hooks_, [handle](const auto& h) { return h.first == handle; });
}

void Module::run_forward_hooks(const Tensor& input, const Tensor& output) {
  // A copy: a hook may remove itself.
  auto hooks = forward_hooks_;
  for (auto& [handle, hook] : hooks) hook(*this, input, output);
}

Tensor Module::forward(const Tensor&) {
  NABLA_FAIL(name(),
             ": forward(const Tensor&) is not defined for this module; it takes other "
             "inputs (call its own forward overload)");
}

// ---- registration

void Module::check_new_name(const std::string& name, const char* what) const {
  NABLA_CHECK(!name.empty(), what, ": the name must not be empty");
  NABLA_CHECK(name.find('.') == std::string::npos, what, ": name '", name,
              "' must not contain '.' (dots join the names of nested modules)");
  auto taken = [&](const auto& list) {
    for (const auto& entry : list)
      if (entry.first == name) return true;
    return false;
  };
  NABLA_CHECK(!taken(parameters_) && !taken(buffers_) && !taken(children_), what, ": '", name,
              "' is already the name of another parameter, buffer or child module of ",
              this->name());
}

Tensor& Module::register_parameter(const std::string& name, Tensor t, bool requires_grad) {
  if (t.defined()) {
    NABLA_CHECK(t.is_leaf(), "register_parameter: '", name,
                "' must be a leaf tensor, but it was computed by ", t.grad_fn()->name(),
                "; register a detach()ed tensor");
    t.requires_grad_(requires_grad);
  }
  for (auto& slot : parameters_) {
    if (slot.first == name) {
      slot.second = t;
      return slot.second;
    }
  }
  check_new_name(name, "register_parameter");
  parameters_.emplace_back(name, t);
  return parameters_.back().second;
}

Tensor& Module::register_buffer(const std::string& name, Tensor t) {
  for (auto& slot : buffers_) {
    if (slot.first == name) {
      slot.second = t;
      return slot.second;
    }
  }
  check_new_name(name, "register_buffer");
  buffers_.emplace_back(name, t);
  return buffers_.back().second;
}

void Module::register_child(const std::string& name, std::shared_ptr<Module> module) {
  NABLA_CHECK(module != nullptr, "register_module: module '", name, "' is null");
  for (auto& child : children_) {
    if (child.first == name) {
      child.second = std::move(module);
      return;
    }
  }
  check_new_name(name, "register_module");
  children_.emplace_back(name, std::move(module));
}

// ---- listings

void Module::collect(bool params, const std::string& prefix, bool recurse,
                     std::unordered_set<const TensorImpl*>& seen,
                     std::vector<NamedTensor>& out) const {
  for (const auto& [name, t] : params ? parameters_ : buffers_)
    if (t.defined() && seen.insert(t.impl()).second) out.emplace_back(prefix + name, t);
  if (!recurse) return;
  for (const auto& [name, child] : children_)
    child->collect(params, prefix + name + ".", true, seen, out);
}

std::vector<NamedTensor> Module::named_parameters(bool recurse) const {
  std::unordered_set<const TensorImpl*> seen;
  std::vector<NamedTensor> out;
  collect(true, "", recurse, seen, out);
  return out;
}

std::vector<Tensor> Module::parameters(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [name, t] : named_parameters(recurse)) out.push_back(t);
  return out;
}

std::vector<NamedTensor> Module::named_buffers(bool recurse) const {
  std::unordered_set<const TensorImpl*> seen;
  std::vector<NamedTensor> out;
  collect(false, "", recurse, seen, out);
  return out;
}

std::vector<Tensor> Module::buffers(bool recurse) const {
  std::vector<Tensor> out;
  for (auto& [name, t] : named_buffers(recurse)) out.push_back(t);
  return out;
}

std::vector<NamedModule> Module::named_children() const {
  return children_;
}

std::vector<std::shared_ptr<Module>> Module::children() const {
  std::vector<std::shared_ptr<Module>> out;
  for (const auto& [name, child] : children_) out.push_back(child);
  return out;
}

std::vector<NamedModule> Module::named_modules(const std::string& prefix, bool include_self) {
  std::vector<NamedModule> out;
  std::unordered_set<const Module*> seen{this};
  if (include_self) {
    auto self = weak_from_this().lock();
    NABLA_CHECK(self != nullptr, "named_modules: ", name(),
                " must be held by a std::shared_ptr (std::make_shared) to list itself");
    out.emplace_back(prefix, self);
  }
  // Pre-order, each module once (under its first name), as PyTorch.
  std::function<void(const Module&, const std::string&)> visit = [&](const Module& m,
                                                                     const std::string& p) {
    for (const auto& [name, child] : m.children_) {
      if (!seen.insert(child.get()).second) continue;
      const std::string full = p.empty() ? name : p + "." + name;
      out.emplace_back(full, child);
      visit(*child, full);
    }
  };
  visit(*this, prefix);
  return out;
}

std::vector<std::shared_ptr<Module>> Module::modules(bool include_self) {
  std::vector<std::shared_ptr<Module>> out;
  for (auto& [name, m] : named_modules("", include_self)) out.push_back(m);
  return out;
}

void Module::apply(const std::function<void(Module&)>& fn) {
  for (auto& [name, child] : children_) child->apply(fn);
  fn(*this);
}

// ---- modes

void Module::train(bool on) {
  training_ = on;
  for (auto& [name, child] : children_) child->train(on);
}

void Module::zero_grad() {
  for (auto& t : parameters()) t.set_grad(Tensor());
}

// ---- state

void Module::collect_state(const std::string& prefix, std::vector<NamedTensor>& out) const {
  for (const auto& [name, t] : parameters_)
    if (t.defined()) out.emplace_back(prefix + name, t);
  for (const auto& [name, t] : buffers_)
    if (t.defined()) out.emplace_back(prefix + name, t);
  for (const auto& [name, child] : children_) child->collect_state(prefix + name + ".", out);
}

StateDict Module::state_dict() const {
  std::vector<NamedTensor> entries;
  collect_state("", entries);
  StateDict out;
  for (const auto& [name, t] : entries) out.set(name, t.detach());
  return out;
}

LoadStateDictResult Module::load_state_dict(const StateDict& state, bool strict) {
  std::vector<NamedTensor> entries;
  collect_state("", entries);

  LoadStateDictResult result;
  std::unordered_set<std::string> expected;
  std::vector<bool> loadable(entries.size(), false);
  for (size_t i = 0; i < entries.size(); ++i) {
    const auto& [key, t] = entries[i];
    expected.insert(key);
    if (!state.contains(key)) {
      result.missing_keys.push_back(key);
      continue;
    }
    const Tensor& src = state.at(key);
    if (!src.defined()) {
      result.shape_mismatches.push_back(key + ": the checkpoint's tensor is undefined");
    } else if (src.shape() != t.shape()) {
      result.shape_mismatches.push_back(detail::concat(key, ": copying a tensor of shape ",
                                                       src.shape(), " from the checkpoint, ",
                                                       "the shape in the module is ", t.shape()));
    } else {
      loadable[i] = true;
    }
  }
  for (const auto& key : state.keys())
    if (!expected.count(key)) result.unexpected_keys.push_back(key);

  // Strict: all or nothing, so a failed load leaves the module as it was.
  NABLA_CHECK(!strict || result.ok(), "load_state_dict: error(s) loading into ", name(), ": ",
              result.to_string());

  NoGradGuard no_grad;
  for (size_t i = 0; i < entries.size(); ++i) {
    if (!loadable[i]) continue;
    Tensor dst = entries[i].second;
    Tensor src = state.at(entries[i].first);
    if (src.device() != dst.device()) src = src.to(dst.device());
    dst.copy_(src);
  }
  return result;
}

// ---- devices and dtypes

void Module::convert_in_place(const std::function<Tensor(const Tensor&)>& convert,
                              bool floating_only) {
  NoGradGuard no_grad;
  std::vector<Tensor> tensors = parameters();
  for (auto& b : buffers()) tensors.push_back(b);
  for (const Tensor& t : tensors) {
    if (floating_only && !t.is_floating_point()) continue;
    Tensor moved = convert(t.detach());
    TensorImpl* impl = t.impl();
    if (moved.storage() != impl->storage || moved.dtype() != impl->dtype) {
      impl->storage = moved.storage();
      impl->shape = moved.shape();
      impl->strides = moved.strides();
      impl->offset = moved.storage_offset();
      impl->dtype = moved.dtype();
      // A gradient accumulator made for the old dtype or device must not be reused.
      impl->grad_accumulator.reset();
    }
    if (impl->grad) impl->grad = convert(Tensor(impl->grad).detach()).impl_ptr();
  }
}

Module& Module::to(Device device) {
  convert_in_place([device](const Tensor& t) { return t.to(device); }, false);
  return *this;
}

Module& Module::to(DType dtype) {
  NABLA_CHECK(is_floating(dtype), "Module::to: expected a floating-point dtype, got ", dtype);
  convert_in_place([dtype](const Tensor& t) { return t.to(dtype); }, true);
  return *this;
}

// ---- printing

std::string Module::name() const {
  const char* mangled = typeid(*this).name();
  int status = 0;
  char* demangled = abi::__cxa_demangle(mangled, nullptr, nullptr, &status);
  std::string full = status == 0 && demangled ? demangled : mangled;
  std::free(demangled);
  // Drop namespaces: "nabla::models::LeNet" prints as "LeNet".
  const size_t template_start = full.find('<');
  const size_t last_colon = full.rfind("::", template_start);
  return last_colon == std::string::npos ? full : full.substr(last_colon + 2);
}

std::string Module::repr() const {
  std::vector<std::string> extra_lines;
  const std::string extra = extra_repr();
  if (!extra.empty()) {
    std::istringstream lines(extra);
    for (std::string line; std::getline(lines, line);) extra_lines.push_back(line);
  }
  std::vector<std::string> child_lines;
  for (const auto& [key, child] : children_)
    child_lines.push_back("(" + key + "): " + add_indent(child->repr(), 2));

  std::string out = name() + "(";
  if (extra_lines.size() == 1 && child_lines.empty()) {
    out += extra_lines[0];
  } else if (!extra_lines.empty() || !child_lines.empty()) {
    for (const auto& line : extra_lines) out += "\n  " + line;
    for (const auto& line : child_lines) out += "\n  " + line;
    out += "\n";
  }
  return out + ")";
}

std::ostream& operator<<(std::ostream& os, const Module& module) {
  return os << module.repr();
}

}  // namespace nabla::nn
