// Average pooling kernels over NCHW views (max pooling: max_pool.cpp). Each
// (n, c) plane is independent: planes are split over OpenMP threads, and
// within a plane one thread walks the output. Backward kernels add into their
// own plane only, so no two threads write the same element.
#include <algorithm>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/pool_planes.h"
#include "backends/pool_geometry.h"

namespace nabla::backends::cpu {
namespace {

using pool::adaptive_span;
using pool::for_each_plane;
using pool::Plane;
using pool::Planes;
using pool::Span;

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
  const Planes<const T> x_planes(x);
  const Planes<T> y_planes(y);
  for_each_plane(x.size(0) * x.size(1), OH * OW * window_size, [&](int64_t p) {
    const Plane<const T> in = x_planes[p];
    const Plane<T> out = y_planes[p];
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
  const Planes<const T> dy_planes(dy);
  for_each_plane(dx.size(0) * dx.size(1), H * W + OH * OW * window_size, [&](int64_t p) {
    T* g = static_cast<T*>(dx.raw_data()) + p * H * W;
    std::fill(g, g + H * W, T(0));
    const Plane<const T> d = dy_planes[p];
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

}  // namespace nabla::backends::cpu
