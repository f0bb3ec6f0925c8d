// Adam and AdamW, as torch.optim.Adam and torch.optim.AdamW:
//   Adam:  g ← ∇ + λθ   (L2 penalty in the gradient)
//   AdamW: θ ← θ(1 − lr·λ)   (decoupled weight decay), g ← ∇
//   m ← β₁m + (1 − β₁)g,   v ← β₂v + (1 − β₂)g²,   v̂max ← max(v̂max, v) (amsgrad)
//   θ ← θ − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
// The bias corrections fold into the step size and the denominator, as in
// PyTorch, so ε is added to the corrected √v̂, not to √v.
#pragma once

#include <utility>

#include "nabla/optim/optimizer.h"

namespace nabla::optim {

using Betas = std::pair<double, double>;  // (β₁, β₂)

struct AdamOptions {
  AdamOptions(double lr = 1e-3) : lr_(lr) {}  // NOLINT
  GroupOptions to_map() const;

  NABLA_OPTIM_ARG(double, lr);
  NABLA_OPTIM_ARG(Betas, betas) = {0.9, 0.999};
  NABLA_OPTIM_ARG(double, eps) = 1e-8;
  NABLA_OPTIM_ARG(double, weight_decay) = 0.0;
  NABLA_OPTIM_ARG(bool, amsgrad) = false;
};

struct AdamWOptions {
  AdamWOptions(double lr = 1e-3) : lr_(lr) {}  // NOLINT
  GroupOptions to_map() const;

  NABLA_OPTIM_ARG(double, lr);
  NABLA_OPTIM_ARG(Betas, betas) = {0.9, 0.999};
  NABLA_OPTIM_ARG(double, eps) = 1e-8;
  NABLA_OPTIM_ARG(double, weight_decay) = 1e-2;
  NABLA_OPTIM_ARG(bool, amsgrad) = false;
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, AdamOptions options = {});
  Adam(std::vector<ParamGroup> groups, AdamOptions options = {});
  void step() override;

 private:
  void check_options(const GroupOptions& options) const override;
};

class AdamW : public Optimizer {
 public:
  AdamW(std::vector<Tensor> params, AdamWOptions options = {});
  AdamW(std::vector<ParamGroup> groups, AdamWOptions options = {});
  void step() override;

 private:
  void check_options(const GroupOptions& options) const override;
};

}  // namespace nabla::optim
