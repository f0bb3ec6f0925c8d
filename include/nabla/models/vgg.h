// VGG (Simonyan & Zisserman 2014) with torchvision's layout and names, and a
// small VGG-style network for 28×28 images.
//
// vgg11/13/16/19 (configurations A, B, D, E) and their -bn variants, as
// torchvision.models.vgg11 ... vgg19_bn:
//   features:   [conv3×3 (pad 1) → (BatchNorm2d) → ReLU]×k → MaxPool2d(2) per stage,
//               64, 128, 256, 512, 512 channels
//   avgpool:    AdaptiveAvgPool2d(7×7)
//   classifier: Linear(512·7·7, 4096) → ReLU → Dropout(0.5) → Linear(4096, 4096)
//               → ReLU → Dropout(0.5) → Linear(4096, num_classes)
// Names are torchvision's (features.0.weight, features.1.running_mean for
// the -bn variants, classifier.6.weight); a torchvision state_dict loads with
// strict = true and gives the same logits. Init as torchvision: convolutions
// kaiming_normal_(fan_out, relu), bias 0; BN γ = 1, β = 0; linear N(0, 0.01), bias 0.
//
// Small inputs (image_size < 64): five 2×2 pools need at least 32×32; a
// pool that would take the map below 1×1 (the fifth at 28×28) is an
// Identity instead, so `features` keeps its indices and names. The map
// leaving `features` is then 1×1×512, which torchvision's 7×7 avgpool would
// only copy 49 times (and a Linear over 49 copies is a Linear over the 512
// values with summed weights): small inputs pool to 1×1 and use the CIFAR
// VGG classifier (Liu & Deng 2015), Linear(512, 512) → ReLU → Dropout →
// Linear(512, 512) → ReLU → Dropout → Linear(512, num_classes), under the
// same names (classifier.0, .3, .6). vgg16 then has 15.2 M parameters (10 classes), not 134 M.
//
// vgg-small / vgg-small-bn (for 28×28, the network the benchmarks use):
//   features:   conv3×3 32 → ReLU → conv3×3 32 → ReLU → MaxPool 2 →
//               conv3×3 64 → ReLU → conv3×3 64 → ReLU → MaxPool 2
//               (-bn: BatchNorm2d after each convolution, before the ReLU)
//   classifier: Linear(64·(S/4)², 256) → ReLU → Dropout(0.5) → Linear(256, num_classes)
// Init: convolutions as VGG's, linear layers PyTorch's default.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "nabla/models/registry.h"
#include "nabla/nn/module.h"
#include "nabla/nn/options.h"
#include "nabla/nn/pool.h"
#include "nabla/nn/sequential.h"

namespace nabla::models {

// A VGG configuration: channels of each 3×3 convolution; kVGGPool marks a 2×2 max-pool.
constexpr int64_t kVGGPool = 0;
// torchvision's cfgs "A", "B", "D", "E" for depth 11, 13, 16, 19.
std::vector<int64_t> vgg_config(int depth);

struct VGGOptions {
  VGGOptions(std::vector<int64_t> config) : config_(std::move(config)) {}  // NOLINT
  NABLA_ARG(std::vector<int64_t>, config);
  NABLA_ARG(bool, batch_norm) = false;
  NABLA_ARG(int64_t, in_channels) = 3;
  NABLA_ARG(int64_t, num_classes) = 1000;
  // The input's height = width: decides which pools would go below 1×1.
  NABLA_ARG(int64_t, image_size) = 224;
  // 1×1 avgpool and the 512-wide classifier (see above); vgg() sets it below 64.
  NABLA_ARG(bool, small_input) = false;
  NABLA_ARG(double, dropout) = 0.5;
};

class VGG : public nn::Module {
 public:
  explicit VGG(const VGGOptions& options);
  Tensor forward(const Tensor& x) override;

  VGGOptions options;
  std::shared_ptr<nn::Sequential> features;
  std::shared_ptr<nn::AdaptiveAvgPool2d> avgpool;
  std::shared_ptr<nn::Sequential> classifier;
};

// depth 11, 13, 16 or 19, adapted to config.
std::shared_ptr<VGG> vgg(int depth, bool batch_norm, const ModelConfig& config = {3, 224, 1000});

struct VGGSmallOptions {
  NABLA_ARG(bool, batch_norm) = false;
  NABLA_ARG(int64_t, in_channels) = 1;
  NABLA_ARG(int64_t, num_classes) = 10;
  NABLA_ARG(int64_t, image_size) = 28;  // multiple of 4
  NABLA_ARG(double, dropout) = 0.5;
};

class VGGSmall : public nn::Module {
 public:
  explicit VGGSmall(const VGGSmallOptions& options = {});
  Tensor forward(const Tensor& x) override;

  VGGSmallOptions options;
  std::shared_ptr<nn::Sequential> features;
  std::shared_ptr<nn::Sequential> classifier;
};

}  // namespace nabla::models
