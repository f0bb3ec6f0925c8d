// Activations: forward is one fused unary kernel, backward one fused binary
// kernel that multiplies dy by f' (backends::BinaryOp::*Backward), reading
// f' from the input x or, for sigmoid and tanh, from the output y.
// Softmax and log-softmax have their own row kernels.
#include "nabla/ops/activation.h"

#include <algorithm>

#include "ops/internal.h"

namespace nabla {
namespace ops {
namespace {

// dx = dy · f'(saved), with f' the fused kernel `op` and its parameters a, b.
struct ActivationBackward final : Node {
  NABLA_NODE(ActivationBackward);
  BinaryOp op = BinaryOp::ReluBackward;
  SavedTensor saved;  // x, or y for sigmoid and tanh
  double a = 0.0, b = 0.0;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor s = saved.unpack(*this);
    Tensor dx = empty_on(s, s.shape());
    backend_of(dx).binary(op, dx, g[0], s, a, b);
    return {dx};
  }
  void release_saved() override { saved.reset(); }
};

// y = f(x) by the kernel `forward`; backward by `backward` from x (or from y
// when save_output).
Tensor activation(UnaryOp forward, BinaryOp backward, const Tensor& x, const char* name,
                  bool save_output = false, double a = 0.0, double b = 0.0) {
  check_defined(x, name, "input");
  check_floating(x, name);
  Tensor y = empty_on(x, x.shape());
  backend_of(x).unary(forward, y, x, a, b);
  if (auto node = record<ActivationBackward>({x}, {&y})) {
    node->op = backward;
    node->saved = save_output ? y : x;
    node->a = a;
    node->b = b;
  }
  return y;
}

// softmax:     dx = y·(dy − Σ dy·y)
// log_softmax: dx = dy − e^y·Σ dy          (sums along dim)
struct SoftmaxBackward final : Node {
  NABLA_NODE(SoftmaxBackward);
  SavedTensor y;
  int64_t dim = 0;
  bool log = false;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor yv = y.unpack(*this);
    Tensor dx = empty_on(yv, yv.shape());
    backend_of(dx).softmax_backward(dx, g[0], yv, dim, log);
    return {dx};
  }
  void release_saved() override { y.reset(); }
};

Tensor softmax_impl(const Tensor& x, int64_t dim_in, bool log) {
  const char* name = log ? "log_softmax" : "softmax";
  check_defined(x, name, "input");
  check_floating(x, name);
  // A 0-d tensor is one row of one element (dim 0 or -1), as in PyTorch.
  const int64_t dim = wrap_dim(dim_in, std::max<int64_t>(x.dim(), 1), name);
  Tensor y = empty_on(x, x.shape());
  backend_of(x).softmax(y, x, dim, log);
  if (auto node = record<SoftmaxBackward>({x}, {&y})) {
    node->y = y;
    node->dim = dim;
    node->log = log;
  }
  return y;
}

}  // namespace
}  // namespace ops

using namespace ops;

// relu(x) = max(x, 0); relu' = (x > 0). As PyTorch, NaN propagates (and
// passes dy back) and relu(−0) = −0.
Tensor relu(const Tensor& x) {
  return activation(UnaryOp::Relu, BinaryOp::ReluBackward, x, "relu");
}

// leaky_relu(x) = x > 0 ? x : s·x; derivative 1 or s
Tensor leaky_relu(const Tensor& x, double negative_slope) {
  return activation(UnaryOp::LeakyRelu, BinaryOp::LeakyReluBackward, x, "leaky_relu", false,
                    negative_slope);
}

// elu(x) = x > 0 ? x : α(eˣ − 1); derivative 1 or α·eˣ
Tensor elu(const Tensor& x, double alpha) {
  return activation(UnaryOp::Elu, BinaryOp::EluBackward, x, "elu", false, alpha);
}

// gelu(x) = x·Φ(x); derivative Φ(x) + x·φ(x). "tanh": Φ(x) ≈ ½(1 + tanh(√(2/π)(x + 0.044715x³)))
Tensor gelu(const Tensor& x, const std::string& approximate) {
  NABLA_CHECK(approximate == "none" || approximate == "tanh",
              "gelu: approximate must be 'none' or 'tanh', got '", approximate, "'");
  if (approximate == "tanh")
    return activation(UnaryOp::GeluTanh, BinaryOp::GeluTanhBackward, x, "gelu");
  return activation(UnaryOp::Gelu, BinaryOp::GeluBackward, x, "gelu");
}

// silu(x) = x·σ(x); derivative σ(x)(1 + x(1 − σ(x)))
Tensor silu(const Tensor& x) {
  return activation(UnaryOp::Silu, BinaryOp::SiluBackward, x, "silu");
}

// σ(x) = 1/(1 + e⁻ˣ); σ' = σ(1 − σ), from the output
Tensor sigmoid(const Tensor& x) {
  return activation(UnaryOp::Sigmoid, BinaryOp::SigmoidBackward, x, "sigmoid", true);
}

// tanh' = 1 − tanh², from the output
Tensor tanh(const Tensor& x) {
  return activation(UnaryOp::Tanh, BinaryOp::TanhBackward, x, "tanh", true);
}

// softplus(x) = log(1 + e^(βx))/β, x where βx > threshold; derivative σ(βx) (1 above)
Tensor softplus(const Tensor& x, double beta, double threshold) {
  return activation(UnaryOp::Softplus, BinaryOp::SoftplusBackward, x, "softplus", false, beta,
                    threshold);
}

Tensor softmax(const Tensor& x, int64_t dim) {
  return softmax_impl(x, dim, false);
}
Tensor log_softmax(const Tensor& x, int64_t dim) {
  return softmax_impl(x, dim, true);
}

}  // namespace nabla
