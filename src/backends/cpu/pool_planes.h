// What the pooling kernels share (pool.cpp: average and adaptive average;
// max_pool.cpp: max, adaptive max and unpooling): (n, c) planes of a 4-D
// view, the loop over planes, and the rows or columns of a window.
#pragma once

#include <algorithm>

#include "backends/cpu/loops.h"
#include "nabla/core/error.h"
#include "nabla/core/tensor.h"

namespace nabla::backends::cpu::pool {

// One (n, c) plane of a 4-D view: element (h, w) at base[h·sh + w·sw].
template <class T>
struct Plane {
  T* base = nullptr;
  int64_t sh = 0, sw = 0;
  T& operator()(int64_t h, int64_t w) const { return base[h * sh + w * sw]; }
};

// The (n, c) planes of a 4-D view, plane p = n·C + c. Its strides are read
// once, outside the loops over planes (Tensor::stride checks its argument).
// An undefined tensor gives no planes.
template <class T>
struct Planes {
  T* base = nullptr;
  int64_t channels = 1, sn = 0, sc = 0, sh = 0, sw = 0;
  Planes() = default;
  explicit Planes(const Tensor& t) {
    if (!t.defined()) return;
    base = static_cast<T*>(t.raw_data());
    channels = t.size(1);
    sn = t.stride(0);
    sc = t.stride(1);
    sh = t.stride(2);
    sw = t.stride(3);
  }
  Plane<T> operator[](int64_t p) const {
    return {base + p / channels * sn + p % channels * sc, sh, sw};
  }
};

// Calls body(p) for every plane p in [0, planes), on threads when the work
// (elements touched per plane × planes) pays for waking them.
template <class Body>
void for_each_plane(int64_t planes, int64_t work_per_plane, Body body) {
  const bool parallel =
      planes > 1 && planes * work_per_plane >= kParallelGrain && !omp_in_parallel();
  parallel_loop(planes, parallel, body);
}

// The rows (or columns) of one window, clipped to [0, size): first, one past
// the last, and the step; tap is the number of the window's tap at begin
// (0 unless padding clipped the window's first taps).
struct Span {
  int64_t begin, end, step;
  int64_t tap = 0;
};

// Window starting at `start` (may be negative: padding) with `kernel` taps
// `dilation` apart; begin is its first tap inside the input.
inline Span dilated_span(int64_t start, int64_t kernel, int64_t dilation, int64_t size) {
  int64_t begin = start;
  if (begin < 0) begin += (-begin + dilation - 1) / dilation * dilation;
  const int64_t end = std::min(start + (kernel - 1) * dilation + 1, size);
  return {begin, end, dilation, (begin - start) / dilation};
}

// Adaptive window of output i of out over in: [⌊i·in/out⌋, ⌈(i+1)·in/out⌉).
inline Span adaptive_span(int64_t i, int64_t in, int64_t out) {
  return {i * in / out, ((i + 1) * in + out - 1) / out, 1};
}

}  // namespace nabla::backends::cpu::pool
