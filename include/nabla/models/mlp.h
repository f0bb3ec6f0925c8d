// A multilayer perceptron: Flatten, then Linear → ReLU for each hidden layer,
// then a Linear to the logits. Registered as "mlp": C·H·W → 256 → 128 →
// classes (784-256-128-10 for MNIST).
//
// An nn::Sequential, so its state_dict names are those of PyTorch's
// nn.Sequential(nn.Flatten(), nn.Linear(784, 256), nn.ReLU(), ...):
// "1.weight", "3.weight", "5.weight".
#pragma once

#include <cstdint>
#include <vector>

#include "nabla/models/registry.h"
#include "nabla/nn/sequential.h"

namespace nabla::models {

class MLP : public nn::Sequential {
 public:
  MLP(int64_t in_features, const std::vector<int64_t>& hidden, int64_t num_classes);
  explicit MLP(const ModelConfig& config = {});
};

}  // namespace nabla::models
