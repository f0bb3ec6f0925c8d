// The CPU GEMM seam: products small enough for nabla's own loop (a row times
// a matrix, an outer product) and those sent to the libraries must agree with
// a plain double-precision reference, for every transposition and beta.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "backends/cpu/cpu_backend.h"
#include "nabla/nabla.h"

namespace nabla {
namespace {

struct Case {
  int64_t m, n, k;
};

// C = alpha·op(A)·op(B) + beta·C, row-major, in double.
std::vector<double> reference(bool ta, bool tb, const Case& s, double alpha,
                              const std::vector<double>& a, int64_t lda,
                              const std::vector<double>& b, int64_t ldb, double beta,
                              std::vector<double> c) {
  for (int64_t i = 0; i < s.m; ++i)
    for (int64_t j = 0; j < s.n; ++j) {
      double acc = 0;
      for (int64_t p = 0; p < s.k; ++p)
        acc += (ta ? a[p * lda + i] : a[i * lda + p]) * (tb ? b[j * ldb + p] : b[p * ldb + j]);
      c[i * s.n + j] = alpha * acc + (beta == 0 ? 0.0 : beta * c[i * s.n + j]);
    }
  return c;
}

template <class T, class Gemm>
void check_gemm(Gemm gemm, double tolerance) {
  std::mt19937 rng(7);
  std::normal_distribution<double> normal;
  // Own loop: (1, 10, 32), (10, 32, 1), (1, 1, 1); libraries: (1, 32, 784), (16, 16, 16).
  for (const Case& s : {Case{1, 10, 32}, Case{10, 32, 1}, Case{1, 1, 1}, Case{1, 32, 784},
                        Case{16, 16, 16}, Case{3, 5, 1}})
    for (bool ta : {false, true})
      for (bool tb : {false, true})
        for (double beta : {0.0, 1.0, 0.5}) {
          const int64_t lda = ta ? s.m : s.k, ldb = tb ? s.k : s.n;
          std::vector<double> a(s.m * s.k), b(s.k * s.n), c(s.m * s.n);
          for (auto* v : {&a, &b, &c})
            for (double& x : *v) x = normal(rng);
          std::vector<T> at(a.begin(), a.end()), bt(b.begin(), b.end()), ct(c.begin(), c.end());
          // With beta = 0, C must not be read: NaN in it must not leak out.
          if (beta == 0) ct.assign(ct.size(), std::numeric_limits<T>::quiet_NaN());
          gemm(ta, tb, s.m, s.n, s.k, T(1.5), at.data(), lda, bt.data(), ldb, T(beta), ct.data(),
               s.n);
          const auto want = reference(ta, tb, s, 1.5, a, lda, b, ldb, beta, c);
          for (size_t i = 0; i < want.size(); ++i)
            ASSERT_NEAR(ct[i], want[i], tolerance * (1 + std::abs(want[i])))
                << "m=" << s.m << " n=" << s.n << " k=" << s.k << " ta=" << ta << " tb=" << tb
                << " beta=" << beta << " at " << i;
        }
}

TEST(Gemm, SgemmMatchesReferenceOnSmallAndLibraryShapes) {
  check_gemm<float>(backends::cpu::sgemm, 1e-4);
}

TEST(Gemm, DgemmMatchesReferenceOnSmallAndLibraryShapes) {
  check_gemm<double>(backends::cpu::dgemm, 1e-12);
}

// A gradient may reach linear's backward as a broadcast view (stride 0); its
// products must read it as the values it stands for.
TEST(Gemm, LinearBackwardReadsABroadcastGradient) {
  manual_seed(3);
  for (int64_t rows : {1, 3}) {
    Tensor w = randn({4, 5}).requires_grad_(), x = randn({rows, 5}).requires_grad_();
    Tensor g = full({1, 1}, 0.5).expand({rows, 4});  // strides (0, 0)
    linear(x, w, Tensor()).backward(g);
    Tensor dw = w.grad(), dx = x.grad();
    w.set_grad(Tensor());
    x.set_grad(Tensor());
    linear(x, w, Tensor()).backward(g.contiguous());
    for (auto [got, want] : {std::pair{dw, w.grad()}, std::pair{dx, x.grad()}}) {
      const auto a = got.to_vector(), b = want.to_vector();
      ASSERT_EQ(a.size(), b.size());
      for (size_t i = 0; i < a.size(); ++i) EXPECT_NEAR(a[i], b[i], 1e-6) << "rows=" << rows;
    }
  }
}

}  // namespace
}  // namespace nabla
