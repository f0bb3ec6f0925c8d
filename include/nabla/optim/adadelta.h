// Adadelta, as torch.optim.Adadelta:
//   g ← ∇ + λθ
//   v ← ρv + (1 − ρ)g²
//   Δ = √(u + ε) / √(v + ε) · g
//   u ← ρu + (1 − ρ)Δ²
//   θ ← θ − lr·Δ
#pragma once

#include "nabla/optim/optimizer.h"

namespace nabla::optim {

struct AdadeltaOptions {
  AdadeltaOptions(double lr = 1.0) : lr_(lr) {}  // NOLINT
  GroupOptions to_map() const;

  NABLA_OPTIM_ARG(double, lr);
  NABLA_OPTIM_ARG(double, rho) = 0.9;
  NABLA_OPTIM_ARG(double, eps) = 1e-6;
  NABLA_OPTIM_ARG(double, weight_decay) = 0.0;
};

class Adadelta : public Optimizer {
 public:
  Adadelta(std::vector<Tensor> params, AdadeltaOptions options = {});
  Adadelta(std::vector<ParamGroup> groups, AdadeltaOptions options = {});
  void step() override;

 private:
  void check_options(const GroupOptions& options) const override;
};

}  // namespace nabla::optim
