// The CUDA backend: own kernels for the elementwise, reduction, indexing,
// resampling, normalisation, pooling and im2col families, cuBLAS for GEMM.
// Every call queues work on the stream of the tensors' device and returns
// without waiting (runtime.h); errors a kernel finds in its input (an index
// out of range) are read back at once and thrown, as on the CPU.
// Methods are defined in the file of their kernel family.
#pragma once

#include "backends/backend.h"

namespace nabla::backends::cuda {

class CudaBackend final : public Backend {
 public:
  // ---- elementwise.cu (copy also moves data between host and device)
  void copy(const Tensor& dst, const Tensor& src) override;
  void fill(const Tensor& dst, double value) override;
  void unary(UnaryOp op, const Tensor& out, const Tensor& x, double a, double b) override;
  void binary(BinaryOp op, const Tensor& out, const Tensor& x, const Tensor& y, double a,
              double b) override;
  void where(const Tensor& out, const Tensor& cond, const Tensor& x, const Tensor& y) override;

  // ---- reduce.cu
  void reduce(ReduceOp op, const Tensor& out, const Tensor& x) override;
  void arg_reduce(bool is_max, const Tensor& values, const Tensor& indices, const Tensor& x,
                  int64_t dim) override;
  void softmax(const Tensor& out, const Tensor& x, int64_t dim, bool log) override;
  void softmax_backward(const Tensor& dx, const Tensor& dy, const Tensor& y, int64_t dim,
                        bool log) override;

  // ---- gemm.cpp (cuBLAS); parallel_for runs the items in order on the
  // host: each item's kernels queue on the one stream.
  void gemm(bool trans_a, bool trans_b, double alpha, const Tensor& a, const Tensor& b, double beta,
            const Tensor& c) override;
  int64_t workers() const override { return 1; }
  void parallel_for(int64_t items,
                    const std::function<void(int64_t item, int64_t worker)>& fn) override;

  // ---- index.cu: losses and indexing
  void nll_loss(const Tensor& out, const Tensor& total_weight, const Tensor& input,
                const Tensor& target, const Tensor& weight, int64_t ignore_index) override;
  void nll_loss_backward(const Tensor& dx, const Tensor& dout, const Tensor& target,
                         const Tensor& weight, int64_t ignore_index) override;
  void gather(const Tensor& out, const Tensor& x, int64_t dim, const Tensor& index) override;
  void scatter_add(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src) override;
  void index_select(const Tensor& out, const Tensor& x, int64_t dim, const Tensor& index) override;
  void index_add(const Tensor& out, int64_t dim, const Tensor& index, const Tensor& src) override;

  // ---- resample.cu
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

  // ---- norm.cu
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

  // ---- pool.cu
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

  // ---- optim.cu: optimizer steps, one kernel per parameter tensor
  bool sgd_step(const Tensor& p, const Tensor& grad, const Tensor& buf, double lr, double momentum,
                double dampening, double weight_decay, bool nesterov, bool first_step) override;
  bool adam_step(const Tensor& p, const Tensor& grad, const Tensor& m, const Tensor& v,
                 const Tensor& vmax, double lr, double beta1, double beta2, double eps,
                 int64_t step) override;

  // ---- conv_cudnn.cpp: whole convolutions through cuDNN, the algorithm for
  // each shape found once by timing cuDNN's candidates
  bool convolution(const Tensor& y, const Tensor& x, const Tensor& w, const Tensor& b,
                   const ConvWindow& window, int64_t groups) override;
  bool convolution_input_grad(const Tensor& dx, const Tensor& dy, const Tensor& w,
                              const ConvWindow& window, int64_t groups) override;
  bool convolution_weight_grad(const Tensor& dw, const Tensor& x, const Tensor& dy,
                               const ConvWindow& window, int64_t groups) override;

  // ---- conv.cu: the kernels of the im2col path and depthwise convolution,
  // where cuDNN is not taken (conv2d_direct* are not overridden)
  void im2col(const Tensor& col, const Tensor& x, const ConvWindow& window) override;
  void col2im(const Tensor& x, const Tensor& col, const ConvWindow& window) override;
  void depthwise_conv2d(const Tensor& y, const Tensor& x, const Tensor& w, const Tensor& b,
                        const ConvWindow& window) override;
  void depthwise_conv2d_input_grad(const Tensor& dx, const Tensor& dy, const Tensor& w,
                                   const ConvWindow& window) override;
  void depthwise_conv2d_weight_grad(const Tensor& dw, const Tensor& x, const Tensor& dy,
                                    const ConvWindow& window) override;
};

}  // namespace nabla::backends::cuda
