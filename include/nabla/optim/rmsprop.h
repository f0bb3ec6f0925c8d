// RMSprop, as torch.optim.RMSprop:
//   g ← ∇ + λθ
//   v ← αv + (1 − α)g²
//   centered:  ḡ ← αḡ + (1 − α)g,  d = √(v − ḡ²) + ε   else  d = √v + ε
//   momentum μ > 0:  b ← μb + g/d,  θ ← θ − lr·b      else  θ ← θ − lr·g/d
#pragma once

#include "nabla/optim/optimizer.h"

namespace nabla::optim {

struct RMSpropOptions {
  RMSpropOptions(double lr = 1e-2) : lr_(lr) {}  // NOLINT
  GroupOptions to_map() const;

  NABLA_OPTIM_ARG(double, lr);
  NABLA_OPTIM_ARG(double, alpha) = 0.99;
  NABLA_OPTIM_ARG(double, eps) = 1e-8;
  NABLA_OPTIM_ARG(double, weight_decay) = 0.0;
  NABLA_OPTIM_ARG(double, momentum) = 0.0;
  NABLA_OPTIM_ARG(bool, centered) = false;
};

class RMSprop : public Optimizer {
 public:
  RMSprop(std::vector<Tensor> params, RMSpropOptions options = {});
  RMSprop(std::vector<ParamGroup> groups, RMSpropOptions options = {});
  void step() override;

 private:
  void check_options(const GroupOptions& options) const override;
};

}  // namespace nabla::optim
