// Elementwise arithmetic and math. Binary ops broadcast; their backward sums
// the gradient back over the broadcast dims (sum_to).
#include "nabla/ops/elementwise.h"

#include <cmath>

#include "nabla/ops/factory.h"
#include "nabla/ops/reduce.h"
#include "ops/internal.h"

namespace nabla {
namespace ops {

// out = op(a, b) broadcast; out_dtype u8 for comparisons.
Tensor binary_kernel(BinaryOp op, const Tensor& a, const Tensor& b, const char* name,
                     double alpha = 1.0, double beta = 0.0, bool compare = false) {
  check_defined(a, name, "input");
  check_defined(b, name, "other");
  check_same_device(a, b, name);
  check_same_dtype(a, b, name);
  const Shape s = broadcast_shapes(a.shape(), b.shape(), name);
  Tensor out = empty_on(a, s, compare ? kUInt8 : a.dtype());
  backend_of(a).binary(op, out, broadcast_view(a, s), broadcast_view(b, s), alpha, beta);
  return out;
}

Tensor unary_kernel(UnaryOp op, const Tensor& x, const char* name, double a = 0.0, double b = 0.0) {
  check_defined(x, name, "input");
  Tensor out = empty_on(x, x.shape());
  backend_of(x).unary(op, out, x, a, b);
  return out;
}

namespace {

Tensor scalar_like(const Tensor& t, double v) {
  return full({}, v, TensorOptions(t.dtype()).device(t.device()));
}

// ---- binary

// d(a + αb) = (dy, α·dy), summed over broadcast dims.
struct AddBackward final : Node {
  NABLA_NODE(AddBackward);
  Shape a_shape, b_shape;
  double alpha = 1.0;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor gb;
    if (needs_input_grad(1)) gb = sum_to(alpha == 1.0 ? g[0] : g[0] * alpha, b_shape);
    return {needs_input_grad(0) ? sum_to(g[0], a_shape) : Tensor(), gb};
  }
};

// d(a·b) = (dy·b, dy·a)
struct MulBackward final : Node {
  NABLA_NODE(MulBackward);
  SavedTensor a, b;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor av = a.unpack(*this), bv = b.unpack(*this);
    return {needs_input_grad(0) ? sum_to(g[0] * bv, av.shape()) : Tensor(),
            needs_input_grad(1) ? sum_to(g[0] * av, bv.shape()) : Tensor()};
  }
};

// d(a/b) = (dy/b, −dy·a/b²)
struct DivBackward final : Node {
  NABLA_NODE(DivBackward);
  SavedTensor a, b;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor av = a.unpack(*this), bv = b.unpack(*this);
    Tensor ga, gb;
    if (needs_input_grad(0)) ga = sum_to(g[0] / bv, av.shape());
    if (needs_input_grad(1)) gb = sum_to(-(g[0] * av) / (bv * bv), bv.shape());
    return {ga, gb};
  }
};

// d(aᵇ) = (dy·b·aᵇ⁻¹, dy·aᵇ·ln a)
struct PowBackward final : Node {
  NABLA_NODE(PowBackward);
  SavedTensor a, b, y;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor av = a.unpack(*this), bv = b.unpack(*this), yv = y.unpack(*this);
    Tensor ga, gb;
    if (needs_input_grad(0)) ga = sum_to(g[0] * bv * pow(av, bv - 1.0), av.shape());
    if (needs_input_grad(1)) {
      // Where a = 0 the limit of aᵇ·ln a is 0 (for b > 0), as PyTorch takes it.
      Tensor log_a = where(eq(av, 0.0), zeros_like(av), log(av));
      gb = sum_to(g[0] * yv * log_a, bv.shape());
    }
    return {ga, gb};
  }
};

// d max(a, b): dy to the larger input, split in half on ties (as PyTorch).
struct MaximumBackward final : Node {
  NABLA_NODE(MaximumBackward);
  SavedTensor a, b;
  bool is_max = true;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor av = a.unpack(*this), bv = b.unpack(*this);
    Tensor half = g[0] * 0.5;
    Tensor tie = eq(av, bv);
    Tensor a_wins = is_max ? gt(av, bv) : lt(av, bv);
    Tensor b_wins = is_max ? lt(av, bv) : gt(av, bv);
    Tensor zero = zeros_like(g[0]);
    Tensor ga = where(tie, half, where(a_wins, g[0], zero));
    Tensor gb = where(tie, half, where(b_wins, g[0], zero));
    return {sum_to(ga, av.shape()), sum_to(gb, bv.shape())};
  }
};

// d where(c, a, b) = (dy where c, dy where not c)
struct WhereBackward final : Node {
  NABLA_NODE(WhereBackward);
  SavedTensor cond;
  Shape a_shape, b_shape;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor c = cond.unpack(*this);
    Tensor zero = zeros_like(g[0]);
    return {Tensor(), sum_to(where(c, g[0], zero), a_shape), sum_to(where(c, zero, g[0]), b_shape)};
  }
};

// ---- unary: dx = dy · f'(x), with f' written from x or from y = f(x)

enum class Deriv {
  Neg,
  Exp,
  Log,
  Sqrt,
  Rsqrt,
  Abs,
  Zero,
  Reciprocal,
  PowScalar,
  RPowScalar,
  Log1p,
  Expm1,
  Sin,
  Cos,
  Erf
};

struct UnaryBackward final : Node {
  NABLA_NODE(UnaryBackward);
  Deriv kind = Deriv::Neg;
  SavedTensor x, y;
  double a = 0.0;
  std::string op;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    const Tensor& dy = g[0];
    switch (kind) {
      case Deriv::Neg:
        return {-dy};
      case Deriv::Exp:
        return {dy * y.unpack(*this)};  // eˣ
      case Deriv::Log:
        return {dy / x.unpack(*this)};  // 1/x
      case Deriv::Sqrt:
        return {dy / (y.unpack(*this) * 2.0)};  // 1/(2√x)
      case Deriv::Rsqrt: {                      // −½x^(−3/2)
        Tensor yv = y.unpack(*this);
        return {dy * yv * yv * yv * -0.5};
      }
      case Deriv::Abs:
        return {dy * sign(x.unpack(*this))};  // sign x
      case Deriv::Zero:
        return {zeros_like(dy)};
      case Deriv::Reciprocal: {  // −1/x²
        Tensor yv = y.unpack(*this);
        return {-(dy * yv * yv)};
      }
      case Deriv::PowScalar:
        return {dy * pow(x.unpack(*this), a - 1.0) * a};  // a·xᵃ⁻¹
      case Deriv::RPowScalar:
        return {dy * y.unpack(*this) * std::log(a)};  // aˣ ln a
      case Deriv::Log1p:
        return {dy / (x.unpack(*this) + 1.0)};  // 1/(1+x)
      case Deriv::Expm1:
        return {dy * (y.unpack(*this) + 1.0)};  // eˣ
      case Deriv::Sin:
        return {dy * cos(x.unpack(*this))};
      case Deriv::Cos:
        return {-(dy * sin(x.unpack(*this)))};
      case Deriv::Erf: {  // 2/√π e^(−x²)
        Tensor xv = x.unpack(*this);
        return {dy * exp(-(xv * xv)) * 1.1283791670955126};
      }
    }
    return {Tensor()};
  }
};

Tensor unary_op(UnaryOp op, Deriv d, const Tensor& x, const char* name, bool save_x, bool save_y,
                double a = 0.0) {
  if (d != Deriv::Zero && d != Deriv::Neg && d != Deriv::Abs) check_floating(x, name);
  Tensor out = unary_kernel(op, x, name, a);
  if (x.is_floating_point()) {
    if (auto node = record<UnaryBackward>({x}, {&out})) {
      node->kind = d;
      node->a = a;
      if (save_x) node->x = x;
      if (save_y) node->y = out;
    }
  }
  return out;
}

}  // namespace
}  // namespace ops

using namespace ops;

Tensor add(const Tensor& a, const Tensor& b, double alpha) {
  Tensor out = binary_kernel(BinaryOp::Add, a, b, "add", alpha);
  if (auto node = record<AddBackward>({a, b}, {&out})) {
    node->a_shape = a.shape();
    node->b_shape = b.shape();
    node->alpha = alpha;
  }
  return out;
}

Tensor sub(const Tensor& a, const Tensor& b, double alpha) {
  return add(a, b, -alpha);
}

Tensor mul(const Tensor& a, const Tensor& b) {
  Tensor out = binary_kernel(BinaryOp::Mul, a, b, "mul");
  if (auto node = record<MulBackward>({a, b}, {&out})) {
    node->a = a;
    node->b = b;
  }
  return out;
}

Tensor div(const Tensor& a, const Tensor& b) {
  Tensor out = binary_kernel(BinaryOp::Div, a, b, "div");
  if (auto node = record<DivBackward>({a, b}, {&out})) {
    node->a = a;
    node->b = b;
  }
  return out;
}

Tensor pow(const Tensor& a, const Tensor& b) {
  Tensor out = binary_kernel(BinaryOp::Pow, a, b, "pow");
  if (auto node = record<PowBackward>({a, b}, {&out})) {
    node->a = a;
    node->b = b;
    node->y = out;
  }
  return out;
}

Tensor pow(const Tensor& a, double exponent) {
  if (exponent == 1.0) return a * 1.0;
  return unary_op(UnaryOp::PowScalar, Deriv::PowScalar, a, "pow", true, false, exponent);
}

Tensor pow(double base, const Tensor& exponent) {
  NABLA_CHECK(base > 0, "pow: a scalar base must be positive, got ", base);
  return unary_op(UnaryOp::RPowScalar, Deriv::RPowScalar, exponent, "pow", false, true, base);
}

namespace {
Tensor extremum(const Tensor& a, const Tensor& b, bool is_max) {
  Tensor out = binary_kernel(is_max ? BinaryOp::Maximum : BinaryOp::Minimum, a, b,
                             is_max ? "maximum" : "minimum");
  if (auto node = record<MaximumBackward>({a, b}, {&out})) {
    node->a = a;
    node->b = b;
    node->is_max = is_max;
  }
  return out;
}
}  // namespace

Tensor maximum(const Tensor& a, const Tensor& b) {
  return extremum(a, b, true);
}
Tensor minimum(const Tensor& a, const Tensor& b) {
  return extremum(a, b, false);
}

// d(x + c) = dy, d(c·x) = c·dy: one node kind serves both through AddBackward
// and MulBackward would need a tensor; scalars get their own small nodes.
namespace ops {
namespace {
struct AddScalarBackward final : Node {
  NABLA_NODE(AddScalarBackward);
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override { return {g[0]}; }
};
struct MulScalarBackward final : Node {
  NABLA_NODE(MulScalarBackward);
  double c = 1.0;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override { return {g[0] * c}; }
};
}  // namespace
}  // namespace ops

Tensor add(const Tensor& a, double b) {
  Tensor out = unary_kernel(UnaryOp::AddScalar, a, "add", b);
  record<AddScalarBackward>({a}, {&out});
  return out;
}

Tensor mul(const Tensor& a, double b) {
  Tensor out = unary_kernel(UnaryOp::MulScalar, a, "mul", b);
  if (auto node = record<MulScalarBackward>({a}, {&out})) node->c = b;
  return out;
}

Tensor neg(const Tensor& x) {
  return unary_op(UnaryOp::Neg, Deriv::Neg, x, "neg", false, false);
}
Tensor exp(const Tensor& x) {
  return unary_op(UnaryOp::Exp, Deriv::Exp, x, "exp", false, true);
}
Tensor log(const Tensor& x) {
  return unary_op(UnaryOp::Log, Deriv::Log, x, "log", true, false);
}
Tensor sqrt(const Tensor& x) {
  return unary_op(UnaryOp::Sqrt, Deriv::Sqrt, x, "sqrt", false, true);
}
Tensor rsqrt(const Tensor& x) {
  return unary_op(UnaryOp::Rsqrt, Deriv::Rsqrt, x, "rsqrt", false, true);
}
Tensor abs(const Tensor& x) {
  return unary_op(UnaryOp::Abs, Deriv::Abs, x, "abs", true, false);
}
Tensor sign(const Tensor& x) {
  return unary_op(UnaryOp::Sign, Deriv::Zero, x, "sign", false, false);
}
Tensor reciprocal(const Tensor& x) {
  return unary_op(UnaryOp::Reciprocal, Deriv::Reciprocal, x, "reciprocal", false, true);
}
Tensor square(const Tensor& x) {
  return pow(x, 2.0);
}
Tensor log1p(const Tensor& x) {
  return unary_op(UnaryOp::Log1p, Deriv::Log1p, x, "log1p", true, false);
}
Tensor expm1(const Tensor& x) {
  return unary_op(UnaryOp::Expm1, Deriv::Expm1, x, "expm1", false, true);
}
Tensor sin(const Tensor& x) {
  return unary_op(UnaryOp::Sin, Deriv::Sin, x, "sin", true, false);
}
Tensor cos(const Tensor& x) {
  return unary_op(UnaryOp::Cos, Deriv::Cos, x, "cos", true, false);
}
Tensor erf(const Tensor& x) {
  return unary_op(UnaryOp::Erf, Deriv::Erf, x, "erf", true, false);
}

namespace ops {
namespace {
// dx = dy where min ≤ x ≤ max, else 0
struct ClampBackward final : Node {
  NABLA_NODE(ClampBackward);
  SavedTensor x;
  double min = 0, max = 0;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor xv = x.unpack(*this);
    Tensor dx = empty_on(g[0], g[0].shape());
    backend_of(dx).binary(BinaryOp::ClampBackward, dx, g[0], xv, min, max);
    return {dx};
  }
};
}  // namespace
}  // namespace ops

Tensor clamp(const Tensor& x, double min, double max) {
  NABLA_CHECK(!(min > max), "clamp: min ", min, " is greater than max ", max);
  Tensor out = unary_kernel(UnaryOp::Clamp, x, "clamp", min, max);
  if (auto node = record<ClampBackward>({x}, {&out})) {
    node->x = x;
    node->min = min;
    node->max = max;
  }
  return out;
}
Tensor clamp_min(const Tensor& x, double min) {
  return clamp(x, min, INFINITY);
}
Tensor clamp_max(const Tensor& x, double max) {
  return clamp(x, -INFINITY, max);
}

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_defined(cond, "where", "condition");
  NABLA_CHECK(cond.dtype() == kUInt8, "where: condition must be a uint8 (bool) mask, got ",
              cond.dtype());
  check_same_device(cond, a, "where");
  check_same_device(a, b, "where");
  check_same_dtype(a, b, "where");
  const Shape s =
      broadcast_shapes(broadcast_shapes(cond.shape(), a.shape(), "where"), b.shape(), "where");
  Tensor out = empty_on(a, s);
  backend_of(a).where(out, broadcast_view(cond, s), broadcast_view(a, s), broadcast_view(b, s));
  if (auto node = record<WhereBackward>({cond, a, b}, {&out})) {
    node->cond = broadcast_view(cond, s);
    node->a_shape = a.shape();
    node->b_shape = b.shape();
  }
  return out;
}

#define NABLA_COMPARISON(NAME, OP)                                                   \
  Tensor NAME(const Tensor& a, const Tensor& b) {                                    \
    return binary_kernel(BinaryOp::OP, a, b, #NAME, 1.0, 0.0, true);                 \
  }                                                                                  \
  Tensor NAME(const Tensor& a, double b) {                                           \
    return binary_kernel(BinaryOp::OP, a, scalar_like(a, b), #NAME, 1.0, 0.0, true); \
  }
NABLA_COMPARISON(eq, Eq)
NABLA_COMPARISON(ne, Ne)
NABLA_COMPARISON(lt, Lt)
NABLA_COMPARISON(le, Le)
NABLA_COMPARISON(gt, Gt)
NABLA_COMPARISON(ge, Ge)
#undef NABLA_COMPARISON

Tensor logical_not(const Tensor& mask) {
  NABLA_CHECK(mask.dtype() == kUInt8, "logical_not: expected a uint8 mask, got ", mask.dtype());
  return eq(mask, 0.0);
}

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol) {
  NABLA_CHECK(a.shape() == b.shape(), "allclose: shapes ", a.shape(), " and ", b.shape(),
              " differ");
  const auto va = a.to_vector(), vb = b.to_vector();
  for (size_t i = 0; i < va.size(); ++i)
    if (!(std::abs(va[i] - vb[i]) <= atol + rtol * std::abs(vb[i]))) return false;
  return true;
}

}  // namespace nabla
