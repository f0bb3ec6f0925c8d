#include "nabla/models/lenet.h"

#include "nabla/nn/activation.h"
#include "nabla/nn/conv.h"
#include "nabla/nn/linear.h"
#include "nabla/nn/pool.h"

namespace nabla::models {
namespace {

// The side of the feature maps after `features`, for a square image:
//   conv 5×5: s + 2p − 4    pool 2: ⌊s/2⌋    conv 5×5: s − 4    pool 2: ⌊s/2⌋
int64_t feature_side(int64_t image_size, int64_t padding) {
  const int64_t conv1 = image_size + 2 * padding - 4;
  const int64_t conv2 = conv1 / 2 - 4;
  return conv2 / 2;
}

}  // namespace

LeNet5::LeNet5(const ModelConfig& config) {
  const int64_t padding = config.image_size == 28 ? 2 : 0;
  const int64_t side = feature_side(config.image_size, padding);
  NABLA_CHECK(config.in_channels > 0 && config.num_classes > 0, "lenet5: in_channels (",
              config.in_channels, ") and num_classes (", config.num_classes, ") must be positive");
  NABLA_CHECK(config.image_size >= 16 && side >= 1, "lenet5: image_size ", config.image_size,
              " is too small; two 5×5 convolutions and two 2×2 poolings need at least 16 (28 "
              "is padded to 32)");

  features = register_module(
      "features", std::make_shared<nn::Sequential>(
                      std::make_shared<nn::Conv2d>(
                          nn::Conv2dOptions(config.in_channels, 6, 5).padding(padding)),
                      std::make_shared<nn::ReLU>(), std::make_shared<nn::MaxPool2d>(2),
                      std::make_shared<nn::Conv2d>(6, 16, 5), std::make_shared<nn::ReLU>(),
                      std::make_shared<nn::MaxPool2d>(2)));
  classifier = register_module(
      "classifier",
      std::make_shared<nn::Sequential>(
          std::make_shared<nn::Linear>(16 * side * side, 120), std::make_shared<nn::ReLU>(),
          std::make_shared<nn::Linear>(120, 84), std::make_shared<nn::ReLU>(),
          std::make_shared<nn::Linear>(84, config.num_classes)));
}

Tensor LeNet5::forward(const Tensor& x) {
  NABLA_CHECK(x.dim() == 4, "LeNet5: expected input (N, C, H, W), got ", x.shape());
  return (*classifier)((*features)(x).flatten(1));
}

NABLA_REGISTER_MODEL("lenet5",
                     "LeNet-5 (LeCun et al. 1998) with ReLU and max-pooling: 2 conv + 3 linear "
                     "layers, 61.7 K parameters at 1×28×28",
                     [](const ModelConfig& c) { return std::make_shared<LeNet5>(c); });

}  // namespace nabla::models
