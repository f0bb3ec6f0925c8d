// Reductions. The kernel always produces the keepdim shape; dropping the
// reduced dims is a view.
#include "nabla/ops/reduce.h"

#include <algorithm>
#include <cmath>

#include "nabla/ops/elementwise.h"
#include "nabla/ops/factory.h"
#include "ops/internal.h"

namespace nabla {
namespace ops {

// Sorted, unique, wrapped dims; empty input means all dims.
std::vector<int64_t> reduction_dims(const Tensor& x, const std::vector<int64_t>& dims,
                                    const char* op) {
  std::vector<int64_t> out;
  if (x.dim() == 0) {  // a 0-d tensor accepts dim 0 and -1 and has nothing to reduce
    for (int64_t d : dims) wrap_dim(d, 0, op);
    return out;
  }
  if (dims.empty()) {
    for (int64_t d = 0; d < x.dim(); ++d) out.push_back(d);
    return out;
  }
  for (int64_t d : dims) out.push_back(wrap_dim(d, x.dim(), op));
  std::sort(out.begin(), out.end());
  NABLA_CHECK(std::adjacent_find(out.begin(), out.end()) == out.end(), op,
              ": dimension repeated in ", Shape(dims));
  return out;
}

Shape keepdim_shape(const Tensor& x, const std::vector<int64_t>& dims) {
  Shape s = x.shape();
  for (int64_t d : dims) s[d] = 1;
  return s;
}

Shape reduced_shape(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  if (keepdim) return keepdim_shape(x, dims);
  Shape s;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (!std::binary_search(dims.begin(), dims.end(), d)) s.push_back(x.shape()[d]);
  return s;
}

// Runs the reduce kernel into a fresh keepdim-shaped tensor, then views it
// without the reduced dims if asked.
Tensor reduce_kernel(ReduceOp op, const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  Tensor out = empty_on(x, keepdim_shape(x, dims));
  backend_of(x).reduce(op, out, x);
  if (keepdim) return out;
  return alias(out, reduced_shape(x, dims, false),
               contiguous_strides(reduced_shape(x, dims, false)), 0);
}

namespace {

// d Σx = dy broadcast back over the reduced dims.
struct SumBackward final : Node {
  NABLA_NODE(SumBackward);
  Shape input_shape, keep_shape;
  double scale = 1.0;  // 1/N for mean
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor dy = g[0].reshape(keep_shape);
    if (scale != 1.0) dy = dy * scale;
    return {dy.expand(input_shape).contiguous()};
  }
};

Tensor sum_impl(const Tensor& x, const std::vector<int64_t>& dims_in, bool keepdim, bool mean,
                const char* name) {
  check_defined(x, name, "input");
  const auto dims = reduction_dims(x, dims_in, name);
  int64_t count = 1;
  for (int64_t d : dims) count *= x.shape()[d];
  if (mean) check_floating(x, name);
  // Integer sums accumulate in int64, as PyTorch's do (a u8 sum would wrap).
  if (!x.is_floating_point() && x.dtype() != kInt64)
    return sum_impl(x.to(kInt64), dims_in, keepdim, mean, name);
  Tensor out = reduce_kernel(ReduceOp::Sum, x, dims, keepdim);
  const double scale = mean ? 1.0 / static_cast<double>(std::max<int64_t>(count, 1)) : 1.0;
  if (mean) {
    backend_of(out).unary(UnaryOp::MulScalar, out, out, count == 0 ? NAN : scale, 0.0);
  }
  if (auto node = record<SumBackward>({x}, {&out})) {
    node->input_shape = x.shape();
    node->keep_shape = keepdim_shape(x, dims);
    node->scale = scale;
  }
  return out;
}

// The reductions that pick elements (max, min, amax, …) have nothing to pick
// from an empty slice.
void check_nonempty(const Tensor& x, const std::vector<int64_t>& dims, const char* op) {
  for (int64_t d : dims)
    NABLA_CHECK(x.shape()[d] > 0, op, ": cannot reduce over dimension ", d,
                " of size 0 (input shape ", x.shape(), ")");
}

Tensor scalar_on(const Tensor& t, double v) {
  return full({}, v, TensorOptions(t.dtype()).device(t.device()));
}

// Drops the reduced dims of a keepdim-shaped result unless keepdim.
Tensor drop_dims(const Tensor& kept, const Tensor& x, const std::vector<int64_t>& dims,
                 bool keepdim) {
  if (keepdim) return kept;
  const Shape s = reduced_shape(x, dims, false);
  return alias(kept, s, contiguous_strides(s), kept.storage_offset());
}

// ---- prod

// d Πx/dxᵢ = Π_{j≠i} xⱼ: y/xᵢ when the slice has no zero; with one zero only
// that zero's entry is nonzero (the product of the others); with two, none.
struct ProdBackward final : Node {
  NABLA_NODE(ProdBackward);
  SavedTensor x;
  Shape keep_shape;
  int64_t dim = 0;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor xv = x.unpack(*this);
    Tensor dy = g[0].reshape(keep_shape);
    Tensor zero = scalar_on(xv, 0.0);
    Tensor is_zero = eq(xv, 0.0);
    Tensor zeros_in_slice = sum(is_zero.to(xv.dtype()), {dim}, true);
    Tensor x_nonzero = where(is_zero, scalar_on(xv, 1.0), xv);
    Tensor prod_nonzero = prod(x_nonzero, dim, true);
    Tensor others = where(is_zero, where(eq(zeros_in_slice, 1.0), prod_nonzero, zero),
                          where(eq(zeros_in_slice, 0.0), prod_nonzero / x_nonzero, zero));
    return {dy * others};
  }
};

// ---- var

// d var = dy · 2(x − x̄)/(N − c)      c = 1 if unbiased
struct VarBackward final : Node {
  NABLA_NODE(VarBackward);
  SavedTensor x;
  std::vector<int64_t> dims;
  Shape keep_shape;
  double divisor = 1.0;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor xv = x.unpack(*this);
    Tensor centered = xv - mean(xv, dims, true);
    return {g[0].reshape(keep_shape) * centered * (2.0 / divisor)};
  }
};

// var = Σ (x − x̄)² / (N − c), two passes: the centred sum of squares does
// not cancel catastrophically as Σx² − N·x̄² would.
Tensor var_impl(const Tensor& x, const std::vector<int64_t>& dims_in, bool unbiased, bool keepdim,
                const char* op) {
  check_defined(x, op, "input");
  check_floating(x, op);
  const auto dims = reduction_dims(x, dims_in, op);
  int64_t count = 1;
  for (int64_t d : dims) count *= x.shape()[d];
  // N − c ≤ 0 gives nan, as in PyTorch (one element, unbiased).
  const double divisor = static_cast<double>(count - (unbiased ? 1 : 0));
  Tensor out;
  {
    NoGradGuard no_grad;
    Tensor centered = x - mean(x, dims, true);
    out = reduce_kernel(ReduceOp::SumSquares, centered, dims, keepdim);
    backend_of(out).unary(UnaryOp::MulScalar, out, out, divisor > 0 ? 1.0 / divisor : NAN, 0.0);
  }
  if (auto node = record<VarBackward>({x}, {&out})) {
    node->x = x;
    node->dims = dims;
    node->keep_shape = keepdim_shape(x, dims);
    node->divisor = divisor;
  }
  return out;
}

// ---- max, min

// values and indices of the extremum along dim, keepdim-shaped. No autograd.
std::pair<Tensor, Tensor> arg_reduce_kernel(const Tensor& x, int64_t dim, bool is_max,
                                            const char* op) {
  check_defined(x, op, "input");
  const int64_t d = wrap_dim(dim, x.dim(), op);
  // A 0-d tensor is its own extremum, at index 0.
  const Tensor x1 = x.dim() == 0 ? alias(x, {1}, {1}, x.storage_offset()) : x;
  NABLA_CHECK(x1.size(d) > 0, op, ": cannot reduce over dimension ", d, " of size 0 (input shape ",
              x.shape(), ")");
  Shape keep = x1.shape();
  keep[d] = 1;
  Tensor values = empty_on(x, keep), indices = empty_on(x, keep, kInt64);
  backend_of(x).arg_reduce(is_max, values, indices, x1, d);
  if (x.dim() == 0) return {alias(values, {}, {}, 0), alias(indices, {}, {}, 0)};
  return {values, indices};
}

// dx = dy at the index of the extremum along dim, 0 elsewhere.
struct MaxDimBackward final : Node {
  NABLA_NODE(MaxDimBackward);
  SavedTensor indices;  // keepdim shape
  Shape input_shape;
  int64_t dim = 0;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor idx = indices.unpack(*this);
    if (input_shape.empty()) return {g[0]};  // a 0-d input is its own maximum
    // Positions 0 … len−1 along dim, compared with the index: a one-hot mask.
    Shape pos_shape(input_shape.size(), 1);
    pos_shape[dim] = input_shape[dim];
    Tensor positions =
        arange(static_cast<double>(input_shape[dim]), TensorOptions(kInt64).device(idx.device()))
            .reshape(pos_shape);
    Tensor dy = g[0].reshape(idx.shape());
    return {where(eq(positions, idx), dy, scalar_on(dy, 0.0))};
  }
};

std::pair<Tensor, Tensor> max_dim(const Tensor& x, int64_t dim, bool keepdim, bool is_max) {
  const char* op = is_max ? "max" : "min";
  auto [values, indices] = arg_reduce_kernel(x, dim, is_max, op);
  const auto dims = reduction_dims(x, {dim}, op);
  Tensor saved_indices = indices;
  values = drop_dims(values, x, dims, keepdim);
  indices = drop_dims(indices, x, dims, keepdim);
  if (x.is_floating_point()) {
    if (auto node = record<MaxDimBackward>({x}, {&values})) {
      node->indices = saved_indices;
      node->input_shape = x.shape();
      node->dim = dims.empty() ? 0 : dims[0];
    }
  }
  return {values, indices};
}

Tensor arg_extremum(const Tensor& x, int64_t dim, bool keepdim, bool is_max) {
  const char* op = is_max ? "argmax" : "argmin";
  Tensor indices = arg_reduce_kernel(x, dim, is_max, op).second;
  return drop_dims(indices, x, reduction_dims(x, {dim}, op), keepdim);
}

Tensor arg_extremum_all(const Tensor& x, bool is_max) {
  const char* op = is_max ? "argmax" : "argmin";
  check_defined(x, op, "input");
  NABLA_CHECK(x.numel() > 0, op, ": cannot reduce an empty tensor of shape ", x.shape(),
              " without a dim");
  return arg_extremum(x.detach().reshape({x.numel()}), 0, false, is_max);
}

// d amax = dy split evenly among the elements equal to the max (as PyTorch,
// for amax, amin, and max/min over all elements).
struct AmaxBackward final : Node {
  NABLA_NODE(AmaxBackward);
  SavedTensor x, y;
  std::vector<int64_t> dims;
  Shape keep_shape;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor xv = x.unpack(*this), yv = y.unpack(*this).reshape(keep_shape);
    Tensor is_extremum = eq(xv, yv).to(xv.dtype());
    Tensor count = sum(is_extremum, dims, true);
    return {g[0].reshape(keep_shape) * is_extremum / count};
  }
};

Tensor amax_impl(const Tensor& x, const std::vector<int64_t>& dims_in, bool keepdim, bool is_max,
                 const char* op) {
  check_defined(x, op, "input");
  const auto dims = reduction_dims(x, dims_in, op);
  check_nonempty(x, dims, op);
  Tensor out = reduce_kernel(is_max ? ReduceOp::Max : ReduceOp::Min, x, dims, keepdim);
  if (x.is_floating_point()) {
    if (auto node = record<AmaxBackward>({x}, {&out})) {
      node->x = x;
      node->y = out;
      node->dims = dims;
      node->keep_shape = keepdim_shape(x, dims);
    }
  }
  return out;
}

Tensor extremum_all(const Tensor& x, bool is_max) {
  const char* op = is_max ? "max" : "min";
  check_defined(x, op, "input");
  NABLA_CHECK(x.numel() > 0, op, ": cannot reduce an empty tensor of shape ", x.shape(),
              "; give a dim");
  return amax_impl(x, {}, false, is_max, op);
}

// ---- logsumexp

// d logsumexp = dy · softmax(x) = dy · exp(x − y)
struct LogsumexpBackward final : Node {
  NABLA_NODE(LogsumexpBackward);
  SavedTensor x, y;
  Shape keep_shape;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor xv = x.unpack(*this), yv = y.unpack(*this).reshape(keep_shape);
    return {g[0].reshape(keep_shape) * exp(xv - yv)};
  }
};

// ---- norm

// d‖x‖ₚ = dy · sign(x)|x|ᵖ⁻¹ / ‖x‖ᵖ⁻¹ (x/‖x‖ for p = 2), defined 0 where ‖x‖ = 0
struct NormBackward final : Node {
  NABLA_NODE(NormBackward);
  SavedTensor x, y;
  double p = 2.0;
  Shape keep_shape;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor xv = x.unpack(*this), yv = y.unpack(*this).reshape(keep_shape);
    Tensor zero = scalar_on(xv, 0.0);
    Tensor scaled;
    if (p == 2.0) {
      scaled = xv / yv;
    } else {
      // |x|ᵖ⁻¹ is infinite at x = 0 for p < 1; the derivative is taken as 0 there.
      Tensor abs_pow = where(eq(xv, 0.0), zero, pow(abs(xv), p - 1.0));
      scaled = sign(xv) * abs_pow / pow(yv, p - 1.0);
    }
    return {where(eq(yv, 0.0), zero, g[0].reshape(keep_shape) * scaled)};
  }
};

}  // namespace
}  // namespace ops

using namespace ops;

Tensor sum(const Tensor& x) {
  return sum_impl(x, {}, false, false, "sum");
}
Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  return sum_impl(x, dims, keepdim, false, "sum");
}
Tensor mean(const Tensor& x) {
  return sum_impl(x, {}, false, true, "mean");
}
Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  return sum_impl(x, dims, keepdim, true, "mean");
}

// y = Π xᵢ along dim
Tensor prod(const Tensor& x, int64_t dim, bool keepdim) {
  check_defined(x, "prod", "input");
  if (!x.is_floating_point() && x.dtype() != kInt64) return prod(x.to(kInt64), dim, keepdim);
  const auto dims = reduction_dims(x, {dim}, "prod");
  Tensor out = reduce_kernel(ReduceOp::Prod, x, dims, keepdim);
  if (x.is_floating_point()) {
    if (auto node = record<ProdBackward>({x}, {&out})) {
      node->x = x;
      node->keep_shape = keepdim_shape(x, dims);
      node->dim = dims.empty() ? 0 : dims[0];
    }
  }
  return out;
}

Tensor var(const Tensor& x, const std::vector<int64_t>& dims, bool unbiased, bool keepdim) {
  return var_impl(x, dims, unbiased, keepdim, "var");
}
Tensor std(const Tensor& x, const std::vector<int64_t>& dims, bool unbiased, bool keepdim) {
  return sqrt(var_impl(x, dims, unbiased, keepdim, "std"));
}

std::pair<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim) {
  return max_dim(x, dim, keepdim, true);
}
std::pair<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim) {
  return max_dim(x, dim, keepdim, false);
}
Tensor max(const Tensor& x) {
  return extremum_all(x, true);
}
Tensor min(const Tensor& x) {
  return extremum_all(x, false);
}
Tensor amax(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  return amax_impl(x, dims, keepdim, true, "amax");
}
Tensor amin(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  return amax_impl(x, dims, keepdim, false, "amin");
}
Tensor argmax(const Tensor& x, int64_t dim, bool keepdim) {
  return arg_extremum(x, dim, keepdim, true);
}
Tensor argmin(const Tensor& x, int64_t dim, bool keepdim) {
  return arg_extremum(x, dim, keepdim, false);
}
Tensor argmax(const Tensor& x) {
  return arg_extremum_all(x, true);
}
Tensor argmin(const Tensor& x) {
  return arg_extremum_all(x, false);
}

// y = m + log Σ exp(x − m), m = max x: no exp overflows, and the largest
// term is exp(0) = 1, so the log does not underflow to −inf.
Tensor logsumexp(const Tensor& x, const std::vector<int64_t>& dims_in, bool keepdim) {
  check_defined(x, "logsumexp", "input");
  check_floating(x, "logsumexp");
  const auto dims = reduction_dims(x, dims_in, "logsumexp");
  Tensor out;
  {
    NoGradGuard no_grad;
    Tensor m = reduce_kernel(ReduceOp::Max, x, dims, true);
    // An infinite max (all −inf, or a +inf) would give inf − inf: shift by 0 there.
    m = where(eq(abs(m), INFINITY), scalar_on(m, 0.0), m);
    Tensor kept = log(reduce_kernel(ReduceOp::Sum, exp(x - m), dims, true)) + m;
    out = drop_dims(kept, x, dims, keepdim);
  }
  if (auto node = record<LogsumexpBackward>({x}, {&out})) {
    node->x = x;
    node->y = out;
    node->keep_shape = keepdim_shape(x, dims);
  }
  return out;
}

// ‖x‖ₚ = (Σ|x|ᵖ)^(1/p); p = 1 and p = inf are sum(|x|) and amax(|x|).
Tensor norm(const Tensor& x, double p, const std::vector<int64_t>& dims_in, bool keepdim) {
  check_defined(x, "norm", "input");
  check_floating(x, "norm");
  NABLA_CHECK(p > 0, "norm: p must be positive or inf, got ", p);
  if (p == 1.0) return sum(abs(x), dims_in, keepdim);
  if (std::isinf(p)) return amax_impl(abs(x), dims_in, keepdim, true, "norm");
  const auto dims = reduction_dims(x, dims_in, "norm");
  Tensor out;
  {
    NoGradGuard no_grad;
    if (p == 2.0) {
      out = sqrt(reduce_kernel(ReduceOp::SumSquares, x, dims, keepdim));
    } else {
      out = pow(reduce_kernel(ReduceOp::Sum, pow(abs(x), p), dims, keepdim), 1.0 / p);
    }
  }
  if (auto node = record<NormBackward>({x}, {&out})) {
    node->x = x;
    node->y = out;
    node->p = p;
    node->keep_shape = keepdim_shape(x, dims);
  }
  return out;
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  const int64_t lead = x.dim() - static_cast<int64_t>(shape.size());
  NABLA_CHECK(lead >= 0, "sum_to: cannot sum ", x.shape(), " to the larger shape ", shape);
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (d < lead || (shape[d - lead] == 1 && x.shape()[d] != 1)) dims.push_back(d);
  Tensor r = dims.empty() ? x : sum(x, dims, true);
  return r.reshape(shape);
}

}  // namespace nabla
