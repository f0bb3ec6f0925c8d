// Linear, Identity and Flatten layers.
#pragma once

#include <cstdint>
#include <string>

#include "nabla/nn/module.h"
#include "nabla/nn/options.h"

namespace nabla::nn {

struct LinearOptions {
  LinearOptions(int64_t in_features, int64_t out_features)
      : in_features_(in_features), out_features_(out_features) {}
  NABLA_ARG(int64_t, in_features);
  NABLA_ARG(int64_t, out_features);
  NABLA_ARG(bool, bias) = true;
};

// y = x Wᵀ + b      x (…, in_features)  W (out_features, in_features)  b (out_features)
// PyTorch's initialisation: W by kaiming_uniform_(a = √5), i.e. U(−1/√in, 1/√in),
// and b from U(−1/√in, 1/√in).
class Linear : public Module {
 public:
  explicit Linear(const LinearOptions& options);
  Linear(int64_t in_features, int64_t out_features)
      : Linear(LinearOptions(in_features, out_features)) {}

  void reset_parameters();
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  LinearOptions options;
  Tensor& weight;  // (out_features, in_features)
  Tensor& bias;    // (out_features); undefined when options.bias() is false
};

// Returns its input unchanged.
class Identity : public Module {
 public:
  Tensor forward(const Tensor& x) override { return x; }
};

struct FlattenOptions {
  NABLA_ARG(int64_t, start_dim) = 1;
  NABLA_ARG(int64_t, end_dim) = -1;
};

// Flattens dims start_dim..end_dim into one: (N, C, H, W) → (N, C·H·W) by default.
class Flatten : public Module {
 public:
  explicit Flatten(const FlattenOptions& options = {}) : options(options) {}
  explicit Flatten(int64_t start_dim, int64_t end_dim = -1)
      : options(FlattenOptions().start_dim(start_dim).end_dim(end_dim)) {}

  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  FlattenOptions options;
};

}  // namespace nabla::nn
