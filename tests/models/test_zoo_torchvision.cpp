// The zoo against torchvision: a state_dict exported from torchvision (or,
// for MobileNet v1, which torchvision lacks, from a PyTorch network built
// under nabla's names) loads into the nabla model with strict = true, and
// eval-mode logits agree within 1e-4 of their scale. The references come
// from tests/models/zoo_reference.py, run once for all models in a
// background process while nabla builds its own models.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nabla/nabla.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <map>
#include <string>

#include "testing/oracle.h"

namespace nabla::models {
namespace {

namespace fs = std::filesystem;

// At 64×64 every model uses its ImageNet stem (the small-input stems start
// below 64), so the layouts are exactly torchvision's.
constexpr int64_t kSize = 64;
constexpr int64_t kClasses = 10;
const char* const kModels[] = {
    "resnet18", "vgg11-bn", "densenet121", "googlenet", "alexnet-torchvision", "mobilenet-v1"};

class ZooTorchvision : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    if (!testing::torch_available()) return;
    dir_ = new fs::path(fs::temp_directory_path() / ("nabla_zoo_" + std::to_string(::getpid())));
    fs::create_directories(*dir_);
    std::string command = std::string(NABLA_TORCH_PYTHON) + " -W ignore " + NABLA_SOURCE_DIR +
                          "/tests/models/zoo_reference.py " + dir_->string() + " " +
                          std::to_string(kSize) + " " + std::to_string(kClasses);
    for (const char* name : kModels) command += std::string(" ") + name;
    auto reference =
        std::async(std::launch::async, [command] { return std::system(command.c_str()); });
    models_ = new std::map<std::string, std::shared_ptr<nn::Module>>();
    for (const char* name : kModels) (*models_)[name] = create(name, {3, kSize, kClasses});
    python_status_ = reference.get();
  }

  static void TearDownTestSuite() {
    if (dir_) fs::remove_all(*dir_);
    delete dir_;
    delete models_;
    dir_ = nullptr;
    models_ = nullptr;
  }

  void SetUp() override {
    if (!testing::torch_available()) GTEST_SKIP() << "python3-torch is not installed";
    ASSERT_EQ(python_status_, 0) << "zoo_reference.py failed";
  }

  // Loads name's torchvision weights strictly and compares eval-mode logits.
  static void expect_same_logits(const std::string& name) {
    nn::Module& model = *models_->at(name);
    const std::string weights = (*dir_ / (name + ".weights.safetensors")).string();
    StateDict state = load(weights);
    model.load_state_dict(state, /*strict=*/true);

    int64_t parameters = 0;
    for (const Tensor& p : model.parameters()) parameters += p.numel();
    EXPECT_EQ(std::to_string(parameters), load_metadata(weights).at("parameters"));

    StateDict io = load((*dir_ / (name + ".io.safetensors")).string());
    const Tensor& expected = io.at("logits");
    model.eval();
    NoGradGuard no_grad;
    Tensor logits = model(io.at("input"));
    const double scale = max(abs(expected)).item<float>();
    ASSERT_GT(scale, 0.0);
    // The comparison means something only if the logits depend on the input.
    ASSERT_GT(max(abs(expected[0] - expected[1])).item<float>(), 1e-3 * scale);
    EXPECT_EQ(testing::compare(logits, expected, 1e-4 * scale, 1e-4), "") << name;
  }

  static fs::path* dir_;
  static std::map<std::string, std::shared_ptr<nn::Module>>* models_;
  static int python_status_;
};

fs::path* ZooTorchvision::dir_ = nullptr;
std::map<std::string, std::shared_ptr<nn::Module>>* ZooTorchvision::models_ = nullptr;
int ZooTorchvision::python_status_ = -1;

TEST_F(ZooTorchvision, ResNet18) {
  expect_same_logits("resnet18");
}
TEST_F(ZooTorchvision, VGG11BN) {
  expect_same_logits("vgg11-bn");
}
TEST_F(ZooTorchvision, DenseNet121) {
  expect_same_logits("densenet121");
}
TEST_F(ZooTorchvision, GoogLeNetWithAuxiliaryHeadsInEvalMode) {
  expect_same_logits("googlenet");
}
TEST_F(ZooTorchvision, AlexNet) {
  expect_same_logits("alexnet-torchvision");
}
TEST_F(ZooTorchvision, MobileNetV1AgainstAPyTorchReference) {
  expect_same_logits("mobilenet-v1");
}

}  // namespace
}  // namespace nabla::models
