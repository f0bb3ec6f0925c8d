// LeNet-5 as today's courses teach it (PyTorch's tutorials, CS231n, the
// Fashion-MNIST baselines): two convolution blocks and three linear layers.
//
//   features:   Conv2d(C, 6, 5, padding = 2 if 28×28 else 0) → ReLU → MaxPool2d(2)
//               Conv2d(6, 16, 5) → ReLU → MaxPool2d(2)            → 16×5×5
//   classifier: Linear(400, 120) → ReLU → Linear(120, 84) → ReLU → Linear(84, classes)
//
// The 1998 network (LeCun, Bottou, Bengio, Haffner) differs, and these
// changes are why: its scaled tanh 1.7159·tanh(2x/3) saturates, so gradients
// fade through the layers and training needs the careful initialisation the
// paper describes; ReLU does not saturate for positive inputs and trains
// quickly from PyTorch's default initialisation. Its subsampling layers
// averaged 2×2 windows, then applied a trainable scale, bias and sigmoid;
// max-pooling keeps the strongest response of each window, which gives a
// little invariance to small shifts, has no parameters and worked better in
// the comparisons that followed (Scherer, Müller, Behnke 2010). C3's
// hand-made connection table (each of the 16 maps seeing some of the 6) only
// saved computation and broke symmetry; here every map sees all six. The RBF
// output layer is replaced by a linear layer whose logits go to softmax
// cross-entropy.
//
// 28×28 inputs (MNIST, Fashion-MNIST) are padded by 2, the 32×32 the paper
// drew its digits on; other sizes use no padding and a flattened size computed
// from the image size (at least 16×16).
#pragma once

#include <memory>

#include "nabla/models/registry.h"
#include "nabla/nn/sequential.h"

namespace nabla::models {

class LeNet5 : public nn::Module {
 public:
  explicit LeNet5(const ModelConfig& config = {});

  // x (N, C, H, W) → logits (N, num_classes)
  Tensor forward(const Tensor& x) override;

  std::shared_ptr<nn::Sequential> features;
  std::shared_ptr<nn::Sequential> classifier;
};

}  // namespace nabla::models
