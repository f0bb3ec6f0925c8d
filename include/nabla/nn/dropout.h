// Dropout: inverted dropout, as torch.nn.Dropout.
#pragma once

#include <string>

#include "nabla/nn/module.h"
#include "nabla/nn/options.h"

namespace nabla::nn {

struct DropoutOptions {
  DropoutOptions(double p = 0.5) : p_(p) {}  // NOLINT: Dropout(0.2)
  NABLA_ARG(double, p);
};

// Training: each element is zeroed with probability p and the kept ones are
// scaled by 1/(1 − p), so the expected output equals the input. Eval: identity.
class Dropout : public Module {
 public:
  explicit Dropout(const DropoutOptions& options = {});

  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  DropoutOptions options;
};

}  // namespace nabla::nn
