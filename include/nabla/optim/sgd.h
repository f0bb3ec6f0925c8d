// Stochastic gradient descent with momentum, as torch.optim.SGD:
//   g ← ∇ + λθ                        (weight_decay λ)
//   b ← μb + (1 − τ)g  (b₁ = g)       (momentum μ, dampening τ)
//   g ← g + μb (nesterov)  or  g ← b
//   θ ← θ − lr·g
#pragma once

#include "nabla/optim/optimizer.h"

namespace nabla::optim {

struct SGDOptions {
  SGDOptions(double lr) : lr_(lr) {}  // NOLINT: SGD(params, 0.1)
  GroupOptions to_map() const;

  NABLA_OPTIM_ARG(double, lr);
  NABLA_OPTIM_ARG(double, momentum) = 0.0;
  NABLA_OPTIM_ARG(double, dampening) = 0.0;
  NABLA_OPTIM_ARG(double, weight_decay) = 0.0;
  NABLA_OPTIM_ARG(bool, nesterov) = false;
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, SGDOptions options);
  SGD(std::vector<ParamGroup> groups, SGDOptions options);
  void step() override;

 private:
  void check_options(const GroupOptions& options) const override;
};

}  // namespace nabla::optim
