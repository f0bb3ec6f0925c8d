#include "nabla/optim/clip.h"

#include <algorithm>
#include <cmath>

#include "backends/backend.h"
#include "nabla/autograd/grad_mode.h"
#include "nabla/ops/elementwise.h"
#include "nabla/ops/reduce.h"

namespace nabla::optim {
namespace {

// One reduction of all of x into a single value, as double.
double reduce_all(backends::ReduceOp op, const Tensor& x) {
  Tensor out =
      Tensor::empty(Shape(x.shape().size(), 1), TensorOptions(x.dtype()).device(x.device()));
  backends::backend(x.device()).reduce(op, out, x);
  return out.item_double();
}

}  // namespace

double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type,
                       bool error_if_nonfinite) {
  NABLA_CHECK(norm_type > 0.0, "clip_grad_norm_: norm_type must be positive or inf, got ",
              norm_type);
  NoGradGuard no_grad;
  std::vector<Tensor> grads;
  for (const auto& p : params)
    if (p.defined() && p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return 0.0;

  // ‖g‖_p = (Σ_tensors ‖g_t‖_p^p)^(1/p);  ‖g‖_∞ = max_t max |g_t|
  double total = 0.0;
  if (std::isinf(norm_type)) {
    for (const auto& g : grads) {
      if (g.numel() == 0) continue;
      const double m = reduce_all(backends::ReduceOp::Max, abs(g));
      total = std::isnan(m) || std::isnan(total) ? NAN : std::max(total, m);
    }
  } else if (norm_type == 2.0) {
    for (const auto& g : grads) total += reduce_all(backends::ReduceOp::SumSquares, g);
    total = std::sqrt(total);
  } else {
    for (const auto& g : grads) {
      const Tensor a = abs(g);
      total += reduce_all(backends::ReduceOp::Sum, norm_type == 1.0 ? a : pow(a, norm_type));
    }
    total = std::pow(total, 1.0 / norm_type);
  }
  NABLA_CHECK(!error_if_nonfinite || std::isfinite(total),
              "clip_grad_norm_: the total norm of "
              "order ",
              norm_type, " of the gradients is ", total,
              ", so they cannot be clipped (set error_if_nonfinite=false to scale them anyway)");
  const double clip_coef = std::min(max_norm / (total + 1e-6), 1.0);
  for (auto& g : grads) g.mul_(clip_coef);
  return total;
}

void clip_grad_value_(const std::vector<Tensor>& params, double clip_value) {
  NoGradGuard no_grad;
  for (const auto& p : params) {
    if (!p.defined() || !p.grad().defined()) continue;
    Tensor g = p.grad();
    g.clamp_(-clip_value, clip_value);
  }
}

Tensor l1_penalty(const std::vector<Tensor>& params) {
  NABLA_CHECK(!params.empty(), "l1_penalty: no parameters");
  Tensor total = sum(abs(params[0]));
  for (size_t i = 1; i < params.size(); ++i) total = total + sum(abs(params[i]));
  return total;
}

}  // namespace nabla::optim
