// The model zoo: every registered model builds, runs forward and backward on
// a small batch; parameter counts at 3×224×224 equal torchvision's and the
// papers'; names, auxiliary heads and small-input adaptations behave as the
// headers say.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nabla/models/alexnet.h>
#include <nabla/models/densenet.h>
#include <nabla/models/googlenet.h>
#include <nabla/models/mobilenet.h>
#include <nabla/models/resnet.h>
#include <nabla/models/vgg.h>
#include <nabla/models/wide_resnet.h>
#include <nabla/nabla.h>

#include <cmath>
#include <map>
#include <set>

#include "testing/errors.h"

namespace nabla::models {
namespace {

int64_t count_parameters(const nn::Module& m) {
  int64_t n = 0;
  for (const Tensor& p : m.parameters()) n += p.numel();
  return n;
}

bool has_parameter(const nn::Module& m, const std::string& name) {
  for (const auto& [n, t] : m.named_parameters()) {
    if (n == name) return true;
  }
  return false;
}

// Forward and backward on a batch of two; the loss adds the auxiliary
// heads' losses as a trainer does. Returns the loss.
double train_step(nn::Module& model, const ModelConfig& config) {
  manual_seed(1);
  model.train();
  Tensor x = randn({2, config.in_channels, config.image_size, config.image_size});
  Tensor y = tensor(std::vector<int64_t>{1, config.num_classes - 1});
  Tensor out = model(x);
  EXPECT_EQ(out.shape(), (Shape{2, config.num_classes}));
  Tensor loss = F::cross_entropy(out, y);
  if (auto* aux = dynamic_cast<AuxiliaryOutputs*>(&model)) {
    for (const auto& [logits, weight] : aux->auxiliary()) {
      loss = loss + F::cross_entropy(logits, y) * weight;
    }
  }
  loss.backward();
  return loss.item<float>();
}

void expect_trains_module(nn::Module& model, const ModelConfig& config) {
  const double loss = train_step(model, config);
  EXPECT_TRUE(std::isfinite(loss)) << loss;
  std::vector<std::string> missing;
  for (const auto& [n, p] : model.named_parameters()) {
    if (!p.grad().defined()) {
      missing.push_back(n);
    } else if (!std::isfinite(sum(abs(p.grad())).item<float>())) {
      ADD_FAILURE() << n << ": gradient not finite";
    }
  }
  EXPECT_THAT(missing, ::testing::IsEmpty()) << "parameters without a gradient";
}

std::shared_ptr<nn::Module> expect_trains(const std::string& name, const ModelConfig& config) {
  SCOPED_TRACE(name + " at " + std::to_string(config.in_channels) + "×" +
               std::to_string(config.image_size) + "×" + std::to_string(config.image_size));
  auto model = create(name, config);
  expect_trains_module(*model, config);
  return model;
}

// torchvision 0.14's parameter counts at 1000 classes,
// sum(p.numel() for p in model.parameters()), and the papers' for the
// networks torchvision lacks.
const std::map<std::string, int64_t> kImageNetCounts = {
    {"alexnet-torchvision", 61100840},
    {"vgg11", 132863336},
    {"vgg11-bn", 132868840},
    {"vgg13", 133047848},
    {"vgg13-bn", 133053736},
    {"vgg16", 138357544},
    {"vgg16-bn", 138365992},
    {"vgg19", 143667240},
    {"vgg19-bn", 143678248},
    {"resnet18", 11689512},
    {"resnet34", 21797672},
    {"resnet50", 25557032},
    {"resnet101", 44549160},
    {"resnet152", 60192808},
    {"densenet121", 7978856},
    {"densenet169", 14149480},
    {"googlenet", 13004888},
    // The one-tower AlexNet: 62.3 M; MobileNet v1: 4.2 M (Keras's trainable 4,231,976).
    {"alexnet", 62378344},
    {"mobilenet-v1", 4231976},
};

// The papers' CIFAR-10 figures (10 classes): ResNet-20/32/56 with option A
// 0.27/0.46/0.85 M, WRN-16-4 2.7 M, WRN-28-10 36.5 M, DenseNet-BC-100
// (k = 12) 0.8 M; with the width of each one's last layer, to count its fc
// at other numbers of classes.
struct SmallImageCount {
  int64_t at_10_classes;
  int64_t features;  // fc inputs
};
const std::map<std::string, SmallImageCount> kSmallImageCounts = {
    {"resnet20", {269722, 64}},     {"resnet32", {464154, 64}},
    {"resnet56", {853018, 64}},     {"wrn-16-4", {2748890, 256}},
    {"wrn-28-10", {36479194, 640}}, {"densenet-bc-100", {769162, 342}},
};

// The ImageNet networks at 3×32×32: the small-input adaptations of each header,
// as differences from the ImageNet counts above.
int64_t small_input_count(const std::string& name) {
  const int64_t imagenet = kImageNetCounts.at(name);
  if (name.starts_with("resnet") || name.starts_with("densenet") || name == "googlenet") {
    return imagenet - 64 * 3 * (7 * 7 - 3 * 3);  // 7×7 stem → 3×3
  }
  if (name.starts_with("vgg")) {
    // 4096-wide classifier on 512·7·7 → 512-wide on 512.
    const int64_t large = (512 * 49 * 4096 + 4096) + (4096 * 4096 + 4096) + (4096 * 1000 + 1000);
    const int64_t small = 2 * (512 * 512 + 512) + (512 * 1000 + 1000);
    return imagenet - large + small;
  }
  if (name.starts_with("alexnet")) {
    const int64_t c1 = name == "alexnet" ? 96 : 64;
    // 11×11/4 → 3×3 conv1; classifier.1 on 256·2·2 instead of 256·6·6.
    return imagenet - c1 * 3 * (11 * 11 - 3 * 3) - 256 * (36 - 4) * 4096;
  }
  return imagenet;  // mobilenet-v1: only the stem's stride changes
}

// Every model of the zoo (and whatever else is registered) trains on
// three-channel 32×32 images; the zoo's ImageNet networks have
// torchvision's parameter counts (adapted to the small stem).
TEST(Zoo, EveryModelTrainsOn3x32x32WithTheExpectedParameterCount) {
  const auto models = list();
  ASSERT_GE(models.size(), 30u);
  for (const auto& info : models) {
    const ModelConfig config{3, 32, 1000};
    auto model = expect_trains(info.name, config);
    if (kImageNetCounts.count(info.name)) {
      EXPECT_EQ(count_parameters(*model), small_input_count(info.name)) << info.name;
    } else if (kSmallImageCounts.count(info.name)) {
      const auto& [count, features] = kSmallImageCounts.at(info.name);
      EXPECT_EQ(count_parameters(*model), count + (1000 - 10) * (features + 1)) << info.name;
    }
  }
}

// One-channel 28×28 images: one model of each family and stem (28×28 takes
// other paths than 32×32: VGG's fifth pool, AlexNet's 2×2 map).
TEST(Zoo, FamiliesTrainOn1x28x28) {
  for (const char* name :
       {"alexnet-torchvision", "vgg11-bn", "vgg-small", "vgg-small-bn", "googlenet", "resnet18",
        "resnet20", "wrn-16-4", "densenet121", "densenet-bc-100", "mobilenet-v1-0.5"}) {
    expect_trains(name, {1, 28, 10});
  }
}

// At 3×224×224 the stems are torchvision's: the counts equal its exactly.
// (The rest of the ImageNet networks are built at 224 by the torchvision
// comparison and summary tests, or differ only in stage depths.)
TEST(Zoo, ParameterCountsAtImageNetSizeEqualTorchvision) {
  for (const char* name : {"resnet18", "resnet50", "densenet121", "googlenet", "mobilenet-v1",
                           "alexnet-torchvision"}) {
    EXPECT_EQ(count_parameters(*create(name, {3, 224, 1000})), kImageNetCounts.at(name)) << name;
  }
}

TEST(Zoo, CifarResNetOptionBAddsTheProjections) {
  // Option B adds the two projections (16→32, 32→64, each conv1×1 + BN).
  CifarResNet b(CifarResNetOptions(20).shortcut(ShortcutOption::kB).num_classes(10));
  EXPECT_EQ(count_parameters(b), 269722 + (16 * 32 + 64) + (32 * 64 + 128));
  EXPECT_TRUE(has_parameter(b, "layer2.0.downsample.0.weight"));
  expect_trains_module(b, {3, 32, 10});
}

TEST(Zoo, NamesFollowTorchvision) {
  auto r = create("resnet50", {3, 32, 10});
  for (const char* n :
       {"conv1.weight", "bn1.weight", "layer1.0.conv1.weight", "layer1.0.downsample.0.weight",
        "layer1.0.downsample.1.bias", "layer4.2.bn3.weight", "fc.weight", "fc.bias"}) {
    EXPECT_TRUE(has_parameter(*r, n)) << n;
  }
  auto d = create("densenet121", {3, 32, 10});
  for (const char* n :
       {"features.conv0.weight", "features.norm0.weight",
        "features.denseblock1.denselayer1.norm1.weight",
        "features.denseblock4.denselayer16.conv2.weight", "features.transition3.conv.weight",
        "features.norm5.bias", "classifier.weight"}) {
    EXPECT_TRUE(has_parameter(*d, n)) << n;
  }
  auto g = create("googlenet", {3, 32, 10});
  for (const char* n :
       {"conv1.conv.weight", "conv1.bn.weight", "inception3a.branch1.conv.weight",
        "inception5b.branch4.1.bn.bias", "aux1.conv.conv.weight", "aux2.fc2.weight", "fc.weight"}) {
    EXPECT_TRUE(has_parameter(*g, n)) << n;
  }
  auto v = create("vgg11-bn", {3, 32, 10});
  EXPECT_TRUE(has_parameter(*v, "features.1.weight"));  // the first BatchNorm
  EXPECT_TRUE(has_parameter(*v, "classifier.6.weight"));
}

TEST(Zoo, SmallInputsKeepNamesAndUseA3x3Stem) {
  auto small = create("resnet18", {1, 28, 10});
  auto large = create("resnet18", {1, 224, 10});
  std::vector<std::string> small_names, large_names;
  for (const auto& [n, t] : small->state_dict()) small_names.push_back(n);
  for (const auto& [n, t] : large->state_dict()) large_names.push_back(n);
  EXPECT_EQ(small_names, large_names);
  auto& r = dynamic_cast<ResNet&>(*small);
  EXPECT_EQ(r.conv1->weight.shape(), (Shape{64, 1, 3, 3}));
  EXPECT_EQ(r.maxpool, nullptr);
  EXPECT_EQ(dynamic_cast<ResNet&>(*large).conv1->weight.shape(), (Shape{64, 1, 7, 7}));
  // A 28×28 image reaches layer1 at full size with the small stem.
  Shape seen;
  r.layer1->register_forward_hook(
      [&](nn::Module&, const Tensor&, const Tensor& out) { seen = out.shape(); });
  r.eval();
  NoGradGuard no_grad;
  r(randn({1, 1, 28, 28}));
  EXPECT_EQ(seen, (Shape{1, 64, 28, 28}));
}

TEST(Zoo, VGGReplacesOnlyThePoolThatWouldEmptyTheMap) {
  auto at28 = std::dynamic_pointer_cast<VGG>(create("vgg11", {1, 28, 10}));
  auto at32 = std::dynamic_pointer_cast<VGG>(create("vgg11", {1, 32, 10}));
  int identities28 = 0, identities32 = 0;
  for (const auto& m : *at28->features) identities28 += m->name() == "Identity";
  for (const auto& m : *at32->features) identities32 += m->name() == "Identity";
  EXPECT_EQ(identities28, 1);
  EXPECT_EQ(identities32, 0);
}

TEST(Zoo, GoogLeNetAuxiliaryHeadsRunOnlyInTraining) {
  auto model = create("googlenet", {1, 28, 5});
  auto* aux = dynamic_cast<AuxiliaryOutputs*>(model.get());
  ASSERT_NE(aux, nullptr);
  Tensor x = randn({2, 1, 28, 28});
  model->train();
  model->forward(x);
  auto heads = aux->auxiliary();
  ASSERT_EQ(heads.size(), 2u);
  for (const auto& [logits, weight] : heads) {
    EXPECT_EQ(logits.shape(), (Shape{2, 5}));
    EXPECT_DOUBLE_EQ(weight, 0.3);
  }
  model->eval();
  NoGradGuard no_grad;
  model->forward(x);
  EXPECT_TRUE(aux->auxiliary().empty());
}

TEST(Zoo, MobileNetWidthAndResolutionMultipliers) {
  // α scales every width; parameters fall by about α² (the classifier by α).
  auto full = create("mobilenet-v1", {3, 224, 1000});
  auto half = create("mobilenet-v1-0.5", {3, 224, 1000});
  auto& h = dynamic_cast<MobileNetV1&>(*half);
  EXPECT_EQ(h.fc->weight.shape(), (Shape{1000, 512}));
  EXPECT_EQ(count_parameters(*half), 1331592);  // the paper's 1.3 M
  EXPECT_LT(count_parameters(*half), count_parameters(*full) / 3);
  // ρ resizes the input: the stem sees round(ρ·H).
  MobileNetV1 rho(MobileNetV1Options().rho(0.5).num_classes(10).small_input(true));
  Shape seen;
  rho.features->ptr(0)->register_forward_hook(
      [&](nn::Module&, const Tensor&, const Tensor& out) { seen = out.shape(); });
  rho.eval();
  NoGradGuard no_grad;
  EXPECT_EQ(rho(randn({1, 3, 32, 32})).shape(), (Shape{1, 10}));
  EXPECT_EQ(seen, (Shape{1, 32, 16, 16}));
  EXPECT_ERROR(MobileNetV1(MobileNetV1Options().rho(1.5)), "rho in (0, 1]");
}

TEST(Zoo, BadConfigurationsAreRefusedWithAReason) {
  EXPECT_ERROR(CifarResNet(CifarResNetOptions(21)), "6n + 2", "21");
  EXPECT_ERROR(WideResNet(WideResNetOptions(27, 10)), "6n + 4", "27");
  EXPECT_ERROR(vgg(12, false), "11, 13, 16 or 19", "12");
  EXPECT_ERROR(create("vgg-small", {1, 30, 10}), "multiple of 4", "30");
  EXPECT_ERROR(create("resnet-18"), "unknown model 'resnet-18'", "resnet18");
}

TEST(Zoo, WideResNetDropoutIsActiveOnlyInTraining) {
  manual_seed(3);
  auto model = wide_resnet(10, 1, {1, 28, 10}, 0.5);
  Tensor x = randn({2, 1, 28, 28});
  model->eval();
  NoGradGuard no_grad;
  Tensor a = (*model)(x), b = (*model)(x);
  EXPECT_EQ(a.to_vector(), b.to_vector());
  model->train();
  Tensor c = (*model)(x), d = (*model)(x);
  EXPECT_NE(c.to_vector(), d.to_vector());
}

}  // namespace
}  // namespace nabla::models
