#include "nabla/nn/summary.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <utility>

#include "nabla/autograd/grad_mode.h"
#include "nabla/nn/conv.h"
#include "nabla/nn/linear.h"
#include "nabla/ops/factory.h"

namespace nabla::nn {
namespace {

// Removes the hooks it registered when it goes out of scope, also while an
// exception from the forward pass unwinds.
class HookGuard {
 public:
  HookGuard() = default;
  HookGuard(const HookGuard&) = delete;
  HookGuard& operator=(const HookGuard&) = delete;
  ~HookGuard() {
    for (auto& [module, handle] : hooks_) module->remove_forward_hook(handle);
  }
  void add(const std::shared_ptr<Module>& module, Module::ForwardHook hook) {
    hooks_.emplace_back(module, module->register_forward_hook(std::move(hook)));
  }

 private:
  std::vector<std::pair<std::shared_ptr<Module>, int64_t>> hooks_;
};

// Puts every module back in the mode it had. Module::train(on) recurses, so
// modules are restored parents first: each child then resets its own mode.
class ModeGuard {
 public:
  explicit ModeGuard(std::vector<Module*> pre_order) : modules_(std::move(pre_order)) {
    for (Module* m : modules_) modes_.push_back(m->is_training());
  }
  ModeGuard(const ModeGuard&) = delete;
  ModeGuard& operator=(const ModeGuard&) = delete;
  ~ModeGuard() {
    for (size_t i = 0; i < modules_.size(); ++i) modules_[i]->train(modes_[i]);
  }

 private:
  std::vector<Module*> modules_;
  std::vector<bool> modes_;
};

// Elements per example of a batched shape, over the dims after `skip`:
// positions(out, 2) of [N, C, H, W] is H·W.
int64_t positions(const Shape& shape, size_t skip) {
  int64_t n = 1;
  for (size_t d = skip; d < shape.size(); ++d) n *= shape[d];
  return n;
}

// Multiply-accumulates of one call, per example (the batch is dim 0):
//   conv:            |W| · output positions         (|W| = C_out·C_in/groups·k…)
//   transposed conv: |W| · input positions          (each input pixel scatters W)
//   linear:          |W| · positions of the dims between batch and features
int64_t macs_of(Module& m, const Shape& in, const Shape& out) {
  if (auto* c = dynamic_cast<Conv2d*>(&m)) return c->weight.numel() * positions(out, 2);
  if (auto* c = dynamic_cast<Conv1d*>(&m)) return c->weight.numel() * positions(out, 2);
  if (auto* c = dynamic_cast<ConvTranspose2d*>(&m)) return c->weight.numel() * positions(in, 2);
  if (auto* l = dynamic_cast<Linear*>(&m)) {
    if (out.size() < 2) return l->weight.numel();
    return l->weight.numel() * (positions(out, 1) / out.back());
  }
  return 0;
}

int64_t own_parameters(const Module& m) {
  int64_t n = 0;
  for (const auto& [name, t] : m.named_parameters(/*recurse=*/false)) n += t.numel();
  return n;
}

struct Call {
  SummaryRow row;
  std::vector<Call> children;
};

bool is_descendant(const std::string& name, const std::string& ancestor) {
  return name.size() > ancestor.size() + 1 && name.compare(0, ancestor.size(), ancestor) == 0 &&
         name[ancestor.size()] == '.';
}

void flatten_pre_order(std::vector<Call>& calls, std::vector<SummaryRow>& out) {
  for (auto& c : calls) {
    out.push_back(std::move(c.row));
    flatten_pre_order(c.children, out);
  }
}

// Forward hooks run when a call ends, so they see calls in post-order
// (children before their parent). The tree is rebuilt from the names: when a
// call ends, the calls just before it that lie under its name are its
// children. Listing the tree in pre-order gives the order the calls began.
std::vector<SummaryRow> pre_order(std::vector<SummaryRow> post_order) {
  std::vector<Call> stack;
  for (auto& row : post_order) {
    Call call{std::move(row), {}};
    auto first_child = stack.end();
    while (first_child != stack.begin() &&
           is_descendant(std::prev(first_child)->row.name, call.row.name))
      --first_child;
    call.children.assign(std::make_move_iterator(first_child),
                         std::make_move_iterator(stack.end()));
    stack.erase(first_child, stack.end());
    stack.push_back(std::move(call));
  }
  std::vector<SummaryRow> rows;
  flatten_pre_order(stack, rows);
  return rows;
}

// 1234567 → "1,234,567"
std::string with_commas(int64_t n) {
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

// 1823522816 → "1.82 G"; below a thousand the number itself.
std::string human(int64_t n) {
  static const char* const kUnits[] = {"K", "M", "G", "T", "P"};
  if (n < 1000 && n > -1000) return std::to_string(n);
  double v = static_cast<double>(n);
  int unit = -1;
  while ((v >= 1000 || v <= -1000) && unit < 4) {
    v /= 1000;
    ++unit;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.2f %s", v, kUnits[unit]);
  return buffer;
}

// Width on a terminal: the box-drawing characters are one column but three bytes.
size_t display_width(const std::string& s) {
  return std::count_if(s.begin(), s.end(), [](char c) { return (c & 0xC0) != 0x80; });
}

std::string pad(const std::string& s, size_t width) {
  const size_t w = display_width(s);
  return w >= width ? s + " " : s + std::string(width - w, ' ');
}

}  // namespace

Summary summary(Module& model, const Shape& input_shape) {
  NABLA_CHECK(!input_shape.empty(), "summary: the input shape of ", model.name(),
              " is empty; give the shape of one example, e.g. [1, 28, 28] or [784]");
  for (int64_t s : input_shape)
    NABLA_CHECK(s > 0, "summary: the input shape ", input_shape, " has a size ", s,
                "; every size must be positive");

  Summary result;
  result.model = model.name();
  result.input_shape = input_shape;
  result.input_shape.insert(result.input_shape.begin(), 1);

  const std::vector<NamedModule> named = model.named_modules("", /*include_self=*/false);
  std::vector<Module*> pre_order_modules{&model};
  for (const auto& [name, m] : named) pre_order_modules.push_back(m.get());

  // Totals: each tensor once, however many modules share it.
  TensorOptions input_options;
  bool options_set = false;
  for (const Tensor& p : model.parameters()) {
    result.total_parameters += p.numel();
    if (p.requires_grad()) result.trainable_parameters += p.numel();
    if (!options_set && p.is_floating_point()) {
      input_options = TensorOptions(p.dtype()).device(p.device());
      options_set = true;
    }
  }

  std::vector<SummaryRow> post_order;
  int64_t root_macs = 0;
  {
    ModeGuard modes(pre_order_modules);
    HookGuard hooks;
    for (const auto& [name, module] : named) {
      hooks.add(module, [&post_order, name = name](Module& m, const Tensor& in, const Tensor& out) {
        SummaryRow row;
        row.name = name;
        row.type = m.name();
        row.depth = static_cast<int>(std::count(name.begin(), name.end(), '.'));
        row.output_shape = out.defined() ? out.shape() : Shape{};
        row.parameters = own_parameters(m);
        row.macs = in.defined() && out.defined() ? macs_of(m, in.shape(), out.shape()) : 0;
        post_order.push_back(std::move(row));
      });
    }
    model.eval();
    NoGradGuard no_grad;
    Tensor x = zeros(result.input_shape, input_options);
    try {
      Tensor y = model(x);
      if (y.defined()) result.output_shape = y.shape();
      // A model that is itself one layer (a bare Conv2d) has no rows but a cost.
      root_macs = y.defined() ? macs_of(model, x.shape(), y.shape()) : 0;
    } catch (const Error& e) {
      NABLA_FAIL("summary: the forward pass of ", model.name(), " on an input of shape ",
                 result.input_shape, " failed: ", e.what());
    }
  }

  result.rows = pre_order(std::move(post_order));
  result.total_macs = root_macs;
  for (const auto& row : result.rows) result.total_macs += row.macs;
  return result;
}

std::string Summary::to_string() const {
  // Layer labels as torchinfo draws them: "├─Conv2d: 1-1" for the model's
  // children, "│    └─Conv2d: 2-3" one level down; the index counts rows per depth.
  std::vector<std::string> labels;
  std::map<int, int> index_at_depth;
  for (const auto& row : rows) {
    std::string prefix;
    for (int d = 0; d < row.depth; ++d) prefix += "│    ";
    prefix += row.depth == 0 ? "├─" : "└─";
    labels.push_back(prefix + row.type + ": " + std::to_string(row.depth + 1) + "-" +
                     std::to_string(++index_at_depth[row.depth]));
  }
  size_t layer_width = 40;
  for (const auto& l : labels) layer_width = std::max(layer_width, display_width(l) + 2);
  layer_width = std::max(layer_width, display_width(model) + 2);
  const size_t shape_width = 26, number_width = 16;
  const size_t total_width = layer_width + shape_width + 2 * number_width;
  const std::string rule(total_width, '=');

  std::ostringstream os;
  auto line = [&](const std::string& layer, const std::string& shape, const std::string& params,
                  const std::string& macs) {
    os << pad(layer, layer_width) << pad(shape, shape_width) << pad(params, number_width) << macs
       << "\n";
  };
  os << rule << "\n";
  line("Layer (type:depth-idx)", "Output Shape", "Param #", "Mult-Adds");
  os << rule << "\n";
  line(model, nabla::to_string(output_shape), "--", "--");
  std::map<std::string, bool> seen;
  for (size_t i = 0; i < rows.size(); ++i) {
    const SummaryRow& row = rows[i];
    std::string params = row.parameters ? with_commas(row.parameters) : "--";
    if (seen[row.name] && row.parameters) params = "(recursive)";
    seen[row.name] = true;
    line(labels[i], nabla::to_string(row.output_shape), params,
         row.macs ? with_commas(row.macs) : "--");
  }
  os << rule << "\n";
  auto with_human = [](int64_t n) {
    return n >= 1000 ? with_commas(n) + " (" + human(n) + ")" : with_commas(n);
  };
  os << "Total params: " << with_human(total_parameters) << "\n";
  os << "Trainable params: " << with_human(trainable_parameters) << "\n";
  os << "Non-trainable params: " << with_human(total_parameters - trainable_parameters) << "\n";
  os << "Total mult-adds: " << human(total_macs) << "\n";
  os << "Input: " << nabla::to_string(input_shape) << "\n";
  os << rule << "\n";
  return os.str();
}

std::string Summary::to_json() const {
  // One layer per line: arrays of shapes stay on one line, which
  // nlohmann's indented dump would spread over one line per number.
  using Json = nlohmann::ordered_json;
  std::ostringstream os;
  os << "{\n  \"model\": " << Json(model).dump() << ",\n  \"input\": " << Json(input_shape).dump()
     << ",\n  \"output\": " << Json(output_shape).dump() << ",\n  \"layers\": [";
  for (size_t i = 0; i < rows.size(); ++i) {
    const SummaryRow& row = rows[i];
    Json layer{{"name", row.name},
               {"type", row.type},
               {"depth", row.depth},
               {"output_shape", row.output_shape},
               {"parameters", row.parameters},
               {"macs", row.macs}};
    os << (i ? ",\n    " : "\n    ") << layer.dump();
  }
  os << (rows.empty() ? "]" : "\n  ]") << ",\n  \"total_parameters\": " << total_parameters
     << ",\n  \"trainable_parameters\": " << trainable_parameters
     << ",\n  \"total_macs\": " << total_macs << "\n}\n";
  return os.str();
}

}  // namespace nabla::nn
