// Losses, as torch.nn.functional. Most are composed from differentiable ops
// and get their gradient from them; nll_loss (on every classifier's training
// step) has its own kernel and node, and cross_entropy is log_softmax +
// nll_loss. binary_cross_entropy has its own node so that its gradient stays
// finite at x = 0 and x = 1, as PyTorch's does.
//
// Where PyTorch broadcasts an input against a target of another shape (with
// a warning) nabla refuses: a (N, 1) prediction against a (N) target is
// almost always a bug.
#include "nabla/ops/loss.h"

#include "nabla/autograd/grad_mode.h"
#include "nabla/ops/activation.h"
#include "nabla/ops/elementwise.h"
#include "nabla/ops/factory.h"
#include "nabla/ops/reduce.h"
#include "ops/internal.h"

namespace nabla {
namespace ops {
namespace {

enum class Reduction { None, Mean, Sum, BatchMean };

Reduction parse_reduction(const std::string& r, const char* op, bool batchmean_allowed = false) {
  if (r == "mean") return Reduction::Mean;
  if (r == "sum") return Reduction::Sum;
  if (r == "none") return Reduction::None;
  if (batchmean_allowed && r == "batchmean") return Reduction::BatchMean;
  NABLA_FAIL(op, ": reduction must be 'mean', 'sum', 'none'",
             batchmean_allowed ? " or 'batchmean'" : "", ", got '", r, "'");
}

Tensor reduce_loss(const Tensor& loss, Reduction r) {
  switch (r) {
    case Reduction::None:
      return loss;
    case Reduction::Sum:
      return sum(loss);
    case Reduction::Mean:
      return mean(loss);
    case Reduction::BatchMean:
      break;
  }
  NABLA_FAIL("reduce_loss: 'batchmean' is kl_div's alone");
}

// input and target: defined, floating, one shape, dtype and device.
void check_pair(const Tensor& input, const Tensor& target, const char* op) {
  check_defined(input, op, "input");
  check_defined(target, op, "target");
  check_floating(input, op);
  check_floating(target, op);
  check_same_device(input, target, op);
  check_same_dtype(input, target, op);
  NABLA_CHECK(input.shape() == target.shape(), op, ": target shape ", target.shape(),
              " does not match input shape ", input.shape());
}

// An optional elementwise weight must broadcast to the input's shape.
void check_broadcast_weight(const Tensor& w, const Tensor& input, const char* op, const char* arg) {
  if (!w.defined()) return;
  check_same_device(w, input, op);
  check_same_dtype(w, input, op);
  bool ok = w.dim() <= input.dim();
  for (int64_t i = 1; ok && i <= w.dim(); ++i) ok = w.size(-i) == 1 || w.size(-i) == input.size(-i);
  NABLA_CHECK(ok, op, ": ", arg, " of shape ", w.shape(), " does not broadcast to the input shape ",
              input.shape());
}

// A class weight must be (C).
void check_class_weight(const Tensor& w, const Tensor& input, int64_t classes, const char* op) {
  if (!w.defined()) return;
  check_same_device(w, input, op);
  check_same_dtype(w, input, op);
  NABLA_CHECK(w.dim() == 1 && w.size(0) == classes, op, ": weight must have one entry per class (",
              classes, "), got shape ", w.shape());
}

// The class dim: 0 for an unbatched (C) input, else 1.
int64_t class_dim(const Tensor& input, const char* op) {
  NABLA_CHECK(input.dim() >= 1, op, ": input must have a class dimension, got shape ",
              input.shape());
  return input.dim() == 1 ? 0 : 1;
}

// dx[n, t, k] = −w[t]·dy[n, k], 0 elsewhere (and where t = ignore_index)
struct NllLossBackward final : Node {
  NABLA_NODE(NllLossBackward);
  SavedTensor target, weight;  // target (N, K), weight (C) or undefined
  Shape input_shape, nck;      // nck: (N, C, K)
  int64_t ignore_index = -100;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor t = target.unpack(*this), w = weight.unpack(*this);
    Tensor dy = g[0].reshape({nck[0], nck[2]});
    Tensor dx = empty_on(dy, nck);
    backend_of(dx).nll_loss_backward(dx, dy, t, w, ignore_index);
    return {dx.reshape(input_shape)};
  }
  void release_saved() override {
    target.reset();
    weight.reset();
  }
};

struct NllResult {
  Tensor losses;        // target's shape: −w[t]·input[…, t, …], 0 where ignored
  Tensor total_weight;  // 0-d: Σ w[t] over the targets not ignored
};

// input (N, C, d…) or (C); target (N, d…) or () of class indices.
NllResult nll_unreduced(const Tensor& input, const Tensor& target, const Tensor& weight,
                        int64_t ignore_index, const char* op) {
  check_defined(input, op, "input");
  check_defined(target, op, "target");
  check_floating(input, op);
  check_same_device(input, target, op);
  NABLA_CHECK(target.dtype() == kInt64, op, ": target must hold class indices as int64, got ",
              target.dtype());
  const int64_t cdim = class_dim(input, op);
  Shape expected = input.shape();
  expected.erase(expected.begin() + cdim);
  NABLA_CHECK(target.shape() == expected, op, ": target shape ", target.shape(),
              " does not match input shape ", input.shape(), " (expected target shape ", expected,
              ")");
  const int64_t C = input.size(cdim);
  check_class_weight(weight, input, C, op);

  const int64_t N = input.dim() == 1 ? 1 : input.size(0);
  const int64_t K =
      input.dim() <= 2 ? 1 : numel(Shape(input.shape().begin() + 2, input.shape().end()));
  const Shape nck{N, C, K};
  Tensor x = input.detach().reshape(nck);
  Tensor t = target.reshape({N, K});
  Tensor losses = empty_on(input, {N, K});
  Tensor total = empty_on(input, {});
  try {
    backend_of(input).nll_loss(losses, total, x, t, weight, ignore_index);
  } catch (const Error& e) {
    if (std::string(op) == "nll_loss") throw;
    NABLA_FAIL(op, ": ", e.what());  // cross_entropy: nll_loss: target 7 is out of bounds …
  }
  Tensor out = losses.reshape(target.shape());
  if (auto node = record<NllLossBackward>({input}, {&out})) {
    node->target = t;
    node->weight = weight;
    node->input_shape = input.shape();
    node->nck = nck;
    node->ignore_index = ignore_index;
  }
  return {out, total};
}

// "mean" over class-index targets divides by the total weight of the targets
// not ignored, as PyTorch does (the count of them when unweighted).
Tensor reduce_by_weight(const Tensor& losses, const Tensor& total_weight, Reduction r) {
  switch (r) {
    case Reduction::None:
      return losses;
    case Reduction::Sum:
      return sum(losses);
    case Reduction::Mean:
      return sum(losses) / total_weight;
    case Reduction::BatchMean:
      break;
  }
  NABLA_FAIL("reduce_by_weight: unexpected reduction");
}

// A (C) class weight viewed as (C, 1, …, 1), to broadcast along the class dim.
Tensor class_weight_view(const Tensor& weight, const Tensor& input, int64_t cdim) {
  Shape s(static_cast<size_t>(input.dim() - cdim), 1);
  s[0] = weight.size(0);
  return weight.reshape(s);
}

// cross_entropy of class indices, reduced, without smoothing, as one node:
//   ℓ = Σ −w[t]·log_softmax(x)[t]   (divided by W = Σ w[t] for "mean")
//   dx = dy·w[t]·(softmax(x) − onehot(t))   (divided by W for "mean")
// computed as nll_loss's backward followed by log_softmax's.
struct CrossEntropyBackward final : Node {
  NABLA_NODE(CrossEntropyBackward);
  SavedTensor logp, target, weight, total_weight;  // logp: input's shape; target (N, K)
  Shape nck;
  int64_t cdim = 1, ignore_index = -100;
  bool mean = true;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor lp = logp.unpack(*this), t = target.unpack(*this), w = weight.unpack(*this);
    Tensor scale = mean ? g[0] / total_weight.unpack(*this) : g[0];  // 0-d
    Tensor dlogp = empty_on(lp, nck);
    backend_of(lp).nll_loss_backward(dlogp, broadcast_view(scale, {nck[0], nck[2]}), t, w,
                                     ignore_index);
    Tensor dx = empty_on(lp, lp.shape());
    backend_of(lp).softmax_backward(dx, dlogp.view(lp.shape()), lp, cdim, true);
    return {dx};
  }
  void release_saved() override {
    logp.reset();
    target.reset();
    weight.reset();
    total_weight.reset();
  }
};

// ℓ = −(t·log x + (1 − t)·log(1 − x)), each log clamped at −100
// dx = dy·(x − t) / max(x(1 − x), 1e-12)    dt = dy·(log(1 − x) − log x)
struct BinaryCrossEntropyBackward final : Node {
  NABLA_NODE(BinaryCrossEntropyBackward);
  SavedTensor x, t;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor xv = x.unpack(*this), tv = t.unpack(*this);
    Tensor dx, dt;
    if (needs_input_grad(0)) dx = g[0] * (xv - tv) / clamp_min(xv * (1.0 - xv), 1e-12);
    if (needs_input_grad(1))
      dt = g[0] * (clamp_min(log1p(-xv), -100.0) - clamp_min(log(xv), -100.0));
    return {dx, dt};
  }
  void release_saved() override {
    x.reset();
    t.reset();
  }
};

}  // namespace
}  // namespace ops

using namespace ops;

// ℓ = (x − t)²
Tensor mse_loss(const Tensor& input, const Tensor& target, const std::string& reduction) {
  const Reduction r = parse_reduction(reduction, "mse_loss");
  check_pair(input, target, "mse_loss");
  return reduce_loss(square(input - target), r);
}

// ℓ = |x − t|
Tensor l1_loss(const Tensor& input, const Tensor& target, const std::string& reduction) {
  const Reduction r = parse_reduction(reduction, "l1_loss");
  check_pair(input, target, "l1_loss");
  return reduce_loss(abs(input - target), r);
}

// ℓ = ½d²/β where |d| < β, else |d| − ½β   (d = x − t; β = 0 is l1_loss)
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, const std::string& reduction,
                      double beta) {
  const Reduction r = parse_reduction(reduction, "smooth_l1_loss");
  check_pair(input, target, "smooth_l1_loss");
  NABLA_CHECK(beta >= 0, "smooth_l1_loss: beta must be non-negative, got ", beta);
  if (beta == 0) return l1_loss(input, target, reduction);
  Tensor d = input - target;
  Tensor ad = abs(d);
  return reduce_loss(where(lt(ad, beta), d * d * (0.5 / beta), ad - 0.5 * beta), r);
}

// ℓ = −w[t]·x[t]   (per sample and position)
Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight,
                int64_t ignore_index, const std::string& reduction) {
  const Reduction r = parse_reduction(reduction, "nll_loss");
  NllResult res = nll_unreduced(input, target, weight, ignore_index, "nll_loss");
  return reduce_by_weight(res.losses, res.total_weight, r);
}

// Class indices: ℓ = (1 − ε)·nll(log_softmax x, t) + ε/C·Σ_c −w[c]·log_softmax(x)[c],
// the smoothing term 0 where t = ignore_index and, for "mean", divided by the
// same total weight as nll (PyTorch 1.13).
// Probabilities: ℓ = −Σ_c w[c]·t'[c]·log_softmax(x)[c] with t' = (1 − ε)·t + ε/C;
// "mean" divides by the number of samples and positions (numel / C).
Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                     int64_t ignore_index, const std::string& reduction, double label_smoothing) {
  const char* op = "cross_entropy";
  const Reduction r = parse_reduction(reduction, op);
  check_defined(input, op, "input");
  check_defined(target, op, "target");
  check_floating(input, op);
  NABLA_CHECK(label_smoothing >= 0.0 && label_smoothing <= 1.0, op,
              ": label_smoothing must be in [0, 1], got ", label_smoothing);
  const int64_t cdim = class_dim(input, op);
  const int64_t C = input.size(cdim);
  const double eps = label_smoothing;
  check_class_weight(weight, input, C, op);
  if (!target.is_floating_point() && eps == 0 && r != Reduction::None) {
    Tensor logp, loss;
    NllResult nll;
    {
      NoGradGuard no_grad;  // one node for the whole loss, recorded below
      logp = log_softmax(input, cdim);
      nll = nll_unreduced(logp, target, weight, ignore_index, op);
      loss = reduce_by_weight(nll.losses, nll.total_weight, r);
    }
    if (auto node = record<CrossEntropyBackward>({input}, {&loss})) {
      const int64_t N = input.dim() == 1 ? 1 : input.size(0);
      const int64_t K =
          input.dim() <= 2 ? 1 : numel(Shape(input.shape().begin() + 2, input.shape().end()));
      node->logp = logp;
      node->target = target.reshape({N, K});
      node->weight = weight;
      node->total_weight = nll.total_weight;
      node->nck = {N, C, K};
      node->cdim = cdim;
      node->ignore_index = ignore_index;
      node->mean = r == Reduction::Mean;
    }
    return loss;
  }
  Tensor logp = log_softmax(input, cdim);
  Tensor w = weight.defined() ? class_weight_view(weight, input, cdim) : Tensor();

  if (target.is_floating_point()) {
    check_pair(input, target, op);
    Tensor t = eps > 0 ? target * (1.0 - eps) + eps / static_cast<double>(C) : target;
    Tensor terms = w.defined() ? logp * t * w : logp * t;
    switch (r) {
      case Reduction::None:
        return -sum(terms, {cdim});
      case Reduction::Sum:
        return -sum(terms);
      case Reduction::Mean:
        return -sum(terms) / (static_cast<double>(input.numel()) / static_cast<double>(C));
      case Reduction::BatchMean:
        break;
    }
    NABLA_FAIL(op, ": unexpected reduction");
  }

  NllResult nll = nll_unreduced(logp, target, weight, ignore_index, op);
  Tensor loss = reduce_by_weight(nll.losses, nll.total_weight, r);
  if (eps == 0) return loss;
  Tensor smooth = -sum(w.defined() ? logp * w : logp, {cdim});
  smooth = where(eq(target, static_cast<double>(ignore_index)), zeros_like(smooth), smooth);
  return loss * (1.0 - eps) +
         reduce_by_weight(smooth, nll.total_weight, r) * (eps / static_cast<double>(C));
}

// ℓ = −w·(t·log x + (1 − t)·log(1 − x)); the logs are clamped at −100 so that
// x = 0 or 1 gives a finite loss (0·log 0 would be nan), as in PyTorch.
// Unlike PyTorch, inputs outside [0, 1] are not checked (that needs a pass
// over the data and a device sync): they give nan.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight,
                            const std::string& reduction) {
  const char* op = "binary_cross_entropy";
  const Reduction r = parse_reduction(reduction, op);
  check_pair(input, target, op);
  check_broadcast_weight(weight, input, op, "weight");
  Tensor loss;
  {
    NoGradGuard no_grad;
    loss = -(target * clamp_min(log(input), -100.0) +
             (1.0 - target) * clamp_min(log1p(-input), -100.0));
  }
  if (auto node = record<BinaryCrossEntropyBackward>({input, target}, {&loss})) {
    node->x = input;
    node->t = target;
  }
  if (weight.defined()) loss = loss * weight;
  return reduce_loss(loss, r);
}

// ℓ = w·((1 − t)·x + (1 + (p − 1)·t)·log(1 + e^(−x))), p = pos_weight (1 when
// absent). log(1 + e^(−x)) is taken as m + log(e^(−m) + e^(−x − m)) with
// m = max(−x, 0), so no exponent is positive: the form PyTorch uses, whose
// gradient is also right at x = 0.
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target,
                                        const Tensor& weight, const std::string& reduction,
                                        const Tensor& pos_weight) {
  const char* op = "binary_cross_entropy_with_logits";
  const Reduction r = parse_reduction(reduction, op);
  check_pair(input, target, op);
  check_broadcast_weight(weight, input, op, "weight");
  check_broadcast_weight(pos_weight, input, op, "pos_weight");
  Tensor m = clamp_min(-input, 0.0);
  Tensor log1p_exp_neg = m + log(exp(-m) + exp(-input - m));
  Tensor loss = pos_weight.defined()
                    ? (1.0 - target) * input + (1.0 + (pos_weight - 1.0) * target) * log1p_exp_neg
                    : (1.0 - target) * input + log1p_exp_neg;
  if (weight.defined()) loss = loss * weight;
  return reduce_loss(loss, r);
}

// ℓ = t·(log t − x), 0 where t = 0; with log_target ℓ = e^t·(t − x).
// "batchmean" divides the sum by the batch size (input.size(0)); "mean" by
// every element, as PyTorch does.
Tensor kl_div(const Tensor& input, const Tensor& target, const std::string& reduction,
              bool log_target) {
  const char* op = "kl_div";
  const Reduction r = parse_reduction(reduction, op, true);
  check_pair(input, target, op);
  Tensor loss;
  if (log_target) {
    loss = exp(target) * (target - input);
  } else {
    // t·log t with the limit 0 at t = 0 (log of 1 there keeps the gradient finite).
    Tensor safe_t = where(eq(target, 0.0), ones_like(target), target);
    loss = target * log(safe_t) - target * input;
  }
  if (r != Reduction::BatchMean) return reduce_loss(loss, r);
  if (input.dim() == 0) return sum(loss);
  return sum(loss) / static_cast<double>(input.size(0));
}

}  // namespace nabla
