// GEMM through cuBLAS, and the backend's parallel_for.
//
// cuBLAS is column-major. A row-major C = op(A)·op(B) is, read column-major,
// Cᵀ = op(B)ᵀ·op(A)ᵀ: the same call with the operands swapped and m, n
// exchanged, and no copy. Batches go to one strided-batched call (a batch
// stride of 0 repeats a matrix for every product).
#include <climits>

#include "backends/cuda/cuda_backend.h"
#include "backends/cuda/runtime.h"
#include "backends/gemm_layout.h"

namespace nabla::backends::cuda {

void CudaBackend::gemm(bool trans_a, bool trans_b, double alpha, const Tensor& a, const Tensor& b,
                       double beta, const Tensor& c) {
  NABLA_CHECK(c.is_contiguous(), "gemm: output must be contiguous");
  const Matrices A = matrices(a, "A"), B = matrices(b, "B"), C = matrices(c, "C");
  const int64_t m = C.rows, n = C.cols, k = trans_a ? A.rows : A.cols;
  if (C.batch == 0 || m == 0 || n == 0) return;
  if (k == 0) {  // an empty sum: C = beta·C (0 where beta is 0, as BLAS)
    if (beta == 0.0)
      fill(c, 0.0);
    else
      unary(UnaryOp::MulScalar, c, c, beta, 0.0);
    return;
  }
  const MatrixLayout la = matrix_layout(a, A, "A"), lb = matrix_layout(b, B, "B");
  const bool ta = trans_a != la.transposed, tb = trans_b != lb.transposed;
  for (int64_t v : {m, n, k, la.ld, lb.ld, C.batch})
    NABLA_CHECK(v <= INT_MAX, "gemm: size ", v, " is too large for cuBLAS (shapes ", a.shape(),
                ", ", b.shape(), ", ", c.shape(), ")");
  const int device = device_of(c);
  DeviceGuard guard(device);
  cublasHandle_t handle = cublas(device);
  const cublasOperation_t op_a = ta ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t op_b = tb ? CUBLAS_OP_T : CUBLAS_OP_N;
  const int M = static_cast<int>(m), N = static_cast<int>(n), K = static_cast<int>(k);
  const int lda = static_cast<int>(la.ld), ldb = static_cast<int>(lb.ld),
            batch = static_cast<int>(C.batch);
  if (c.dtype() == kFloat32) {
    NABLA_CUBLAS_CHECK(
        cublasSetMathMode(handle, allow_tf32() ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_DEFAULT_MATH));
    const float al = static_cast<float>(alpha), be = static_cast<float>(beta);
    NABLA_CUBLAS_CHECK(cublasSgemmStridedBatched(
        handle, op_b, op_a, N, M, K, &al, static_cast<const float*>(b.raw_data()), ldb,
        B.batch_stride, static_cast<const float*>(a.raw_data()), lda, A.batch_stride, &be,
        static_cast<float*>(c.raw_data()), N, m * n, batch));
  } else if (c.dtype() == kFloat64) {
    NABLA_CUBLAS_CHECK(cublasDgemmStridedBatched(
        handle, op_b, op_a, N, M, K, &alpha, static_cast<const double*>(b.raw_data()), ldb,
        B.batch_stride, static_cast<const double*>(a.raw_data()), lda, A.batch_stride, &beta,
        static_cast<double*>(c.raw_data()), N, m * n, batch));
  } else {
    NABLA_FAIL("gemm: expected a floating-point tensor (float32 or float64), got ", c.dtype());
  }
}

void CudaBackend::parallel_for(int64_t items,
                               const std::function<void(int64_t item, int64_t worker)>& fn) {
  for (int64_t i = 0; i < items; ++i) fn(i, 0);
}

}  // namespace nabla::backends::cuda
