#include <cblas.h>
#include <dnnl.h>
#include <omp.h>

#include "backends/cpu/cpu_backend.h"
#include "backends/gemm_layout.h"

namespace nabla::backends::cpu {
namespace {

// A row times a matrix (m = 1) or an outer product (k = 1) of at most this
// many multiply-adds runs on vector_gemm: the batch-1 products of small
// layers, where a library's per-call cost (argument checks, a packing buffer
// allocated and freed on every call) is several times the arithmetic.
// Measured against dnnl_sgemm (docs/performance.md, "The batch-1 step"):
// 2-6x faster at (1, 10, 32) and (10, 32, 1), slower on small squares (16³:
// 3x). At (1, 32, 784) the library wins inside a whole training step (a
// limit of 32768 cost the batch-1 MLP step 20-40%), hence the shape rule.
constexpr int64_t kVectorProductMax = 4096;

bool vector_shaped(int64_t m, int64_t n, int64_t k) {
  return (m == 1 || k == 1) && m * n * k <= kVectorProductMax;
}

// C = alpha·op(A)·op(B) + beta·C on plain loops, row-major, with
// op(A)(i, p) = a[i·ar + p·ac] and op(B)(p, j) = b[p·ldb + j] or b[j·ldb + p].
template <class T>
[[gnu::target_clones("avx512f", "avx2", "default")]] void vector_gemm(
    bool ta, bool tb, int64_t m, int64_t n, int64_t k, T alpha, const T* a, int64_t lda, const T* b,
    int64_t ldb, T beta, T* __restrict c, int64_t ldc) {
  const int64_t ar = ta ? 1 : lda, ac = ta ? lda : 1;
  for (int64_t i = 0; i < m; ++i) {
    T* __restrict ci = c + i * ldc;
    for (int64_t j = 0; j < n; ++j) ci[j] = beta == T(0) ? T(0) : beta * ci[j];  // as BLAS
    if (!tb) {
      // Rows of op(B) are contiguous: c_i += Σ_p alpha·A(i, p)·B(p, :)
      for (int64_t p = 0; p < k; ++p) {
        const T s = alpha * a[i * ar + p * ac];
        const T* __restrict bp = b + p * ldb;
        for (int64_t j = 0; j < n; ++j) ci[j] += s * bp[j];
      }
    } else {
      // Columns of op(B) are contiguous (rows of b): c_ij += alpha·⟨A(i, :), B(:, j)⟩
      for (int64_t j = 0; j < n; ++j) {
        const T* __restrict bj = b + j * ldb;
        T s = 0;
#pragma omp simd reduction(+ : s)
        for (int64_t p = 0; p < k; ++p) s += a[i * ar + p * ac] * bj[p];
        ci[j] += alpha * s;
      }
    }
  }
}

}  // namespace

void sgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, float alpha, const float* a,
           int64_t lda, const float* b, int64_t ldb, float beta, float* c, int64_t ldc) {
  if (vector_shaped(m, n, k))
    return vector_gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  // oneDNN chooses its kernel by the CPU it runs on (AVX-512 on Zen 4 and 5),
  // where Debian's OpenBLAS 0.3.21 falls back to AVX2 on Zen 5 (PERFORMANCE.md).
  const dnnl_status_t st = dnnl_sgemm(trans_a ? 'T' : 'N', trans_b ? 'T' : 'N', m, n, k, alpha, a,
                                      lda, b, ldb, beta, c, ldc);
  NABLA_CHECK(st == dnnl_success, "sgemm: oneDNN failed with status ", static_cast<int>(st),
              " for M=", m, " N=", n, " K=", k);
}

void dgemm(bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k, double alpha,
           const double* a, int64_t lda, const double* b, int64_t ldb, double beta, double* c,
           int64_t ldc) {
  if (vector_shaped(m, n, k))
    return vector_gemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  cblas_dgemm(CblasRowMajor, trans_a ? CblasTrans : CblasNoTrans,
              trans_b ? CblasTrans : CblasNoTrans, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// Limits OpenMP (and the GEMM libraries, which ask it) to the calling thread
// for a scope.
class SingleThreaded {
 public:
  SingleThreaded() : threads_(omp_get_max_threads()) { omp_set_num_threads(1); }
  ~SingleThreaded() { omp_set_num_threads(threads_); }
  SingleThreaded(const SingleThreaded&) = delete;
  SingleThreaded& operator=(const SingleThreaded&) = delete;

 private:
  int threads_;
};

template <class T>
void batched_gemm(bool ta, bool tb, int64_t batch, int64_t m, int64_t n, int64_t k, T alpha,
                  const T* pa, int64_t lda, int64_t sa, const T* pb, int64_t ldb, int64_t sb,
                  T beta, T* pc) {
  auto one = [&](int64_t i) {
    if constexpr (std::is_same_v<T, float>)
      sgemm(ta, tb, m, n, k, alpha, pa + i * sa, lda, pb + i * sb, ldb, beta, pc + i * m * n, n);
    else
      dgemm(ta, tb, m, n, k, alpha, pa + i * sa, lda, pb + i * sb, ldb, beta, pc + i * m * n, n);
  };
  // Many small products: one per thread. Few large ones: the library's threads.
  const int threads = omp_get_max_threads();
  const bool per_thread =
      threads > 1 && batch >= threads && m * n * k < (int64_t{1} << 18) && !omp_in_parallel();
  if (!per_thread && m * n * k < (int64_t{1} << 15)) {
    // A few tiny products (under ~3 µs each) run on the calling thread: the
    // libraries would start their thread team for each, and its barrier costs
    // more than the product, many times more on a loaded machine.
    SingleThreaded one_thread;
    for (int64_t i = 0; i < batch; ++i) one(i);
  } else if (per_thread) {
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < batch; ++i) one(i);
  } else {
    for (int64_t i = 0; i < batch; ++i) one(i);
  }
}

void CpuBackend::gemm(bool trans_a, bool trans_b, double alpha, const Tensor& a, const Tensor& b,
                      double beta, const Tensor& c) {
  NABLA_CHECK(c.is_contiguous(), "gemm: output must be contiguous");
  const Matrices A = matrices(a, "A"), B = matrices(b, "B"), C = matrices(c, "C");
  const int64_t k = trans_a ? A.rows : A.cols;
  const MatrixLayout la = matrix_layout(a, A, "A"), lb = matrix_layout(b, B, "B");
  const bool ta = trans_a != la.transposed, tb = trans_b != lb.transposed;
  NABLA_DISPATCH_FLOATING(c.dtype(), "gemm", [&] {
    batched_gemm<scalar_t>(ta, tb, C.batch, C.rows, C.cols, k, static_cast<scalar_t>(alpha),
                           a.data_ptr<scalar_t>(), la.ld, A.batch_stride, b.data_ptr<scalar_t>(),
                           lb.ld, B.batch_stride, static_cast<scalar_t>(beta),
                           c.data_ptr<scalar_t>());
  });
}

}  // namespace nabla::backends::cpu
