// What the CUDA kernels share: addressing strided views, launching over
// every element, block-wide sums, and the device-side scalar types.
//
// A kernel over views of one shape takes an OffsetCalc built on the host:
// the shape with its dims coalesced (dims that are contiguous in every
// operand merged into one, size-1 dims dropped), and each operand's strides.
// offsets(i) turns the row-major linear index i into every operand's element
// offset; for contiguous operands that is one dim and no division.
#pragma once

#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <type_traits>

#include "backends/cuda/runtime.h"
#include "nabla/core/error.h"
#include "nabla/core/tensor.h"

namespace nabla::backends::cuda {

constexpr int kMaxDims = 16;
constexpr int kThreads = 256;

template <int N>
struct OffsetCalc {
  int ndim = 0;
  int64_t sizes[kMaxDims];       // innermost last
  int64_t strides[N][kMaxDims];  // in elements

  __device__ __forceinline__ void offsets(int64_t linear, int64_t (&out)[N]) const {
#pragma unroll
    for (int k = 0; k < N; ++k) out[k] = 0;
    for (int d = ndim - 1; d > 0; --d) {
      const int64_t i = linear % sizes[d];
      linear /= sizes[d];
#pragma unroll
      for (int k = 0; k < N; ++k) out[k] += i * strides[k][d];
    }
    if (ndim > 0) {
#pragma unroll
      for (int k = 0; k < N; ++k) out[k] += linear * strides[k][0];
    }
  }
};

// The calculator for views of `shape` (every tensor has that shape, or is
// a view expanded to it).
template <int N>
OffsetCalc<N> make_offset_calc(const Shape& shape, std::initializer_list<const Tensor*> ts) {
  NABLA_CHECK(static_cast<int>(ts.size()) == N, "make_offset_calc: ", ts.size(), " operands for ",
              N);
  OffsetCalc<N> c;
  // Walk from the innermost dim out, merging a dim into the one inside it
  // when every operand steps over the inner one exactly.
  int nd = 0;
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    const int64_t size = shape[static_cast<size_t>(d)];
    if (size == 1) continue;
    bool merge = nd > 0;
    int k = 0;
    for (const Tensor* t : ts) {
      const int64_t st = t->strides()[static_cast<size_t>(d)];
      if (merge && st != c.strides[k][nd - 1] * c.sizes[nd - 1]) merge = false;
      ++k;
    }
    if (merge) {
      c.sizes[nd - 1] *= size;  // strides stay: the merged dim steps as the inner one
      continue;
    }
    NABLA_CHECK(nd < kMaxDims, "CUDA: views of more than ", kMaxDims,
                " non-contiguous dims are not supported (shape ", shape, ")");
    c.sizes[nd] = size;
    k = 0;
    for (const Tensor* t : ts) c.strides[k++][nd] = t->strides()[static_cast<size_t>(d)];
    ++nd;
  }
  // Stored innermost first so far: reverse into outermost-first order.
  for (int i = 0; i < nd / 2; ++i) {
    std::swap(c.sizes[i], c.sizes[nd - 1 - i]);
    for (int k = 0; k < N; ++k) std::swap(c.strides[k][i], c.strides[k][nd - 1 - i]);
  }
  c.ndim = nd;
  return c;
}

// Grid for a grid-stride loop over n items.
inline unsigned grid_for(int64_t n, int threads = kThreads) {
  const int64_t blocks = (n + threads - 1) / threads;
  return static_cast<unsigned>(std::max<int64_t>(1, std::min<int64_t>(blocks, int64_t{1} << 16)));
}

#define NABLA_GRID_STRIDE_LOOP(i, n)                                                     \
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); \
       i += static_cast<int64_t>(blockDim.x) * gridDim.x)

template <int N, class F>
__global__ void elementwise_kernel(int64_t n, OffsetCalc<N> calc, F f) {
  NABLA_GRID_STRIDE_LOOP(i, n) {
    int64_t off[N];
    calc.offsets(i, off);
    f(off);
  }
}

// Runs f(offsets) for every element of views of `shape`, on the device's
// stream: f is a __device__ lambda taking const int64_t (&)[N].
template <int N, class F>
void launch_elementwise(int device, const Shape& shape, std::initializer_list<const Tensor*> ts,
                        F f) {
  const int64_t n = numel(shape);
  if (n == 0) return;
  const OffsetCalc<N> calc = make_offset_calc<N>(shape, ts);
  elementwise_kernel<N><<<grid_for(n), kThreads, 0, stream(device)>>>(n, calc, f);
  NABLA_CUDA_CHECK_LAUNCH();
}

// Runs f(i) for i in [0, n) on the device's stream.
template <class F>
__global__ void index_kernel(int64_t n, F f) {
  NABLA_GRID_STRIDE_LOOP(i, n) f(i);
}
template <class F>
void launch_n(int device, int64_t n, F f) {
  if (n <= 0) return;
  index_kernel<<<grid_for(n), kThreads, 0, stream(device)>>>(n, f);
  NABLA_CUDA_CHECK_LAUNCH();
}

// The sum of v over the block (blockDim.x a multiple of 32, at most 1024);
// every thread gets it. Uses 32 elements of shared memory.
template <class T>
__device__ __forceinline__ T warp_sum(T v) {
#pragma unroll
  for (int offset = 16; offset > 0; offset /= 2) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}
template <class T>
__device__ T block_sum(T v) {
  __shared__ T partial[32];
  const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
  v = warp_sum(v);
  __syncthreads();  // partial may still be read by a previous call
  if (lane == 0) partial[warp] = v;
  __syncthreads();
  const int warps = (blockDim.x + 31) / 32;
  T total = lane < warps ? partial[lane] : T(0);
  return warp_sum(total);
}

template <class T>
T* ptr(const Tensor& t) {
  return static_cast<T*>(t.raw_data());
}

// Raises an ErrorFlag from a kernel, keeping the first value reported.
__device__ __forceinline__ void raise_flag(long long* flag, long long value) {
  if (atomicCAS(reinterpret_cast<unsigned long long*>(flag), 0ull, 1ull) == 0ull) flag[1] = value;
}

__host__ __device__ __forceinline__ int64_t imin(int64_t a, int64_t b) {
  return a < b ? a : b;
}
__host__ __device__ __forceinline__ int64_t imax(int64_t a, int64_t b) {
  return a < b ? b : a;
}

// Arithmetic rounded once per operation, never contracted into an FMA: the
// CPU kernels are built without FMA (x86-64-v2), so a result computed in
// the CPU's order of operations rounds as the CPU's does.
__device__ __forceinline__ float mul_rn(float a, float b) {
  return __fmul_rn(a, b);
}
__device__ __forceinline__ double mul_rn(double a, double b) {
  return __dmul_rn(a, b);
}
__device__ __forceinline__ float add_rn(float a, float b) {
  return __fadd_rn(a, b);
}
__device__ __forceinline__ double add_rn(double a, double b) {
  return __dadd_rn(a, b);
}
__device__ __forceinline__ float sub_rn(float a, float b) {
  return __fsub_rn(a, b);
}
__device__ __forceinline__ double sub_rn(double a, double b) {
  return __dsub_rn(a, b);
}

// *p += v for every dtype: float, double and int64 have hardware atomics; a
// byte is added inside its aligned 32-bit word (mod 256, as the CPU's uint8 +=).
template <class T>
__device__ __forceinline__ void atomic_add(T* p, T v) {
  if constexpr (std::is_same_v<T, int64_t>) {
    atomicAdd(reinterpret_cast<unsigned long long*>(p), static_cast<unsigned long long>(v));
  } else if constexpr (std::is_same_v<T, uint8_t>) {
    auto* word = reinterpret_cast<unsigned*>(reinterpret_cast<uintptr_t>(p) & ~uintptr_t{3});
    const unsigned shift = (reinterpret_cast<uintptr_t>(p) & 3u) * 8u;
    unsigned old = *word, assumed;
    do {
      assumed = old;
      const unsigned byte = ((assumed >> shift) + v) & 0xffu;
      old = atomicCAS(word, assumed, (assumed & ~(0xffu << shift)) | (byte << shift));
    } while (assumed != old);
  } else {
    atomicAdd(p, v);
  }
}

// Launch shapes for kernels that give each item (a channel, a row) one
// block summing its values: threads a multiple of 32, at most kReduceThreads,
// and blocks one per item (a kernel loops over items past the grid).
constexpr int kReduceThreads = 512;
inline int reduce_threads(int64_t n) {
  const int64_t warps = std::clamp<int64_t>((n + 31) / 32, 1, kReduceThreads / 32);
  return static_cast<int>(warps * 32);
}
inline unsigned blocks_for(int64_t items) {
  return static_cast<unsigned>(std::min<int64_t>(items, int64_t{1} << 16));
}

}  // namespace nabla::backends::cuda
