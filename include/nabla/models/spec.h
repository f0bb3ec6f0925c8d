// A model described in JSON, for `nabla train --spec FILE.json`: an
// nn::Sequential of layers with PyTorch's class and argument names.
//
//   {"layers": [
//     {"type": "Conv2d", "out_channels": 8, "kernel_size": 3, "padding": 1},
//     {"type": "ReLU"},
//     {"type": "MaxPool2d", "kernel_size": 2},
//     {"type": "Flatten"},
//     {"type": "Linear", "out_features": "num_classes"}
//   ]}
//
// builds what nn.Sequential(nn.Conv2d(1, 8, 3, padding=1), nn.ReLU(),
// nn.MaxPool2d(2), nn.Flatten(), nn.Linear(1568, 10)) builds in PyTorch, with
// the same state_dict names ("0.weight", "4.bias").
//
// - The size of a layer's input may be omitted (or given as "auto"):
//   in_channels (Conv*), in_features (Linear), num_features (BatchNorm*,
//   InstanceNorm2d), num_channels (GroupNorm) and normalized_shape (LayerNorm,
//   the last dim) are then read off the shape that reaches the layer, as
//   PyTorch's LazyLinear and LazyConv2d do; the shapes are found by passing a
//   zero batch of one (C, H, W) from the ModelConfig through the layers.
// - Any integer may be the string "num_classes" or "in_channels", the
//   ModelConfig's value, so one file serves several datasets.
// - Pairs are [h, w] or one integer for both; padding may be "same" or
//   "valid" for convolutions; null is Python's None where PyTorch allows it
//   (a pooling's stride, BatchNorm's momentum).
// - "inplace" is accepted and ignored: nabla's layers give the same values
//   out of place.
// - "//" and "/* */" comments are allowed.
//
// Layer types: Conv1d, Conv2d, ConvTranspose2d, Linear, Identity, Flatten,
// ReLU, LeakyReLU, ELU, GELU, SiLU, Sigmoid, Tanh, Softplus, Softmax,
// LogSoftmax, Dropout, Dropout2d, BatchNorm1d, BatchNorm2d, InstanceNorm2d,
// LayerNorm, GroupNorm, LocalResponseNorm, MaxPool1d, MaxPool2d, AvgPool1d,
// AvgPool2d, AdaptiveAvgPool1d, AdaptiveAvgPool2d, AdaptiveMaxPool2d, Upsample,
// PixelShuffle, PixelUnshuffle, ZeroPad2d, ConstantPad2d, ReflectionPad2d,
// ReplicationPad2d.
//
// Errors name the layer by index and type and the key at fault, and list
// the known types or keys: "spec: layer 3 (Linear): unknown key 'in_feature';
// known keys: type, in_features, out_features, bias".
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nabla/models/registry.h"
#include "nabla/nn/sequential.h"

namespace nabla::models {

// Builds the Sequential that json_text describes; it comes back in training
// mode, as a new module does.
std::shared_ptr<nn::Sequential> sequential_from_json(const std::string& json_text,
                                                     const ModelConfig& config = {});

// Reads and builds the spec file at path; errors name the file.
std::shared_ptr<nn::Sequential> load_spec(const std::string& path, const ModelConfig& config = {});

// The layer types a spec may use, sorted.
std::vector<std::string> spec_layer_types();

}  // namespace nabla::models
