// Matrix products: every form is brought to a batched 3-D GEMM.
#include "nabla/ops/linalg.h"

#include "nabla/ops/elementwise.h"
#include "nabla/ops/reduce.h"
#include "ops/internal.h"

namespace nabla {
namespace ops {
namespace {

// A 2-D or 3-D operand the GEMM kernel accepts: one of its two matrix dims
// has unit stride (or size 1), and neither is broadcast (stride 0, as an
// expanded gradient may be), which no leading dimension can describe.
Tensor gemm_ready(const Tensor& t) {
  auto unit = [&](int64_t d) { return t.stride(d) == 1 || t.size(d) == 1; };
  auto broadcast = [&](int64_t d) { return t.stride(d) == 0 && t.size(d) > 1; };
  const bool ok = (unit(-1) || unit(-2)) && !broadcast(-1) && !broadcast(-2);
  return ok ? t : t.contiguous();
}

// c = op(a)·op(b) into a fresh c, for the GEMM kernel's 2-D and 3-D forms;
// an empty sum (k = 0) gives zeros. No autograd.
void gemm_into(Tensor c, const Tensor& a, const Tensor& b, bool ta, bool tb) {
  if (c.numel() == 0) return;
  if ((ta ? a.size(-2) : a.size(-1)) == 0) {
    c.zero_();
    return;
  }
  backend_of(a).gemm(ta, tb, 1.0, gemm_ready(a), gemm_ready(b), 0.0, c);
}

// c = a·b for a (B or 1, n, k), b (B or 1, k, m) → (B, n, m). No autograd.
Tensor bmm_kernel(const Tensor& a, const Tensor& b, bool ta = false, bool tb = false) {
  const int64_t batch = std::max(a.size(0), b.size(0));
  const int64_t n = ta ? a.size(2) : a.size(1), m = tb ? b.size(1) : b.size(2);
  Tensor c = empty_on(a, {batch, n, m});
  gemm_into(c, a, b, ta, tb);
  return c;
}

// y = a·b (3-D, batch of a and b equal or 1)
// da = dy·bᵀ   db = aᵀ·dy   (summed over a broadcast batch)
struct BmmBackward final : Node {
  NABLA_NODE(BmmBackward);
  SavedTensor a, b;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor av = a.unpack(*this), bv = b.unpack(*this);
    Tensor da, db;
    if (needs_input_grad(0)) {
      da = bmm_kernel(g[0], bv, false, true);
      if (av.size(0) == 1 && da.size(0) != 1) da = sum(da, {0}, true);
    }
    if (needs_input_grad(1)) {
      db = bmm_kernel(av, g[0], true, false);
      if (bv.size(0) == 1 && db.size(0) != 1) db = sum(db, {0}, true);
    }
    return {da, db};
  }
};

Tensor bmm_recorded(const Tensor& a, const Tensor& b) {
  Tensor out = bmm_kernel(a, b);
  if (auto node = record<BmmBackward>({a, b}, {&out})) {
    node->a = a;
    node->b = b;
  }
  return out;
}

// The product of all dims of t but the last.
int64_t leading_rows(const Tensor& t) {
  return numel(Shape(t.shape().begin(), t.shape().end() - 1));
}

// t (…, k) as a matrix (rows, k) without history, for the GEMM: the rows of
// a linear layer. A 2-D t is passed as it is.
Tensor as_rows(const Tensor& t, int64_t rows) {
  if (t.dim() == 2) return t;
  const int64_t k = t.size(-1), ks = t.stride(-1);
  if (t.dim() == 1) return alias(t, {1, k}, {k * ks, ks}, t.storage_offset());
  return t.detach().reshape({rows, k});
}

// y = x·Wᵀ + b, x (…, in), W (out, in), b (out); rows: all leading dims of x
// dx = dy·W   dW = dyᵀ·x   db = Σ_rows dy
struct LinearBackward final : Node {
  NABLA_NODE(LinearBackward);
  SavedTensor x, weight;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor xv = x.unpack(*this), wv = weight.unpack(*this);
    const int64_t rows = leading_rows(xv);
    const Tensor dy = as_rows(g[0], rows);
    Tensor dx, dw, db;
    if (needs_input_grad(0)) {
      dx = empty_on(xv, xv.shape());
      gemm_into(as_rows(dx, rows), dy, wv, false, false);
    }
    if (needs_input_grad(1)) {
      dw = empty_on(wv, wv.shape());
      gemm_into(dw, dy, as_rows(xv, rows), true, false);
    }
    if (needs_input_grad(2)) db = rows == 1 ? g[0].reshape({wv.size(0)}) : sum(dy, {0});
    return {dx, dw, db};
  }
  void release_saved() override {
    x.reset();
    weight.reset();
  }
};

void check_matmul_args(const Tensor& a, const Tensor& b, const char* op) {
  check_defined(a, op, "input");
  check_defined(b, op, "other");
  check_same_device(a, b, op);
  check_same_dtype(a, b, op);
  check_floating(a, op);
}

}  // namespace
}  // namespace ops

using namespace ops;

Tensor bmm(const Tensor& a, const Tensor& b) {
  check_matmul_args(a, b, "bmm");
  NABLA_CHECK(a.dim() == 3 && b.dim() == 3 && a.size(0) == b.size(0) && a.size(2) == b.size(1),
              "bmm: expected (b, n, k) and (b, k, m), got ", a.shape(), " and ", b.shape());
  return bmm_recorded(a, b);
}

Tensor mm(const Tensor& a, const Tensor& b) {
  check_matmul_args(a, b, "mm");
  NABLA_CHECK(a.dim() == 2 && b.dim() == 2 && a.size(1) == b.size(0),
              "mm: expected (n, k) and (k, m), got ", a.shape(), " and ", b.shape());
  return bmm_recorded(a.unsqueeze(0), b.unsqueeze(0)).squeeze(0);
}

Tensor dot(const Tensor& a, const Tensor& b) {
  check_matmul_args(a, b, "dot");
  NABLA_CHECK(a.dim() == 1 && b.dim() == 1 && a.size(0) == b.size(0),
              "dot: expected two 1-D tensors of one length, got ", a.shape(), " and ", b.shape());
  return sum(a * b);
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_matmul_args(a, b, "matmul");
  NABLA_CHECK(a.dim() >= 1 && b.dim() >= 1,
              "matmul: both arguments need at least 1 dimension, got ", a.shape(), " and ",
              b.shape());
  if (a.dim() == 1 && b.dim() == 1) return dot(a, b);
  // Promote 1-D operands to matrices; remember to drop the dim again.
  Tensor A = a.dim() == 1 ? a.unsqueeze(0) : a;
  Tensor B = b.dim() == 1 ? b.unsqueeze(1) : b;
  NABLA_CHECK(A.size(-1) == B.size(-2), "matmul: shapes ", a.shape(), " and ", b.shape(),
              " cannot be multiplied (", A.size(-2), "x", A.size(-1), " and ", B.size(-2), "x",
              B.size(-1), ")");
  const int64_t n = A.size(-2), k = A.size(-1), m = B.size(-1);
  const Shape a_batch(A.shape().begin(), A.shape().end() - 2);
  const Shape b_batch(B.shape().begin(), B.shape().end() - 2);
  const Shape batch = broadcast_shapes(a_batch, b_batch, "matmul");
  Tensor out;
  if (b_batch.empty() && !a_batch.empty()) {
    // (…, n, k)·(k, m): fold the batch into the rows, one GEMM.
    Tensor flat = A.reshape({1, -1, k});
    out = bmm_recorded(flat, B.unsqueeze(0));
    Shape s = a_batch;
    s.push_back(n);
    s.push_back(m);
    out = out.view(s);
  } else {
    const int64_t nb = numel(batch);
    Shape ea = batch, eb = batch;
    ea.insert(ea.end(), {n, k});
    eb.insert(eb.end(), {k, m});
    Tensor A3 = a_batch == batch      ? A.reshape({nb, n, k})
                : numel(a_batch) == 1 ? A.reshape({1, n, k})
                                      : A.expand(ea).reshape({nb, n, k});
    Tensor B3 = b_batch == batch      ? B.reshape({nb, k, m})
                : numel(b_batch) == 1 ? B.reshape({1, k, m})
                                      : B.expand(eb).reshape({nb, k, m});
    out = bmm_recorded(A3, B3);
    Shape s = batch;
    s.push_back(n);
    s.push_back(m);
    out = out.view(s);
  }
  if (a.dim() == 1) out = out.squeeze(-2);
  if (b.dim() == 1) out = out.squeeze(-1);
  return out;
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor& bias) {
  check_matmul_args(x, weight, "linear");
  NABLA_CHECK(weight.dim() == 2 && x.dim() >= 1 && x.size(-1) == weight.size(1), "linear: input ",
              x.shape(), " does not match weight ", weight.shape(), " (expected last dim ",
              weight.dim() == 2 ? weight.size(1) : -1, ")");
  if (bias.defined()) {
    check_same_device(x, bias, "linear");
    check_same_dtype(x, bias, "linear");
    NABLA_CHECK(bias.dim() == 1 && bias.size(0) == weight.size(0), "linear: bias ", bias.shape(),
                " does not match weight ", weight.shape());
  }
  const int64_t in = weight.size(1);
  Shape out_shape = x.shape();
  out_shape.back() = weight.size(0);
  Tensor y = empty_on(x, out_shape);
  if (y.numel() > 0) {
    const int64_t rows = leading_rows(x);
    const Tensor y2 = as_rows(y, rows);
    if (bias.defined()) backend_of(y).copy(y2, broadcast_view(bias, y2.shape()));
    if (in > 0) {
      backend_of(x).gemm(false, true, 1.0, gemm_ready(as_rows(x, rows)), gemm_ready(weight),
                         bias.defined() ? 1.0 : 0.0, y2);
    } else if (!bias.defined()) {
      y.zero_();
    }
  }
  if (auto node = record<LinearBackward>({x, weight, bias}, {&y})) {
    node->x = x;
    node->weight = weight;
  }
  return y;
}

}  // namespace nabla
