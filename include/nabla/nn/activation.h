// Activation modules: each wraps the function of the same name in
// nabla/ops/activation.h, with PyTorch's defaults.
#pragma once

#include <cstdint>
#include <string>

#include "nabla/nn/module.h"
#include "nabla/nn/options.h"

namespace nabla::nn {

class ReLU : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};

struct LeakyReLUOptions {
  NABLA_ARG(double, negative_slope) = 0.01;
};

// x for x ≥ 0, negative_slope·x otherwise.
class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(const LeakyReLUOptions& options = {}) : options(options) {}
  explicit LeakyReLU(double negative_slope)
      : options(LeakyReLUOptions().negative_slope(negative_slope)) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  LeakyReLUOptions options;
};

struct ELUOptions {
  NABLA_ARG(double, alpha) = 1.0;
};

// x for x > 0, alpha·(eˣ − 1) otherwise.
class ELU : public Module {
 public:
  explicit ELU(const ELUOptions& options = {}) : options(options) {}
  explicit ELU(double alpha) : options(ELUOptions().alpha(alpha)) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  ELUOptions options;
};

struct GELUOptions {
  NABLA_ARG(std::string, approximate) = "none";  // "none" (erf) or "tanh"
};

class GELU : public Module {
 public:
  explicit GELU(const GELUOptions& options = {});
  explicit GELU(const std::string& approximate) : GELU(GELUOptions().approximate(approximate)) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  GELUOptions options;
};

// x·σ(x)
class SiLU : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};

class Sigmoid : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};

class Tanh : public Module {
 public:
  Tensor forward(const Tensor& x) override;
};

struct SoftplusOptions {
  NABLA_ARG(double, beta) = 1.0;
  NABLA_ARG(double, threshold) = 20.0;
};

// log(1 + e^(beta·x)) / beta, and x itself where beta·x > threshold.
class Softplus : public Module {
 public:
  explicit Softplus(const SoftplusOptions& options = {}) : options(options) {}
  explicit Softplus(double beta, double threshold = 20.0)
      : options(SoftplusOptions().beta(beta).threshold(threshold)) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  SoftplusOptions options;
};

struct SoftmaxOptions {
  SoftmaxOptions(int64_t dim) : dim_(dim) {}  // NOLINT: Softmax(1)
  NABLA_ARG(int64_t, dim);
};

// The dim has no default: PyTorch's implicit choice of dim is deprecated.
class Softmax : public Module {
 public:
  explicit Softmax(const SoftmaxOptions& options) : options(options) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  SoftmaxOptions options;
};

using LogSoftmaxOptions = SoftmaxOptions;

class LogSoftmax : public Module {
 public:
  explicit LogSoftmax(const LogSoftmaxOptions& options) : options(options) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  LogSoftmaxOptions options;
};

}  // namespace nabla::nn
