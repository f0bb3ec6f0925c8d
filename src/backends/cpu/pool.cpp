// Pooling kernels over NCHW views. Each (n, c) plane is independent: planes
// are split over OpenMP threads, and within a plane one thread walks the
// output. Backward kernels scatter into their own plane only, so no two
// threads write the same element.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/loops.h"

namespace nabla::backends::cpu {
namespace {

// One (n, c) plane of a 4-D view: element (h, w) at base[h·sh + w·sw].
template <class T>
struct Plane {
  T* base;
  int64_t sh, sw;
  T& operator()(int64_t h, int64_t w) const { return base[h * sh + w * sw]; }
};

template <class T>
Plane<T> plane_of(const Tensor& t, int64_t p) {
  const int64_t n = p / t.size(1), c = p % t.size(1);
  T* base = static_cast<T*>(t.raw_data()) + n * t.stride(0) + c * t.stride(1);
  return {base, t.stride(2), t.stride(3)};
}

// Calls body(p) for every plane p in [0, planes), on threads when the work
// (elements touched per plane × planes) pays for waking them.
template <class Body>
void for_each_plane(int64_t planes, int64_t work_per_plane, Body body) {
  const bool parallel =
      planes > 1 && planes * work_per_plane >= kParallelGrain && !omp_in_parallel();
  parallel_for(planes, parallel, body);
}

void check_pool_operands(const char* op, const Tensor& big, const Tensor& small) {
  NABLA_CHECK(big.dim() == 4 && small.dim() == 4 && big.size(0) == small.size(0) &&
                  big.size(1) == small.size(1),
              op, ": expected 4-D (N, C, H, W) operands with the same N and C, got ", big.shape(),
              " and ", small.shape());
}

// The rows (or columns) of one window, clipped to [0, size): first, one past
// the last, and the step.
struct Span {
  int64_t begin, end, step;
};

// Window starting at `start` (may be negative: padding) with `kernel` taps
// `dilation` apart; begin is its first tap inside the input.
Span dilated_span(int64_t start, int64_t kernel, int64_t dilation, int64_t size) {
  int64_t begin = start;
  if (begin < 0) begin += (-begin + dilation - 1) / dilation * dilation;
  const int64_t end = std::min(start + (kernel - 1) * dilation + 1, size);
  return {begin, end, dilation};
}

// Adaptive window of output i of out over in: [⌊i·in/out⌋, ⌈(i+1)·in/out⌉).
Span adaptive_span(int64_t i, int64_t in, int64_t out) {
  return {i * in / out, ((i + 1) * in + out - 1) / out, 1};
}

// values and indices of the maximum over rows × cols of x: the first maximum,
// or the last NaN (`v > best` is false for NaN, so NaN is taken explicitly, as
// PyTorch does). An empty window gives −∞ at the window's first position.
template <class T>
void window_max(const Plane<const T>& x, int64_t width, const Span& rows, const Span& cols,
                T& value, int64_t& index) {
  T best = -std::numeric_limits<T>::infinity();
  int64_t best_index = rows.begin * width + cols.begin;
  for (int64_t h = rows.begin; h < rows.end; h += rows.step)
    for (int64_t w = cols.begin; w < cols.end; w += cols.step) {
      const T v = x(h, w);
      if (v > best || std::isnan(v)) {
        best = v;
        best_index = h * width + w;
      }
    }
  value = best;
  index = best_index;
}

// Max over the window of every output (i, j); span(i, j) gives its rows and columns.
template <class T, class Spans>
void max_pool_typed(const Tensor& values, const Tensor& indices, const Tensor& x,
                    int64_t window_size, Spans spans) {
  const int64_t W = x.size(3), OH = values.size(2), OW = values.size(3);
  for_each_plane(x.size(0) * x.size(1), OH * OW * window_size, [&](int64_t p) {
    const Plane<const T> in = plane_of<const T>(x, p);
    const Plane<T> out = plane_of<T>(values, p);
    const Plane<int64_t> idx = plane_of<int64_t>(indices, p);
    for (int64_t i = 0; i < OH; ++i)
      for (int64_t j = 0; j < OW; ++j) {
        const auto [rows, cols] = spans(i, j);
        window_max(in, W, rows, cols, out(i, j), idx(i, j));
      }
  });
}

// out = 0, then out[plane][indices[i, j]] (+)= src[i, j]; out is contiguous.
template <class T>
void scatter_by_indices(const Tensor& out, const Tensor& src, const Tensor& indices,
                        bool accumulate) {
  const int64_t plane_size = out.size(2) * out.size(3), OH = src.size(2), OW = src.size(3);
  std::atomic<bool> bad{false};
  std::atomic<int64_t> bad_index{0};
  for_each_plane(out.size(0) * out.size(1), plane_size + OH * OW, [&](int64_t p) {
    T* dst = static_cast<T*>(out.raw_data()) + p * plane_size;
    std::fill(dst, dst + plane_size, T(0));
    const Plane<const T> s = plane_of<const T>(src, p);
    const Plane<const int64_t> idx = plane_of<const int64_t>(indices, p);
    for (int64_t i = 0; i < OH; ++i)
      for (int64_t j = 0; j < OW; ++j) {
        const int64_t k = idx(i, j);
        if (k < 0 || k >= plane_size) {
          if (!bad.exchange(true)) bad_index = k;
          continue;
        }
        if (accumulate)
          dst[k] += s(i, j);
        else
          dst[k] = s(i, j);
      }
  });
  NABLA_CHECK(!bad, "max_unpool2d: found an invalid max index ", bad_index.load(),
              " (output planes are of size ", out.size(2), "x", out.size(3), ")");
}

// out[i, j] = src[plane][indices[i, j]]; out is contiguous.
template <class T>
void gather_by_indices(const Tensor& out, const Tensor& src, const Tensor& indices) {
  const int64_t H = src.size(2), W = src.size(3), OH = out.size(2), OW = out.size(3);
  std::atomic<bool> bad{false};
  std::atomic<int64_t> bad_index{0};
  for_each_plane(out.size(0) * out.size(1), OH * OW, [&](int64_t p) {
    const Plane<const T> s = plane_of<const T>(src, p);
    const Plane<const int64_t> idx = plane_of<const int64_t>(indices, p);
    T* dst = static_cast<T*>(out.raw_data()) + p * OH * OW;
    for (int64_t i = 0; i < OH; ++i)
      for (int64_t j = 0; j < OW; ++j) {
        const int64_t k = idx(i, j);
        if (k < 0 || k >= H * W) {
          if (!bad.exchange(true)) bad_index = k;
          dst[i * OW + j] = T(0);
          continue;
        }
        dst[i * OW + j] = s(k / W, k % W);
      }
  });
  NABLA_CHECK(!bad, "max_unpool2d_backward: found an invalid max index ", bad_index.load(),
              " (planes are of size ", H, "x", W, ")");
}

// The window of output (i, j) for average pooling: clipped first to the
// padded input (its size then is count_include_pad's divisor), then to the input.
struct AvgWindow {
  Span rows, cols;
  int64_t divisor;
};

AvgWindow avg_window(const Backend::PoolWindow& k, int64_t H, int64_t W, int64_t i, int64_t j,
                     bool count_include_pad, int64_t divisor_override) {
  int64_t h0 = i * k.stride_h - k.pad_h, w0 = j * k.stride_w - k.pad_w;
  int64_t h1 = std::min(h0 + k.kernel_h, H + k.pad_h), w1 = std::min(w0 + k.kernel_w, W + k.pad_w);
  const int64_t padded_size = (h1 - h0) * (w1 - w0);
  h0 = std::max<int64_t>(h0, 0);
  w0 = std::max<int64_t>(w0, 0);
  h1 = std::min(h1, H);
  w1 = std::min(w1, W);
  int64_t divisor = count_include_pad ? padded_size : (h1 - h0) * (w1 - w0);
  if (divisor_override != 0) divisor = divisor_override;
  return {{h0, h1, 1}, {w0, w1, 1}, divisor};
}

// y[i, j] = Σ window / divisor; window(i, j) gives an AvgWindow. Sums in double.
template <class T, class Windows>
void avg_pool_typed(const Tensor& y, const Tensor& x, int64_t window_size, Windows window) {
  const int64_t OH = y.size(2), OW = y.size(3);
  for_each_plane(x.size(0) * x.size(1), OH * OW * window_size, [&](int64_t p) {
    const Plane<const T> in = plane_of<const T>(x, p);
    const Plane<T> out = plane_of<T>(y, p);
    for (int64_t i = 0; i < OH; ++i)
      for (int64_t j = 0; j < OW; ++j) {
        const AvgWindow win = window(i, j);
        if (win.rows.begin >= win.rows.end || win.cols.begin >= win.cols.end) {
          out(i, j) = T(0);
          continue;
        }
        double sum = 0.0;
        for (int64_t h = win.rows.begin; h < win.rows.end; ++h)
          for (int64_t w = win.cols.begin; w < win.cols.end; ++w) sum += in(h, w);
        out(i, j) = static_cast<T>(sum / static_cast<double>(win.divisor));
      }
  });
}

// dx = 0, then dx[window(i, j)] += dy[i, j] / divisor; dx is contiguous.
template <class T, class Windows>
void avg_pool_backward_typed(const Tensor& dx, const Tensor& dy, int64_t window_size,
                             Windows window) {
  const int64_t H = dx.size(2), W = dx.size(3), OH = dy.size(2), OW = dy.size(3);
  for_each_plane(dx.size(0) * dx.size(1), H * W + OH * OW * window_size, [&](int64_t p) {
    T* g = static_cast<T*>(dx.raw_data()) + p * H * W;
    std::fill(g, g + H * W, T(0));
    const Plane<const T> d = plane_of<const T>(dy, p);
    for (int64_t i = 0; i < OH; ++i)
      for (int64_t j = 0; j < OW; ++j) {
        const AvgWindow win = window(i, j);
        const T share = d(i, j) / static_cast<T>(win.divisor);
        for (int64_t h = win.rows.begin; h < win.rows.end; ++h)
          for (int64_t w = win.cols.begin; w < win.cols.end; ++w) g[h * W + w] += share;
      }
  });
}

// The largest adaptive window along a dim: ⌈in/out⌉ + 1 bounds it.
int64_t adaptive_window_bound(int64_t in, int64_t out) {
  return (in + out - 1) / out + 1;
}

}  // namespace

void CpuBackend::max_pool2d(const Tensor& values, const Tensor& indices, const Tensor& x,
                            const PoolWindow& k) {
  check_pool_operands("max_pool2d", x, values);
  NABLA_CHECK(indices.dtype() == kInt64 && indices.shape() == values.shape(),
              "max_pool2d: indices must be int64 of shape ", values.shape());
  NABLA_DISPATCH_FLOATING(x.dtype(), "max_pool2d", [&] {
    const int64_t H = x.size(2), W = x.size(3);
    max_pool_typed<scalar_t>(
        values, indices, x, k.kernel_h * k.kernel_w, [&](int64_t i, int64_t j) {
          return std::pair{dilated_span(i * k.stride_h - k.pad_h, k.kernel_h, k.dilation_h, H),
                           dilated_span(j * k.stride_w - k.pad_w, k.kernel_w, k.dilation_w, W)};
        });
  });
}

void CpuBackend::max_pool2d_backward(const Tensor& out, const Tensor& src, const Tensor& indices,
                                     bool accumulate) {
  check_pool_operands("max_pool2d_backward", out, src);
  NABLA_CHECK(out.is_contiguous() && indices.dtype() == kInt64 && indices.shape() == src.shape(),
              "max_pool2d_backward: expected a contiguous output and int64 indices of shape ",
              src.shape());
  NABLA_DISPATCH_ALL(out.dtype(), "max_pool2d_backward",
                     [&] { scatter_by_indices<scalar_t>(out, src, indices, accumulate); });
}

void CpuBackend::max_unpool2d_backward(const Tensor& out, const Tensor& src,
                                       const Tensor& indices) {
  check_pool_operands("max_unpool2d_backward", src, out);
  NABLA_CHECK(out.is_contiguous() && indices.dtype() == kInt64 && indices.shape() == out.shape(),
              "max_unpool2d_backward: expected a contiguous output and int64 indices of shape ",
              out.shape());
  NABLA_DISPATCH_ALL(out.dtype(), "max_unpool2d_backward",
                     [&] { gather_by_indices<scalar_t>(out, src, indices); });
}

void CpuBackend::avg_pool2d(const Tensor& y, const Tensor& x, const PoolWindow& k,
                            bool count_include_pad, int64_t divisor_override) {
  check_pool_operands("avg_pool2d", x, y);
  const int64_t H = x.size(2), W = x.size(3);
  NABLA_DISPATCH_FLOATING(x.dtype(), "avg_pool2d", [&] {
    avg_pool_typed<scalar_t>(y, x, k.kernel_h * k.kernel_w, [&](int64_t i, int64_t j) {
      return avg_window(k, H, W, i, j, count_include_pad, divisor_override);
    });
  });
}

void CpuBackend::avg_pool2d_backward(const Tensor& dx, const Tensor& dy, const PoolWindow& k,
                                     bool count_include_pad, int64_t divisor_override) {
  check_pool_operands("avg_pool2d_backward", dx, dy);
  NABLA_CHECK(dx.is_contiguous(), "avg_pool2d_backward: expected a contiguous gradient");
  const int64_t H = dx.size(2), W = dx.size(3);
  NABLA_DISPATCH_FLOATING(dx.dtype(), "avg_pool2d_backward", [&] {
    avg_pool_backward_typed<scalar_t>(dx, dy, k.kernel_h * k.kernel_w, [&](int64_t i, int64_t j) {
      return avg_window(k, H, W, i, j, count_include_pad, divisor_override);
    });
  });
}

void CpuBackend::adaptive_avg_pool2d(const Tensor& y, const Tensor& x) {
  check_pool_operands("adaptive_avg_pool2d", x, y);
  const int64_t H = x.size(2), W = x.size(3), OH = y.size(2), OW = y.size(3);
  const int64_t bound = adaptive_window_bound(H, OH) * adaptive_window_bound(W, OW);
  NABLA_DISPATCH_FLOATING(x.dtype(), "adaptive_avg_pool2d", [&] {
    avg_pool_typed<scalar_t>(y, x, bound, [&](int64_t i, int64_t j) {
      const Span rows = adaptive_span(i, H, OH), cols = adaptive_span(j, W, OW);
      return AvgWindow{rows, cols, (rows.end - rows.begin) * (cols.end - cols.begin)};
    });
  });
}

void CpuBackend::adaptive_avg_pool2d_backward(const Tensor& dx, const Tensor& dy) {
  check_pool_operands("adaptive_avg_pool2d_backward", dx, dy);
  NABLA_CHECK(dx.is_contiguous(), "adaptive_avg_pool2d_backward: expected a contiguous gradient");
  const int64_t H = dx.size(2), W = dx.size(3), OH = dy.size(2), OW = dy.size(3);
  const int64_t bound = adaptive_window_bound(H, OH) * adaptive_window_bound(W, OW);
  NABLA_DISPATCH_FLOATING(dx.dtype(), "adaptive_avg_pool2d_backward", [&] {
    avg_pool_backward_typed<scalar_t>(dx, dy, bound, [&](int64_t i, int64_t j) {
      const Span rows = adaptive_span(i, H, OH), cols = adaptive_span(j, W, OW);
      return AvgWindow{rows, cols, (rows.end - rows.begin) * (cols.end - cols.begin)};
    });
  });
}

void CpuBackend::adaptive_max_pool2d(const Tensor& values, const Tensor& indices, const Tensor& x) {
  check_pool_operands("adaptive_max_pool2d", x, values);
  NABLA_CHECK(indices.dtype() == kInt64 && indices.shape() == values.shape(),
              "adaptive_max_pool2d: indices must be int64 of shape ", values.shape());
  const int64_t H = x.size(2), W = x.size(3), OH = values.size(2), OW = values.size(3);
  const int64_t bound = adaptive_window_bound(H, OH) * adaptive_window_bound(W, OW);
  NABLA_DISPATCH_FLOATING(x.dtype(), "adaptive_max_pool2d", [&] {
    max_pool_typed<scalar_t>(values, indices, x, bound, [&](int64_t i, int64_t j) {
      return std::pair{adaptive_span(i, H, OH), adaptive_span(j, W, OW)};
    });
  });
}

}  // namespace nabla::backends::cpu
