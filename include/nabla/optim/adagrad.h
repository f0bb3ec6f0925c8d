// Adagrad, as torch.optim.Adagrad:
//   g ← ∇ + λθ
//   clr = lr / (1 + (t − 1)·lr_decay)
//   s ← s + g²                        (s₀ = initial_accumulator_value)
//   θ ← θ − clr·g / (√s + ε)
#pragma once

#include "nabla/optim/optimizer.h"

namespace nabla::optim {

struct AdagradOptions {
  AdagradOptions(double lr = 1e-2) : lr_(lr) {}  // NOLINT
  GroupOptions to_map() const;

  NABLA_OPTIM_ARG(double, lr);
  NABLA_OPTIM_ARG(double, lr_decay) = 0.0;
  NABLA_OPTIM_ARG(double, weight_decay) = 0.0;
  NABLA_OPTIM_ARG(double, initial_accumulator_value) = 0.0;
  NABLA_OPTIM_ARG(double, eps) = 1e-10;
};

class Adagrad : public Optimizer {
 public:
  Adagrad(std::vector<Tensor> params, AdagradOptions options = {});
  Adagrad(std::vector<ParamGroup> groups, AdagradOptions options = {});
  void step() override;

 private:
  void check_options(const GroupOptions& options) const override;
};

}  // namespace nabla::optim
