#include "backends/cpu/fused.h"

#include <omp.h>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/loops.h"

namespace nabla::backends::cpu {

bool fusable(std::initializer_list<const Tensor*> ts) {
  const Tensor& first = **ts.begin();
  for (const Tensor* t : ts) {
    if (!t->defined() || !t->device().is_cpu() || !t->is_contiguous() ||
        t->dtype() != first.dtype() || t->numel() != first.numel() || !t->is_floating_point())
      return false;
  }
  return true;
}

namespace {

// Runs body(begin, end) over [0, n), split over the threads when n is large.
template <class Body>
void parallel_range(int64_t n, Body&& body) {
  if (n < kParallelGrain || omp_in_parallel()) {
    body(int64_t{0}, n);
    return;
  }
#pragma omp parallel
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    body(n * t / nt, n * (t + 1) / nt);
  }
}

template <class T, bool kFirst, bool kNesterov>
[[gnu::always_inline]] inline void sgd_loop(T* __restrict p, const T* __restrict g,
                                            T* __restrict buf, int64_t n, T lr, T mu, T damp,
                                            T wd) {
  for (int64_t i = 0; i < n; ++i) {
    const T d = g[i] + wd * p[i];
    const T v = kFirst ? d : mu * buf[i] + (T(1) - damp) * d;
    buf[i] = v;
    p[i] -= lr * (kNesterov ? d + mu * v : v);
  }
}

// Compiled for AVX-512, AVX2 and the baseline; the loader picks the widest
// the CPU has (the build machine's CPU does not matter).
// Plain momentum (no weight decay, dampening or Nesterov), the common case:
// v = mu·buf + g, p -= lr·v in 3 loads, 2 stores and 4 flops an element
// where sgd_loop spends 7 flops.
template <class T>
[[gnu::always_inline]] inline void momentum_loop(T* __restrict p, const T* __restrict g,
                                                 T* __restrict buf, int64_t n, T lr, T mu) {
  for (int64_t i = 0; i < n; ++i) {
    const T v = mu * buf[i] + g[i];
    buf[i] = v;
    p[i] -= lr * v;
  }
}

template <class T>
[[gnu::target_clones("avx512f", "avx2", "default")]] void sgd_run(T* p, const T* g, T* buf,
                                                                  int64_t n, T lr, T mu, T damp,
                                                                  T wd, bool first, bool nesterov) {
  if (!first && !nesterov && wd == T(0) && damp == T(0))
    return momentum_loop<T>(p, g, buf, n, lr, mu);
  if (first && nesterov) return sgd_loop<T, true, true>(p, g, buf, n, lr, mu, damp, wd);
  if (first) return sgd_loop<T, true, false>(p, g, buf, n, lr, mu, damp, wd);
  if (nesterov) return sgd_loop<T, false, true>(p, g, buf, n, lr, mu, damp, wd);
  sgd_loop<T, false, false>(p, g, buf, n, lr, mu, damp, wd);
}

template <class T>
void sgd_typed(T* p, const T* g, T* buf, int64_t n, T lr, T mu, T damp, T wd, bool nesterov,
               bool first) {
  parallel_range(n, [=](int64_t b, int64_t e) {
    sgd_run<T>(p + b, g + b, buf + b, e - b, lr, mu, damp, wd, first, nesterov);
  });
}

}  // namespace

void sgd_momentum_step(const Tensor& p, const Tensor& grad, const Tensor& buf, double lr,
                       double momentum, double dampening, double weight_decay, bool nesterov,
                       bool first_step) {
  NABLA_CHECK(fusable({&p, &grad, &buf}),
              "sgd_momentum_step: expected contiguous CPU tensors "
              "of one floating dtype and size, got ",
              p.shape(), ", ", grad.shape(), ", ", buf.shape());
  NABLA_DISPATCH_FLOATING(p.dtype(), "sgd_momentum_step", [&] {
    using T = scalar_t;
    sgd_typed<T>(p.data_ptr<T>(), grad.data_ptr<T>(), buf.data_ptr<T>(), p.numel(), T(lr),
                 T(momentum), T(dampening), T(weight_decay), nesterov, first_step);
  });
}

bool CpuBackend::sgd_step(const Tensor& p, const Tensor& grad, const Tensor& buf, double lr,
                          double momentum, double dampening, double weight_decay, bool nesterov,
                          bool first_step) {
  if (!fusable({&p, &grad, &buf})) return false;
  sgd_momentum_step(p, grad, buf, lr, momentum, dampening, weight_decay, nesterov, first_step);
  return true;
}

}  // namespace nabla::backends::cpu
