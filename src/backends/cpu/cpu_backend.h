// The CPU backend: OpenMP loops, oneDNN's sgemm and OpenBLAS's dgemm.
// Its methods are defined in the file of their kernel family.
#pragma once

#include "backends/backend.h"

namespace nabla::backends::cpu {

class CpuBackend final : public Backend {
 public:
  void copy(const Tensor& dst, const Tensor& src) override;  // elementwise.cpp
  void fill(const Tensor& dst, double value) override;       // elementwise.cpp
  void unary(UnaryOp op, const Tensor& out, const Tensor& x, double a, double b) override;
  void binary(BinaryOp op, const Tensor& out, const Tensor& x, const Tensor& y, double a,
              double b) override;
  void where(const Tensor& out, const Tensor& cond, const Tensor& x, const Tensor& y) override;
  void reduce(ReduceOp op, const Tensor& out, const Tensor& x) override;  // reduce.cpp
  void arg_reduce(bool is_max, const Tensor& values, const Tensor& indices, const Tensor& x,
                  int64_t dim) override;
  void gemm(bool trans_a, bool trans_b, double alpha, const Tensor& a, const Tensor& b, double beta,
            const Tensor& c) override;  // gemm.cpp
  int64_t workers() const override;     // parallel.cpp
  void parallel_for(int64_t items,
                    const std::function<void(int64_t item, int64_t worker)>& fn) override;

  // ---- softmax and nll_loss (appended by the act branch): softmax.cpp, loss.cpp
  void softmax(const Tensor& out, const Tensor& x, int64_t dim, bool log) override;
  void softmax_backward(const Tensor& dx, const Tensor& dy, const Tensor& y, int64_t dim,
                        bool log) override;
  void nll_loss(const Tensor& out, const Tensor& total_weight, const Tensor& input,
                const Tensor& target, const Tensor& weight, int64_t ignore_index) override;
  void nll_loss_backward(const Tensor& dx, const Tensor& dout, const Tensor& target,
                         const Tensor& weight, int64_t ignore_index) override;

  // ---- indexing (index.cpp)
  void gather(const Tensor& out, const Tensor& x, int64_t dim, const Tensor& index) override;
  void scatter_add(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src) override;
  void index_select(const Tensor& out, const Tensor& x, int64_t dim, const Tensor& index) override;
  void index_add(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src) override;

  // ---- resampling (resample.cpp; appended by the vision branch)
  void pad2d(PadMode mode, const Tensor& out, const Tensor& x, int64_t left, int64_t top) override;
  void pad2d_backward(PadMode mode, const Tensor& dx, const Tensor& dy, int64_t left,
                      int64_t top) override;
  void upsample_nearest2d(const Tensor& out, const Tensor& x, double scale_h,
                          double scale_w) override;
  void upsample_nearest2d_backward(const Tensor& dx, const Tensor& dy, double scale_h,
                                   double scale_w) override;
  void upsample_bilinear2d(const Tensor& out, const Tensor& x, bool align_corners, double scale_h,
                           double scale_w) override;
  void upsample_bilinear2d_backward(const Tensor& dx, const Tensor& dy, bool align_corners,
                                    double scale_h, double scale_w) override;

  // ---- normalisation (norm.cpp)
  void batch_norm_stats(const Tensor& mean, const Tensor& var, const Tensor& x) override;
  void batch_norm_forward(const Tensor& y, const Tensor& x, const Tensor& mean, const Tensor& rstd,
                          const Tensor& weight, const Tensor& bias, bool relu) override;
  void batch_norm_backward(const Tensor& dx, const Tensor& dweight, const Tensor& dbias,
                           const Tensor& dy, const Tensor& x, const Tensor& mean,
                           const Tensor& rstd, const Tensor& weight, bool training) override;
  void group_norm_forward(const Tensor& y, const Tensor& mean, const Tensor& rstd, const Tensor& x,
                          const Tensor& weight, const Tensor& bias, int64_t groups,
                          double eps) override;
  void group_norm_backward(const Tensor& dx, const Tensor& dweight, const Tensor& dbias,
                           const Tensor& dy, const Tensor& x, const Tensor& mean,
                           const Tensor& rstd, const Tensor& weight, int64_t groups) override;

  // ---- pooling (pool.cpp)
  void max_pool2d(const Tensor& values, const Tensor& indices, const Tensor& x,
                  const PoolWindow& window) override;
  void max_pool2d_backward(const Tensor& out, const Tensor& src, const Tensor& indices,
                           bool accumulate) override;
  void max_pool2d_backward(const Tensor& dx, const Tensor& dy, const Tensor& indices,
                           const PoolWindow& window) override;
  void max_unpool2d_backward(const Tensor& out, const Tensor& src, const Tensor& indices) override;
  void avg_pool2d(const Tensor& y, const Tensor& x, const PoolWindow& window,
                  bool count_include_pad, int64_t divisor_override) override;
  void avg_pool2d_backward(const Tensor& dx, const Tensor& dy, const PoolWindow& window,
                           bool count_include_pad, int64_t divisor_override) override;
  void adaptive_avg_pool2d(const Tensor& y, const Tensor& x) override;
  void adaptive_avg_pool2d_backward(const Tensor& dx, const Tensor& dy) override;
  void adaptive_max_pool2d(const Tensor& values, const Tensor& indices, const Tensor& x) override;

  // ---- optimizer steps (fused.cpp); Adam keeps the composed ops on the CPU
  bool sgd_step(const Tensor& p, const Tensor& grad, const Tensor& buf, double lr, double momentum,
                double dampening, double weight_decay, bool nesterov, bool first_step) override;

  // ---- convolution (conv.cpp)
  void im2col(const Tensor& col, const Tensor& x, const ConvWindow& window) override;
  void col2im(const Tensor& x, const Tensor& col, const ConvWindow& window) override;
  void depthwise_conv2d(const Tensor& y, const Tensor& x, const Tensor& w, const Tensor& b,
                        const ConvWindow& window) override;
  void depthwise_conv2d_input_grad(const Tensor& dx, const Tensor& dy, const Tensor& w,
                                   const ConvWindow& window) override;
  void depthwise_conv2d_weight_grad(const Tensor& dw, const Tensor& x, const Tensor& dy,
                                    const ConvWindow& window) override;
  // conv_direct.cpp: AVX-512 only
  bool conv2d_direct(const Tensor& y, const Tensor& x, const Tensor& w, const Tensor& b,
                     const ConvWindow& window) override;
  bool conv2d_direct_input_grad(const Tensor& dx, const Tensor& dy, const Tensor& w,
                                const ConvWindow& window) override;
  bool conv2d_direct_weight_grad(const Tensor& dw, const Tensor& x, const Tensor& dy,
                                 const ConvWindow& window) override;
};

// The raw GEMM seam: row-major C = alpha·op(A)·op(B) + beta·C. Which library
// serves it is decided here and nowhere else.
void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
           int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc);
void dgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha,
           const double* a, int64_t lda, const double* b, int64_t ldb, double beta, double* c,
           int64_t ldc);

}  // namespace nabla::backends::cpu
