// A model's summary, as torchinfo prints it: one row per module reached by a
// forward pass (its name, type, output shape, parameters and
// multiply-accumulates), then the totals.
//
// Multiply-accumulates count the products of convolutions and linear layers
// (weights × output positions, per example), as the papers do: ResNet-18 at
// 3×224×224 is 1.82 G. Other layers count 0.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "nabla/nn/module.h"

namespace nabla::nn {

struct SummaryRow {
  std::string name;  // dotted, as in named_modules ("layer1.0.conv1")
  std::string type;  // Module::name()
  int depth = 0;     // 0 for the model's children
  Shape output_shape;
  int64_t parameters = 0;  // own parameters, not its children's
  int64_t macs = 0;        // per example
};

struct Summary {
  std::string model;  // the model's Module::name(), the table's first line
  // In the order calls began, parents before their children, as torchinfo's;
  // a module called twice has a row per call (total_macs counts every call).
  std::vector<SummaryRow> rows;
  Shape input_shape;   // with the batch of one: [1, 1, 28, 28]
  Shape output_shape;  // the model's output, likewise
  int64_t total_parameters = 0;
  int64_t trainable_parameters = 0;
  int64_t total_macs = 0;         // per example
  std::string to_string() const;  // a table, as torchinfo prints
  std::string to_json() const;    // {"input":[..],"layers":[..],"total_parameters":..,..}
};

// Runs one forward pass of a batch of one zero input of input_shape (C, H, W
// or F) in eval mode under NoGradGuard, with forward hooks on every module,
// and restores the model's mode (each module's own) and removes the hooks,
// also when the forward pass throws. The input takes the device and dtype of
// the model's first floating-point parameter.
Summary summary(Module& model, const Shape& input_shape);

}  // namespace nabla::nn
