// AlexNet (Krizhevsky, Sutskever & Hinton 2012): the paper's network and
// torchvision's variant.
//
// alexnet, the paper's (seed 001: ReLU, LRN, dropout; 224 → 55 → 27 → 13):
//   features:   conv 11×11/4 (pad 2) 96 → ReLU → LRN → MaxPool 3/2 →
//               conv 5×5 (pad 2) 256 → ReLU → LRN → MaxPool 3/2 →
//               conv 3×3 384 → ReLU → conv 3×3 384 → ReLU → conv 3×3 256 → ReLU → MaxPool 3/2
//   avgpool:    AdaptiveAvgPool2d(6×6) (the identity at 224×224)
//   classifier: Dropout(0.5) → Linear(256·6·6, 4096) → ReLU → Dropout(0.5) →
//               Linear(4096, 4096) → ReLU → Linear(4096, num_classes)
// LRN as the paper: k = 2, n = 5, α = 1e-4, β = 0.75 in b = a / (k + α Σ a²)^β.
// PyTorch's LocalResponseNorm divides its alpha by n, so it gets alpha = n·α = 5e-4.
// The paper splits conv2, conv4, conv5 and the dense layers over two GPUs;
// this is the one-tower network (62,378,344 parameters at 1000 classes, the
// often-quoted 62.3 M). Init: convolutions kaiming_normal_(fan_out, relu)
// with bias 0, linear layers PyTorch's default (torchvision's ResNet rule;
// the paper's N(0, 0.01) everywhere with biases of 1 trains only with its
// hand-tuned learning-rate schedule).
//
// alexnet-torchvision, torchvision.models.alexnet ("One weird trick", 2014):
// 64, 192, 384, 256, 256 channels, no LRN, the same classifier, PyTorch's
// default init; names and shapes are torchvision's (features.0.weight,
// classifier.1.weight, ...): 61,100,840 parameters at 1000 classes.
//
// Small inputs (image_size < 64): conv1 (features.0) is 3×3 stride 1 (pad
// 1); the three 3/2 max-pools then leave 2×2 at 28×28 and 3×3 at 32×32.
// avgpool brings that to 2×2, not 6×6 (which would only copy it: a Linear
// over copies is a Linear over the values), so classifier.1 is
// Linear(256·2·2, 4096). Names stay the same.
#pragma once

#include <cstdint>
#include <memory>

#include "nabla/models/registry.h"
#include "nabla/nn/module.h"
#include "nabla/nn/options.h"
#include "nabla/nn/pool.h"
#include "nabla/nn/sequential.h"

namespace nabla::models {

struct AlexNetOptions {
  NABLA_ARG(bool, paper) = true;  // false: torchvision's variant
  NABLA_ARG(int64_t, in_channels) = 3;
  NABLA_ARG(int64_t, num_classes) = 1000;
  NABLA_ARG(bool, small_input) = false;  // 3×3 stride-1 first convolution
  NABLA_ARG(double, dropout) = 0.5;
};

class AlexNet : public nn::Module {
 public:
  explicit AlexNet(const AlexNetOptions& options = {});
  Tensor forward(const Tensor& x) override;

  AlexNetOptions options;
  std::shared_ptr<nn::Sequential> features;
  std::shared_ptr<nn::AdaptiveAvgPool2d> avgpool;
  std::shared_ptr<nn::Sequential> classifier;
};

}  // namespace nabla::models
