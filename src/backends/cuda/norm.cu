// Normalisation kernels: batch norm (statistics per channel) and group norm
// (statistics per sample and group of channels; layer norm is its one-group,
// L = 1 case), formula for formula as the CPU's norm.cpp computes them. All
// operands are contiguous, x viewed as (N, C, L): element (n, c, l) is at
// (n·C + c)·L + l. A statistic or gradient sum is one block per channel or
// group, each thread summing a strided share in double and block_sum adding
// the shares; the variance takes two passes (mean, then squared deviations)
// because Σx² − M·mean² loses every digit when |mean| ≫ std. The passes that
// write y or dx run a thread per element.
#include <algorithm>

#include "backends/cuda/common.cuh"
#include "backends/cuda/cuda_backend.h"

namespace nabla::backends::cuda {
namespace {

// γ[c] and β[c], or 1 and 0 where the module has no affine parameters (null).
template <class T>
__device__ __forceinline__ T gamma_of(const T* weight, int64_t c) {
  return weight ? weight[c] : T(1);
}
template <class T>
__device__ __forceinline__ T beta_of(const T* bias, int64_t c) {
  return bias ? bias[c] : T(0);
}

// The offset in x (N, C, L) of value j of the M = N·L values of channel c.
__device__ __forceinline__ int64_t channel_offset(int64_t j, int64_t c, int64_t C, int64_t L) {
  const int64_t n = j / L;
  return (n * C + c) * L + (j - n * L);
}

template <class T>
const T* ptr_or_null(const Tensor& t) {
  return t.defined() ? ptr<T>(t) : nullptr;
}
template <class T>
T* mutable_ptr_or_null(const Tensor& t) {
  return t.defined() ? ptr<T>(t) : nullptr;
}

// ---- batch norm: statistics per channel c over (n, l); one block a channel

// mean[c] = Σ x / M    var[c] = Σ (x − mean[c])² / M    M = N·L
template <class T>
__global__ void batch_norm_stats_kernel(T* mean, T* var, const T* x, int64_t N, int64_t C,
                                        int64_t L) {
  const int64_t count = N * L;
  const double M = static_cast<double>(count);
  for (int64_t c = blockIdx.x; c < C; c += gridDim.x) {
    double s = 0;
    for (int64_t j = threadIdx.x; j < count; j += blockDim.x)
      s += static_cast<double>(x[channel_offset(j, c, C, L)]);
    const double m = block_sum(s) / M;
    double q = 0;
    for (int64_t j = threadIdx.x; j < count; j += blockDim.x) {
      const double d = static_cast<double>(x[channel_offset(j, c, C, L)]) - m;
      q += d * d;
    }
    q = block_sum(q);
    if (threadIdx.x == 0) {
      mean[c] = static_cast<T>(m);
      var[c] = static_cast<T>(q / M);
    }
  }
}

// y = (x − mean[c])·(rstd[c]·γ[c]) + β[c], or relu of it (v < 0 ? 0 : v, as UnaryOp::Relu)
template <class T>
__global__ void batch_norm_forward_kernel(T* y, const T* x, const T* mean, const T* rstd,
                                          const T* weight, const T* bias, int64_t total, int64_t C,
                                          int64_t L, bool relu) {
  NABLA_GRID_STRIDE_LOOP(i, total) {
    const int64_t c = (i / L) % C;
    const T scale = mul_rn(rstd[c], gamma_of(weight, c));
    const T v = mul_rn(x[i] - mean[c], scale) + beta_of(bias, c);
    y[i] = (relu && v < T(0)) ? T(0) : v;
  }
}

// With x̂ = (x − mean)·rstd and sums over the M values of channel c:
//   dγ = Σ dy·x̂    dβ = Σ dy
//   training: dx = a·dy + b·(x − mean) + d, the affine form of
//             (1/M)·γ·rstd·(M·dy − Σdy − x̂·Σ(dy·x̂)) the CPU evaluates
//   eval:     dx = γ·rstd·dy (in double)
// dx, dweight, dbias null where not wanted.
template <class T>
__global__ void batch_norm_backward_kernel(T* dx, T* dweight, T* dbias, const T* dy, const T* x,
                                           const T* mean, const T* rstd, const T* weight, int64_t N,
                                           int64_t C, int64_t L, bool training) {
  const int64_t count = N * L;
  const double M = static_cast<double>(count);
  const bool want_sums = (dx && training) || dweight || dbias;
  for (int64_t c = blockIdx.x; c < C; c += gridDim.x) {
    const double m = mean[c], r = rstd[c];
    double sum_dy = 0, sum_dy_xhat = 0;
    if (want_sums) {
      for (int64_t j = threadIdx.x; j < count; j += blockDim.x) {
        const int64_t o = channel_offset(j, c, C, L);
        const double d = dy[o];
        sum_dy += d;
        sum_dy_xhat += d * ((static_cast<double>(x[o]) - m) * r);
      }
      sum_dy = block_sum(sum_dy);
      sum_dy_xhat = block_sum(sum_dy_xhat);
    }
    if (threadIdx.x == 0) {
      if (dweight) dweight[c] = static_cast<T>(sum_dy_xhat);
      if (dbias) dbias[c] = static_cast<T>(sum_dy);
    }
    if (!dx) continue;
    const double gamma_rstd = mul_rn(static_cast<double>(gamma_of(weight, c)), r);
    if (training) {
      const double k = gamma_rstd / M;
      const T a = static_cast<T>(k * M), b = static_cast<T>(-k * sum_dy_xhat * r),
              d = static_cast<T>(-k * sum_dy), mt = static_cast<T>(m);
      for (int64_t j = threadIdx.x; j < count; j += blockDim.x) {
        const int64_t o = channel_offset(j, c, C, L);
        dx[o] = mul_rn(a, dy[o]) + mul_rn(b, x[o] - mt) + d;
      }
    } else {
      for (int64_t j = threadIdx.x; j < count; j += blockDim.x) {
        const int64_t o = channel_offset(j, c, C, L);
        dx[o] = static_cast<T>(mul_rn(gamma_rstd, static_cast<double>(dy[o])));
      }
    }
  }
}

// ---- group norm: statistics per row r = (n, g) of K = (C/G)·L contiguous values

// mean[r] = Σ x / K    rstd[r] = 1/√(Σ (x − mean[r])² / K + eps); one block a row
template <class T>
__global__ void group_norm_stats_kernel(T* mean, T* rstd, const T* x, int64_t R, int64_t K,
                                        double eps) {
  const double k = static_cast<double>(K);
  for (int64_t r = blockIdx.x; r < R; r += gridDim.x) {
    const T* xp = x + r * K;
    double s = 0;
    for (int64_t j = threadIdx.x; j < K; j += blockDim.x) s += static_cast<double>(xp[j]);
    const double m = block_sum(s) / k;
    double q = 0;
    for (int64_t j = threadIdx.x; j < K; j += blockDim.x) {
      const double d = static_cast<double>(xp[j]) - m;
      q += d * d;
    }
    q = block_sum(q);
    if (threadIdx.x == 0) {
      mean[r] = static_cast<T>(m);
      rstd[r] = static_cast<T>(1.0 / sqrt(q / k + eps));
    }
  }
}

// y = (x − mean[r])·(rstd[r]·γ[c]) + β[c]; for L = 1 (layer norm, one affine
// entry per element) ((x − mean[r])·rstd[r])·γ[c] + β[c], as the CPU groups it
template <class T>
__global__ void group_norm_affine_kernel(T* y, const T* x, const T* mean, const T* rstd,
                                         const T* weight, const T* bias, int64_t total, int64_t C,
                                         int64_t L, int64_t K) {
  NABLA_GRID_STRIDE_LOOP(i, total) {
    const int64_t r = i / K, c = (i / L) % C;
    const T centred = x[i] - mean[r];
    if (L == 1)
      y[i] = mul_rn(mul_rn(centred, rstd[r]), gamma_of(weight, c)) + beta_of(bias, c);
    else
      y[i] = mul_rn(centred, mul_rn(rstd[r], gamma_of(weight, c))) + beta_of(bias, c);
  }
}

// With g = γ·dy, x̂ = (x − mean)·rstd and means over the K values of row r:
//   dx = rstd·(g − mean(g) − x̂·mean(g·x̂)); one block a row
template <class T>
__global__ void group_norm_input_grad_kernel(T* dx, const T* dy, const T* x, const T* mean,
                                             const T* rstd, const T* weight, int64_t R, int64_t G,
                                             int64_t Cg, int64_t L) {
  const int64_t K = Cg * L;
  const double k = static_cast<double>(K);
  for (int64_t r = blockIdx.x; r < R; r += gridDim.x) {
    const T* xp = x + r * K;
    const T* dyp = dy + r * K;
    T* dxp = dx + r * K;
    const double m = mean[r], rs = rstd[r];
    const int64_t c0 = (r % G) * Cg;
    double sum_g = 0, sum_g_xhat = 0;  // Σg, Σ(g·x̂)
    for (int64_t j = threadIdx.x; j < K; j += blockDim.x) {
      const double gamma = gamma_of(weight, c0 + j / L);
      const double d = dyp[j];
      sum_g += gamma * d;
      sum_g_xhat += gamma * (d * ((static_cast<double>(xp[j]) - m) * rs));
    }
    const double mean_g = block_sum(sum_g) / k;
    const double mean_g_xhat = block_sum(sum_g_xhat) / k;
    for (int64_t j = threadIdx.x; j < K; j += blockDim.x) {
      const double gamma = gamma_of(weight, c0 + j / L);
      const double xhat = mul_rn(static_cast<double>(xp[j]) - m, rs);
      const double g = mul_rn(gamma, static_cast<double>(dyp[j]));
      dxp[j] = static_cast<T>(mul_rn(rs, g - mean_g - mul_rn(xhat, mean_g_xhat)));
    }
  }
}

// dγ[c] = Σ_{n,l} dy·x̂    dβ[c] = Σ_{n,l} dy, x̂ with the statistics of row
// (n, c/Cg); one block a channel, dweight, dbias null where not wanted
template <class T>
__global__ void group_norm_affine_grad_kernel(T* dweight, T* dbias, const T* dy, const T* x,
                                              const T* mean, const T* rstd, int64_t N, int64_t C,
                                              int64_t L, int64_t G, int64_t Cg) {
  const int64_t count = N * L;
  for (int64_t c = blockIdx.x; c < C; c += gridDim.x) {
    const int64_t g = c / Cg;
    double sum_dy = 0, sum_dy_xhat = 0;
    for (int64_t j = threadIdx.x; j < count; j += blockDim.x) {
      const int64_t n = j / L;
      const int64_t o = (n * C + c) * L + (j - n * L), r = n * G + g;
      const double m = mean[r], rs = rstd[r];
      const double d = dy[o];
      sum_dy += d;
      sum_dy_xhat += d * ((static_cast<double>(x[o]) - m) * rs);
    }
    sum_dy = block_sum(sum_dy);
    sum_dy_xhat = block_sum(sum_dy_xhat);
    if (threadIdx.x == 0) {
      if (dweight) dweight[c] = static_cast<T>(sum_dy_xhat);
      if (dbias) dbias[c] = static_cast<T>(sum_dy);
    }
  }
}

}  // namespace

void CudaBackend::batch_norm_stats(const Tensor& mean, const Tensor& var, const Tensor& x) {
  DeviceGuard guard(device_of(x));
  const int64_t N = x.size(0), C = x.size(1), L = x.size(2);
  if (C == 0) return;
  NABLA_DISPATCH_FLOATING(x.dtype(), "batch_norm", [&] {
    batch_norm_stats_kernel<scalar_t>
        <<<blocks_for(C), reduce_threads(N * L), 0, stream(device_of(x))>>>(
            ptr<scalar_t>(mean), ptr<scalar_t>(var), ptr<scalar_t>(x), N, C, L);
    NABLA_CUDA_CHECK_LAUNCH();
  });
}

void CudaBackend::batch_norm_forward(const Tensor& y, const Tensor& x, const Tensor& mean,
                                     const Tensor& rstd, const Tensor& weight, const Tensor& bias,
                                     bool relu) {
  DeviceGuard guard(device_of(x));
  const int64_t C = x.size(1), L = x.size(2), total = x.numel();
  if (total == 0) return;
  NABLA_DISPATCH_FLOATING(x.dtype(), "batch_norm", [&] {
    batch_norm_forward_kernel<scalar_t><<<grid_for(total), kThreads, 0, stream(device_of(x))>>>(
        ptr<scalar_t>(y), ptr<scalar_t>(x), ptr<scalar_t>(mean), ptr<scalar_t>(rstd),
        ptr_or_null<scalar_t>(weight), ptr_or_null<scalar_t>(bias), total, C, L, relu);
    NABLA_CUDA_CHECK_LAUNCH();
  });
}

void CudaBackend::batch_norm_backward(const Tensor& dx, const Tensor& dweight, const Tensor& dbias,
                                      const Tensor& dy, const Tensor& x, const Tensor& mean,
                                      const Tensor& rstd, const Tensor& weight, bool training) {
  DeviceGuard guard(device_of(x));
  const int64_t N = x.size(0), C = x.size(1), L = x.size(2);
  if (C == 0 || (!dx.defined() && !dweight.defined() && !dbias.defined())) return;
  NABLA_DISPATCH_FLOATING(x.dtype(), "batch_norm_backward", [&] {
    batch_norm_backward_kernel<scalar_t>
        <<<blocks_for(C), reduce_threads(N * L), 0, stream(device_of(x))>>>(
            mutable_ptr_or_null<scalar_t>(dx), mutable_ptr_or_null<scalar_t>(dweight),
            mutable_ptr_or_null<scalar_t>(dbias), ptr<scalar_t>(dy), ptr<scalar_t>(x),
            ptr<scalar_t>(mean), ptr<scalar_t>(rstd), ptr_or_null<scalar_t>(weight), N, C, L,
            training);
    NABLA_CUDA_CHECK_LAUNCH();
  });
}

void CudaBackend::group_norm_forward(const Tensor& y, const Tensor& mean, const Tensor& rstd,
                                     const Tensor& x, const Tensor& weight, const Tensor& bias,
                                     int64_t groups, double eps) {
  DeviceGuard guard(device_of(x));
  const int64_t N = x.size(0), C = x.size(1), L = x.size(2);
  const int64_t G = groups, K = (C / G) * L, R = N * G, total = x.numel();
  NABLA_DISPATCH_FLOATING(x.dtype(), "group_norm", [&] {
    const cudaStream_t s = stream(device_of(x));
    if (R > 0) {
      group_norm_stats_kernel<scalar_t><<<blocks_for(R), reduce_threads(K), 0, s>>>(
          ptr<scalar_t>(mean), ptr<scalar_t>(rstd), ptr<scalar_t>(x), R, K, eps);
      NABLA_CUDA_CHECK_LAUNCH();
    }
    if (total > 0) {
      group_norm_affine_kernel<scalar_t><<<grid_for(total), kThreads, 0, s>>>(
          ptr<scalar_t>(y), ptr<scalar_t>(x), ptr<scalar_t>(mean), ptr<scalar_t>(rstd),
          ptr_or_null<scalar_t>(weight), ptr_or_null<scalar_t>(bias), total, C, L, K);
      NABLA_CUDA_CHECK_LAUNCH();
    }
  });
}

void CudaBackend::group_norm_backward(const Tensor& dx, const Tensor& dweight, const Tensor& dbias,
                                      const Tensor& dy, const Tensor& x, const Tensor& mean,
                                      const Tensor& rstd, const Tensor& weight, int64_t groups) {
  DeviceGuard guard(device_of(x));
  const int64_t N = x.size(0), C = x.size(1), L = x.size(2);
  const int64_t G = groups, Cg = C / G, R = N * G;
  NABLA_DISPATCH_FLOATING(x.dtype(), "group_norm_backward", [&] {
    const cudaStream_t s = stream(device_of(x));
    if (dx.defined() && R > 0) {
      group_norm_input_grad_kernel<scalar_t><<<blocks_for(R), reduce_threads(Cg * L), 0, s>>>(
          ptr<scalar_t>(dx), ptr<scalar_t>(dy), ptr<scalar_t>(x), ptr<scalar_t>(mean),
          ptr<scalar_t>(rstd), ptr_or_null<scalar_t>(weight), R, G, Cg, L);
      NABLA_CUDA_CHECK_LAUNCH();
    }
    if ((dweight.defined() || dbias.defined()) && C > 0) {
      group_norm_affine_grad_kernel<scalar_t><<<blocks_for(C), reduce_threads(N * L), 0, s>>>(
          mutable_ptr_or_null<scalar_t>(dweight), mutable_ptr_or_null<scalar_t>(dbias),
          ptr<scalar_t>(dy), ptr<scalar_t>(x), ptr<scalar_t>(mean), ptr<scalar_t>(rstd), N, C, L, G,
          Cg);
      NABLA_CUDA_CHECK_LAUNCH();
    }
  });
}

}  // namespace nabla::backends::cuda
