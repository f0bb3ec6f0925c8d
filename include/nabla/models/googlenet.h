// GoogLeNet, Inception v1 (Szegedy et al. 2014), with torchvision's layout
// and names (torchvision.models.googlenet(aux_logits=True)).
//
//   conv1 7×7/2 (64) → maxpool1 3/2 → conv2 1×1 (64) → conv3 3×3 (192) → maxpool2 3/2
//   → inception3a, 3b → maxpool3 3/2 → inception4a ... 4e → maxpool4 2/2
//   → inception5a, 5b → avgpool (1×1) → dropout (0.2) → fc
// (all max-pools with ceil_mode). Every convolution is a BasicConv2d:
// conv (no bias) → BatchNorm2d(eps = 0.001) → ReLU, as torchvision has it
// (the paper predates BatchNorm). An Inception module concatenates four
// branches: 1×1; 1×1 reduction → 3×3; 1×1 reduction → "5×5"; 3×3/1 max-pool
// → 1×1 projection. torchvision's "5×5" branch is a 3×3 convolution (a known
// slip it keeps for its pretrained weights); we keep it too, so its
// state_dicts load and parameter counts agree (13,004,888 with the
// auxiliary heads, 6,624,904 without, at 1000 classes).
//
// Auxiliary classifiers aux1 (after inception4a) and aux2 (after 4d):
// adaptive 4×4 average pool → BasicConv2d 1×1 (128) → fc1 (2048 → 1024) →
// ReLU → dropout 0.7 → fc2. They run only in training mode; their logits
// are then in auxiliary(), each weighted 0.3 in the loss as in the paper.
// forward() returns the main logits in both modes.
//
// Init as torchvision: convolution and linear weights trunc_normal_(std 0.01,
// a = −2, b = 2), BN γ = 1, β = 0, linear biases PyTorch's default.
//
// Small inputs (image_size < 64): conv1 is 3×3 stride 1 (pad 1) and
// maxpool1 is skipped, so inception3 runs at 14×14 (28×28 input) or 16×16
// (32×32), close to its 28×28 at 224. Names stay the same.
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "nabla/models/registry.h"
#include "nabla/nn/conv.h"
#include "nabla/nn/dropout.h"
#include "nabla/nn/linear.h"
#include "nabla/nn/module.h"
#include "nabla/nn/norm.h"
#include "nabla/nn/options.h"
#include "nabla/nn/pool.h"
#include "nabla/nn/sequential.h"

namespace nabla::models {

// relu(bn(conv(x))): conv without bias, BatchNorm2d with eps 0.001.
class BasicConv2d : public nn::Module {
 public:
  explicit BasicConv2d(const nn::Conv2dOptions& options);
  Tensor forward(const Tensor& x) override;

  std::shared_ptr<nn::Conv2d> conv;
  std::shared_ptr<nn::BatchNorm2d> bn;
};

class Inception : public nn::Module {
 public:
  Inception(int64_t in_channels, int64_t ch1x1, int64_t ch3x3red, int64_t ch3x3, int64_t ch5x5red,
            int64_t ch5x5, int64_t pool_proj);
  // cat(branch1(x), branch2(x), branch3(x), branch4(x)) along channels.
  Tensor forward(const Tensor& x) override;

  std::shared_ptr<BasicConv2d> branch1;
  std::shared_ptr<nn::Sequential> branch2, branch3, branch4;
};

class InceptionAux : public nn::Module {
 public:
  InceptionAux(int64_t in_channels, int64_t num_classes, double dropout = 0.7);
  Tensor forward(const Tensor& x) override;

  std::shared_ptr<BasicConv2d> conv;
  std::shared_ptr<nn::Linear> fc1;
  std::shared_ptr<nn::Linear> fc2;
  std::shared_ptr<nn::Dropout> dropout;
};

struct GoogLeNetOptions {
  NABLA_ARG(int64_t, in_channels) = 3;
  NABLA_ARG(int64_t, num_classes) = 1000;
  NABLA_ARG(bool, aux_logits) = true;  // build aux1 and aux2
  NABLA_ARG(bool, small_input) = false;
  NABLA_ARG(double, dropout) = 0.2;
  NABLA_ARG(double, dropout_aux) = 0.7;
  NABLA_ARG(double, aux_weight) = 0.3;  // each auxiliary loss's weight in the total
};

class GoogLeNet : public nn::Module, public AuxiliaryOutputs {
 public:
  explicit GoogLeNet(const GoogLeNetOptions& options = {});
  Tensor forward(const Tensor& x) override;
  // After a training-mode forward: {(aux1 logits, 0.3), (aux2 logits, 0.3)};
  // after an eval-mode forward, or without aux_logits: empty.
  std::vector<std::pair<Tensor, double>> auxiliary() const override;

  GoogLeNetOptions options;
  std::shared_ptr<BasicConv2d> conv1;
  std::shared_ptr<nn::MaxPool2d> maxpool1;  // null for small inputs
  std::shared_ptr<BasicConv2d> conv2, conv3;
  std::shared_ptr<nn::MaxPool2d> maxpool2;
  std::shared_ptr<Inception> inception3a, inception3b;
  std::shared_ptr<nn::MaxPool2d> maxpool3;
  std::shared_ptr<Inception> inception4a, inception4b, inception4c, inception4d, inception4e;
  std::shared_ptr<nn::MaxPool2d> maxpool4;
  std::shared_ptr<Inception> inception5a, inception5b;
  std::shared_ptr<InceptionAux> aux1, aux2;  // null without aux_logits
  std::shared_ptr<nn::AdaptiveAvgPool2d> avgpool;
  std::shared_ptr<nn::Dropout> dropout;
  std::shared_ptr<nn::Linear> fc;

 private:
  Tensor aux1_logits_, aux2_logits_;
};

}  // namespace nabla::models
