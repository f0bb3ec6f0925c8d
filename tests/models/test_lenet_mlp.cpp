// LeNet-5 and the MLP: shapes, parameter counts, state_dict names, forward
// and backward, the registry, and the same logits as their PyTorch twins
// (torch_zoo_ref.py) given the same weights.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nabla/models/lenet.h>
#include <nabla/models/mlp.h>
#include <nabla/nabla.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "testing/errors.h"

namespace nabla::models {
namespace {

using ::testing::ElementsAre;

int64_t count_parameters(const nn::Module& m) {
  int64_t n = 0;
  for (const Tensor& p : m.parameters()) n += p.numel();
  return n;
}

std::vector<std::string> keys_of(const nn::Module& m) {
  return m.state_dict().keys();
}

TEST(LeNet5, ShapesAndParameters28) {
  auto net = create("lenet5", {.in_channels = 1, .image_size = 28, .num_classes = 10});
  // conv1 6·1·25+6, conv2 16·6·25+16, fc 400·120+120, 120·84+84, 84·10+10
  EXPECT_EQ(count_parameters(*net), 61706);
  EXPECT_EQ((*net)(randn({3, 1, 28, 28})).shape(), (Shape{3, 10}));
  const nn::Summary s = nn::summary(*net, {1, 28, 28});
  EXPECT_EQ(s.total_parameters, 61706);
  // The feature maps before flattening are 16×5×5, as at 32×32 in the paper.
  EXPECT_EQ(s.rows[6].name, "features.5");
  EXPECT_EQ(s.rows[6].output_shape, (Shape{1, 16, 5, 5}));
  // 6·25·28² + 16·150·10² + 400·120 + 120·84 + 84·10
  EXPECT_EQ(s.total_macs, 117600 + 240000 + 48000 + 10080 + 840);
}

TEST(LeNet5, OtherSizesAndChannels) {
  LeNet5 cifar({.in_channels = 3, .image_size = 32, .num_classes = 100});
  EXPECT_EQ(cifar.features->at<nn::Conv2d>(0)->weight.shape(), (Shape{6, 3, 5, 5}));
  EXPECT_EQ(cifar.classifier->at<nn::Linear>(0)->weight.shape(), (Shape{120, 400}));
  EXPECT_EQ(cifar(randn({2, 3, 32, 32})).shape(), (Shape{2, 100}));

  // 64 → 60 → 30 → 26 → 13: the flattened size follows the image.
  LeNet5 big({.in_channels = 1, .image_size = 64, .num_classes = 10});
  EXPECT_EQ(big.classifier->at<nn::Linear>(0)->weight.shape(), (Shape{120, 16 * 13 * 13}));
  EXPECT_EQ(big(randn({1, 1, 64, 64})).shape(), (Shape{1, 10}));

  LeNet5 smallest({.in_channels = 1, .image_size = 16, .num_classes = 10});
  EXPECT_EQ(smallest(randn({1, 1, 16, 16})).shape(), (Shape{1, 10}));
  EXPECT_ERROR(LeNet5({.in_channels = 1, .image_size = 15, .num_classes = 10}),
               "lenet5: image_size 15 is too small", "at least 16");
}

TEST(LeNet5, StateDictNames) {
  LeNet5 net;
  EXPECT_THAT(
      keys_of(net),
      ElementsAre("features.0.weight", "features.0.bias", "features.3.weight", "features.3.bias",
                  "classifier.0.weight", "classifier.0.bias", "classifier.2.weight",
                  "classifier.2.bias", "classifier.4.weight", "classifier.4.bias"));
  EXPECT_EQ(net.features->at<nn::Conv2d>(0)->options.padding().size, Size2(2));
}

TEST(LeNet5, ForwardAndBackward) {
  manual_seed(1);
  auto net = create("lenet5");
  Tensor x = randn({4, 1, 28, 28});
  Tensor y = tensor(std::vector<int64_t>{0, 3, 9, 1});
  Tensor loss = cross_entropy((*net)(x), y);
  loss.backward();
  EXPECT_TRUE(std::isfinite(loss.item<float>()));
  for (const auto& [name, p] : net->named_parameters()) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(p.grad().defined());
    EXPECT_EQ(p.grad().shape(), p.shape());
  }
  EXPECT_GT(sum(abs(net->named_parameters()[0].second.grad())).item<float>(), 0.f);
}

TEST(MLP, ShapesParametersAndNames) {
  auto net = create("mlp");
  EXPECT_EQ(net->name(), "MLP");
  // 784·256+256 + 256·128+128 + 128·10+10
  EXPECT_EQ(count_parameters(*net), 200960 + 32896 + 1290);
  EXPECT_THAT(keys_of(*net),
              ElementsAre("1.weight", "1.bias", "3.weight", "3.bias", "5.weight", "5.bias"));
  EXPECT_EQ((*net)(randn({5, 1, 28, 28})).shape(), (Shape{5, 10}));

  auto cifar = create("mlp", {.in_channels = 3, .image_size = 32, .num_classes = 10});
  EXPECT_EQ(std::dynamic_pointer_cast<MLP>(cifar)->at<nn::Linear>(1)->weight.shape(),
            (Shape{256, 3 * 32 * 32}));

  MLP custom(6, {5, 4, 3}, 2);
  EXPECT_EQ(custom.size(), 8u);  // Flatten + 3 × (Linear, ReLU) + Linear
  EXPECT_EQ(custom(randn({2, 6})).shape(), (Shape{2, 2}));
  EXPECT_ERROR(MLP(6, {5, 0}, 2), "mlp: hidden sizes must be positive", "[5, 0]");
}

TEST(MLP, ForwardAndBackward) {
  auto net = create("mlp");
  Tensor loss = cross_entropy((*net)(randn({3, 1, 28, 28})), tensor(std::vector<int64_t>{2, 0, 7}));
  loss.backward();
  for (const Tensor& p : net->parameters()) ASSERT_TRUE(p.grad().defined());
}

TEST(Registry, ListsLeNetAndMlp) {
  std::vector<std::string> names;
  for (const auto& info : list()) names.push_back(info.name);
  EXPECT_THAT(names, ::testing::IsSupersetOf({"lenet5", "mlp"}));
  EXPECT_ERROR(create("lenet6"), "unknown model 'lenet6'", "lenet5", "mlp");
}

// ---- the same logits as PyTorch

// The PyTorch twins of these configurations, written once for all tests.
class TorchEquivalence : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (std::system(NABLA_TORCH_PYTHON " -c 'import torch' >/dev/null 2>&1") != 0) return;
    dir_ = new std::filesystem::path(std::filesystem::path(::testing::TempDir()) /
                                     "nabla_zoo_torch_ref");
    std::filesystem::create_directories(*dir_);
    const std::string command = std::string(NABLA_TORCH_PYTHON " ") + NABLA_SOURCE_DIR +
                                "/tests/models/torch_zoo_ref.py " + dir_->string() +
                                " lenet5:1:28:10 lenet5:3:32:10 mlp:1:28:10";
    script_status_ = std::system(command.c_str());
  }
  static void TearDownTestSuite() {
    if (dir_) std::filesystem::remove_all(*dir_);
    delete dir_;
    dir_ = nullptr;
  }
  void SetUp() override {
    if (!dir_) GTEST_SKIP() << NABLA_TORCH_PYTHON << " has no torch";
    ASSERT_EQ(script_status_, 0) << "tests/models/torch_zoo_ref.py failed";
  }

  // Loads PyTorch's weights strictly into nabla's model and compares the
  // logits on PyTorch's input.
  static void expect_same_logits(const std::string& model, const ModelConfig& config) {
    const std::string spec = model + "_" + std::to_string(config.in_channels) + "_" +
                             std::to_string(config.image_size) + "_" +
                             std::to_string(config.num_classes);
    SCOPED_TRACE(spec);
    auto net = create(model, config);
    net->load_state_dict(load((*dir_ / spec / "weights.safetensors").string()), /*strict=*/true);
    net->eval();
    const StateDict io = load((*dir_ / spec / "io.safetensors").string());
    Tensor logits;
    {
      NoGradGuard no_grad;
      logits = (*net)(io.at("input"));
    }
    const Tensor& expected = io.at("logits");
    ASSERT_EQ(logits.shape(), expected.shape());
    const std::vector<double> a = logits.to_vector(), b = expected.to_vector();
    double scale = 0;
    for (double v : b) scale = std::max(scale, std::fabs(v));
    ASSERT_GT(scale, 0);
    for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-4 * scale) << "logit " << i;
  }

  static std::filesystem::path* dir_;
  static int script_status_;
};

std::filesystem::path* TorchEquivalence::dir_ = nullptr;
int TorchEquivalence::script_status_ = -1;

TEST_F(TorchEquivalence, LeNet5) {
  expect_same_logits("lenet5", {.in_channels = 1, .image_size = 28, .num_classes = 10});
  expect_same_logits("lenet5", {.in_channels = 3, .image_size = 32, .num_classes = 10});
}

TEST_F(TorchEquivalence, Mlp) {
  expect_same_logits("mlp", {.in_channels = 1, .image_size = 28, .num_classes = 10});
}

}  // namespace
}  // namespace nabla::models
