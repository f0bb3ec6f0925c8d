// Normalisation kernels: batch norm (statistics per channel) and group norm
// (statistics per sample and group of channels; layer norm is its one-group,
// L = 1 case). All operands are contiguous, x viewed as (N, C, L): element
// (n, c, l) is at (n·C + c)·L + l. Sums are accumulated in double, and the
// variance is taken in two passes (mean first, then squared deviations)
// because Σx² − M·mean² loses every digit when |mean| ≫ std.
#include <omp.h>

#include <cmath>
#include <vector>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/loops.h"

namespace nabla::backends::cpu {
namespace {

// γ[c] and β[c], or 1 and 0 where the module has no affine parameters.
template <class T>
struct Affine {
  const T* w = nullptr;
  const T* b = nullptr;
  Affine(const Tensor& weight, const Tensor& bias) {
    if (weight.defined()) w = weight.data_ptr<T>();
    if (bias.defined()) b = bias.data_ptr<T>();
  }
  T gamma(int64_t c) const { return w ? w[c] : T(1); }
  T beta(int64_t c) const { return b ? b[c] : T(0); }
};

bool worth_threads(int64_t work) {
  return work >= kParallelGrain && !omp_in_parallel();
}

// ---- batch norm: statistics per channel c over (n, l)

// The loops over one run of L values of a channel (one (n, c) row), compiled
// for AVX-512, AVX2 and the baseline as ReLU's are (elementwise.cpp): the
// library's baseline, x86-64-v2, converts and adds 2 doubles an instruction
// where AVX-512 does 8, and these loops, on data the layer before just
// wrote, are bound by that rather than by memory. The sums are `omp simd`
// reductions: partial sums in vector lanes instead of one serial chain of
// dependent adds (4 cycles each), which made these loops latency-bound.
#define NABLA_NORM_CLONES [[gnu::target_clones("avx512f", "avx2", "default")]]

template <class T>
NABLA_NORM_CLONES double run_sum(const T* p, int64_t n) {
  double s = 0;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < n; ++i) s += p[i];
  return s;
}

// Σ (p − m)²
template <class T>
NABLA_NORM_CLONES double run_squared_deviations(const T* p, int64_t n, double m) {
  double q = 0;
#pragma omp simd reduction(+ : q)
  for (int64_t i = 0; i < n; ++i) {
    const double d = p[i] - m;
    q += d * d;
  }
  return q;
}

// y = (x − m)·s + t, or relu of it (v < 0 ? 0 : v, as UnaryOp::Relu)
template <class T>
NABLA_NORM_CLONES void run_affine(T* y, const T* x, int64_t n, T m, T s, T t, bool relu) {
  if (!relu) {
    for (int64_t i = 0; i < n; ++i) y[i] = (x[i] - m) * s + t;
    return;
  }
  for (int64_t i = 0; i < n; ++i) {
    const T v = (x[i] - m) * s + t;
    y[i] = v < T(0) ? T(0) : v;
  }
}

// Σ dy and Σ dy·x̂ with x̂ = (x − m)·r, added into sums[0] and sums[1]
template <class T>
NABLA_NORM_CLONES void run_grad_sums(const T* x, const T* dy, int64_t n, double m, double r,
                                     double* sums) {
  double sum_dy = 0, sum_dy_xhat = 0;
#pragma omp simd reduction(+ : sum_dy, sum_dy_xhat)
  for (int64_t i = 0; i < n; ++i) {
    sum_dy += dy[i];
    sum_dy_xhat += dy[i] * ((x[i] - m) * r);
  }
  sums[0] += sum_dy;
  sums[1] += sum_dy_xhat;
}

// dx = a·dy + b·(x − m) + d
template <class T>
NABLA_NORM_CLONES void run_affine_grad(T* dx, const T* dy, const T* x, int64_t n, T a, T b, T d,
                                       T m) {
  for (int64_t i = 0; i < n; ++i) dx[i] = a * dy[i] + b * (x[i] - m) + d;
}

// dx = a·dy, the product in double
template <class T>
NABLA_NORM_CLONES void run_scale(T* dx, const T* dy, int64_t n, double a) {
  for (int64_t i = 0; i < n; ++i) dx[i] = static_cast<T>(a * dy[i]);
}

#undef NABLA_NORM_CLONES

template <class T>
void batch_norm_stats_typed(const Tensor& mean_t, const Tensor& var_t, const Tensor& x_t) {
  const int64_t N = x_t.size(0), C = x_t.size(1), L = x_t.size(2);
  const T* x = x_t.data_ptr<T>();
  T* mean = mean_t.data_ptr<T>();
  T* var = var_t.data_ptr<T>();
  const double M = static_cast<double>(N * L);
  parallel_loop(C, worth_threads(N * C * L), [&](int64_t c) {
    double s = 0;
    for (int64_t n = 0; n < N; ++n) s += run_sum(x + (n * C + c) * L, L);
    const double m = s / M;
    double q = 0;
    for (int64_t n = 0; n < N; ++n) q += run_squared_deviations(x + (n * C + c) * L, L, m);
    mean[c] = static_cast<T>(m);
    var[c] = static_cast<T>(q / M);
  });
}

template <class T>
void batch_norm_forward_typed(const Tensor& y_t, const Tensor& x_t, const Tensor& mean_t,
                              const Tensor& rstd_t, const Tensor& weight, const Tensor& bias,
                              bool relu) {
  const int64_t N = x_t.size(0), C = x_t.size(1), L = x_t.size(2);
  const T* x = x_t.data_ptr<T>();
  T* y = y_t.data_ptr<T>();
  const T* mean = mean_t.data_ptr<T>();
  const T* rstd = rstd_t.data_ptr<T>();
  const Affine<T> affine(weight, bias);
  // y = (x − mean)·scale + shift with scale = rstd·γ, shift = β (per channel)
  std::vector<T> scale(static_cast<size_t>(C)), shift(static_cast<size_t>(C));
  for (int64_t c = 0; c < C; ++c) {
    scale[c] = rstd[c] * affine.gamma(c);
    shift[c] = affine.beta(c);
  }
  const T* a = scale.data();
  const T* b = shift.data();
  if (L == 1) {  // (N, C): rows of C channels
    parallel_loop(N, worth_threads(N * C), [&](int64_t n) {
      const T* xp = x + n * C;
      T* yp = y + n * C;
      for (int64_t c = 0; c < C; ++c) yp[c] = (xp[c] - mean[c]) * a[c] + b[c];
      if (relu)
        for (int64_t c = 0; c < C; ++c) yp[c] = yp[c] < T(0) ? T(0) : yp[c];
    });
    return;
  }
  parallel_loop(N * C, worth_threads(N * C * L), [&](int64_t nc) {
    const int64_t c = nc % C;
    run_affine(y + nc * L, x + nc * L, L, mean[c], a[c], b[c], relu);
  });
}

template <class T>
void batch_norm_backward_typed(const Tensor& dx_t, const Tensor& dweight_t, const Tensor& dbias_t,
                               const Tensor& dy_t, const Tensor& x_t, const Tensor& mean_t,
                               const Tensor& rstd_t, const Tensor& weight, bool training) {
  const int64_t N = x_t.size(0), C = x_t.size(1), L = x_t.size(2);
  const T* x = x_t.data_ptr<T>();
  const T* dy = dy_t.data_ptr<T>();
  const T* mean = mean_t.data_ptr<T>();
  const T* rstd = rstd_t.data_ptr<T>();
  T* dx = dx_t.defined() ? dx_t.data_ptr<T>() : nullptr;
  T* dweight = dweight_t.defined() ? dweight_t.data_ptr<T>() : nullptr;
  T* dbias = dbias_t.defined() ? dbias_t.data_ptr<T>() : nullptr;
  const Affine<T> affine(weight, Tensor());
  const double M = static_cast<double>(N * L);
  parallel_loop(C, worth_threads(N * C * L), [&](int64_t c) {
    const double m = mean[c], r = rstd[c];
    double sums[2] = {0, 0};  // Σdy, Σ(dy·x̂)
    for (int64_t n = 0; n < N; ++n)
      run_grad_sums(x + (n * C + c) * L, dy + (n * C + c) * L, L, m, r, sums);
    const double sum_dy = sums[0], sum_dy_xhat = sums[1];
    if (dweight) dweight[c] = static_cast<T>(sum_dy_xhat);
    if (dbias) dbias[c] = static_cast<T>(sum_dy);
    if (!dx) return;
    const double gamma_rstd = affine.gamma(c) * r;
    for (int64_t n = 0; n < N; ++n) {
      const T* xp = x + (n * C + c) * L;
      const T* dyp = dy + (n * C + c) * L;
      T* dxp = dx + (n * C + c) * L;
      if (training) {
        // dx = (1/M)·γ·rstd·(M·dy − Σdy − x̂·Σ(dy·x̂)): the chain rule through
        // x̂, σ² and μ of the derivation in seeds/004 (section A3), collected.
        // With x̂ = (x − μ)·rstd it is affine per channel,
        // dx = a·dy + b·(x − μ) + d, so the loop is one vectorised pass in T
        // (x − μ is kept as a difference: no cancellation when |μ| is large).
        const double k = gamma_rstd / M;
        const T a = static_cast<T>(k * M), b = static_cast<T>(-k * sum_dy_xhat * r),
                d = static_cast<T>(-k * sum_dy), mt = static_cast<T>(m);
        run_affine_grad(dxp, dyp, xp, L, a, b, d, mt);
      } else {
        run_scale(dxp, dyp, L, gamma_rstd);
      }
    }
  });
}

// ---- group norm: statistics per row r = (n, g) of K = (C/G)·L contiguous values

template <class T>
void group_norm_forward_typed(const Tensor& y_t, const Tensor& mean_t, const Tensor& rstd_t,
                              const Tensor& x_t, const Tensor& weight, const Tensor& bias,
                              int64_t G, double eps) {
  const int64_t N = x_t.size(0), C = x_t.size(1), L = x_t.size(2);
  const int64_t Cg = C / G, K = Cg * L, R = N * G;
  const T* x = x_t.data_ptr<T>();
  T* y = y_t.data_ptr<T>();
  T* mean = mean_t.data_ptr<T>();
  T* rstd = rstd_t.data_ptr<T>();
  const Affine<T> affine(weight, bias);
  parallel_loop(R, worth_threads(R * K), [&](int64_t r) {
    const T* xp = x + r * K;
    T* yp = y + r * K;
    double s = 0;
#pragma omp simd reduction(+ : s)
    for (int64_t j = 0; j < K; ++j) s += xp[j];
    const double m = s / static_cast<double>(K);
    double q = 0;
#pragma omp simd reduction(+ : q)
    for (int64_t j = 0; j < K; ++j) {
      const double d = xp[j] - m;
      q += d * d;
    }
    const double rs = 1.0 / std::sqrt(q / static_cast<double>(K) + eps);
    mean[r] = static_cast<T>(m);
    rstd[r] = static_cast<T>(rs);
    const T mt = static_cast<T>(m), rt = static_cast<T>(rs);
    const int64_t c0 = (r % G) * Cg;
    if (L == 1) {  // layer norm: one affine entry per element
      for (int64_t j = 0; j < K; ++j)
        yp[j] = (xp[j] - mt) * rt * affine.gamma(c0 + j) + affine.beta(c0 + j);
      return;
    }
    for (int64_t ci = 0; ci < Cg; ++ci) {
      const T a = rt * affine.gamma(c0 + ci), b = affine.beta(c0 + ci);
      for (int64_t l = 0; l < L; ++l) yp[ci * L + l] = (xp[ci * L + l] - mt) * a + b;
    }
  });
}

template <class T>
void group_norm_backward_typed(const Tensor& dx_t, const Tensor& dweight_t, const Tensor& dbias_t,
                               const Tensor& dy_t, const Tensor& x_t, const Tensor& mean_t,
                               const Tensor& rstd_t, const Tensor& weight, int64_t G) {
  const int64_t N = x_t.size(0), C = x_t.size(1), L = x_t.size(2);
  const int64_t Cg = C / G, K = Cg * L, R = N * G;
  const T* x = x_t.data_ptr<T>();
  const T* dy = dy_t.data_ptr<T>();
  const T* mean = mean_t.data_ptr<T>();
  const T* rstd = rstd_t.data_ptr<T>();
  T* dx = dx_t.defined() ? dx_t.data_ptr<T>() : nullptr;
  const bool want_affine = dweight_t.defined() || dbias_t.defined();
  const Affine<T> affine(weight, Tensor());

  // dγ and dβ sum over rows, which threads share out: each thread adds its
  // rows into its own (dγ, dβ) partial sums, reduced at the end.
  const bool parallel = worth_threads(R * K);
  const int threads = parallel ? omp_get_max_threads() : 1;
  std::vector<double> partial(want_affine ? static_cast<size_t>(threads * 2 * C) : 0, 0.0);

  // Rows [begin, end), their (dγ, dβ) sums added into partial sums number slot.
  auto rows = [&](int64_t begin, int64_t end, int slot) {
    double* pw = want_affine ? partial.data() + slot * 2 * C : nullptr;
    double* pb = want_affine ? pw + C : nullptr;
    for (int64_t r = begin; r < end; ++r) {
      const T* xp = x + r * K;
      const T* dyp = dy + r * K;
      const double m = mean[r], rs = rstd[r];
      const int64_t c0 = (r % G) * Cg;
      double sum_g = 0, sum_g_xhat = 0;  // Σg, Σ(g·x̂) with g = γ·dy
      for (int64_t ci = 0; ci < Cg; ++ci) {
        const double gamma = affine.gamma(c0 + ci);
        double d_sum = 0, d_xhat = 0;
        for (int64_t l = 0; l < L; ++l) {
          const double d = dyp[ci * L + l];
          d_sum += d;
          d_xhat += d * ((xp[ci * L + l] - m) * rs);
        }
        sum_g += gamma * d_sum;
        sum_g_xhat += gamma * d_xhat;
        if (want_affine) {
          pw[c0 + ci] += d_xhat;
          pb[c0 + ci] += d_sum;
        }
      }
      if (!dx) continue;
      // dx = rstd·(g − mean(g) − x̂·mean(g·x̂))
      const double mean_g = sum_g / static_cast<double>(K);
      const double mean_g_xhat = sum_g_xhat / static_cast<double>(K);
      T* dxp = dx + r * K;
      for (int64_t ci = 0; ci < Cg; ++ci) {
        const double gamma = affine.gamma(c0 + ci);
        for (int64_t l = 0; l < L; ++l) {
          const int64_t j = ci * L + l;
          const double xhat = (xp[j] - m) * rs;
          dxp[j] = static_cast<T>(rs * (gamma * dyp[j] - mean_g - xhat * mean_g_xhat));
        }
      }
    }
  };
  if (parallel) {
#pragma omp parallel num_threads(threads)
    {
      const int t = omp_get_thread_num(), nt = omp_get_num_threads();
      rows(R * t / nt, R * (t + 1) / nt, t);
    }
  } else {
    rows(0, R, 0);  // no OpenMP region at all: see parallel_loop
  }
  if (!want_affine) return;
  T* dweight = dweight_t.defined() ? dweight_t.data_ptr<T>() : nullptr;
  T* dbias = dbias_t.defined() ? dbias_t.data_ptr<T>() : nullptr;
  for (int64_t c = 0; c < C; ++c) {
    double w = 0, b = 0;
    for (int t = 0; t < threads; ++t) {
      w += partial[t * 2 * C + c];
      b += partial[t * 2 * C + C + c];
    }
    if (dweight) dweight[c] = static_cast<T>(w);
    if (dbias) dbias[c] = static_cast<T>(b);
  }
}

}  // namespace

void CpuBackend::batch_norm_stats(const Tensor& mean, const Tensor& var, const Tensor& x) {
  NABLA_DISPATCH_FLOATING(x.dtype(), "batch_norm",
                          [&] { batch_norm_stats_typed<scalar_t>(mean, var, x); });
}

void CpuBackend::batch_norm_forward(const Tensor& y, const Tensor& x, const Tensor& mean,
                                    const Tensor& rstd, const Tensor& weight, const Tensor& bias,
                                    bool relu) {
  NABLA_DISPATCH_FLOATING(x.dtype(), "batch_norm", [&] {
    batch_norm_forward_typed<scalar_t>(y, x, mean, rstd, weight, bias, relu);
  });
}

void CpuBackend::batch_norm_backward(const Tensor& dx, const Tensor& dweight, const Tensor& dbias,
                                     const Tensor& dy, const Tensor& x, const Tensor& mean,
                                     const Tensor& rstd, const Tensor& weight, bool training) {
  NABLA_DISPATCH_FLOATING(x.dtype(), "batch_norm_backward", [&] {
    batch_norm_backward_typed<scalar_t>(dx, dweight, dbias, dy, x, mean, rstd, weight, training);
  });
}

void CpuBackend::group_norm_forward(const Tensor& y, const Tensor& mean, const Tensor& rstd,
                                    const Tensor& x, const Tensor& weight, const Tensor& bias,
                                    int64_t groups, double eps) {
  NABLA_DISPATCH_FLOATING(x.dtype(), "group_norm", [&] {
    group_norm_forward_typed<scalar_t>(y, mean, rstd, x, weight, bias, groups, eps);
  });
}

void CpuBackend::group_norm_backward(const Tensor& dx, const Tensor& dweight, const Tensor& dbias,
                                     const Tensor& dy, const Tensor& x, const Tensor& mean,
                                     const Tensor& rstd, const Tensor& weight, int64_t groups) {
  NABLA_DISPATCH_FLOATING(x.dtype(), "group_norm_backward", [&] {
    group_norm_backward_typed<scalar_t>(dx, dweight, dbias, dy, x, mean, rstd, weight, groups);
  });
}

}  // namespace nabla::backends::cpu
