// The kernels a device provides. Ops in ops/ check shapes, broadcast (by
// expanding views), record autograd history, and then call one of these on
// the backend of their inputs' device. Kernels take strided views and write
// into outputs the op allocated: no autograd, no allocation of results.
// Adding a device means implementing this interface, never touching nn/.
#pragma once

#include <cstdint>
#include <vector>

#include "nabla/core/tensor.h"

namespace nabla::backends {

// out = f(x), elementwise. Parameters a, b as noted.
enum class UnaryOp : uint8_t {
  Neg, Exp, Log, Sqrt, Rsqrt, Abs, Sign, Reciprocal,
  Relu, Sigmoid, Tanh,
  AddScalar,  // x + a
  MulScalar,  // x * a
  PowScalar,  // x ^ a
  RPowScalar, // a ^ x
  Clamp,      // min(max(x, a), b)
  LeakyRelu,  // x > 0 ? x : a·x
  Elu,        // x > 0 ? x : a·(eˣ − 1)
  Softplus,   // log(1 + e^(a·x)) / a, linear above threshold b
  Gelu,       // x·Φ(x) (exact, erf)
  GeluTanh,   // tanh approximation
  Silu,       // x·σ(x)
  Erf,
  Log1p, Expm1, Sin, Cos,
};

// out = f(x, y), elementwise over views of one shape (broadcasting is done
// by the op with expand). Comparisons write u8. The *Backward ops fuse the
// derivative of an activation with the incoming gradient: x is dy.
enum class BinaryOp : uint8_t {
  Add,  // x + a·y
  Sub,  // x − a·y
  Mul, Div, Pow, Maximum, Minimum,
  Eq, Ne, Lt, Le, Gt, Ge,
  ReluBackward,       // dy · (y > 0)            y: relu input
  SigmoidBackward,    // dy · s(1 − s)           y: sigmoid output
  TanhBackward,       // dy · (1 − t²)           y: tanh output
  LeakyReluBackward,  // dy · (y > 0 ? 1 : a)    y: input
  EluBackward,        // dy · (y > 0 ? 1 : a·eʸ) y: input
  SoftplusBackward,   // dy · σ(a·y) (1 above threshold b)  y: input
  GeluBackward,       // dy · (Φ(y) + y·φ(y))    y: input
  GeluTanhBackward,   // dy · d/dy of the tanh approximation
  SiluBackward,       // dy · σ(y)(1 + y(1 − σ(y)))
  ClampBackward,      // dy · (a ≤ y ≤ b)        y: input
};

enum class ReduceOp : uint8_t { Sum, Prod, Max, Min, SumSquares };

class Backend {
 public:
  virtual ~Backend() = default;

  // dst = src, same shape; converts dtype.
  virtual void copy(const Tensor& dst, const Tensor& src) = 0;
  virtual void fill(const Tensor& dst, double value) = 0;
  virtual void unary(UnaryOp op, const Tensor& out, const Tensor& x, double a, double b) = 0;
  virtual void binary(BinaryOp op, const Tensor& out, const Tensor& x, const Tensor& y,
                      double a, double b) = 0;
  // out = cond ? x : y (cond u8); all of out's shape.
  virtual void where(const Tensor& out, const Tensor& cond, const Tensor& x, const Tensor& y) = 0;
  // out has x's shape with the reduced dims of size 1 (keepdim form).
  virtual void reduce(ReduceOp op, const Tensor& out, const Tensor& x) = 0;
  // Max or min along dim, with the index of the first extremum (i64).
  // values and indices have x's shape with size 1 at dim.
  virtual void arg_reduce(bool is_max, const Tensor& values, const Tensor& indices,
                          const Tensor& x, int64_t dim) = 0;
  // C[b] = alpha·op(A[b])·op(B[b]) + beta·C[b] for 3-D (batch, rows, cols)
  // views; A or B may have batch stride 0 (broadcast). C is contiguous.
  virtual void gemm(bool trans_a, bool trans_b, double alpha, const Tensor& a, const Tensor& b,
                    double beta, const Tensor& c) = 0;

  // ---- softmax and nll_loss (appended by the act branch)
  // y = softmax(x) along dim, as e^(x − max) / Σ e^(x − max); with log,
  // y = x − max − log Σ e^(x − max). out and x have one shape.
  virtual void softmax(const Tensor& out, const Tensor& x, int64_t dim, bool log) = 0;
  // From y = the forward's output:
  //   softmax:     dx = y·(dy − Σ dy·y)
  //   log_softmax: dx = dy − e^y·Σ dy          (sums along dim)
  virtual void softmax_backward(const Tensor& dx, const Tensor& dy, const Tensor& y, int64_t dim,
                                bool log) = 0;
  // Unreduced negative log-likelihood over views input (N, C, K) of
  // log-probabilities, target (N, K) i64 and weight (C) or undefined (all 1):
  //   out[n, k] = −w[t]·input[n, t, k] with t = target[n, k], or 0 where t = ignore_index
  //   total_weight (0-d) = Σ w[t] over the targets not ignored
  // Fails naming the value if a target is outside [0, C) and not ignore_index.
  virtual void nll_loss(const Tensor& out, const Tensor& total_weight, const Tensor& input,
                        const Tensor& target, const Tensor& weight, int64_t ignore_index) = 0;
  // dx (N, C, K) = 0 except dx[n, t, k] = −w[t]·dout[n, k] where t = target[n, k]
  // is not ignore_index. dx is contiguous; dout (N, K) may be strided.
  virtual void nll_loss_backward(const Tensor& dx, const Tensor& dout, const Tensor& target,
                                 const Tensor& weight, int64_t ignore_index) = 0;

  // ---- indexing
  // index is i64; every index is checked against the size of the dim it
  // addresses (nabla::Error naming the index and the size). Positions run over
  // index's shape, which is no larger than the other operands' (as in PyTorch).
  // out[p] = x[p with p[dim] = index[p]]; out has index's shape.
  virtual void gather(const Tensor& out, const Tensor& x, int64_t dim, const Tensor& index) = 0;
  // out[p with p[dim] = index[p]] += src[p], in place.
  virtual void scatter_add(const Tensor& out, int64_t dim, const Tensor& index,
                           const Tensor& src) = 0;
  // out[…, j, …] = x[…, index[j], …] along dim; index 1-D.
  virtual void index_select(const Tensor& out, const Tensor& x, int64_t dim,
                            const Tensor& index) = 0;
  // out[…, index[j], …] += src[…, j, …] along dim, in place; index 1-D.
  virtual void index_add(const Tensor& out, int64_t dim, const Tensor& index,
                         const Tensor& src) = 0;

  // ---- convolution (appended by the conv branch)
  // The sliding window of a 2-D convolution over NCHW images (1-D: H = 1).
  // Padding is the zero border before the first row and column; the border
  // after them is implied by the sizes of col (PyTorch's padding="same" can
  // put one more row or column at the end).
  struct ConvWindow {
    int64_t stride_h = 1, stride_w = 1;
    int64_t pad_h = 0, pad_w = 0;
    int64_t dilation_h = 1, dilation_w = 1;
  };
  // col[n, c, i, j, oh, ow] = x[n, c, oh·sh − ph + i·dh, ow·sw − pw + j·dw], 0 outside x.
  //   x (N, C, H, W) any strides   col (N, C, kh, kw, OH, OW) contiguous
  // Viewed as (N, C·kh·kw, OH·OW), col_n is the matrix whose product with the
  // weight (O, C·kh·kw) is the convolution of image n.
  virtual void im2col(const Tensor& col, const Tensor& x, const ConvWindow& window) = 0;
  // The adjoint of im2col: x = 0, then every col element is added to the x
  // element im2col read it from (padding positions are dropped).
  //   x (N, C, H, W) contiguous   col (N, C, kh, kw, OH, OW) contiguous
  virtual void col2im(const Tensor& x, const Tensor& col, const ConvWindow& window) = 0;
};

Backend& backend(Device device);
// A backend that is built (CUDA) installs itself.
void register_backend(DeviceType type, Backend* backend);

}  // namespace nabla::backends
