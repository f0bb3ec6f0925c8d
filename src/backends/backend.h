// The kernels a device provides. Ops in ops/ check shapes, broadcast (by
// expanding views), record autograd history, and then call one of these on
// the backend of their inputs' device. Kernels take strided views and write
// into outputs the op allocated: no autograd, no allocation of results.
// Adding a device means implementing this interface, never touching nn/.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "nabla/core/tensor.h"

namespace nabla::backends {

// out = f(x), elementwise. Parameters a, b as noted.
enum class UnaryOp : uint8_t {
  Neg,
  Exp,
  Log,
  Sqrt,
  Rsqrt,
  Abs,
  Sign,
  Reciprocal,
  Relu,
  Sigmoid,
  Tanh,
  AddScalar,   // x + a
  MulScalar,   // x * a
  PowScalar,   // x ^ a
  RPowScalar,  // a ^ x
  Clamp,       // min(max(x, a), b)
  LeakyRelu,   // x > 0 ? x : a·x
  Elu,         // x > 0 ? x : a·(eˣ − 1)
  Softplus,    // log(1 + e^(a·x)) / a, linear above threshold b
  Gelu,        // x·Φ(x) (exact, erf)
  GeluTanh,    // tanh approximation
  Silu,        // x·σ(x)
  Erf,
  Log1p,
  Expm1,
  Sin,
  Cos,
};

// out = f(x, y), elementwise over views of one shape (broadcasting is done
// by the op with expand). Comparisons write u8. The *Backward ops fuse the
// derivative of an activation with the incoming gradient: x is dy.
enum class BinaryOp : uint8_t {
  Add,  // x + a·y
  Sub,  // x − a·y
  Mul,
  Div,
  Pow,
  Maximum,
  Minimum,
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
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
  virtual void binary(BinaryOp op, const Tensor& out, const Tensor& x, const Tensor& y, double a,
                      double b) = 0;
  // out = cond ? x : y (cond u8); all of out's shape.
  virtual void where(const Tensor& out, const Tensor& cond, const Tensor& x, const Tensor& y) = 0;
  // out has x's shape with the reduced dims of size 1 (keepdim form).
  virtual void reduce(ReduceOp op, const Tensor& out, const Tensor& x) = 0;
  // Max or min along dim, with the index of the first extremum (i64).
  // values and indices have x's shape with size 1 at dim.
  virtual void arg_reduce(bool is_max, const Tensor& values, const Tensor& indices, const Tensor& x,
                          int64_t dim) = 0;
  // C[b] = alpha·op(A[b])·op(B[b]) + beta·C[b] for 3-D (batch, rows, cols)
  // views; A or B may have batch stride 0 (broadcast) or be 2-D (one matrix
  // for every b). A 2-D C is a batch of one. C is contiguous.
  virtual void gemm(bool trans_a, bool trans_b, double alpha, const Tensor& a, const Tensor& b,
                    double beta, const Tensor& c) = 0;
  // Work split by the op into independent items: fn(item, worker) runs once
  // for every item in [0, items), spread over workers() threads of the
  // device's pool, worker in [0, workers()) naming the thread so that fn can
  // use scratch of its own. Kernels fn calls run on the calling thread (no
  // pool inside the pool). An exception thrown by fn is rethrown here.
  virtual int64_t workers() const = 0;
  virtual void parallel_for(int64_t items,
                            const std::function<void(int64_t item, int64_t worker)>& fn) = 0;

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

  // ---- resampling (appended by the vision branch)
  enum class PadMode : uint8_t { Reflect, Replicate };
  // Planes are 3-D views (P, H, W): P = N·C (or every leading dim), any strides.
  // Reflect or replicate padding: out (P, H + top + bottom, W + left + right)
  // with out[p, i, j] = x[p, src(i − top, H), src(j − left, W)], where
  //   reflect:   src(k, n) = |k| mirrored at 0 and n − 1 (needs pads < n)
  //   replicate: src(k, n) = clamp(k, 0, n − 1)
  // Pads may be negative (crop).
  virtual void pad2d(PadMode mode, const Tensor& out, const Tensor& x, int64_t left,
                     int64_t top) = 0;
  // dx[p, src(i − top), src(j − left)] += dy[p, i, j]; accumulates into dx.
  virtual void pad2d_backward(PadMode mode, const Tensor& dx, const Tensor& dy, int64_t left,
                              int64_t top) = 0;
  // scale_h, scale_w: the caller's scale factors, or 0 where none was given;
  // the source step per output pixel is then 1/scale, else in/out (PyTorch's rule).
  // Nearest: out[p, i, j] = x[p, ⌊i·step_h⌋, ⌊j·step_w⌋] (clamped to the input).
  virtual void upsample_nearest2d(const Tensor& out, const Tensor& x, double scale_h,
                                  double scale_w) = 0;
  // dx[p, ⌊i·step_h⌋, ⌊j·step_w⌋] += dy[p, i, j]; accumulates into dx.
  virtual void upsample_nearest2d_backward(const Tensor& dx, const Tensor& dy, double scale_h,
                                           double scale_w) = 0;
  // Bilinear: each output pixel at source position
  //   align_corners: s = i·(in − 1)/(out − 1)
  //   otherwise:     s = max((i + ½)·step − ½, 0)
  // mixes the two neighbours ⌊s⌋ and ⌊s⌋ + 1 (clamped) with weights 1 − λ, λ,
  // λ = s − ⌊s⌋, along each axis.
  virtual void upsample_bilinear2d(const Tensor& out, const Tensor& x, bool align_corners,
                                   double scale_h, double scale_w) = 0;
  // dx[neighbours of (i, j)] += weight · dy[p, i, j]; accumulates into dx.
  virtual void upsample_bilinear2d_backward(const Tensor& dx, const Tensor& dy, bool align_corners,
                                            double scale_h, double scale_w) = 0;

  // ---- normalisation (appended by the norm branch)
  // Batch norm over x (N, C, L) contiguous (L = H·W; 1 for (N, C) input):
  // statistics per channel c over its M = N·L values, accumulated in double
  // in two passes (mean, then squared deviations: no cancellation).
  //   mean[c] = Σ x / M      var[c] = Σ (x − mean[c])² / M   (biased)
  virtual void batch_norm_stats(const Tensor& mean, const Tensor& var, const Tensor& x) = 0;
  //   y = (x − mean[c])·rstd[c]·γ[c] + β[c]    y, x (N, C, L) contiguous; mean,
  //   rstd (C); γ, β (C) or undefined (1 and 0); with relu, y = relu(that)
  //   (v < 0 ? 0 : v, as UnaryOp::Relu) in the same pass
  virtual void batch_norm_forward(const Tensor& y, const Tensor& x, const Tensor& mean,
                                  const Tensor& rstd, const Tensor& weight, const Tensor& bias,
                                  bool relu) = 0;
  // With x̂ = (x − mean)·rstd and sums over the M values of channel c:
  //   training (the statistics are the batch's): dx = (1/M)·γ·rstd·(M·dy − Σdy − x̂·Σ(dy·x̂))
  //   eval (the statistics are constants):      dx = γ·rstd·dy
  //   dγ = Σ dy·x̂     dβ = Σ dy
  // dx, dweight, dbias may each be undefined (not wanted).
  virtual void batch_norm_backward(const Tensor& dx, const Tensor& dweight, const Tensor& dbias,
                                   const Tensor& dy, const Tensor& x, const Tensor& mean,
                                   const Tensor& rstd, const Tensor& weight, bool training) = 0;
  // Group norm over x (N, C, L) contiguous, channels split into `groups`
  // groups: statistics per (n, g) over the (C/G)·L values of the group,
  // affine per channel. Layer norm is the case L = 1, one group, C = the
  // normalised size (a row of C values with an affine per element).
  //   mean[n, g], rstd[n, g] = 1/√(var + eps)  (N, G), biased var, two passes in double
  //   y = (x − mean)·rstd·γ[c] + β[c]
  virtual void group_norm_forward(const Tensor& y, const Tensor& mean, const Tensor& rstd,
                                  const Tensor& x, const Tensor& weight, const Tensor& bias,
                                  int64_t groups, double eps) = 0;
  // With g = γ·dy, x̂ = (x − mean)·rstd and means over the K values of a group:
  //   dx = rstd·(g − mean(g) − x̂·mean(g·x̂))
  //   dγ[c] = Σ_{n,l} dy·x̂    dβ[c] = Σ_{n,l} dy
  // dx, dweight, dbias may each be undefined (not wanted).
  virtual void group_norm_backward(const Tensor& dx, const Tensor& dweight, const Tensor& dbias,
                                   const Tensor& dy, const Tensor& x, const Tensor& mean,
                                   const Tensor& rstd, const Tensor& weight, int64_t groups) = 0;

  // ---- pooling (appended by the pool branch)
  // All over 4-D (N, C, H, W) views, one (n, c) plane at a time; inputs may
  // be strided, outputs and gradients written are contiguous. Output
  // (i, j)'s window covers rows i·stride_h − pad_h + a·dilation_h (a <
  // kernel_h) and columns alike, clipped to the input.
  struct PoolWindow {
    int64_t kernel_h, kernel_w, stride_h, stride_w, pad_h, pad_w;
    int64_t dilation_h = 1, dilation_w = 1;
  };
  // values[i, j] = max of the window: the first maximum, or the last NaN
  // (NaN propagates). indices[i, j] says where it is, as an int64 position
  // h·W + w in the plane, or (kernel_h·kernel_w ≤ 256) as a uint8 tap
  // a·kernel_w + b of the window: row i·stride_h − pad_h + a·dilation_h,
  // column alike. indices may be undefined: only the values are wanted.
  virtual void max_pool2d(const Tensor& values, const Tensor& indices, const Tensor& x,
                          const PoolWindow& window) = 0;
  // out = 0, then out[plane][indices[i, j]] += src[i, j] (accumulate) or =
  // src[i, j]: adaptive max pooling's backward (dy routed to the argmax) and
  // max_unpool2d's forward. out (N, C, H, W); src, indices (N, C, OH, OW).
  // Every index is checked against H·W.
  virtual void max_pool2d_backward(const Tensor& out, const Tensor& src, const Tensor& indices,
                                   bool accumulate) = 0;
  // max_pool2d's backward: dx = 0, then dy[i, j] is added at the argmax
  // indices[i, j] (int64 position or uint8 tap, as max_pool2d wrote them over
  // `window`, so each lies in its own window: a kernel may rely on it; when
  // the windows tile the input, dx is written in one pass as a gather).
  virtual void max_pool2d_backward(const Tensor& dx, const Tensor& dy, const Tensor& indices,
                                   const PoolWindow& window) = 0;
  // out[i, j] = src[plane][indices[i, j]]: max_unpool2d's backward.
  // out, indices (N, C, OH, OW); src (N, C, H, W).
  virtual void max_unpool2d_backward(const Tensor& out, const Tensor& src,
                                     const Tensor& indices) = 0;
  // y[i, j] = Σ window / divisor, windows without dilation, first clipped to
  // the padded input (count_include_pad counts that size), then to the
  // input; a non-zero divisor_override replaces the divisor. Empty window: 0.
  virtual void avg_pool2d(const Tensor& y, const Tensor& x, const PoolWindow& window,
                          bool count_include_pad, int64_t divisor_override) = 0;
  // dx = 0, then dx[window of (i, j)] += dy[i, j] / divisor.
  virtual void avg_pool2d_backward(const Tensor& dx, const Tensor& dy, const PoolWindow& window,
                                   bool count_include_pad, int64_t divisor_override) = 0;
  // Adaptive windows: rows [⌊i·H/OH⌋, ⌈(i+1)·H/OH⌉), columns alike; the
  // output sizes are y's.
  virtual void adaptive_avg_pool2d(const Tensor& y, const Tensor& x) = 0;
  // dx = 0, then dx[window of (i, j)] += dy[i, j] / window size.
  virtual void adaptive_avg_pool2d_backward(const Tensor& dx, const Tensor& dy) = 0;
  // As max_pool2d, over the adaptive windows (backward: max_pool2d_backward).
  virtual void adaptive_max_pool2d(const Tensor& values, const Tensor& indices,
                                   const Tensor& x) = 0;

  // ---- optimizer steps: one pass over a parameter and its state, where an
  // optimizer would otherwise run several elementwise ops. p, grad and the
  // state are contiguous, of one floating dtype and size. Each returns false,
  // touching nothing, where the backend has no fused kernel for the tensors:
  // the optimizer then composes elementwise ops (the same formulas).
  // SGD with momentum μ, dampening τ, weight decay λ, learning rate η:
  //   d = g + λ·p
  //   buf = d (first step)   or   buf = μ·buf + (1 − τ)·d
  //   p = p − η·(d + μ·buf)  (nesterov)   or   p = p − η·buf
  virtual bool sgd_step(const Tensor& /*p*/, const Tensor& /*grad*/, const Tensor& /*buf*/,
                        double /*lr*/, double /*momentum*/, double /*dampening*/,
                        double /*weight_decay*/, bool /*nesterov*/, bool /*first_step*/) {
    return false;
  }
  // Adam's moments and update at step t (grad already holds Adam's L2 term):
  //   m = β1·m + (1 − β1)·g      v = β2·v + (1 − β2)·g²
  //   v̂ = v, or with amsgrad (vmax defined) vmax = max(vmax, v), v̂ = vmax
  //   p = p − (η / (1 − β1ᵗ))·m / (√v̂ / √(1 − β2ᵗ) + ε)
  virtual bool adam_step(const Tensor& /*p*/, const Tensor& /*grad*/, const Tensor& /*m*/,
                         const Tensor& /*v*/, const Tensor& /*vmax*/, double /*lr*/,
                         double /*beta1*/, double /*beta2*/, double /*eps*/, int64_t /*step*/) {
    return false;
  }

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
  //   x (N, C, H, W) any strides
  //   col (N, C, kh, kw, OH, OW) whose (OH, OW) planes are contiguous, other
  //   strides free: the convolution ops pass a permuted view of a contiguous
  //   (C, kh, kw, N, OH, OW) buffer, the matrix (C·kh·kw, N·OH·OW) whose
  //   product with the weight (O, C·kh·kw) convolves all N images at once.
  virtual void im2col(const Tensor& col, const Tensor& x, const ConvWindow& window) = 0;
  // The adjoint of im2col: x = 0, then every col element is added to the x
  // element im2col read it from (padding positions are dropped).
  //   x (N, C, H, W) contiguous   col as for im2col
  virtual void col2im(const Tensor& x, const Tensor& col, const ConvWindow& window) = 0;
  // Depthwise convolution, computed directly (im2col would build kh·kw
  // copies of x for GEMMs of a single row): groups = C, output channel o
  // reads input channel o/m, m = O/C.
  //   x (N, C, H, W)  w (O, 1, kh, kw)  b (O) or undefined  y, dy (N, O, OH, OW)
  //   y[n, o, oh, ow] = Σ_{i,j} w[o, 0, i, j]·x[n, o/m, oh·sh − ph + i·dh, ow·sw − pw + j·dw] +
  //   b[o]
  // all contiguous; dx is overwritten, its padding positions dropped:
  //   dx[n, c] = Σ_{o/m = c} Σ_{i,j} w[o, 0, i, j]·dy[n, o] placed at the pixels each read
  //   dw[o, 0, i, j] = Σ_{n,oh,ow} dy[n, o, oh, ow]·x[n, o/m, oh·sh − ph + i·dh, ow·sw − pw + j·dw]
  virtual void depthwise_conv2d(const Tensor& y, const Tensor& x, const Tensor& w, const Tensor& b,
                                const ConvWindow& window) = 0;
  virtual void depthwise_conv2d_input_grad(const Tensor& dx, const Tensor& dy, const Tensor& w,
                                           const ConvWindow& window) = 0;
  virtual void depthwise_conv2d_weight_grad(const Tensor& dw, const Tensor& x, const Tensor& dy,
                                            const ConvWindow& window) = 0;
  // A whole convolution by the device's own library (cuDNN on CUDA), any
  // stride, padding, dilation and groups:
  //   x (N, C, H, W)  w (O, C/G, kh, kw)  b (O) or undefined  y (N, O, OH, OW)
  //   y[n, o] = b[o] + Σ_{c in o's group, i, j} w[o, c, i, j]·x[n, c, oh·sh − ph + i·dh, ow·sw − pw
  //   + j·dw]
  // x, w, b any strides; y, dx, dw contiguous and overwritten. The gradients:
  //   dx = the adjoint of that map applied to dy    dw[o, c, i, j] = Σ_{n,oh,ow} dy·x (as above)
  // Each returns false, touching nothing, where the backend has no library
  // (the CPU's kernels are below): the caller then takes them.
  virtual bool convolution(const Tensor& /*y*/, const Tensor& /*x*/, const Tensor& /*w*/,
                           const Tensor& /*b*/, const ConvWindow& /*window*/, int64_t /*groups*/) {
    return false;
  }
  virtual bool convolution_input_grad(const Tensor& /*dx*/, const Tensor& /*dy*/,
                                      const Tensor& /*w*/, const ConvWindow& /*window*/,
                                      int64_t /*groups*/) {
    return false;
  }
  virtual bool convolution_weight_grad(const Tensor& /*dw*/, const Tensor& /*x*/,
                                       const Tensor& /*dy*/, const ConvWindow& /*window*/,
                                       int64_t /*groups*/) {
    return false;
  }
  // Direct convolution, no im2col copy: one group, stride 1, dilation 1.
  //   x (N, C, H, W)  w (O, C, kh, kw)  b (O) or undefined  y (N, O, OH, OW)
  //   y[n, o, oh, ow] = b[o] + Σ_{c,i,j} w[o, c, i, j]·x[n, c, oh + i − ph, ow + j − pw]
  // (0 outside x), all contiguous; the output sizes are y's. Returns false,
  // touching nothing, where the backend has no such kernel for these
  // tensors (dtype, strides, window, instruction set): the caller then takes
  // im2col + GEMM.
  virtual bool conv2d_direct(const Tensor& /*y*/, const Tensor& /*x*/, const Tensor& /*w*/,
                             const Tensor& /*b*/, const ConvWindow& /*window*/) {
    return false;
  }
  // The input gradient of conv2d_direct, dx overwritten:
  //   dx[n, c, h, w] = Σ_{o,i,j} w[o, c, i, j]·dy[n, o, h + ph − i, w + pw − j]   (0 outside dy)
  // the same kernel as conv(dy, W'), W'[c, o, i, j] = W[o, c, kh − 1 − i, kw − 1 − j],
  // padding (kh − 1 − ph, kw − 1 − pw). Returns false as conv2d_direct.
  virtual bool conv2d_direct_input_grad(const Tensor& /*dx*/, const Tensor& /*dy*/,
                                        const Tensor& /*w*/, const ConvWindow& /*window*/) {
    return false;
  }
  // The weight gradient of conv2d_direct, dw overwritten:
  //   dw[o, c, i, j] = Σ_{n,oh,ow} dy[n, o, oh, ow]·x[n, c, oh + i − ph, ow + j − pw]   (0 outside
  //   x)
  // Returns false as conv2d_direct.
  virtual bool conv2d_direct_weight_grad(const Tensor& /*dw*/, const Tensor& /*x*/,
                                         const Tensor& /*dy*/, const ConvWindow& /*window*/) {
    return false;
  }
};

Backend& backend(Device device);
// A backend that is built (CUDA) installs itself.
void register_backend(DeviceType type, Backend* backend);

}  // namespace nabla::backends
