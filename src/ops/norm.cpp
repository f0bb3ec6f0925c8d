// Normalisation. batch_norm, layer_norm and group_norm run on every training
// step of the models that use them, so each has fused kernels (statistics and
// normalisation in one forward, dx, dγ and dβ in one backward) and its own
// node. instance_norm is batch_norm over x viewed as (1, N·C, *), as PyTorch
// computes it; local_response_norm is composed of differentiable ops.
//
// The nodes run kernels, not differentiable ops: the second derivative of
// these ops is not available.
#include "nabla/ops/norm.h"

#include "nabla/autograd/grad_mode.h"
#include "nabla/ops/elementwise.h"
#include "nabla/ops/factory.h"
#include "nabla/ops/index.h"
#include "nabla/ops/reduce.h"
#include "ops/internal.h"

namespace nabla {
namespace ops {
namespace {

// A per-channel tensor (running statistic, γ or β): defined means C values,
// one dtype and device with the input.
void check_per_channel(const Tensor& t, const Tensor& x, int64_t channels, const char* op,
                       const char* arg) {
  if (!t.defined()) return;
  check_same_device(t, x, op);
  check_same_dtype(t, x, op);
  NABLA_CHECK(t.dim() == 1 && t.numel() == channels, op, ": expected ", t.numel(), " channels (",
              arg, " ", t.shape(), "), got input ", x.shape());
}

// (N, C, L) with L the product of the dims after the channel dim.
Shape ncl_shape(const Tensor& x) {
  const int64_t L = numel(Shape(x.shape().begin() + 2, x.shape().end()));
  return {x.size(0), x.size(1), L};
}

// A contiguous copy of a small tensor, so the node keeps its values even when
// the original (a running statistic) is updated in place later.
Tensor snapshot(const Tensor& t) {
  return t.detach().clone();
}

// The gradient buffers of a normalisation backward: dx (N, C, L) and dγ, dβ
// (C), each only where its input wants a gradient.
struct NormGrads {
  Tensor dx, dw, db;
};
NormGrads norm_grads(const Node& node, const Tensor& dy, const Shape& ncl) {
  return {node.needs_input_grad(0) ? empty_on(dy, ncl) : Tensor(),
          node.needs_input_grad(1) ? empty_on(dy, {ncl[1]}) : Tensor(),
          node.needs_input_grad(2) ? empty_on(dy, {ncl[1]}) : Tensor()};
}

// x̂ = (x − μ)·rstd   y = γ·x̂ + β   sums over the M = N·L values of channel c
// training: dx = (1/M)·γ·rstd·(M·dy − Σdy − x̂·Σ(dy·x̂))   (seeds/004, A3: the
//           chain rule through x̂, σ²_B and μ_B, collected)
// eval:     dx = γ·rstd·dy          (μ and rstd are constants)
// dγ = Σ dy·x̂    dβ = Σ dy
// Fused with a ReLU (output = relu(y)), dy is first the ReLU's dx:
// dy·(output > 0).
struct BatchNormBackward final : Node {
  NABLA_NODE(BatchNormBackward);
  SavedTensor x, mean, rstd, weight;  // x (N, C, L) contiguous; mean, rstd, weight (C)
  SavedTensor relu_output;            // (N, C, L), where fused with a ReLU
  Shape input_shape, ncl;
  bool training = true;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor xv = x.unpack(*this), w = weight.unpack(*this);
    Tensor dy = g[0].reshape(ncl).contiguous();
    if (Tensor out = relu_output.unpack(*this); out.defined()) {
      Tensor masked = empty_on(dy, ncl);
      backend_of(dy).binary(BinaryOp::ReluBackward, masked, dy, out, 0.0, 0.0);
      dy = masked;
    }
    auto [dx, dw, db] = norm_grads(*this, dy, ncl);
    backend_of(dy).batch_norm_backward(dx, dw, db, dy, xv, mean.unpack(*this), rstd.unpack(*this),
                                       w, training);
    return {dx.defined() ? dx.view(input_shape) : dx, dw, db};
  }
  void release_saved() override {
    x.reset();
    mean.reset();
    rstd.reset();
    weight.reset();
    relu_output.reset();
  }
};

Tensor batch_norm_impl(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                       const Tensor& weight, const Tensor& bias, bool training, double momentum,
                       double eps, bool relu);

// Layer norm and group norm share one kernel pair: x viewed as (N, C, L) in
// G groups, statistics per (n, g). With g = γ·dy and means over a group's values:
//   dx = rstd·(g − mean(g) − x̂·mean(g·x̂))    dγ = Σ dy·x̂    dβ = Σ dy
struct GroupStatsBackward : Node {
  SavedTensor x, mean, rstd, weight;  // x (N, C, L) contiguous; mean, rstd (N, G); weight (C)
  Shape input_shape, ncl, weight_shape;
  int64_t groups = 1;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor xv = x.unpack(*this), w = weight.unpack(*this);
    Tensor dy = g[0].reshape(ncl).contiguous();
    auto [dx, dw, db] = norm_grads(*this, dy, ncl);
    backend_of(dy).group_norm_backward(dx, dw, db, dy, xv, mean.unpack(*this), rstd.unpack(*this),
                                       w, groups);
    return {dx.defined() ? dx.view(input_shape) : dx, dw.defined() ? dw.view(weight_shape) : dw,
            db.defined() ? db.view(weight_shape) : db};
  }
  void release_saved() override {
    x.reset();
    mean.reset();
    rstd.reset();
    weight.reset();
  }
};

struct LayerNormBackward final : GroupStatsBackward {
  NABLA_NODE(LayerNormBackward);
};

struct GroupNormBackward final : GroupStatsBackward {
  NABLA_NODE(GroupNormBackward);
};

// y = (x − mean)·rstd·γ + β with statistics per (n, g) of x viewed as ncl.
template <class NodeT>
Tensor normalise_groups(const Tensor& x, const Shape& ncl, int64_t groups, const Tensor& weight,
                        const Tensor& bias, double eps) {
  Tensor x3 = x.detach().contiguous().view(ncl);
  Tensor w = weight.defined() ? weight.detach().contiguous().view({ncl[1]}) : Tensor();
  Tensor b = bias.defined() ? bias.detach().contiguous().view({ncl[1]}) : Tensor();
  Tensor y3 = empty_on(x, ncl);
  Tensor mean = empty_on(x, {ncl[0], groups}), rstd = empty_on(x, {ncl[0], groups});
  backend_of(x).group_norm_forward(y3, mean, rstd, x3, w, b, groups, eps);
  Tensor y = y3.view(x.shape());
  if (auto node = record<NodeT>({x, weight, bias}, {&y})) {
    node->x = x3;
    node->mean = mean;
    node->rstd = rstd;
    node->weight = w;
    node->input_shape = x.shape();
    node->ncl = ncl;
    node->weight_shape = weight.defined() ? weight.shape()
                         : bias.defined() ? bias.shape()
                                          : Shape{};
    node->groups = groups;
  }
  return y;
}

}  // namespace
}  // namespace ops

using namespace ops;

Tensor batch_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                  const Tensor& weight, const Tensor& bias, bool training, double momentum,
                  double eps) {
  return batch_norm_impl(x, running_mean, running_var, weight, bias, training, momentum, eps,
                         false);
}

Tensor batch_norm_relu(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                       const Tensor& weight, const Tensor& bias, bool training, double momentum,
                       double eps) {
  return batch_norm_impl(x, running_mean, running_var, weight, bias, training, momentum, eps, true);
}

namespace ops {
namespace {

Tensor batch_norm_impl(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                       const Tensor& weight, const Tensor& bias, bool training, double momentum,
                       double eps, bool relu) {
  const char* op = relu ? "batch_norm_relu" : "batch_norm";
  check_defined(x, op, "input");
  check_floating(x, op);
  NABLA_CHECK(x.dim() >= 2, op, ": expected an input (N, C, ...) of at least 2 dims, got ",
              x.shape());
  const int64_t C = x.size(1);
  check_per_channel(running_mean, x, C, op, "running_mean");
  check_per_channel(running_var, x, C, op, "running_var");
  check_per_channel(weight, x, C, op, "weight");
  check_per_channel(bias, x, C, op, "bias");
  NABLA_CHECK(running_mean.defined() == running_var.defined(), op,
              ": running_mean and running_var must both be defined or both undefined");
  NABLA_CHECK(training || running_mean.defined(), op,
              ": running_mean and running_var must be defined when not training");
  const Shape ncl = ncl_shape(x);
  const int64_t M = ncl[0] * ncl[2];  // values per channel
  NABLA_CHECK(!training || M > 1, op,
              ": Expected more than 1 value per channel when training, got input size ", x.shape());

  Tensor x3 = x.detach().contiguous().view(ncl);
  Tensor mean, rstd;
  {
    NoGradGuard no_grad;
    if (training) {
      mean = empty_on(x, {C});
      Tensor var = empty_on(x, {C});
      backend_of(x).batch_norm_stats(mean, var, x3);
      rstd = rsqrt(var + eps);
      if (running_mean.defined()) {
        // running = (1 − momentum)·running + momentum·batch, with the unbiased
        // variance σ²·M/(M − 1) as PyTorch keeps it.
        const double unbias = static_cast<double>(M) / static_cast<double>(M - 1);
        Tensor(running_mean).mul_(1.0 - momentum).add_(mean, momentum);
        Tensor(running_var).mul_(1.0 - momentum).add_(var, momentum * unbias);
      }
    } else {
      mean = snapshot(running_mean);
      rstd = rsqrt(running_var + eps);
    }
  }
  Tensor w = weight.defined() ? weight.detach().contiguous() : Tensor();
  Tensor b = bias.defined() ? bias.detach().contiguous() : Tensor();
  Tensor y3 = empty_on(x, ncl);
  backend_of(x).batch_norm_forward(y3, x3, mean, rstd, w, b, relu);
  Tensor y = y3.view(x.shape());
  if (auto node = record<BatchNormBackward>({x, weight, bias}, {&y})) {
    if (relu) node->relu_output = y3;
    node->x = x3;
    node->mean = mean;
    node->rstd = rstd;
    node->weight = w;
    node->input_shape = x.shape();
    node->ncl = ncl;
    node->training = training;
  }
  return y;
}

}  // namespace
}  // namespace ops

Tensor layer_norm(const Tensor& x, const Shape& normalized_shape, const Tensor& weight,
                  const Tensor& bias, double eps) {
  const char* op = "layer_norm";
  check_defined(x, op, "input");
  check_floating(x, op);
  const int64_t k = static_cast<int64_t>(normalized_shape.size());
  NABLA_CHECK(k >= 1, op, ": normalized_shape must not be empty");
  bool matches = x.dim() >= k;
  for (int64_t i = 1; matches && i <= k; ++i) matches = x.size(-i) == normalized_shape[k - i];
  NABLA_CHECK(matches, op, ": given normalized_shape=", normalized_shape,
              ", expected input with shape [*, ", to_string(normalized_shape).substr(1),
              ", but got input of size ", x.shape());
  for (const auto& [t, arg] : {std::pair{&weight, "weight"}, std::pair{&bias, "bias"}}) {
    if (!t->defined()) continue;
    check_same_device(*t, x, op);
    check_same_dtype(*t, x, op);
    NABLA_CHECK(t->shape() == normalized_shape, op, ": expected ", arg, " of shape ",
                normalized_shape, ", got ", t->shape());
  }
  const int64_t D = numel(normalized_shape);
  const Shape ncl{D == 0 ? 0 : x.numel() / D, D, 1};
  return normalise_groups<LayerNormBackward>(x, ncl, 1, weight, bias, eps);
}

Tensor group_norm(const Tensor& x, int64_t num_groups, const Tensor& weight, const Tensor& bias,
                  double eps) {
  const char* op = "group_norm";
  check_defined(x, op, "input");
  check_floating(x, op);
  NABLA_CHECK(x.dim() >= 2, op, ": expected an input (N, C, ...) of at least 2 dims, got ",
              x.shape());
  const int64_t C = x.size(1);
  NABLA_CHECK(num_groups > 0 && C % num_groups == 0, op,
              ": expected number of channels in input to be divisible by num_groups, but got "
              "input of shape ",
              x.shape(), " and num_groups=", num_groups);
  check_per_channel(weight, x, C, op, "weight");
  check_per_channel(bias, x, C, op, "bias");
  return normalise_groups<GroupNormBackward>(x, ncl_shape(x), num_groups, weight, bias, eps);
}

// PyTorch's construction: x (N, C, *) as (1, N·C, *), γ, β and the running
// statistics repeated N times, batch_norm, and the running statistics
// written back as the mean over the batch of their N updated copies.
Tensor instance_norm(const Tensor& x, const Tensor& running_mean, const Tensor& running_var,
                     const Tensor& weight, const Tensor& bias, bool use_input_stats,
                     double momentum, double eps) {
  const char* op = "instance_norm";
  check_defined(x, op, "input");
  check_floating(x, op);
  NABLA_CHECK(x.dim() >= 2, op, ": expected an input (N, C, ...) of at least 2 dims, got ",
              x.shape());
  const int64_t N = x.size(0), C = x.size(1);
  check_per_channel(running_mean, x, C, op, "running_mean");
  check_per_channel(running_var, x, C, op, "running_var");
  check_per_channel(weight, x, C, op, "weight");
  check_per_channel(bias, x, C, op, "bias");
  NABLA_CHECK(use_input_stats || (running_mean.defined() && running_var.defined()), op,
              ": running_mean and running_var must be defined when use_input_stats is false");
  NABLA_CHECK(!use_input_stats || ncl_shape(x)[2] > 1, op,
              ": Expected more than 1 spatial element when training, got input size ", x.shape());

  auto repeat = [&](const Tensor& t) {  // (C) → (N·C): t[c] at n·C + c
    return t.defined() ? t.unsqueeze(0).expand({N, C}).reshape({N * C}) : Tensor();
  };
  Tensor mean_copies, var_copies;
  if (running_mean.defined()) {
    NoGradGuard no_grad;
    mean_copies = repeat(running_mean).clone();
    var_copies = repeat(running_var).clone();
  }
  Shape folded = x.shape();
  folded[0] = 1;
  folded[1] = N * C;
  Tensor y = batch_norm(x.reshape(folded), mean_copies, var_copies, repeat(weight), repeat(bias),
                        use_input_stats, momentum, eps);
  if (running_mean.defined()) {
    NoGradGuard no_grad;
    Tensor(running_mean).copy_(mean(mean_copies.view({N, C}), {0}));
    Tensor(running_var).copy_(mean(var_copies.view({N, C}), {0}));
  }
  return y.view(x.shape());
}

Tensor local_response_norm(const Tensor& x, int64_t size, double alpha, double beta, double k) {
  const char* op = "local_response_norm";
  check_defined(x, op, "input");
  check_floating(x, op);
  NABLA_CHECK(x.dim() >= 3, op, ": expected 3D or higher dimensionality input (got ", x.dim(),
              " dimensions)");
  NABLA_CHECK(size >= 1, op, ": size must be positive, got ", size);
  const int64_t C = x.size(1);
  // x² zero-padded along channels by size/2 before and (size − 1)/2 after, so
  // that window c of `size` channels starts at padded channel c.
  std::vector<Tensor> pieces;
  auto zero_channels = [&](int64_t count) {
    Shape s = x.shape();
    s[1] = count;
    return zeros(s, TensorOptions(x.dtype()).device(x.device()));
  };
  if (size / 2 > 0) pieces.push_back(zero_channels(size / 2));
  pieces.push_back(x * x);
  if ((size - 1) / 2 > 0) pieces.push_back(zero_channels((size - 1) / 2));
  Tensor padded = pieces.size() == 1 ? pieces[0] : cat(pieces, 1);
  Tensor window_sum = padded.narrow(1, 0, C);
  for (int64_t i = 1; i < size; ++i) window_sum = window_sum + padded.narrow(1, i, C);
  return x / pow(window_sum * (alpha / static_cast<double>(size)) + k, beta);
}

}  // namespace nabla
