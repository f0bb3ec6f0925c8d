// The model zoo by name: `nabla train --model NAME` and `nabla summary NAME`
// build models through this registry. Each model's file registers itself:
//
//   NABLA_REGISTER_MODEL("lenet5", "LeNet-5 (LeCun 1998) ...",
//                        [](const models::ModelConfig& c) { return std::make_shared<LeNet5>(c); });
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "nabla/nn/module.h"

namespace nabla::models {

// What a model adapts to: the data's channels, image size and classes.
struct ModelConfig {
  int64_t in_channels = 1;
  int64_t image_size = 28;  // height = width
  int64_t num_classes = 10;
};

using ModelFactory = std::function<std::shared_ptr<nn::Module>(const ModelConfig&)>;

struct ModelInfo {
  std::string name;
  std::string description;
  ModelFactory factory;
};

// Models with auxiliary classifiers (GoogLeNet's two) implement this too.
// After a forward pass in training mode, auxiliary() holds each auxiliary
// head's logits and the weight of its loss in the total (0.3 in the paper):
//   loss = criterion(out, y) + Σ weight · criterion(aux_logits, y)
// In eval mode the heads do not run and auxiliary() is empty. Trainers add
// these losses for any model that has them, without knowing the model.
class AuxiliaryOutputs {
 public:
  virtual ~AuxiliaryOutputs() = default;
  virtual std::vector<std::pair<Tensor, double>> auxiliary() const = 0;
};

// Builds a model; an unknown name throws an Error listing the known names.
std::shared_ptr<nn::Module> create(const std::string& name, const ModelConfig& config = {});
// Registered models, sorted by name.
std::vector<ModelInfo> list();

// Adds a model (called by NABLA_REGISTER_MODEL at load time).
bool register_model(std::string name, std::string description, ModelFactory factory);

#define NABLA_MODEL_CONCAT2(a, b) a##b
#define NABLA_MODEL_CONCAT(a, b) NABLA_MODEL_CONCAT2(a, b)
#define NABLA_REGISTER_MODEL(name, description, factory)                    \
  static const bool NABLA_MODEL_CONCAT(nabla_model_registered_, __LINE__) = \
      ::nabla::models::register_model(name, description, factory)

}  // namespace nabla::models
