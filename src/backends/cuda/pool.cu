// Pooling kernels over (N, C, H, W) views: max, average, adaptive average and
// adaptive max pooling, their backwards, and max_unpool2d's routing by
// indices. They reproduce cpu/max_pool.cpp and cpu/pool.cpp: the same
// windows, the same argmax (the first maximum, or the last NaN), the same
// sums in the same order, so results match the CPU's bit for bit except where
// atomics add (below).
//
// Forward kernels run one thread per output element. Backward kernels that
// know the windows (max pooling with its window, average and adaptive
// average pooling) are gathers: one thread per dx element visits the windows
// that hold it in the CPU's order (output row-major) and writes its sum once,
// so they need neither a zero fill nor atomics (but for the rare int64
// argmax outside its own window, added afterwards). Routing by arbitrary indices
// (max_pool2d_backward with `accumulate`: adaptive max pooling's backward and
// max_unpool2d) scatters: with atomics where it adds (float sums of several
// sources into one element may then round differently from the CPU's
// in-order sum), and where it assigns, the last source in row-major order
// wins, as on the CPU.
#include <cstdint>
#include <limits>
#include <type_traits>

#include "backends/cuda/common.cuh"
#include "backends/cuda/cuda_backend.h"
#include "backends/pool_geometry.h"

namespace nabla::backends::cuda {
namespace {

using PoolWindow = Backend::PoolWindow;

// ⌊a/b⌋ and ⌈a/b⌉ for b > 0 and a of either sign.
__device__ __forceinline__ int64_t floor_div(int64_t a, int64_t b) {
  return a >= 0 ? a / b : -((-a + b - 1) / b);
}
__device__ __forceinline__ int64_t ceil_div(int64_t a, int64_t b) {
  return a >= 0 ? (a + b - 1) / b : -(-a / b);
}

// The (n, c) planes of a 4-D view, plane p = n·C + c: element (p, h, w) at
// base[p / C·sn + p % C·sc + h·sh + w·sw]. An undefined tensor gives none.
template <class T>
struct Planes {
  T* base = nullptr;
  int64_t channels = 1, sn = 0, sc = 0, sh = 0, sw = 0;
  __device__ __forceinline__ T& operator()(int64_t p, int64_t h, int64_t w) const {
    return base[p / channels * sn + p % channels * sc + h * sh + w * sw];
  }
};

template <class T>
Planes<T> planes_of(const Tensor& t) {
  if (!t.defined()) return {};
  return {ptr<T>(t), t.size(1), t.stride(0), t.stride(1), t.stride(2), t.stride(3)};
}

// ---- windows

// The rows (or columns) of one window, clipped to [0, size): first, one past
// the last, and the step; tap is the number of the window's tap at begin
// (0 unless padding clipped the window's first taps). As cpu/pool_planes.h.
struct Span {
  int64_t begin, end, step, tap;
};

// Window starting at `start` (negative: padding) with `kernel` taps
// `dilation` apart; begin is its first tap inside the input.
__device__ __forceinline__ Span dilated_span(int64_t start, int64_t kernel, int64_t dilation,
                                             int64_t size) {
  int64_t begin = start;
  if (begin < 0) begin += (-begin + dilation - 1) / dilation * dilation;
  const int64_t end = imin(start + (kernel - 1) * dilation + 1, size);
  return {begin, end, dilation, (begin - start) / dilation};
}

// Adaptive window of output i of out over in: [⌊i·in/out⌋, ⌈(i+1)·in/out⌉).
__device__ __forceinline__ Span adaptive_span(int64_t i, int64_t in, int64_t out) {
  return {i * in / out, ((i + 1) * in + out - 1) / out, 1, 0};
}

// max_pool2d's windows: rows i·stride_h − pad_h + a·dilation_h, a < kernel_h.
struct DilatedWindows {
  PoolWindow k;
  int64_t H, W;
  __device__ Span rows(int64_t i) const {
    return dilated_span(i * k.stride_h - k.pad_h, k.kernel_h, k.dilation_h, H);
  }
  __device__ Span cols(int64_t j) const {
    return dilated_span(j * k.stride_w - k.pad_w, k.kernel_w, k.dilation_w, W);
  }
};

// adaptive_max_pool2d's windows.
struct AdaptiveWindows {
  int64_t H, W, OH, OW;
  __device__ Span rows(int64_t i) const { return adaptive_span(i, H, OH); }
  __device__ Span cols(int64_t j) const { return adaptive_span(j, W, OW); }
};

// The outputs along one axis whose window [i·stride − pad, i·stride − pad +
// extent] can hold input position x: i in [lo, hi], clipped to [0, out).
struct Range {
  int64_t lo, hi;
};
__device__ __forceinline__ Range windows_holding(int64_t x, int64_t stride, int64_t pad,
                                                 int64_t extent, int64_t out) {
  return {imax(0, ceil_div(x + pad - extent, stride)), imin(out - 1, floor_div(x + pad, stride))};
}

// Whether every input position lies in at most one window (stride = kernel,
// no dilation): the CPU's backward then writes dy itself, not 0 + dy.
bool windows_tile(const PoolWindow& k) {
  return k.stride_h == k.kernel_h && k.stride_w == k.kernel_w && k.dilation_h == 1 &&
         k.dilation_w == 1;
}

// ---- max pooling

// The maximum of plane p over rows × cols, scanned row by row: the first
// maximum, or the last NaN (v > best is false for NaN, so NaN is taken
// explicitly: it propagates, a later NaN replacing an earlier one); (h, w) is
// where it is. An empty window gives −∞ at its first position.
template <class T>
__device__ T window_max(const Planes<const T>& x, int64_t p, const Span& rows, const Span& cols,
                        int64_t& arg_h, int64_t& arg_w) {
  T best = -std::numeric_limits<T>::infinity();
  arg_h = rows.begin;
  arg_w = cols.begin;
  for (int64_t h = rows.begin; h < rows.end; h += rows.step)
    for (int64_t w = cols.begin; w < cols.end; w += cols.step) {
      const T v = x(p, h, w);
      if (v > best || v != v) {
        best = v;
        arg_h = h;
        arg_w = w;
      }
    }
  return best;
}

// values[p, i, j] = max over window (i, j) of x[p]; indices[p, i, j] = its
// position h·W + w, or its tap a·kernel_w + b (a, b counted from the
// window's first tap, padding included).
template <class T, Where K, class Windows>
void max_pool_windows(const Tensor& values, const Tensor& indices, const Tensor& x,
                      const Windows& windows, int64_t kernel_w) {
  const int64_t W = x.size(3), OH = values.size(2), OW = values.size(3);
  const Planes<const T> in = planes_of<const T>(x);
  const Planes<T> out = planes_of<T>(values);
  const Planes<index_t<K>> idx = planes_of<index_t<K>>(indices);
  // Captured by name: an extended lambda may not first capture inside `if constexpr`.
  auto kernel = [in, out, idx, windows, W, OH, OW, kernel_w] __device__(int64_t e) {
    const int64_t j = e % OW, i = e / OW % OH, p = e / OW / OH;
    const Span rows = windows.rows(i), cols = windows.cols(j);
    int64_t h, w;
    out(p, i, j) = window_max(in, p, rows, cols, h, w);
    if constexpr (K == Where::kPosition) idx(p, i, j) = h * W + w;
    if constexpr (K == Where::kTap) {
      const int64_t a = rows.tap + (h - rows.begin) / rows.step;
      const int64_t b = cols.tap + (w - cols.begin) / cols.step;
      idx(p, i, j) = static_cast<uint8_t>(a * kernel_w + b);
    }
  };
  launch_n(device_of(x), values.numel(), kernel);
}

// max_pool2d's backward as a gather, dx contiguous:
// dx[p, h, w] = Σ dy[p, i, j] over the windows (i, j) holding (h, w) whose
// argmax indices[p, i, j] is (h, w), in row-major order from 0 (tiling
// windows: the one dy itself, as the CPU writes it). A tap always lies in its
// window; an int64 position outside it is added by max_pool_backward_strays.
template <class T, Where K>
void max_pool_backward_gather(const Tensor& dx, const Tensor& dy, const Tensor& indices,
                              const PoolWindow& k) {
  const int64_t H = dx.size(2), W = dx.size(3), OH = dy.size(2), OW = dy.size(3);
  const bool tiled = windows_tile(k);
  const Planes<const T> d = planes_of<const T>(dy);
  const Planes<const index_t<K>> idx = planes_of<const index_t<K>>(indices);
  T* g = ptr<T>(dx);
  launch_n(device_of(dx), dx.numel(), [=] __device__(int64_t e) {
    const int64_t w = e % W, h = e / W % H, p = e / W / H;
    const Range rows = windows_holding(h, k.stride_h, k.pad_h, (k.kernel_h - 1) * k.dilation_h, OH);
    const Range cols = windows_holding(w, k.stride_w, k.pad_w, (k.kernel_w - 1) * k.dilation_w, OW);
    T acc = T(0);
    for (int64_t i = rows.lo; i <= rows.hi; ++i) {
      const int64_t dh = h + k.pad_h - i * k.stride_h;  // from the window's first row
      if (k.dilation_h != 1 && dh % k.dilation_h != 0) continue;
      const int64_t a = dh / k.dilation_h;
      for (int64_t j = cols.lo; j <= cols.hi; ++j) {
        const int64_t dw = w + k.pad_w - j * k.stride_w;
        if (k.dilation_w != 1 && dw % k.dilation_w != 0) continue;
        const int64_t at = static_cast<int64_t>(idx(p, i, j));
        const bool hit =
            K == Where::kTap ? at == a * k.kernel_w + dw / k.dilation_w : at == h * W + w;
        if (hit) acc = tiled ? d(p, i, j) : acc + d(p, i, j);
      }
    }
    g[e] = acc;
  });
}

void throw_if_bad_index(ErrorFlag& flag, const char* op, const char* planes, int64_t H, int64_t W) {
  long long bad = 0;
  if (flag.raised(&bad))
    NABLA_FAIL(op, ": found an invalid max index ", bad, " (", planes, " are of size ", H, "x", W,
               ")");
}

// The rest of max_pool2d's backward from int64 positions where windows
// overlap, which the CPU does as a scatter (dx[indices[p, i, j]] += dy[p, i, j]
// for every index in the plane): an index outside its own window, which the
// gather skipped, is added here. Only a window all in padding gives one (its
// argmax is its first position, past the input's edge: h·W + w may then be
// another row's element, as in PyTorch). Indices outside the plane raise the
// flag, as the CPU checks them.
template <class T>
void max_pool_backward_strays(ErrorFlag& flag, const Tensor& dx, const Tensor& dy,
                              const Tensor& indices, const PoolWindow& k) {
  const int64_t H = dx.size(2), W = dx.size(3), OH = dy.size(2), OW = dy.size(3);
  const DilatedWindows windows{k, H, W};
  const Planes<const T> d = planes_of<const T>(dy);
  const Planes<const int64_t> idx = planes_of<const int64_t>(indices);
  long long* bad = flag.data();
  T* g = ptr<T>(dx);
  // dx[p][at] += dy[p, i, j] where at = indices[p, i, j] ∈ [0, H·W) lies outside window (i, j)
  launch_n(device_of(dx), dy.numel(), [=] __device__(int64_t e) {
    const int64_t j = e % OW, i = e / OW % OH, p = e / OW / OH;
    const int64_t at = idx(p, i, j);
    if (at < 0 || at >= H * W) {
      raise_flag(bad, at);
      return;
    }
    const int64_t h = at / W, w = at % W;
    const Span rows = windows.rows(i), cols = windows.cols(j);
    const bool inside = h >= rows.begin && h < rows.end && (h - rows.begin) % rows.step == 0 &&
                        w >= cols.begin && w < cols.end && (w - cols.begin) % cols.step == 0;
    if (!inside) atomic_add(g + p * H * W + at, d(p, i, j));
  });
}

// out = 0, then out[p][indices[p, i, j]] += src[p, i, j] (accumulate) or
// = src[p, i, j] (the last (i, j) in row-major order winning, as on the CPU);
// out contiguous. Bad indices raise the flag and are skipped.
template <class T>
void scatter_by_indices(ErrorFlag& flag, const Tensor& out, const Tensor& src,
                        const Tensor& indices, bool accumulate) {
  const int device = device_of(out);
  const int64_t plane = out.size(2) * out.size(3), OH = src.size(2), OW = src.size(3);
  const Planes<const T> s = planes_of<const T>(src);
  const Planes<const int64_t> idx = planes_of<const int64_t>(indices);
  long long* bad = flag.data();
  T* o = ptr<T>(out);
  if (accumulate) {
    if (out.numel() > 0)
      NABLA_CUDA_CHECK(cudaMemsetAsync(o, 0, out.numel() * sizeof(T), stream(device)));
    // out[p][k] += src[p, i, j], k = indices[p, i, j]
    launch_n(device, src.numel(), [=] __device__(int64_t e) {
      const int64_t j = e % OW, i = e / OW % OH, p = e / OW / OH;
      const int64_t k = idx(p, i, j);
      if (k < 0 || k >= plane) {
        raise_flag(bad, k);
        return;
      }
      atomic_add(o + p * plane + k, s(p, i, j));
    });
    return;
  }
  // owner[p][k] = the last i·OW + j in row-major order with indices[p, i, j] = k, or −1.
  // Scratch freed on return with the kernels still queued: safe, the device's one
  // stream runs them before any later user of the block (runtime.h).
  Tensor owner_t = Tensor::empty({out.numel()}, TensorOptions(kInt64).device(out.device()));
  long long* owner = static_cast<long long*>(owner_t.raw_data());
  if (out.numel() > 0)
    NABLA_CUDA_CHECK(cudaMemsetAsync(owner, 0xff, out.numel() * sizeof(long long), stream(device)));
  launch_n(device, src.numel(), [=] __device__(int64_t e) {
    const int64_t j = e % OW, i = e / OW % OH, p = e / OW / OH;
    const int64_t k = idx(p, i, j);
    if (k < 0 || k >= plane) {
      raise_flag(bad, k);
      return;
    }
    atomicMax(owner + p * plane + k, static_cast<long long>(i * OW + j));
  });
  // out[p][k] = src[p][owner[p][k]], 0 where no index points at k
  launch_n(device, out.numel(), [=] __device__(int64_t e) {
    const long long from = owner[e];
    o[e] = from >= 0 ? s(e / plane, from / OW, from % OW) : T(0);
  });
}

// ---- average pooling

// The window of output (i, j) for average pooling: clipped first to the
// padded input (its size then is count_include_pad's divisor), then to the
// input; a non-zero divisor_override replaces the divisor. As cpu/pool.cpp.
struct AvgWindow {
  int64_t h0, h1, w0, w1, divisor;
  __device__ bool holds(int64_t h, int64_t w) const {
    return h >= h0 && h < h1 && w >= w0 && w < w1;
  }
};

struct AvgWindows {
  PoolWindow k;
  int64_t H, W;
  bool count_include_pad;
  int64_t divisor_override;
  __device__ AvgWindow operator()(int64_t i, int64_t j) const {
    int64_t h0 = i * k.stride_h - k.pad_h, w0 = j * k.stride_w - k.pad_w;
    int64_t h1 = imin(h0 + k.kernel_h, H + k.pad_h), w1 = imin(w0 + k.kernel_w, W + k.pad_w);
    const int64_t padded_size = (h1 - h0) * (w1 - w0);
    h0 = imax(h0, 0);
    w0 = imax(w0, 0);
    h1 = imin(h1, H);
    w1 = imin(w1, W);
    int64_t divisor = count_include_pad ? padded_size : (h1 - h0) * (w1 - w0);
    if (divisor_override != 0) divisor = divisor_override;
    return {h0, h1, w0, w1, divisor};
  }
};

struct AdaptiveAvgWindows {
  int64_t H, W, OH, OW;
  __device__ AvgWindow operator()(int64_t i, int64_t j) const {
    const Span r = adaptive_span(i, H, OH), c = adaptive_span(j, W, OW);
    return {r.begin, r.end, c.begin, c.end, (r.end - r.begin) * (c.end - c.begin)};
  }
};

// y[p, i, j] = Σ window(i, j) / divisor, summed in double row by row; an
// empty window gives 0.
template <class T, class Windows>
void avg_pool_windows(const Tensor& y, const Tensor& x, const Windows& windows) {
  const int64_t OH = y.size(2), OW = y.size(3);
  const Planes<const T> in = planes_of<const T>(x);
  const Planes<T> out = planes_of<T>(y);
  launch_n(device_of(x), y.numel(), [=] __device__(int64_t e) {
    const int64_t j = e % OW, i = e / OW % OH, p = e / OW / OH;
    const AvgWindow win = windows(i, j);
    if (win.h0 >= win.h1 || win.w0 >= win.w1) {
      out(p, i, j) = T(0);
      return;
    }
    double sum = 0.0;
    for (int64_t h = win.h0; h < win.h1; ++h)
      for (int64_t w = win.w0; w < win.w1; ++w) sum += static_cast<double>(in(p, h, w));
    out(p, i, j) = static_cast<T>(sum / static_cast<double>(win.divisor));
  });
}

// dx[p, h, w] = Σ dy[p, i, j] / divisor(i, j) over the windows holding (h, w),
// in row-major order from 0; dx contiguous. `holding(h, w)` gives the
// candidate rows and columns of outputs, a superset that win.holds() sifts.
template <class T, class Windows, class Holding>
void avg_pool_backward_gather(const Tensor& dx, const Tensor& dy, const Windows& windows,
                              const Holding& holding) {
  const int64_t H = dx.size(2), W = dx.size(3);
  const Planes<const T> d = planes_of<const T>(dy);
  T* g = ptr<T>(dx);
  launch_n(device_of(dx), dx.numel(), [=] __device__(int64_t e) {
    const int64_t w = e % W, h = e / W % H, p = e / W / H;
    const Range rows = holding.rows(h), cols = holding.cols(w);
    T acc = T(0);
    for (int64_t i = rows.lo; i <= rows.hi; ++i)
      for (int64_t j = cols.lo; j <= cols.hi; ++j) {
        const AvgWindow win = windows(i, j);
        if (win.holds(h, w)) acc += d(p, i, j) / static_cast<T>(win.divisor);
      }
    g[e] = acc;
  });
}

// The outputs whose unclipped avg_pool2d window [i·stride − pad, … + kernel) holds h.
struct AvgHolding {
  PoolWindow k;
  int64_t OH, OW;
  __device__ Range rows(int64_t h) const {
    return windows_holding(h, k.stride_h, k.pad_h, k.kernel_h - 1, OH);
  }
  __device__ Range cols(int64_t w) const {
    return windows_holding(w, k.stride_w, k.pad_w, k.kernel_w - 1, OW);
  }
};

// The adaptive windows holding x: ⌊i·in/out⌋ ≤ x ⟺ i ≤ ⌊((x+1)·out − 1)/in⌋ and
// ⌈(i+1)·in/out⌉ > x ⟺ i ≥ ⌊x·out/in⌋; widened by one each way (holds() sifts).
struct AdaptiveHolding {
  int64_t H, W, OH, OW;
  __device__ static Range along(int64_t x, int64_t in, int64_t out) {
    return {imax(0, x * out / in - 1), imin(out - 1, ((x + 1) * out - 1) / in + 1)};
  }
  __device__ Range rows(int64_t h) const { return along(h, H, OH); }
  __device__ Range cols(int64_t w) const { return along(w, W, OW); }
};

}  // namespace

// ---- max pooling

void CudaBackend::max_pool2d(const Tensor& values, const Tensor& indices, const Tensor& x,
                             const PoolWindow& window) {
  DeviceGuard guard(device_of(x));
  check_pool_operands("max_pool2d", x, values);
  NABLA_CHECK(
      !indices.defined() ||
          ((indices.dtype() == kInt64 ||
            (indices.dtype() == kUInt8 && window.kernel_h * window.kernel_w <= 256)) &&
           indices.shape() == values.shape()),
      "max_pool2d: indices must be int64 (or uint8 taps, for at most 256 of them) of shape ",
      values.shape());
  const DilatedWindows windows{window, x.size(2), x.size(3)};
  NABLA_DISPATCH_FLOATING(x.dtype(), "max_pool2d", [&] {
    switch (where_of(indices)) {
      case Where::kNowhere:
        return max_pool_windows<scalar_t, Where::kNowhere>(values, indices, x, windows,
                                                           window.kernel_w);
      case Where::kPosition:
        return max_pool_windows<scalar_t, Where::kPosition>(values, indices, x, windows,
                                                            window.kernel_w);
      case Where::kTap:
        return max_pool_windows<scalar_t, Where::kTap>(values, indices, x, windows,
                                                       window.kernel_w);
    }
  });
}

void CudaBackend::max_pool2d_backward(const Tensor& out, const Tensor& src, const Tensor& indices,
                                      bool accumulate) {
  const int device = device_of(out);
  DeviceGuard guard(device);
  check_pool_operands("max_pool2d_backward", out, src);
  NABLA_CHECK(out.is_contiguous() && indices.dtype() == kInt64 && indices.shape() == src.shape(),
              "max_pool2d_backward: expected a contiguous output and int64 indices of shape ",
              src.shape());
  ErrorFlag flag(device);
  NABLA_DISPATCH_ALL(out.dtype(), "max_pool2d_backward",
                     [&] { scatter_by_indices<scalar_t>(flag, out, src, indices, accumulate); });
  throw_if_bad_index(flag, "max_unpool2d", "output planes", out.size(2), out.size(3));
}

void CudaBackend::max_pool2d_backward(const Tensor& dx, const Tensor& dy, const Tensor& indices,
                                      const PoolWindow& window) {
  const int device = device_of(dx);
  DeviceGuard guard(device);
  check_max_pool_backward(dx, dy, indices);
  const bool taps = indices.dtype() == kUInt8;
  NABLA_DISPATCH_FLOATING(dx.dtype(), "max_pool2d_backward", [&] {
    if (taps)
      max_pool_backward_gather<scalar_t, Where::kTap>(dx, dy, indices, window);
    else
      max_pool_backward_gather<scalar_t, Where::kPosition>(dx, dy, indices, window);
  });
  // Where windows overlap, the CPU scatters int64 positions: it checks them,
  // and adds those outside their window too. Tiling windows it gathers, as here.
  if (!taps && !windows_tile(window)) {
    ErrorFlag flag(device);
    NABLA_DISPATCH_FLOATING(dx.dtype(), "max_pool2d_backward", [&] {
      max_pool_backward_strays<scalar_t>(flag, dx, dy, indices, window);
    });
    throw_if_bad_index(flag, "max_unpool2d", "output planes", dx.size(2), dx.size(3));
  }
}

void CudaBackend::max_unpool2d_backward(const Tensor& out, const Tensor& src,
                                        const Tensor& indices) {
  const int device = device_of(out);
  DeviceGuard guard(device);
  check_pool_operands("max_unpool2d_backward", src, out);
  NABLA_CHECK(out.is_contiguous() && indices.dtype() == kInt64 && indices.shape() == out.shape(),
              "max_unpool2d_backward: expected a contiguous output and int64 indices of shape ",
              out.shape());
  const int64_t H = src.size(2), W = src.size(3), OH = out.size(2), OW = out.size(3);
  ErrorFlag flag(device);
  long long* bad = flag.data();
  NABLA_DISPATCH_ALL(out.dtype(), "max_unpool2d_backward", [&] {
    using T = scalar_t;
    const Planes<const T> s = planes_of<const T>(src);
    const Planes<const int64_t> idx = planes_of<const int64_t>(indices);
    T* o = ptr<T>(out);
    // out[p, i, j] = src[p][indices[p, i, j]] (0 and the flag raised where it is outside the plane)
    launch_n(device, out.numel(), [=] __device__(int64_t e) {
      const int64_t j = e % OW, i = e / OW % OH, p = e / OW / OH;
      const int64_t k = idx(p, i, j);
      if (k < 0 || k >= H * W) {
        raise_flag(bad, k);
        o[e] = T(0);
        return;
      }
      o[e] = s(p, k / W, k % W);
    });
  });
  throw_if_bad_index(flag, "max_unpool2d_backward", "planes", H, W);
}

void CudaBackend::adaptive_max_pool2d(const Tensor& values, const Tensor& indices,
                                      const Tensor& x) {
  DeviceGuard guard(device_of(x));
  check_pool_operands("adaptive_max_pool2d", x, values);
  NABLA_CHECK(indices.defined() && indices.dtype() == kInt64 && indices.shape() == values.shape(),
              "adaptive_max_pool2d: indices must be int64 of shape ", values.shape());
  const AdaptiveWindows windows{x.size(2), x.size(3), values.size(2), values.size(3)};
  NABLA_DISPATCH_FLOATING(x.dtype(), "adaptive_max_pool2d", [&] {
    max_pool_windows<scalar_t, Where::kPosition>(values, indices, x, windows, 1);
  });
}

// ---- average pooling

void CudaBackend::avg_pool2d(const Tensor& y, const Tensor& x, const PoolWindow& window,
                             bool count_include_pad, int64_t divisor_override) {
  DeviceGuard guard(device_of(x));
  check_pool_operands("avg_pool2d", x, y);
  const AvgWindows windows{window, x.size(2), x.size(3), count_include_pad, divisor_override};
  NABLA_DISPATCH_FLOATING(x.dtype(), "avg_pool2d",
                          [&] { avg_pool_windows<scalar_t>(y, x, windows); });
}

void CudaBackend::avg_pool2d_backward(const Tensor& dx, const Tensor& dy, const PoolWindow& window,
                                      bool count_include_pad, int64_t divisor_override) {
  DeviceGuard guard(device_of(dx));
  check_pool_operands("avg_pool2d_backward", dx, dy);
  NABLA_CHECK(dx.is_contiguous(), "avg_pool2d_backward: expected a contiguous gradient");
  const AvgWindows windows{window, dx.size(2), dx.size(3), count_include_pad, divisor_override};
  const AvgHolding holding{window, dy.size(2), dy.size(3)};
  NABLA_DISPATCH_FLOATING(dx.dtype(), "avg_pool2d_backward",
                          [&] { avg_pool_backward_gather<scalar_t>(dx, dy, windows, holding); });
}

void CudaBackend::adaptive_avg_pool2d(const Tensor& y, const Tensor& x) {
  DeviceGuard guard(device_of(x));
  check_pool_operands("adaptive_avg_pool2d", x, y);
  const AdaptiveAvgWindows windows{x.size(2), x.size(3), y.size(2), y.size(3)};
  NABLA_DISPATCH_FLOATING(x.dtype(), "adaptive_avg_pool2d",
                          [&] { avg_pool_windows<scalar_t>(y, x, windows); });
}

void CudaBackend::adaptive_avg_pool2d_backward(const Tensor& dx, const Tensor& dy) {
  DeviceGuard guard(device_of(dx));
  check_pool_operands("adaptive_avg_pool2d_backward", dx, dy);
  NABLA_CHECK(dx.is_contiguous(), "adaptive_avg_pool2d_backward: expected a contiguous gradient");
  const int64_t H = dx.size(2), W = dx.size(3), OH = dy.size(2), OW = dy.size(3);
  const AdaptiveAvgWindows windows{H, W, OH, OW};
  const AdaptiveHolding holding{H, W, OH, OW};
  NABLA_DISPATCH_FLOATING(dx.dtype(), "adaptive_avg_pool2d_backward",
                          [&] { avg_pool_backward_gather<scalar_t>(dx, dy, windows, holding); });
}

}  // namespace nabla::backends::cuda
