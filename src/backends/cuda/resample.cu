// Resampling kernels on planes (P, H, W) of any strides: reflect/replicate
// padding and nearest/bilinear upsampling, forward and backward. They
// reproduce cpu/resample.cpp: the same source rows and columns, computed by
// the same float arithmetic (products and sums through __fmul_rn-style
// intrinsics, which nvcc never fuses into an FMA: the CPU build has none),
// so results match the CPU's bit for bit.
//
// Forward kernels run one thread per output pixel. The backwards are
// gathers: one thread per dx pixel finds the output rows and columns that
// read it (the source maps are monotone per axis, or for reflect padding
// have at most three preimages) and adds their dy into dx in the CPU's order
// (output row-major), so they need no atomics.
#include <cmath>
#include <cstdint>

#include "backends/cuda/common.cuh"
#include "backends/cuda/cuda_backend.h"

namespace nabla::backends::cuda {
namespace {

using PadMode = Backend::PadMode;

// A (P, H, W) view of dtype T with any strides.
template <class T>
struct Planes {
  T* base;
  int64_t P, H, W, sp, sh, sw;
  __device__ __forceinline__ T& operator()(int64_t p, int64_t i, int64_t j) const {
    return base[p * sp + i * sh + j * sw];
  }
};

template <class T>
Planes<T> planes_of(const Tensor& t) {
  NABLA_CHECK(t.dim() == 3, "resample kernels expect (P, H, W) views, got ", t.shape());
  return {ptr<T>(t), t.size(0), t.size(1), t.size(2), t.stride(0), t.stride(1), t.stride(2)};
}

void check_planes(const char* op, const Tensor& big, const Tensor& small) {
  NABLA_CHECK(big.dim() == 3 && small.dim() == 3 && big.size(0) == small.size(0) &&
                  big.dtype() == small.dtype(),
              op, ": expected (P, H, W) views with the same P and dtype, got ", big.shape(), " ",
              big.dtype(), " and ", small.shape(), " ", small.dtype());
}

// Runs of consecutive output positions [lo, hi) along one axis, ascending.
struct Runs {
  int n = 0;
  int64_t lo[3], hi[3];
  __device__ void add(int64_t a, int64_t b) {
    if (a >= b) return;
    lo[n] = a;
    hi[n] = b;
    ++n;
  }
};

// ---- padding

// The input index that padded position k (relative to the input's start)
// reads, for an input of size n. Reflect pads are < n (checked), so one
// mirror suffices.
__device__ __forceinline__ int64_t pad_source(bool reflect, int64_t k, int64_t n) {
  if (!reflect) return imin(imax(k, 0), n - 1);
  if (k < 0) k = -k;
  if (k >= n) k = 2 * (n - 1) - k;
  return k;
}

// The outputs o in [0, out) with pad_source(o − before) = r. Replicate: one
// run (the whole border for r = 0 and r = n − 1). Reflect: k = −r, r,
// 2(n − 1) − r (ascending; a repeated one counted once), those that map back.
__device__ Runs pad_preimage(bool reflect, int64_t r, int64_t n, int64_t out, int64_t before) {
  Runs runs;
  if (!reflect) {
    const int64_t lo = r == 0 ? 0 : r + before;
    const int64_t hi = r == n - 1 ? out : r + before + 1;
    runs.add(imax(lo, 0), imin(hi, out));
    return runs;
  }
  const int64_t ks[3] = {-r, r, 2 * (n - 1) - r};
  for (int c = 0; c < 3; ++c) {
    const int64_t k = ks[c], o = k + before;
    if (c > 0 && k == ks[c - 1]) continue;
    if (o >= 0 && o < out && pad_source(true, k, n) == r) runs.add(o, o + 1);
  }
  return runs;
}

// Reflect padding needs every pad (before and after, along each axis) < the
// input's size; replicate padding a non-empty input.
void check_pads(const char* op, PadMode mode, int64_t H, int64_t W, int64_t OH, int64_t OW,
                int64_t left, int64_t top) {
  const int64_t bottom = OH - H - top, right = OW - W - left;
  NABLA_CHECK(OH * OW == 0 || (H > 0 && W > 0), op, ": cannot pad empty planes ", H, " x ", W,
              " to ", OH, " x ", OW);
  NABLA_CHECK(mode != PadMode::Reflect || (left < W && right < W && top < H && bottom < H), op,
              ": reflect padding (left ", left, ", right ", right, ", top ", top, ", bottom ",
              bottom, ") must be less than the input size ", H, " x ", W);
}

// ---- nearest: src = ⌊o·step⌋ in float, as PyTorch (so f32 and f64 pick the
// same pixels), clamped to the input; out = in and out = 2·in are exact.

struct NearestAxis {
  int64_t out, in;
  float step;
  __device__ int64_t source(int64_t o) const {
    if (out == in) return o;
    if (out == 2 * in) return o >> 1;
    return imin(static_cast<int64_t>(floorf(mul_rn(static_cast<float>(o), step))), in - 1);
  }
};

NearestAxis nearest_axis(int64_t out, int64_t in, double scale) {
  const float step = scale > 0 ? static_cast<float>(1.0 / scale)
                               : static_cast<float>(in) / static_cast<float>(out);
  return {out, in, step};
}

// ---- linear along one axis: out[o] = w0·in[i0] + w1·in[i1]

template <class T>
struct LinearAxis {
  int64_t out, in;
  bool align_corners;
  T step;

  // align_corners: o·step; otherwise max((o + ½)·step − ½, 0), evaluated in
  // double and rounded to T, as PyTorch does.
  __device__ T position(int64_t o) const {
    if (align_corners) return mul_rn(step, static_cast<T>(o));
    const T s = static_cast<T>(
        __dsub_rn(__dmul_rn(static_cast<double>(step), static_cast<double>(o) + 0.5), 0.5));
    return s < T(0) ? T(0) : s;
  }
  // i0 = ⌊s⌋ (never past the last input row: the clamp only guards
  // against scales that do not fit the sizes).
  __device__ int64_t source(int64_t o) const {
    return imin(static_cast<int64_t>(position(o)), in - 1);
  }
  // i1 = i0 + 1 (clamped), w1 = min(s − i0, 1), w0 = 1 − w1.
  __device__ void taps(int64_t o, int64_t& i0, int64_t& i1, T& w0, T& w1) const {
    const T s = position(o);
    i0 = imin(static_cast<int64_t>(s), in - 1);
    i1 = i0 + (i0 < in - 1 ? 1 : 0);
    const T frac = sub_rn(s, static_cast<T>(i0));
    w1 = T(1) < frac ? T(1) : frac;
    w0 = sub_rn(T(1), w1);
  }
};

template <class T>
LinearAxis<T> linear_axis(int64_t out, int64_t in, bool align_corners, double scale) {
  T step;
  if (align_corners) {
    step = out > 1 ? static_cast<T>(in - 1) / static_cast<T>(out - 1) : T(0);
  } else {
    step = scale > 0 ? static_cast<T>(1.0 / scale) : static_cast<T>(in) / static_cast<T>(out);
  }
  return {out, in, align_corners, step};
}

// The first o in [0, axis.out) with axis.source(o) ≥ target (source is
// nondecreasing in o), axis.out if none.
template <class Axis>
__device__ int64_t first_at_least(const Axis& axis, int64_t target) {
  int64_t lo = 0, hi = axis.out;
  while (lo < hi) {
    const int64_t mid = lo + (hi - lo) / 2;
    if (axis.source(mid) >= target)
      hi = mid;
    else
      lo = mid + 1;
  }
  return lo;
}

// The outputs o whose source is r: [first ≥ r, first ≥ r + 1).
template <class Axis>
__device__ Runs source_preimage(const Axis& axis, int64_t r) {
  Runs runs;
  runs.add(first_at_least(axis, r), first_at_least(axis, r + 1));
  return runs;
}

// dx[p, r, c] += Σ dy[p, i, j] over i in rows, j in cols, in row-major order.
template <class T>
__device__ void add_runs(const Planes<T>& gx, const Planes<const T>& gy, int64_t p, int64_t r,
                         int64_t c, const Runs& rows, const Runs& cols) {
  T acc = gx(p, r, c);
  for (int a = 0; a < rows.n; ++a)
    for (int64_t i = rows.lo[a]; i < rows.hi[a]; ++i)
      for (int b = 0; b < cols.n; ++b)
        for (int64_t j = cols.lo[b]; j < cols.hi[b]; ++j) acc = add_rn(acc, gy(p, i, j));
  gx(p, r, c) = acc;
}

}  // namespace

void CudaBackend::pad2d(PadMode mode, const Tensor& out, const Tensor& x, int64_t left,
                        int64_t top) {
  const int device = device_of(x);
  DeviceGuard guard(device);
  check_planes("pad", out, x);
  check_pads("pad", mode, x.size(1), x.size(2), out.size(1), out.size(2), left, top);
  const bool reflect = mode == PadMode::Reflect;
  NABLA_DISPATCH_FLOATING(x.dtype(), "pad", [&] {
    using T = scalar_t;
    const Planes<T> y = planes_of<T>(out);
    const Planes<const T> in = planes_of<const T>(x);
    // out[p, i, j] = x[p, src(i − top, H), src(j − left, W)]
    launch_n(device, out.numel(), [=] __device__(int64_t e) {
      const int64_t j = e % y.W, i = e / y.W % y.H, p = e / y.W / y.H;
      y(p, i, j) = in(p, pad_source(reflect, i - top, in.H), pad_source(reflect, j - left, in.W));
    });
  });
}

void CudaBackend::pad2d_backward(PadMode mode, const Tensor& dx, const Tensor& dy, int64_t left,
                                 int64_t top) {
  const int device = device_of(dy);
  DeviceGuard guard(device);
  check_planes("pad_backward", dy, dx);
  check_pads("pad_backward", mode, dx.size(1), dx.size(2), dy.size(1), dy.size(2), left, top);
  const bool reflect = mode == PadMode::Reflect;
  NABLA_DISPATCH_FLOATING(dy.dtype(), "pad_backward", [&] {
    using T = scalar_t;
    const Planes<T> gx = planes_of<T>(dx);
    const Planes<const T> gy = planes_of<const T>(dy);
    // dx[p, r, c] += Σ dy[p, i, j] over src(i − top) = r, src(j − left) = c
    launch_n(device, dx.numel(), [=] __device__(int64_t e) {
      const int64_t c = e % gx.W, r = e / gx.W % gx.H, p = e / gx.W / gx.H;
      add_runs(gx, gy, p, r, c, pad_preimage(reflect, r, gx.H, gy.H, top),
               pad_preimage(reflect, c, gx.W, gy.W, left));
    });
  });
}

void CudaBackend::upsample_nearest2d(const Tensor& out, const Tensor& x, double scale_h,
                                     double scale_w) {
  const int device = device_of(x);
  DeviceGuard guard(device);
  check_planes("upsample_nearest", out, x);
  NABLA_DISPATCH_FLOATING(x.dtype(), "upsample_nearest", [&] {
    using T = scalar_t;
    const Planes<T> y = planes_of<T>(out);
    const Planes<const T> in = planes_of<const T>(x);
    const NearestAxis rows = nearest_axis(y.H, in.H, scale_h);
    const NearestAxis cols = nearest_axis(y.W, in.W, scale_w);
    // out[p, i, j] = x[p, ⌊i·step_h⌋, ⌊j·step_w⌋]
    launch_n(device, out.numel(), [=] __device__(int64_t e) {
      const int64_t j = e % y.W, i = e / y.W % y.H, p = e / y.W / y.H;
      y(p, i, j) = in(p, rows.source(i), cols.source(j));
    });
  });
}

void CudaBackend::upsample_nearest2d_backward(const Tensor& dx, const Tensor& dy, double scale_h,
                                              double scale_w) {
  const int device = device_of(dy);
  DeviceGuard guard(device);
  check_planes("upsample_nearest_backward", dy, dx);
  NABLA_DISPATCH_FLOATING(dy.dtype(), "upsample_nearest_backward", [&] {
    using T = scalar_t;
    const Planes<T> gx = planes_of<T>(dx);
    const Planes<const T> gy = planes_of<const T>(dy);
    const NearestAxis rows = nearest_axis(gy.H, gx.H, scale_h);
    const NearestAxis cols = nearest_axis(gy.W, gx.W, scale_w);
    // dx[p, r, c] += Σ dy[p, i, j] over ⌊i·step_h⌋ = r, ⌊j·step_w⌋ = c
    launch_n(device, dx.numel(), [=] __device__(int64_t e) {
      const int64_t c = e % gx.W, r = e / gx.W % gx.H, p = e / gx.W / gx.H;
      add_runs(gx, gy, p, r, c, source_preimage(rows, r), source_preimage(cols, c));
    });
  });
}

void CudaBackend::upsample_bilinear2d(const Tensor& out, const Tensor& x, bool align_corners,
                                      double scale_h, double scale_w) {
  const int device = device_of(x);
  DeviceGuard guard(device);
  check_planes("upsample_bilinear", out, x);
  NABLA_DISPATCH_FLOATING(x.dtype(), "upsample_bilinear", [&] {
    using T = scalar_t;
    const Planes<T> y = planes_of<T>(out);
    const Planes<const T> in = planes_of<const T>(x);
    const LinearAxis<T> rows = linear_axis<T>(y.H, in.H, align_corners, scale_h);
    const LinearAxis<T> cols = linear_axis<T>(y.W, in.W, align_corners, scale_w);
    // out[p, i, j] = a0·(b0·x[h0, c0] + b1·x[h0, c1]) + a1·(b0·x[h1, c0] + b1·x[h1, c1])
    launch_n(device, out.numel(), [=] __device__(int64_t e) {
      const int64_t j = e % y.W, i = e / y.W % y.H, p = e / y.W / y.H;
      int64_t h0, h1, c0, c1;
      T a0, a1, b0, b1;
      rows.taps(i, h0, h1, a0, a1);
      cols.taps(j, c0, c1, b0, b1);
      const T top = add_rn(mul_rn(b0, in(p, h0, c0)), mul_rn(b1, in(p, h0, c1)));
      const T bottom = add_rn(mul_rn(b0, in(p, h1, c0)), mul_rn(b1, in(p, h1, c1)));
      y(p, i, j) = add_rn(mul_rn(a0, top), mul_rn(a1, bottom));
    });
  });
}

void CudaBackend::upsample_bilinear2d_backward(const Tensor& dx, const Tensor& dy,
                                               bool align_corners, double scale_h, double scale_w) {
  const int device = device_of(dy);
  DeviceGuard guard(device);
  check_planes("upsample_bilinear_backward", dy, dx);
  NABLA_DISPATCH_FLOATING(dy.dtype(), "upsample_bilinear_backward", [&] {
    using T = scalar_t;
    const Planes<T> gx = planes_of<T>(dx);
    const Planes<const T> gy = planes_of<const T>(dy);
    const LinearAxis<T> rows = linear_axis<T>(gy.H, gx.H, align_corners, scale_h);
    const LinearAxis<T> cols = linear_axis<T>(gy.W, gx.W, align_corners, scale_w);
    // dx[p, r, c] += (a·b)·dy[p, i, j] for every tap (h, c') of output (i, j)
    // at (r, c), output-row-major, taps in the order (h0, c0), (h0, c1),
    // (h1, c0), (h1, c1). The outputs with r among their taps h0, h1 have
    // i0 ∈ {r − 1, r}: a run, i0 being nondecreasing in i.
    launch_n(device, dx.numel(), [=] __device__(int64_t e) {
      const int64_t c = e % gx.W, r = e / gx.W % gx.H, p = e / gx.W / gx.H;
      const int64_t i_end = first_at_least(rows, r + 1), j_end = first_at_least(cols, c + 1);
      const int64_t j_begin = first_at_least(cols, c - 1);
      T acc = gx(p, r, c);
      for (int64_t i = first_at_least(rows, r - 1); i < i_end; ++i) {
        int64_t h0, h1;
        T a0, a1;
        rows.taps(i, h0, h1, a0, a1);
        if (h0 != r && h1 != r) continue;
        for (int64_t j = j_begin; j < j_end; ++j) {
          int64_t c0, c1;
          T b0, b1;
          cols.taps(j, c0, c1, b0, b1);
          const T g = gy(p, i, j);
          if (h0 == r && c0 == c) acc = add_rn(acc, mul_rn(mul_rn(a0, b0), g));
          if (h0 == r && c1 == c) acc = add_rn(acc, mul_rn(mul_rn(a0, b1), g));
          if (h1 == r && c0 == c) acc = add_rn(acc, mul_rn(mul_rn(a1, b0), g));
          if (h1 == r && c1 == c) acc = add_rn(acc, mul_rn(mul_rn(a1, b1), g));
        }
      }
      gx(p, r, c) = acc;
    });
  });
}

}  // namespace nabla::backends::cuda
