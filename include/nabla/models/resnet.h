// Residual networks (He et al. 2015), with torchvision's layout and names,
// and the paper's CIFAR-style networks for small images.
//
// ImageNet ResNets, as torchvision.models.resnet18 ... resnet152:
//   conv1 7×7/2 (64) → bn1 → relu → maxpool 3×3/2 → layer1 (64) → layer2
//   (128, /2) → layer3 (256, /2) → layer4 (512, /2) → avgpool (1×1) → fc
// Blocks: BasicBlock (two 3×3, resnet18/34) or Bottleneck (1×1 → 3×3 → 1×1
// with 4× expansion, resnet50/101/152; the stride sits on the 3×3, "ResNet
// v1.5", as torchvision). The first block of a stage that changes shape has a
// projection shortcut `downsample` = Sequential(conv1x1/stride, BatchNorm2d).
// Names: conv1, bn1, layer1.0.conv1, layer2.0.downsample.0, ..., fc; a
// torchvision state_dict loads with strict = true and gives the same logits.
// Init as torchvision: convolutions kaiming_normal_(fan_out, relu), BN γ = 1,
// β = 0, fc PyTorch's default.
//
// Small inputs (image_size < 64, e.g. 1×28×28 or 3×32×32): conv1 is a 3×3
// stride-1 convolution (padding 1) and there is no max-pool, so layer1 sees
// the full image (as in the CIFAR ResNets); parameter names stay the same,
// conv1.weight is (64, in, 3, 3).
//
// CIFAR ResNets (paper §4.2), resnet20/32/56 (depth 6n + 2):
//   conv1 3×3 (16) → bn1 → relu → layer1 (n blocks, 16) → layer2 (n, 32,
//   /2) → layer3 (n, 64, /2) → avgpool → fc
// Shortcuts where the shape changes: option A (the paper's for CIFAR, the
// default) is parameter-free: x[:, :, ::2, ::2] zero-padded with the new
// channels; option B is a projection, downsample = (conv1x1/2, BatchNorm2d).
// resnet20 with option A has 0.27 M parameters (269,722 for 10 classes).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "nabla/models/registry.h"
#include "nabla/nn/activation.h"
#include "nabla/nn/conv.h"
#include "nabla/nn/linear.h"
#include "nabla/nn/module.h"
#include "nabla/nn/norm.h"
#include "nabla/nn/options.h"
#include "nabla/nn/pool.h"
#include "nabla/nn/sequential.h"

namespace nabla::models {

// relu(bn2(conv2(relu(bn1(conv1(x))))) + shortcut(x)), 3×3 convolutions.
class BasicBlock : public nn::Module {
 public:
  static constexpr int64_t kExpansion = 1;
  // downsample: the projection shortcut, or null for the identity.
  BasicBlock(int64_t inplanes, int64_t planes, int64_t stride,
             std::shared_ptr<nn::Module> downsample = nullptr);
  Tensor forward(const Tensor& x) override;

  std::shared_ptr<nn::Conv2d> conv1;
  std::shared_ptr<nn::BatchNorm2d> bn1;
  std::shared_ptr<nn::ReLU> relu;
  std::shared_ptr<nn::Conv2d> conv2;
  std::shared_ptr<nn::BatchNorm2d> bn2;
  std::shared_ptr<nn::Module> downsample;
};

// relu(bn3(conv3(relu(bn2(conv2(relu(bn1(conv1(x))))))) + shortcut(x)):
// 1×1 (planes) → 3×3/stride (planes) → 1×1 (4·planes).
class Bottleneck : public nn::Module {
 public:
  static constexpr int64_t kExpansion = 4;
  Bottleneck(int64_t inplanes, int64_t planes, int64_t stride,
             std::shared_ptr<nn::Module> downsample = nullptr);
  Tensor forward(const Tensor& x) override;

  std::shared_ptr<nn::Conv2d> conv1;
  std::shared_ptr<nn::BatchNorm2d> bn1;
  std::shared_ptr<nn::Conv2d> conv2;
  std::shared_ptr<nn::BatchNorm2d> bn2;
  std::shared_ptr<nn::Conv2d> conv3;
  std::shared_ptr<nn::BatchNorm2d> bn3;
  std::shared_ptr<nn::ReLU> relu;
  std::shared_ptr<nn::Module> downsample;
};

enum class ResNetBlock { kBasic, kBottleneck };

struct ResNetOptions {
  ResNetOptions(ResNetBlock block, std::vector<int64_t> layers)
      : block_(block), layers_(std::move(layers)) {}
  NABLA_ARG(ResNetBlock, block);
  NABLA_ARG(std::vector<int64_t>, layers);  // blocks per stage, 4 stages
  NABLA_ARG(int64_t, in_channels) = 3;
  NABLA_ARG(int64_t, num_classes) = 1000;
  NABLA_ARG(bool, small_input) = false;  // 3×3 stride-1 stem, no max-pool
  // γ = 0 in each block's last BN, so every block starts as the identity
  // (torchvision's zero_init_residual).
  NABLA_ARG(bool, zero_init_residual) = false;
};

class ResNet : public nn::Module {
 public:
  explicit ResNet(const ResNetOptions& options);
  Tensor forward(const Tensor& x) override;

  ResNetOptions options;
  std::shared_ptr<nn::Conv2d> conv1;
  std::shared_ptr<nn::BatchNorm2d> bn1;
  std::shared_ptr<nn::ReLU> relu;
  std::shared_ptr<nn::MaxPool2d> maxpool;  // null for small inputs
  std::shared_ptr<nn::Sequential> layer1, layer2, layer3, layer4;
  std::shared_ptr<nn::AdaptiveAvgPool2d> avgpool;
  std::shared_ptr<nn::Linear> fc;
};

// The torchvision networks, adapted to config (in_channels, num_classes,
// and the small-input stem when image_size < 64).
std::shared_ptr<ResNet> resnet18(const ModelConfig& config = {3, 224, 1000});
std::shared_ptr<ResNet> resnet34(const ModelConfig& config = {3, 224, 1000});
std::shared_ptr<ResNet> resnet50(const ModelConfig& config = {3, 224, 1000});
std::shared_ptr<ResNet> resnet101(const ModelConfig& config = {3, 224, 1000});
std::shared_ptr<ResNet> resnet152(const ModelConfig& config = {3, 224, 1000});

// ---- CIFAR-style ResNets

enum class ShortcutOption {
  kA,  // identity, subsampled and zero-padded where the shape changes; no parameters
  kB,  // projection (1×1 convolution + BN) where the shape changes
};

// The CIFAR networks' block: BasicBlock's layout, with the shortcut of
// option A or B when stride ≠ 1 or the width changes.
class CifarBasicBlock : public nn::Module {
 public:
  CifarBasicBlock(int64_t inplanes, int64_t planes, int64_t stride, ShortcutOption shortcut);
  Tensor forward(const Tensor& x) override;

  std::shared_ptr<nn::Conv2d> conv1;
  std::shared_ptr<nn::BatchNorm2d> bn1;
  std::shared_ptr<nn::ReLU> relu;
  std::shared_ptr<nn::Conv2d> conv2;
  std::shared_ptr<nn::BatchNorm2d> bn2;
  std::shared_ptr<nn::Sequential> downsample;  // option B only, where the shape changes

 private:
  int64_t stride_;
  int64_t pad_channels_;  // option A: zero channels added on each side
};

struct CifarResNetOptions {
  CifarResNetOptions(int64_t depth) : depth_(depth) {}  // NOLINT: CifarResNetOptions(20)
  NABLA_ARG(int64_t, depth);                            // 6n + 2: 20, 32, 44, 56, 110
  NABLA_ARG(int64_t, in_channels) = 3;
  NABLA_ARG(int64_t, num_classes) = 10;
  NABLA_ARG(ShortcutOption, shortcut) = ShortcutOption::kA;
};

class CifarResNet : public nn::Module {
 public:
  explicit CifarResNet(const CifarResNetOptions& options);
  Tensor forward(const Tensor& x) override;

  CifarResNetOptions options;
  std::shared_ptr<nn::Conv2d> conv1;
  std::shared_ptr<nn::BatchNorm2d> bn1;
  std::shared_ptr<nn::ReLU> relu;
  std::shared_ptr<nn::Sequential> layer1, layer2, layer3;
  std::shared_ptr<nn::AdaptiveAvgPool2d> avgpool;
  std::shared_ptr<nn::Linear> fc;
};

}  // namespace nabla::models
