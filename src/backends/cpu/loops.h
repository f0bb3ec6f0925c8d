// Strided iteration over several tensors of one shape. Dimensions that are
// contiguous in every operand are merged, so a contiguous tensor is one flat
// run whatever its rank; the innermost run is handed to a kernel as
// (pointers, byte strides, length). Large loops are split over OpenMP threads.
#pragma once

#include <omp.h>

#include <array>
#include <cstdint>

#include "nabla/core/tensor.h"

namespace nabla::backends::cpu {

inline constexpr int64_t kMaxDims = 16;
// Below this many elements a loop runs on one thread: waking the pool costs
// more than it saves.
inline constexpr int64_t kParallelGrain = 32768;

// Calls body(i) for every i in [0, n): split over the OpenMP threads when
// parallel is true, else a plain loop on the calling thread. Never
// `#pragma omp parallel for if (false)` instead: once libgomp's pool is
// started, even a region that runs on one thread costs about 2 µs and a futex
// syscall, more than the whole work of a small kernel (docs/performance.md).
template <class Body>
void parallel_loop(int64_t n, bool parallel, Body&& body) {
  if (!parallel) {
    for (int64_t i = 0; i < n; ++i) body(i);
    return;
  }
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) body(i);
}

template <int N>
struct StridedLayout {
  int64_t ndim = 0;  // after merging; dim 0 is the innermost
  std::array<int64_t, kMaxDims> sizes{};
  std::array<std::array<int64_t, kMaxDims>, N> strides{};  // bytes
  std::array<char*, N> base{};
  int64_t numel = 1;

  explicit StridedLayout(const std::array<const Tensor*, N>& ts) {
    const Shape& shape = ts[0]->shape();
    NABLA_CHECK(static_cast<int64_t>(shape.size()) <= kMaxDims, "CPU kernels support at most ",
                kMaxDims, " dimensions, got ", shape.size());
    for (int k = 0; k < N; ++k) base[k] = static_cast<char*>(ts[k]->raw_data());
    // Innermost first, skipping size-1 dims.
    for (size_t i = shape.size(); i-- > 0;) {
      if (shape[i] == 1) continue;
      sizes[ndim] = shape[i];
      for (int k = 0; k < N; ++k)
        strides[k][ndim] = ts[k]->strides()[i] * static_cast<int64_t>(ts[k]->element_size());
      ++ndim;
    }
    numel = nabla::numel(shape);
    // Merge dim d+1 into dim d where, for every operand, stepping d+1 once
    // equals stepping d sizes[d] times.
    int64_t out = 0;
    for (int64_t d = 1; d < ndim; ++d) {
      bool mergeable = true;
      for (int k = 0; k < N; ++k) mergeable &= strides[k][d] == strides[k][out] * sizes[out];
      if (mergeable) {
        sizes[out] *= sizes[d];
      } else {
        ++out;
        sizes[out] = sizes[d];
        for (int k = 0; k < N; ++k) strides[k][out] = strides[k][d];
      }
    }
    if (ndim > 0) ndim = out + 1;
  }
};

// Calls inner(ptrs, strides, n) for every innermost run of the operands,
// where ptrs[k] points at the run's first element of operand k and
// strides[k] is its byte step. ts[0] is usually the output.
template <int N, class Inner>
void for_each_run(const std::array<const Tensor*, N>& ts, Inner&& inner) {
  StridedLayout<N> L(ts);
  if (L.numel == 0) return;
  if (L.ndim == 0) {  // a single element
    std::array<int64_t, N> zero{};
    inner(L.base, zero, int64_t{1});
    return;
  }
  const int64_t run = L.sizes[0];
  const int64_t runs = L.numel / run;
  std::array<int64_t, N> inner_strides;
  for (int k = 0; k < N; ++k) inner_strides[k] = L.strides[k][0];

  auto work = [&](int64_t begin, int64_t end) {
    // Multi-index of run `begin` over dims 1..ndim-1.
    std::array<int64_t, kMaxDims> idx{};
    std::array<char*, N> p = L.base;
    int64_t r = begin;
    for (int64_t d = 1; d < L.ndim; ++d) {
      idx[d] = r % L.sizes[d];
      r /= L.sizes[d];
      for (int k = 0; k < N; ++k) p[k] += idx[d] * L.strides[k][d];
    }
    for (int64_t i = begin; i < end; ++i) {
      inner(p, inner_strides, run);
      for (int64_t d = 1; d < L.ndim; ++d) {  // odometer increment
        for (int k = 0; k < N; ++k) p[k] += L.strides[k][d];
        if (++idx[d] < L.sizes[d]) break;
        for (int k = 0; k < N; ++k) p[k] -= L.strides[k][d] * L.sizes[d];
        idx[d] = 0;
      }
    }
  };

  if (L.numel < kParallelGrain || runs == 1 || omp_in_parallel()) {
    if (runs == 1 && L.numel >= kParallelGrain && !omp_in_parallel()) {
      // One long run: split it.
#pragma omp parallel
      {
        const int t = omp_get_thread_num(), nt = omp_get_num_threads();
        const int64_t b = run * t / nt, e = run * (t + 1) / nt;
        std::array<char*, N> p = L.base;
        for (int k = 0; k < N; ++k) p[k] += b * inner_strides[k];
        if (e > b) inner(p, inner_strides, e - b);
      }
      return;
    }
    work(0, runs);
    return;
  }
#pragma omp parallel
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t b = runs * t / nt, e = runs * (t + 1) / nt;
    if (e > b) work(b, e);
  }
}

template <class T>
inline T& at(char* p, int64_t stride, int64_t i) {
  return *reinterpret_cast<T*>(p + i * stride);
}

}  // namespace nabla::backends::cpu
