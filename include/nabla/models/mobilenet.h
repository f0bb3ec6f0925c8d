// MobileNet v1 (Howard et al. 2017): depthwise-separable convolutions with a
// width multiplier α and a resolution multiplier ρ.
//
//   features.0:      conv 3×3/2 (32α) → BN → ReLU
//   features.1 ... features.13, depthwise-separable blocks:
//                    conv 3×3/s depthwise (groups = M) → BN → ReLU →
//                    conv 1×1 (M → N) → BN → ReLU
//                    channels 64, 128, 128, 256, 256, 512 ×6, 1024, 1024 (×α),
//                    stride 2 in blocks 2, 4, 6 and 12
//   avgpool (1×1) → fc
// Names: features.0.0.weight (stem conv), features.0.1.* (its BN),
// features.k.0.weight (depthwise), features.k.1.* (its BN), features.k.3.weight
// (pointwise), features.k.4.* (its BN), fc.weight; convolutions have no
// bias. torchvision has no v1, so tests/models check this against a
// PyTorch network built with the same names.
//
// Cost per block at D_F×D_F output (seed 000): D_K·D_K·M·D_F·D_F (depthwise)
// + M·N·D_F·D_F (pointwise). At α = 1, 3×224×224, 1000 classes: 569 M
// multiply-accumulates and 4,231,976 parameters (the paper's 4.2 M).
// α scales every width (⌊c·α⌋, at least 8); parameters fall by about α².
// ρ scales the input resolution: forward first resizes the image to
// round(ρ·H) × round(ρ·W) (bilinear), so the cost falls by ρ² and the
// parameters do not change (ρ = 1: no resize; the paper's 224, 192, 160, 128
// are ρ = 1, 6/7, 5/7, 4/7).
//
// Init as torchvision's MobileNets: convolutions kaiming_normal_(fan_out),
// BN γ = 1, β = 0, fc N(0, 0.01) with bias 0.
//
// Small inputs (image_size < 64): the stem convolution has stride 1, so
// 28×28 ends at 2×2 and 32×32 at 2×2 after the four stride-2 blocks.
#pragma once

#include <cstdint>
#include <memory>

#include "nabla/models/registry.h"
#include "nabla/nn/linear.h"
#include "nabla/nn/module.h"
#include "nabla/nn/options.h"
#include "nabla/nn/pool.h"
#include "nabla/nn/sequential.h"

namespace nabla::models {

struct MobileNetV1Options {
  NABLA_ARG(double, alpha) = 1.0;  // width multiplier, in (0, 1] typically 1, 0.75, 0.5, 0.25
  NABLA_ARG(double, rho) = 1.0;    // resolution multiplier, in (0, 1]
  NABLA_ARG(int64_t, in_channels) = 3;
  NABLA_ARG(int64_t, num_classes) = 1000;
  NABLA_ARG(bool, small_input) = false;  // stride-1 stem
};

class MobileNetV1 : public nn::Module {
 public:
  explicit MobileNetV1(const MobileNetV1Options& options = {});
  Tensor forward(const Tensor& x) override;

  MobileNetV1Options options;
  std::shared_ptr<nn::Sequential> features;
  std::shared_ptr<nn::AdaptiveAvgPool2d> avgpool;
  std::shared_ptr<nn::Linear> fc;
};

}  // namespace nabla::models
