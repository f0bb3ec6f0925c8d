// Wide residual networks (Zagoruyko & Komodakis 2016), WRN-d-k, for small
// images: pre-activation basic blocks, n = (d − 4)/6 per group, widths
// 16 → 16k, 32k, 64k.
//
//   conv1 3×3 (16) → layer1 (n blocks, 16k) → layer2 (n, 32k, /2) →
//   layer3 (n, 64k, /2) → bn → relu → avgpool (1×1) → fc
// A block: bn1 → relu → conv1 3×3/s → [dropout] → bn2 → relu → conv2 3×3,
// plus the shortcut: x itself, or, where the width or stride changes, a 1×1
// convolution `shortcut` of the pre-activated input (relu(bn1(x))), as the
// authors' code. Convolutions have no bias. Names: conv1, layer1.0.bn1,
// layer1.0.conv1, layer1.0.bn2, layer1.0.conv2, layer1.0.shortcut, bn, fc.
// WRN-28-10 has 36.5 M parameters, WRN-16-4 2.7 M (10 classes).
// Init: convolutions kaiming_normal_(fan_out, relu), BN γ = 1, β = 0, fc bias 0.
// Any image size works (global average pool); 28×28 ends at 7×7, 32×32 at 8×8.
#pragma once

#include <cstdint>
#include <memory>

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

class WideBasicBlock : public nn::Module {
 public:
  WideBasicBlock(int64_t in_planes, int64_t planes, int64_t stride, double dropout);
  Tensor forward(const Tensor& x) override;

  std::shared_ptr<nn::BatchNorm2d> bn1;
  std::shared_ptr<nn::Conv2d> conv1;
  std::shared_ptr<nn::BatchNorm2d> bn2;
  std::shared_ptr<nn::Conv2d> conv2;
  std::shared_ptr<nn::ReLU> relu;
  std::shared_ptr<nn::Conv2d> shortcut;  // null where the shapes match
  double dropout;
};

struct WideResNetOptions {
  WideResNetOptions(int64_t depth, int64_t widen_factor)
      : depth_(depth), widen_factor_(widen_factor) {}
  NABLA_ARG(int64_t, depth);         // 6n + 4: 16, 22, 28, 40
  NABLA_ARG(int64_t, widen_factor);  // k
  NABLA_ARG(double, dropout) = 0.0;  // between a block's convolutions (the paper's 0.3)
  NABLA_ARG(int64_t, in_channels) = 3;
  NABLA_ARG(int64_t, num_classes) = 10;
};

class WideResNet : public nn::Module {
 public:
  explicit WideResNet(const WideResNetOptions& options);
  Tensor forward(const Tensor& x) override;

  WideResNetOptions options;
  std::shared_ptr<nn::Conv2d> conv1;
  std::shared_ptr<nn::Sequential> layer1, layer2, layer3;
  std::shared_ptr<nn::BatchNorm2d> bn;
  std::shared_ptr<nn::ReLU> relu;
  std::shared_ptr<nn::AdaptiveAvgPool2d> avgpool;
  std::shared_ptr<nn::Linear> fc;
};

// WRN-depth-k for config, with the given dropout.
std::shared_ptr<WideResNet> wide_resnet(int64_t depth, int64_t widen_factor,
                                        const ModelConfig& config = {3, 32, 10},
                                        double dropout = 0.0);

}  // namespace nabla::models
