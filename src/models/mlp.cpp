#include "nabla/models/mlp.h"

#include "nabla/nn/activation.h"
#include "nabla/nn/linear.h"

namespace nabla::models {

MLP::MLP(int64_t in_features, const std::vector<int64_t>& hidden, int64_t num_classes) {
  NABLA_CHECK(in_features > 0 && num_classes > 0, "mlp: in_features (", in_features,
              ") and num_classes (", num_classes, ") must be positive");
  push_back(std::make_shared<nn::Flatten>());
  int64_t width = in_features;
  for (int64_t h : hidden) {
    NABLA_CHECK(h > 0, "mlp: hidden sizes must be positive, got ", Shape(hidden));
    push_back(std::make_shared<nn::Linear>(width, h));
    push_back(std::make_shared<nn::ReLU>());
    width = h;
  }
  push_back(std::make_shared<nn::Linear>(width, num_classes));
}

MLP::MLP(const ModelConfig& config)
    : MLP(config.in_channels * config.image_size * config.image_size, {256, 128},
          config.num_classes) {}

NABLA_REGISTER_MODEL("mlp",
                     "Multilayer perceptron: flatten, C·H·W → 256 → 128 → classes with ReLU "
                     "(784-256-128-10 on MNIST)",
                     [](const ModelConfig& c) { return std::make_shared<MLP>(c); });

}  // namespace nabla::models
