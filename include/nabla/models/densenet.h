// DenseNet-BC (Huang et al. 2016), with torchvision's layout and names, and
// the paper's DenseNet-BC for small images.
//
// densenet121/169, as torchvision.models.densenet121/169:
//   features: conv0 7×7/2 → norm0 → relu0 → pool0 (max 3/2) →
//             denseblock1 → transition1 → ... → denseblock4 → norm5
//   then ReLU → global average pool → classifier (Linear)
// A dense layer (features.denseblockB.denselayerL) is the bottleneck
// norm1 → relu1 → conv1 1×1 (bn_size·k) → norm2 → relu2 → conv2 3×3 (k) [→ dropout];
// it sees the concatenation of the block's input and every earlier layer's
// k new channels, so block b ends with c₀ + L·k channels (k = growth rate).
// A transition (norm → relu → conv 1×1 → pool, 2×2 average) keeps
// ⌊compression·c⌋ channels (0.5). Names are torchvision's
// (features.denseblock1.denselayer1.norm1.weight, features.transition1.conv.weight,
// classifier.weight); a torchvision state_dict loads with strict = true and
// gives the same logits. Init as torchvision: convolutions kaiming_normal_
// (fan_in), BN γ = 1, β = 0, classifier bias 0.
//
// Small inputs (image_size < 64): conv0 is 3×3 stride 1 (pad 1) and there
// is no pool0; norm0 and relu0 stay, and the names.
//
// densenet-bc-100 (the paper's CIFAR network, k = 12, 0.8 M parameters):
// conv0 3×3 (2k = 24 channels) straight into three dense blocks of 16
// layers, compression 0.5, then norm4 → ReLU → pool → classifier. The final
// norm is named norm<blocks + 1> (torchvision's norm5 for four blocks).
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "nabla/models/named_sequential.h"
#include "nabla/models/registry.h"
#include "nabla/nn/activation.h"
#include "nabla/nn/conv.h"
#include "nabla/nn/linear.h"
#include "nabla/nn/module.h"
#include "nabla/nn/norm.h"
#include "nabla/nn/options.h"

namespace nabla::models {

// The k new channels of one dense layer, from the concatenated features.
class DenseLayer : public nn::Module {
 public:
  DenseLayer(int64_t num_input_features, int64_t growth_rate, int64_t bn_size, double drop_rate);
  Tensor forward(const Tensor& x) override;

  std::shared_ptr<nn::BatchNorm2d> norm1;
  std::shared_ptr<nn::ReLU> relu1;
  std::shared_ptr<nn::Conv2d> conv1;
  std::shared_ptr<nn::BatchNorm2d> norm2;
  std::shared_ptr<nn::ReLU> relu2;
  std::shared_ptr<nn::Conv2d> conv2;
  double drop_rate;
};

// Layers denselayer1 ... denselayerL; returns cat(x, new₁, ..., new_L).
class DenseBlock : public nn::Module {
 public:
  DenseBlock(int64_t num_layers, int64_t num_input_features, int64_t bn_size, int64_t growth_rate,
             double drop_rate);
  Tensor forward(const Tensor& x) override;

  std::vector<std::shared_ptr<DenseLayer>> layers;
};

// What the first dense block receives.
enum class DenseNetStem {
  kImageNet,  // conv0 7×7/2 → norm0 → relu0 → pool0 3/2 (torchvision's)
  kSmall,     // conv0 3×3/1 → norm0 → relu0
  kCifar,     // conv0 3×3/1 only (the paper's CIFAR networks)
};

struct DenseNetOptions {
  NABLA_ARG(int64_t, growth_rate) = 32;
  NABLA_ARG(std::vector<int64_t>, block_config) = std::vector<int64_t>{6, 12, 24, 16};
  NABLA_ARG(int64_t, num_init_features) = 64;
  NABLA_ARG(int64_t, bn_size) = 4;
  NABLA_ARG(double, drop_rate) = 0.0;
  NABLA_ARG(double, compression) = 0.5;
  NABLA_ARG(int64_t, in_channels) = 3;
  NABLA_ARG(int64_t, num_classes) = 1000;
  NABLA_ARG(DenseNetStem, stem) = DenseNetStem::kImageNet;
};

class DenseNet : public nn::Module {
 public:
  explicit DenseNet(const DenseNetOptions& options = {});
  Tensor forward(const Tensor& x) override;

  DenseNetOptions options;
  std::shared_ptr<NamedSequential> features;
  std::shared_ptr<nn::Linear> classifier;
};

}  // namespace nabla::models
