#include "nabla/models/spec.h"

#include <algorithm>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

#include "nabla/autograd/grad_mode.h"
#include "nabla/nn/activation.h"
#include "nabla/nn/conv.h"
#include "nabla/nn/dropout.h"
#include "nabla/nn/linear.h"
#include "nabla/nn/norm.h"
#include "nabla/nn/pool.h"
#include "nabla/nn/vision.h"
#include "nabla/ops/factory.h"

namespace nabla::models {
namespace {

using Json = nlohmann::json;

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

// One entry of "layers": typed access to its arguments, with errors that name
// the layer, the key and what was expected.
class Layer {
 public:
  Layer(const Json& json, size_t index, std::string type, const ModelConfig& config,
        const Shape& input)
      : json_(json), index_(index), type_(std::move(type)), config_(config), input_(input) {}

  template <class... Args>
  [[noreturn]] void fail(const Args&... args) const {
    NABLA_FAIL("spec: layer ", index_, " (", type_, "): ", args...);
  }

  bool has(const std::string& key) const { return json_.contains(key); }
  // Present and not null.
  bool given(const std::string& key) const { return has(key) && !json_.at(key).is_null(); }

  const Json& at(const std::string& key) const {
    if (!has(key)) fail("missing '", key, "'");
    return json_.at(key);
  }

  int64_t integer(const std::string& key) const { return to_integer(key, at(key)); }
  int64_t integer(const std::string& key, int64_t fallback) const {
    return given(key) ? integer(key) : fallback;
  }
  // An input size that may be omitted or "auto".
  bool inferred(const std::string& key) const {
    return !has(key) || (json_.at(key).is_string() && json_.at(key) == "auto");
  }
  // in_channels, num_features, ...: else the channels (dim 1) of the input.
  int64_t channels(const std::string& key) const {
    if (!inferred(key)) return integer(key);
    if (input_.size() < 2)
      fail("cannot infer '", key, "' from an input of shape ", input_, "; give it");
    return input_[1];
  }
  // in_features: else the last dim of the input.
  int64_t features(const std::string& key) const {
    return inferred(key) ? input_.back() : integer(key);
  }

  double number(const std::string& key, double fallback) const {
    if (!given(key)) return fallback;
    const Json& v = json_.at(key);
    if (!v.is_number()) fail("'", key, "' must be a number, got ", v.dump());
    return v.get<double>();
  }
  std::optional<double> optional_number(const std::string& key,
                                        std::optional<double> fallback) const {
    if (!has(key)) return fallback;
    if (json_.at(key).is_null()) return std::nullopt;
    return number(key, 0);
  }
  bool boolean(const std::string& key, bool fallback) const {
    if (!given(key)) return fallback;
    const Json& v = json_.at(key);
    if (!v.is_boolean()) fail("'", key, "' must be true or false, got ", v.dump());
    return v.get<bool>();
  }
  std::string string(const std::string& key, const std::string& fallback) const {
    if (!given(key)) return fallback;
    const Json& v = json_.at(key);
    if (!v.is_string()) fail("'", key, "' must be a string, got ", v.dump());
    return v.get<std::string>();
  }

  // An integer for both dims, or [h, w].
  Size2 size2(const std::string& key) const {
    const Json& v = at(key);
    if (v.is_array()) {
      if (v.size() != 2) fail("'", key, "' must be an integer or [h, w], got ", v.dump());
      return Size2(to_integer(key, v[0]), to_integer(key, v[1]));
    }
    return Size2(to_integer(key, v));
  }
  Size2 size2(const std::string& key, Size2 fallback) const {
    return given(key) ? size2(key) : fallback;
  }
  // Integers, or one integer as a list of one.
  std::vector<int64_t> integers(const std::string& key) const {
    const Json& v = at(key);
    std::vector<int64_t> out;
    if (!v.is_array()) return {to_integer(key, v)};
    for (const Json& e : v) out.push_back(to_integer(key, e));
    return out;
  }

  int64_t input_features() const { return input_.back(); }

 private:
  int64_t to_integer(const std::string& key, const Json& v) const {
    if (v.is_string()) {
      if (v == "num_classes") return config_.num_classes;
      if (v == "in_channels") return config_.in_channels;
    }
    if (!v.is_number_integer())
      fail("'", key, "' must be an integer (or \"num_classes\", \"in_channels\"), got ", v.dump());
    return v.get<int64_t>();
  }

  const Json& json_;
  size_t index_;
  std::string type_;
  const ModelConfig& config_;
  const Shape& input_;
};

struct LayerType {
  std::vector<std::string> keys;  // besides "type"
  std::function<std::shared_ptr<nn::Module>(Layer&)> build;
};

Padding2d conv_padding(const Layer& l) {
  if (!l.given("padding")) return Padding2d(0);
  const Json& v = l.at("padding");
  if (v.is_string()) {
    const std::string mode = v.get<std::string>();
    if (mode != "same" && mode != "valid")
      l.fail("'padding' must be \"same\", \"valid\", an integer or [h, w], got ", v.dump());
    return Padding2d(mode);
  }
  return Padding2d(l.size2("padding"));
}

Padding1d conv1d_padding(const Layer& l) {
  if (!l.given("padding")) return Padding1d(0);
  const Json& v = l.at("padding");
  if (v.is_string() && (v == "same" || v == "valid")) return Padding1d(v.get<std::string>());
  if (v.is_string() && v != "num_classes" && v != "in_channels")
    l.fail("'padding' must be \"same\", \"valid\" or an integer, got ", v.dump());
  return Padding1d(l.integer("padding"));
}

// ZeroPad2d and kin: one integer, or [left, right, top, bottom].
nn::Padding2d pad_sizes(const Layer& l) {
  std::vector<int64_t> v = l.integers("padding");
  if (v.size() == 1) return nn::Padding2d(v[0]);
  if (v.size() != 4) l.fail("'padding' must be an integer or [left, right, top, bottom]");
  nn::Padding2d p(0);
  p.values = v;
  return p;
}

template <class Options>
Options batch_norm_options(const Layer& l, Options o) {
  o.eps(l.number("eps", o.eps()));
  o.momentum(l.optional_number("momentum", o.momentum()));
  o.affine(l.boolean("affine", o.affine()));
  o.track_running_stats(l.boolean("track_running_stats", o.track_running_stats()));
  return o;
}

const std::map<std::string, LayerType>& layer_types() {
  using nn::Module;
  using Ptr = std::shared_ptr<Module>;
  static const std::map<std::string, LayerType> types = {
      {"Conv1d",
       {{"in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups",
         "bias", "padding_mode"},
        [](Layer& l) -> Ptr {
          nn::Conv1dOptions o(l.channels("in_channels"), l.integer("out_channels"),
                              l.integer("kernel_size"));
          o.padding(conv1d_padding(l));
          return std::make_shared<nn::Conv1d>(o.stride(l.integer("stride", 1))
                                                  .dilation(l.integer("dilation", 1))
                                                  .groups(l.integer("groups", 1))
                                                  .bias(l.boolean("bias", true))
                                                  .padding_mode(l.string("padding_mode", "zeros")));
        }}},
      {"Conv2d",
       {{"in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation", "groups",
         "bias", "padding_mode"},
        [](Layer& l) -> Ptr {
          nn::Conv2dOptions o(l.channels("in_channels"), l.integer("out_channels"),
                              l.size2("kernel_size"));
          return std::make_shared<nn::Conv2d>(o.stride(l.size2("stride", 1))
                                                  .padding(conv_padding(l))
                                                  .dilation(l.size2("dilation", 1))
                                                  .groups(l.integer("groups", 1))
                                                  .bias(l.boolean("bias", true))
                                                  .padding_mode(l.string("padding_mode", "zeros")));
        }}},
      {"ConvTranspose2d",
       {{"in_channels", "out_channels", "kernel_size", "stride", "padding", "output_padding",
         "groups", "bias", "dilation", "padding_mode"},
        [](Layer& l) -> Ptr {
          nn::ConvTranspose2dOptions o(l.channels("in_channels"), l.integer("out_channels"),
                                       l.size2("kernel_size"));
          return std::make_shared<nn::ConvTranspose2d>(
              o.stride(l.size2("stride", 1))
                  .padding(l.size2("padding", 0))
                  .output_padding(l.size2("output_padding", 0))
                  .groups(l.integer("groups", 1))
                  .bias(l.boolean("bias", true))
                  .dilation(l.size2("dilation", 1))
                  .padding_mode(l.string("padding_mode", "zeros")));
        }}},
      {"Linear",
       {{"in_features", "out_features", "bias"},
        [](Layer& l) -> Ptr {
          return std::make_shared<nn::Linear>(
              nn::LinearOptions(l.features("in_features"), l.integer("out_features"))
                  .bias(l.boolean("bias", true)));
        }}},
      {"Identity", {{}, [](Layer&) -> Ptr { return std::make_shared<nn::Identity>(); }}},
      {"Flatten",
       {{"start_dim", "end_dim"},
        [](Layer& l) -> Ptr {
          return std::make_shared<nn::Flatten>(l.integer("start_dim", 1), l.integer("end_dim", -1));
        }}},
      {"ReLU", {{"inplace"}, [](Layer&) -> Ptr { return std::make_shared<nn::ReLU>(); }}},
      {"LeakyReLU",
       {{"negative_slope", "inplace"},
        [](Layer& l) -> Ptr {
          return std::make_shared<nn::LeakyReLU>(l.number("negative_slope", 0.01));
        }}},
      {"ELU",
       {{"alpha", "inplace"},
        [](Layer& l) -> Ptr { return std::make_shared<nn::ELU>(l.number("alpha", 1.0)); }}},
      {"GELU",
       {{"approximate"},
        [](Layer& l) -> Ptr {
          return std::make_shared<nn::GELU>(l.string("approximate", "none"));
        }}},
      {"SiLU", {{"inplace"}, [](Layer&) -> Ptr { return std::make_shared<nn::SiLU>(); }}},
      {"Sigmoid", {{}, [](Layer&) -> Ptr { return std::make_shared<nn::Sigmoid>(); }}},
      {"Tanh", {{}, [](Layer&) -> Ptr { return std::make_shared<nn::Tanh>(); }}},
      {"Softplus",
       {{"beta", "threshold"},
        [](Layer& l) -> Ptr {
          return std::make_shared<nn::Softplus>(l.number("beta", 1.0), l.number("threshold", 20.0));
        }}},
      {"Softmax",
       {{"dim"}, [](Layer& l) -> Ptr { return std::make_shared<nn::Softmax>(l.integer("dim")); }}},
      {"LogSoftmax",
       {{"dim"},
        [](Layer& l) -> Ptr { return std::make_shared<nn::LogSoftmax>(l.integer("dim")); }}},
      {"Dropout",
       {{"p", "inplace"},
        [](Layer& l) -> Ptr { return std::make_shared<nn::Dropout>(l.number("p", 0.5)); }}},
      {"Dropout2d",
       {{"p", "inplace"},
        [](Layer& l) -> Ptr { return std::make_shared<nn::Dropout2d>(l.number("p", 0.5)); }}},
      {"BatchNorm1d",
       {{"num_features", "eps", "momentum", "affine", "track_running_stats"},
        [](Layer& l) -> Ptr {
          return std::make_shared<nn::BatchNorm1d>(
              batch_norm_options(l, nn::BatchNormOptions(l.channels("num_features"))));
        }}},
      {"BatchNorm2d",
       {{"num_features", "eps", "momentum", "affine", "track_running_stats"},
        [](Layer& l) -> Ptr {
          return std::make_shared<nn::BatchNorm2d>(
              batch_norm_options(l, nn::BatchNormOptions(l.channels("num_features"))));
        }}},
      {"InstanceNorm2d",
       {{"num_features", "eps", "momentum", "affine", "track_running_stats"},
        [](Layer& l) -> Ptr {
          return std::make_shared<nn::InstanceNorm2d>(
              batch_norm_options(l, nn::InstanceNormOptions(l.channels("num_features"))));
        }}},
      {"LayerNorm",
       {{"normalized_shape", "eps", "elementwise_affine"},
        [](Layer& l) -> Ptr {
          const bool infer = !l.has("normalized_shape") || l.at("normalized_shape") == "auto";
          const Shape shape =
              infer ? Shape{l.input_features()} : Shape(l.integers("normalized_shape"));
          return std::make_shared<nn::LayerNorm>(
              nn::LayerNormOptions(shape)
                  .eps(l.number("eps", 1e-5))
                  .elementwise_affine(l.boolean("elementwise_affine", true)));
        }}},
      {"GroupNorm",
       {{"num_groups", "num_channels", "eps", "affine"},
        [](Layer& l) -> Ptr {
          return std::make_shared<nn::GroupNorm>(
              nn::GroupNormOptions(l.integer("num_groups"), l.channels("num_channels"))
                  .eps(l.number("eps", 1e-5))
                  .affine(l.boolean("affine", true)));
        }}},
      {"LocalResponseNorm",
       {{"size", "alpha", "beta", "k"},
        [](Layer& l) -> Ptr {
          return std::make_shared<nn::LocalResponseNorm>(
              nn::LocalResponseNormOptions(l.integer("size"))
                  .alpha(l.number("alpha", 1e-4))
                  .beta(l.number("beta", 0.75))
                  .k(l.number("k", 1.0)));
        }}},
      {"MaxPool1d",
       {{"kernel_size", "stride", "padding", "dilation", "ceil_mode"},
        [](Layer& l) -> Ptr {
          nn::MaxPool1dOptions o(l.integer("kernel_size"));
          return std::make_shared<nn::MaxPool1d>(o.stride(l.integer("stride", o.kernel_size()))
                                                     .padding(l.integer("padding", 0))
                                                     .dilation(l.integer("dilation", 1))
                                                     .ceil_mode(l.boolean("ceil_mode", false)));
        }}},
      {"MaxPool2d",
       {{"kernel_size", "stride", "padding", "dilation", "ceil_mode"},
        [](Layer& l) -> Ptr {
          nn::MaxPool2dOptions o(l.size2("kernel_size"));
          return std::make_shared<nn::MaxPool2d>(o.stride(l.size2("stride", o.kernel_size()))
                                                     .padding(l.size2("padding", 0))
                                                     .dilation(l.size2("dilation", 1))
                                                     .ceil_mode(l.boolean("ceil_mode", false)));
        }}},
      {"AvgPool1d",
       {{"kernel_size", "stride", "padding", "ceil_mode", "count_include_pad"},
        [](Layer& l) -> Ptr {
          nn::AvgPool1dOptions o(l.integer("kernel_size"));
          return std::make_shared<nn::AvgPool1d>(
              o.stride(l.integer("stride", o.kernel_size()))
                  .padding(l.integer("padding", 0))
                  .ceil_mode(l.boolean("ceil_mode", false))
                  .count_include_pad(l.boolean("count_include_pad", true)));
        }}},
      {"AvgPool2d",
       {{"kernel_size", "stride", "padding", "ceil_mode", "count_include_pad", "divisor_override"},
        [](Layer& l) -> Ptr {
          nn::AvgPool2dOptions o(l.size2("kernel_size"));
          o.stride(l.size2("stride", o.kernel_size()))
              .padding(l.size2("padding", 0))
              .ceil_mode(l.boolean("ceil_mode", false))
              .count_include_pad(l.boolean("count_include_pad", true));
          if (l.given("divisor_override")) o.divisor_override(l.integer("divisor_override"));
          return std::make_shared<nn::AvgPool2d>(o);
        }}},
      {"AdaptiveAvgPool1d",
       {{"output_size"},
        [](Layer& l) -> Ptr {
          return std::make_shared<nn::AdaptiveAvgPool1d>(l.integer("output_size"));
        }}},
      {"AdaptiveAvgPool2d",
       {{"output_size"},
        [](Layer& l) -> Ptr {
          return std::make_shared<nn::AdaptiveAvgPool2d>(l.size2("output_size"));
        }}},
      {"AdaptiveMaxPool2d",
       {{"output_size"},
        [](Layer& l) -> Ptr {
          return std::make_shared<nn::AdaptiveMaxPool2d>(l.size2("output_size"));
        }}},
      {"Upsample",
       {{"size", "scale_factor", "mode", "align_corners"},
        [](Layer& l) -> Ptr {
          nn::UpsampleOptions o;
          if (l.given("size")) o.size(l.integers("size"));
          if (l.given("scale_factor")) {
            const Json& v = l.at("scale_factor");
            for (const Json& e : v.is_array() ? v : Json::array({v})) {
              if (!e.is_number()) l.fail("'scale_factor' must be a number or a list of numbers");
              o.scale_factor().push_back(e.get<double>());
            }
          }
          o.mode(l.string("mode", "nearest"));
          if (l.given("align_corners")) o.align_corners(l.boolean("align_corners", false));
          return std::make_shared<nn::Upsample>(o);
        }}},
      {"PixelShuffle",
       {{"upscale_factor"},
        [](Layer& l) -> Ptr {
          return std::make_shared<nn::PixelShuffle>(l.integer("upscale_factor"));
        }}},
      {"PixelUnshuffle",
       {{"downscale_factor"},
        [](Layer& l) -> Ptr {
          return std::make_shared<nn::PixelUnshuffle>(l.integer("downscale_factor"));
        }}},
      {"ZeroPad2d",
       {{"padding"},
        [](Layer& l) -> Ptr { return std::make_shared<nn::ZeroPad2d>(pad_sizes(l)); }}},
      {"ConstantPad2d",
       {{"padding", "value"},
        [](Layer& l) -> Ptr {
          if (!l.given("value")) l.fail("missing 'value'");
          return std::make_shared<nn::ConstantPad2d>(pad_sizes(l), l.number("value", 0));
        }}},
      {"ReflectionPad2d",
       {{"padding"},
        [](Layer& l) -> Ptr { return std::make_shared<nn::ReflectionPad2d>(pad_sizes(l)); }}},
      {"ReplicationPad2d",
       {{"padding"},
        [](Layer& l) -> Ptr { return std::make_shared<nn::ReplicationPad2d>(pad_sizes(l)); }}},
  };
  return types;
}

}  // namespace

std::vector<std::string> spec_layer_types() {
  std::vector<std::string> out;
  for (const auto& [name, type] : layer_types()) out.push_back(name);
  return out;
}

std::shared_ptr<nn::Sequential> sequential_from_json(const std::string& json_text,
                                                     const ModelConfig& config) {
  NABLA_CHECK(config.in_channels > 0 && config.image_size > 0 && config.num_classes > 0,
              "spec: in_channels, image_size and num_classes must be positive, got ",
              config.in_channels, ", ", config.image_size, ", ", config.num_classes);
  Json spec;
  try {
    spec = Json::parse(json_text, nullptr, /*allow_exceptions=*/true, /*ignore_comments=*/true);
  } catch (const Json::parse_error& e) {
    NABLA_FAIL("spec: not valid JSON: ", e.what());
  }
  NABLA_CHECK(spec.is_object(), "spec: expected an object {\"layers\": [...]}, got a ",
              spec.type_name());
  for (const auto& [key, value] : spec.items())
    NABLA_CHECK(key == "layers" || key == "name" || key == "description", "spec: unknown key '",
                key, "'; known keys: layers, name, description");
  NABLA_CHECK(spec.contains("layers") && spec["layers"].is_array() && !spec["layers"].empty(),
              "spec: \"layers\" must be a non-empty list of layers");

  // Each layer is built for the shape that reaches it, then run on a zero
  // batch of one, in eval mode and without recording, to find the next shape.
  NoGradGuard no_grad;
  auto model = std::make_shared<nn::Sequential>();
  Tensor x = zeros({1, config.in_channels, config.image_size, config.image_size});
  const Json& layers = spec["layers"];
  for (size_t i = 0; i < layers.size(); ++i) {
    const Json& entry = layers[i];
    NABLA_CHECK(entry.is_object(), "spec: layer ", i,
                " must be an object {\"type\": ..., arguments}, got ", entry.dump());
    NABLA_CHECK(entry.contains("type") && entry["type"].is_string(), "spec: layer ", i,
                " has no \"type\" string; known types: ", join(spec_layer_types()));
    const std::string type = entry["type"].get<std::string>();
    auto it = layer_types().find(type);
    NABLA_CHECK(it != layer_types().end(), "spec: layer ", i, ": unknown type '", type,
                "'; known types: ", join(spec_layer_types()));
    const LayerType& layer_type = it->second;
    Shape input = x.shape();
    Layer layer(entry, i, type, config, input);
    for (const auto& [key, value] : entry.items()) {
      if (key != "type" &&
          std::find(layer_type.keys.begin(), layer_type.keys.end(), key) == layer_type.keys.end()) {
        std::vector<std::string> known{"type"};
        known.insert(known.end(), layer_type.keys.begin(), layer_type.keys.end());
        layer.fail("unknown key '", key, "'; known keys: ", join(known));
      }
    }

    std::shared_ptr<nn::Module> module;
    try {
      module = layer_type.build(layer);
    } catch (const Error& e) {
      const std::string what = e.what();
      if (what.rfind("spec: ", 0) == 0) throw;
      layer.fail(what);  // a module's own check, e.g. an unknown padding_mode
    }
    module->eval();
    try {
      x = (*module)(x);
    } catch (const Error& e) {
      layer.fail("does not accept its input of shape ", input, ": ", e.what());
    }
    module->train();
    model->push_back(module);
  }
  return model;
}

std::shared_ptr<nn::Sequential> load_spec(const std::string& path, const ModelConfig& config) {
  std::ifstream file(path, std::ios::binary);
  NABLA_CHECK(file, "spec: cannot open '", path, "'");
  std::ostringstream text;
  text << file.rdbuf();
  NABLA_CHECK(!file.bad(), "spec: cannot read '", path, "'");
  try {
    return sequential_from_json(text.str(), config);
  } catch (const Error& e) {
    NABLA_FAIL(path, ": ", e.what());
  }
}

}  // namespace nabla::models
