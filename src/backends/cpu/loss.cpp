// Negative log-likelihood: a gather of one log-probability per (sample,
// position) and its scatter back in backward. input (N, C, K), target (N, K).
#include <omp.h>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/loops.h"

namespace nabla::backends::cpu {
namespace {

// Class weights as a strided vector; all 1 when undefined.
template <class T>
struct Weights {
  const T* w = nullptr;
  int64_t stride = 0;
  explicit Weights(const Tensor& weight) {
    if (weight.defined()) {
      w = weight.data_ptr<T>();
      stride = weight.stride(0);
    }
  }
  T operator[](int64_t c) const { return w ? w[c * stride] : T(1); }
};

template <class T>
void nll_loss_typed(const Tensor& out, const Tensor& total_weight, const Tensor& input,
                    const Tensor& target, const Tensor& weight, int64_t ignore_index) {
  const int64_t N = input.size(0), C = input.size(1), K = input.size(2);
  const T* x = input.data_ptr<T>();
  const int64_t xn = input.stride(0), xc = input.stride(1), xk = input.stride(2);
  const int64_t* t = target.data_ptr<int64_t>();
  const int64_t tn = target.stride(0), tk = target.stride(1);
  T* o = out.data_ptr<T>();
  const int64_t on = out.stride(0), ok = out.stride(1);
  const Weights<T> w(weight);

  bool out_of_range = false;
  int64_t bad_target = 0;
  // Writes the loss at (n, k); returns the weight it adds to the total.
  auto one = [&](int64_t n, int64_t k) -> double {
    const int64_t c = t[n * tn + k * tk];
    T loss = 0;
    double counted = 0;
    if (c != ignore_index) {
      if (c >= 0 && c < C) {
        loss = -w[c] * x[n * xn + c * xc + k * xk];
        counted = w[c];
      } else {
#pragma omp critical(nabla_nll_loss_target)
        if (!out_of_range) {
          out_of_range = true;
          bad_target = c;
        }
      }
    }
    o[n * on + k * ok] = loss;
    return counted;
  };
  double total = 0;
  if (N * K >= kParallelGrain && !omp_in_parallel()) {
#pragma omp parallel for collapse(2) reduction(+ : total) schedule(static)
    for (int64_t n = 0; n < N; ++n)
      for (int64_t k = 0; k < K; ++k) total += one(n, k);
  } else {  // no OpenMP region at all: see parallel_loop
    for (int64_t n = 0; n < N; ++n)
      for (int64_t k = 0; k < K; ++k) total += one(n, k);
  }
  NABLA_CHECK(!out_of_range, "nll_loss: target ", bad_target, " is out of bounds for ", C,
              " classes (targets must be in [0, ", C, ") or equal ignore_index ", ignore_index,
              ")");
  *total_weight.data_ptr<T>() = static_cast<T>(total);
}

template <class T>
void nll_loss_backward_typed(const Tensor& dx, const Tensor& dout, const Tensor& target,
                             const Tensor& weight, int64_t ignore_index) {
  const int64_t N = dx.size(0), C = dx.size(1), K = dx.size(2);
  T* g = dx.data_ptr<T>();
  const T* dy = dout.data_ptr<T>();
  const int64_t dn = dout.stride(0), dk = dout.stride(1);
  const int64_t* t = target.data_ptr<int64_t>();
  const int64_t tn = target.stride(0), tk = target.stride(1);
  const Weights<T> w(weight);
  const bool parallel = N * C * K >= kParallelGrain && !omp_in_parallel();
  parallel_loop(N, parallel, [&](int64_t n) {
    T* gn = g + n * C * K;
    for (int64_t i = 0; i < C * K; ++i) gn[i] = T(0);
    for (int64_t k = 0; k < K; ++k) {
      const int64_t c = t[n * tn + k * tk];
      if (c == ignore_index || c < 0 || c >= C) continue;  // range checked in forward
      gn[c * K + k] = -w[c] * dy[n * dn + k * dk];
    }
  });
}

}  // namespace

void CpuBackend::nll_loss(const Tensor& out, const Tensor& total_weight, const Tensor& input,
                          const Tensor& target, const Tensor& weight, int64_t ignore_index) {
  NABLA_DISPATCH_FLOATING(input.dtype(), "nll_loss", [&] {
    nll_loss_typed<scalar_t>(out, total_weight, input, target, weight, ignore_index);
  });
}

void CpuBackend::nll_loss_backward(const Tensor& dx, const Tensor& dout, const Tensor& target,
                                   const Tensor& weight, int64_t ignore_index) {
  NABLA_CHECK(dx.is_contiguous(), "nll_loss_backward: dx must be contiguous");
  NABLA_DISPATCH_FLOATING(dx.dtype(), "nll_loss_backward", [&] {
    nll_loss_backward_typed<scalar_t>(dx, dout, target, weight, ignore_index);
  });
}

}  // namespace nabla::backends::cpu
