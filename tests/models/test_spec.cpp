// models::sequential_from_json and load_spec: layers with PyTorch's names
// and arguments, sizes inferred from the shapes that reach each layer, and
// errors that name the layer, its type and the key at fault.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nabla/models/spec.h>
#include <nabla/nabla.h>

#include <filesystem>
#include <fstream>

#include "testing/errors.h"

namespace nabla::models {
namespace {

using ::nabla::testing::error_message;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

const char* const kSmallCnn = R"({"layers": [
  {"type": "Conv2d", "in_channels": 1, "out_channels": 8, "kernel_size": 3, "padding": 1},
  {"type": "ReLU"},
  {"type": "MaxPool2d", "kernel_size": 2},
  {"type": "Flatten"},
  {"type": "Linear", "in_features": 1568, "out_features": 10}
]})";

std::vector<std::string> types_of(const nn::Sequential& s) {
  std::vector<std::string> out;
  for (const auto& m : s) out.push_back(m->name());
  return out;
}

TEST(Spec, BuildsTheSequentialItDescribes) {
  auto net = sequential_from_json(kSmallCnn);
  EXPECT_THAT(types_of(*net), ElementsAre("Conv2d", "ReLU", "MaxPool2d", "Flatten", "Linear"));
  EXPECT_THAT(net->state_dict().keys(), ElementsAre("0.weight", "0.bias", "4.weight", "4.bias"));
  auto conv = net->at<nn::Conv2d>(0);
  EXPECT_EQ(conv->weight.shape(), (Shape{8, 1, 3, 3}));
  EXPECT_EQ(conv->options.padding().size, Size2(1));
  EXPECT_EQ(net->at<nn::Linear>(4)->weight.shape(), (Shape{10, 1568}));
  EXPECT_EQ((*net)(randn({2, 1, 28, 28})).shape(), (Shape{2, 10}));
  EXPECT_TRUE(net->is_training());
  for (const auto& m : *net) EXPECT_TRUE(m->is_training());

  // The same weights give the same outputs as the network written in C++.
  auto by_hand = std::make_shared<nn::Sequential>(
      std::make_shared<nn::Conv2d>(nn::Conv2dOptions(1, 8, 3).padding(1)),
      std::make_shared<nn::ReLU>(), std::make_shared<nn::MaxPool2d>(2),
      std::make_shared<nn::Flatten>(), std::make_shared<nn::Linear>(1568, 10));
  net->load_state_dict(by_hand->state_dict(), /*strict=*/true);
  Tensor x = randn({3, 1, 28, 28});
  EXPECT_EQ((*net)(x).to_vector(), (*by_hand)(x).to_vector());
}

TEST(Spec, InfersInputSizesAndReadsTheConfig) {
  // Sizes left out or "auto" are read off the shapes: 3×32×32 → conv →
  // 16×32×32 → pool → 16×16×16 → 1×1 conv → 7×16×16 → 1792 features → 32;
  // classes (7) from the config.
  const char* spec = R"({"layers": [
    // comments are allowed
    {"type": "Conv2d", "out_channels": 16, "kernel_size": [3, 3], "padding": "same", "bias": false},
    {"type": "BatchNorm2d"},
    {"type": "ReLU", "inplace": true},
    {"type": "MaxPool2d", "kernel_size": 2, "stride": null},
    {"type": "Conv2d", "in_channels": "auto", "out_channels": "num_classes", "kernel_size": 1},
    {"type": "Flatten"},
    {"type": "Dropout", "p": 0.25},
    {"type": "Linear", "out_features": 32},
    {"type": "BatchNorm1d", "momentum": null},
    {"type": "LayerNorm"},
    {"type": "Linear", "out_features": "num_classes"}
  ]})";
  auto net = sequential_from_json(spec, {.in_channels = 3, .image_size = 32, .num_classes = 7});
  EXPECT_EQ(net->at<nn::Conv2d>(0)->weight.shape(), (Shape{16, 3, 3, 3}));
  EXPECT_FALSE(net->at<nn::Conv2d>(0)->bias.defined());
  EXPECT_EQ(net->at<nn::BatchNorm2d>(1)->options.num_features(), 16);
  EXPECT_EQ(net->at<nn::MaxPool2d>(3)->options.stride(), Size2(2));
  EXPECT_EQ(net->at<nn::Conv2d>(4)->weight.shape(), (Shape{7, 16, 1, 1}));
  EXPECT_EQ(net->at<nn::Linear>(7)->weight.shape(), (Shape{32, 7 * 16 * 16}));
  EXPECT_FALSE(net->at<nn::BatchNorm1d>(8)->options.momentum().has_value());
  EXPECT_EQ(net->at<nn::LayerNorm>(9)->options.normalized_shape(), (Shape{32}));
  EXPECT_EQ(net->at<nn::Linear>(10)->weight.shape(), (Shape{7, 32}));
  EXPECT_EQ((*net)(randn({4, 3, 32, 32})).shape(), (Shape{4, 7}));
}

TEST(Spec, EveryLayerType) {
  // A 2-D chain through all image layers, then a 1-D chain.
  const char* images = R"({"layers": [
    {"type": "ZeroPad2d", "padding": 1},
    {"type": "Conv2d", "out_channels": 8, "kernel_size": 3, "stride": [1, 1], "dilation": 1},
    {"type": "GroupNorm", "num_groups": 2},
    {"type": "InstanceNorm2d", "affine": true},
    {"type": "LocalResponseNorm", "size": 3},
    {"type": "LeakyReLU", "negative_slope": 0.2},
    {"type": "ELU"},
    {"type": "GELU", "approximate": "tanh"},
    {"type": "SiLU"},
    {"type": "Dropout2d", "p": 0.1},
    {"type": "ConvTranspose2d", "out_channels": 4, "kernel_size": 2, "stride": 2},
    {"type": "AvgPool2d", "kernel_size": 2, "count_include_pad": false},
    {"type": "ReflectionPad2d", "padding": [1, 1, 2, 2]},
    {"type": "ReplicationPad2d", "padding": 1},
    {"type": "ConstantPad2d", "padding": 1, "value": 0.5},
    {"type": "PixelUnshuffle", "downscale_factor": 2},
    {"type": "PixelShuffle", "upscale_factor": 2},
    {"type": "Upsample", "scale_factor": 2, "mode": "nearest"},
    {"type": "AdaptiveMaxPool2d", "output_size": [4, 4]},
    {"type": "AdaptiveAvgPool2d", "output_size": 2},
    {"type": "Identity"},
    {"type": "Flatten", "start_dim": 1},
    {"type": "Linear", "out_features": 5, "bias": false},
    {"type": "Sigmoid"},
    {"type": "Tanh"},
    {"type": "Softplus", "beta": 2},
    {"type": "Softmax", "dim": 1}
  ]})";
  auto net = sequential_from_json(images, {.in_channels = 2, .image_size = 8, .num_classes = 5});
  EXPECT_EQ(net->size(), 27u);
  Tensor y = (*net)(randn({2, 2, 8, 8}));
  EXPECT_EQ(y.shape(), (Shape{2, 5}));
  EXPECT_NEAR(sum(y).item<float>(), 2.0f, 1e-5);  // softmax rows

  const char* sequences = R"({"layers": [
    {"type": "Flatten", "start_dim": 2},
    {"type": "Conv1d", "out_channels": 4, "kernel_size": 3, "padding": "same"},
    {"type": "MaxPool1d", "kernel_size": 2},
    {"type": "AvgPool1d", "kernel_size": 2},
    {"type": "AdaptiveAvgPool1d", "output_size": 3},
    {"type": "Flatten"},
    {"type": "LogSoftmax", "dim": -1}
  ]})";
  net = sequential_from_json(sequences, {.in_channels = 2, .image_size = 4, .num_classes = 5});
  EXPECT_EQ((*net)(randn({2, 2, 4, 4})).shape(), (Shape{2, 12}));

  const std::vector<std::string> types = spec_layer_types();
  EXPECT_THAT(types, ::testing::IsSupersetOf({"Conv2d", "BatchNorm2d", "ReLU"}));
  EXPECT_TRUE(std::is_sorted(types.begin(), types.end()));
}

std::string spec_error(const std::string& text, const ModelConfig& config = {}) {
  return error_message([&] { sequential_from_json(text, config); });
}

TEST(Spec, ErrorsNameTheLayerAndTheKey) {
  std::string e = spec_error(R"({"layers": [{"type": "ReLU"}, {"type": "Conv3d"}]})");
  EXPECT_THAT(e, HasSubstr("spec: layer 1: unknown type 'Conv3d'"));
  EXPECT_THAT(e, HasSubstr("known types: AdaptiveAvgPool1d,"));
  EXPECT_THAT(e, HasSubstr("Conv2d"));

  e = spec_error(R"({"layers": [{"type": "Flatten"}, {"type": "Linear", "in_feature": 784,
                  "out_features": 10}]})");
  EXPECT_THAT(e, HasSubstr("spec: layer 1 (Linear): unknown key 'in_feature'; known keys: type, "
                           "in_features, out_features, bias"));

  EXPECT_ERROR(sequential_from_json(R"({"layers": [{"type": "Conv2d", "kernel_size": 3}]})"),
               "spec: layer 0 (Conv2d): missing 'out_channels'");
  EXPECT_ERROR(sequential_from_json(R"({"layers": [{"type": "Conv2d", "out_channels": 2.5,
                                          "kernel_size": 3}]})"),
               "spec: layer 0 (Conv2d): 'out_channels' must be an integer", "2.5");
  EXPECT_ERROR(
      sequential_from_json(
          R"({"layers": [{"type": "Conv2d", "out_channels": 4, "kernel_size": [3, 3, 3]}]})"),
      "layer 0 (Conv2d): 'kernel_size' must be an integer or [h, w]", "[3,3,3]");
  EXPECT_ERROR(sequential_from_json(R"({"layers": [{"type": "Dropout", "p": "half"}]})"),
               "layer 0 (Dropout): 'p' must be a number, got \"half\"");
  EXPECT_ERROR(sequential_from_json(R"({"layers": [{"type": "Linear", "out_features": 3,
                                                    "bias": 1}]})"),
               "layer 0 (Linear): 'bias' must be true or false, got 1");
  EXPECT_ERROR(sequential_from_json(R"({"layers": [{"type": "Conv2d", "out_channels": 4,
                                     "kernel_size": 3, "padding": "full"}]})"),
               "layer 0 (Conv2d): 'padding' must be \"same\", \"valid\"");
  EXPECT_ERROR(sequential_from_json(R"({"layers": [{"type": "Conv2d", "out_channels": 4,
                                     "kernel_size": 3, "padding_mode": "reflect"}]})"),
               "layer 0 (Conv2d): ", "reflect");
  EXPECT_ERROR(sequential_from_json(R"({"layers": [{"out_features": 3}]})"),
               "spec: layer 0 has no \"type\"");
  EXPECT_ERROR(sequential_from_json(R"({"layers": [3]})"), "spec: layer 0 must be an object");
}

TEST(Spec, ShapeMismatchNamesTheLayerAndItsInput) {
  // 8×14×14 = 1568 features reach the Linear, not 1600.
  std::string text = kSmallCnn;
  text.replace(text.find("1568"), 4, "1600");
  const std::string e = spec_error(text);
  EXPECT_THAT(e, HasSubstr("spec: layer 4 (Linear): does not accept its input of shape "
                           "[1, 1568]"));
  EXPECT_THAT(e, HasSubstr("1600"));
  // An image too small for the layers.
  EXPECT_ERROR(sequential_from_json(R"({"layers": [{"type": "Conv2d", "out_channels": 1,
                                          "kernel_size": 5}]})",
                                    {.in_channels = 1, .image_size = 3, .num_classes = 2}),
               "spec: layer 0 (Conv2d): does not accept its input of shape [1, 1, 3, 3]");
}

TEST(Spec, BadDocuments) {
  EXPECT_ERROR(sequential_from_json(R"({"layers": [{"type": "ReLU"})"), "spec: not valid JSON");
  EXPECT_ERROR(sequential_from_json("[]"), "spec: expected an object");
  EXPECT_ERROR(sequential_from_json(R"({"layer": []})"), "spec: unknown key 'layer'",
               "known keys: layers");
  EXPECT_ERROR(sequential_from_json(R"({"layers": []})"), "\"layers\" must be a non-empty list");
  EXPECT_ERROR(sequential_from_json(kSmallCnn, {.in_channels = 0}), "spec: in_channels");
}

TEST(Spec, LoadSpecNamesTheFile) {
  const auto dir = std::filesystem::path(::testing::TempDir()) / "nabla_spec_test";
  std::filesystem::create_directories(dir);
  const std::string good = (dir / "cnn.json").string(), bad = (dir / "bad.json").string();
  std::ofstream(good) << kSmallCnn;
  std::ofstream(bad) << R"({"layers": [{"type": "Linear"}]})";

  auto net = load_spec(good);
  EXPECT_EQ(net->size(), 5u);
  EXPECT_EQ(error_message([&] { load_spec(bad); }),
            bad + ": spec: layer 0 (Linear): missing 'out_features'");
  const std::string missing = (dir / "missing.json").string();
  EXPECT_EQ(error_message([&] { load_spec(missing); }), "spec: cannot open '" + missing + "'");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace nabla::models
