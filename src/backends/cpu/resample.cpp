// Resampling kernels on planes (P, H, W): reflect/replicate padding and
// nearest/bilinear upsampling, forward and backward. Every output pixel reads
// from a source row and column that depend on the axis only, so the source
// indices (and bilinear weights) are computed once per axis, then each plane
// is one independent job. Backward scatters dy into dx; planes are disjoint,
// so splitting the planes over threads needs no atomics.
#include <omp.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/loops.h"

namespace nabla::backends::cpu {
namespace {

using PadMode = Backend::PadMode;

// A (P, H, W) view of dtype T with arbitrary strides.
template <class T>
struct Planes {
  explicit Planes(const Tensor& t) {
    NABLA_CHECK(t.dim() == 3, "resample kernels expect (P, H, W) views, got ", t.shape());
    base = static_cast<T*>(t.raw_data());
    P = t.size(0), H = t.size(1), W = t.size(2);
    sp = t.stride(0), sh = t.stride(1), sw = t.stride(2);
  }
  T& operator()(int64_t p, int64_t i, int64_t j) const { return base[p * sp + i * sh + j * sw]; }

  T* base;
  int64_t P, H, W, sp, sh, sw;
};

// Runs body(p) for every plane, over OpenMP threads when the work is large.
template <class Body>
void for_each_plane(int64_t planes, int64_t plane_size, Body&& body) {
  const bool parallel = planes > 1 && planes * plane_size >= kParallelGrain && !omp_in_parallel();
  parallel_loop(planes, parallel, body);
}

// ---- padding

// The input index that padded position k (relative to the input's start)
// reads, for an input of size n. Reflect pads are < n, so one mirror suffices.
int64_t pad_source(PadMode mode, int64_t k, int64_t n) {
  if (mode == PadMode::Replicate) return std::clamp<int64_t>(k, 0, n - 1);
  if (k < 0) k = -k;
  if (k >= n) k = 2 * (n - 1) - k;
  return k;
}

std::vector<int64_t> pad_sources(PadMode mode, int64_t out, int64_t in, int64_t before) {
  std::vector<int64_t> src(out);
  for (int64_t o = 0; o < out; ++o) src[o] = pad_source(mode, o - before, in);
  return src;
}

// ---- nearest: src = ⌊dst·step⌋, step = 1/scale or in/out, in float as PyTorch
// (so f32 and f64 pick the same pixels).

std::vector<int64_t> nearest_sources(int64_t out, int64_t in, double scale) {
  std::vector<int64_t> src(out);
  const float step = scale > 0 ? static_cast<float>(1.0 / scale)
                               : static_cast<float>(in) / static_cast<float>(out);
  for (int64_t o = 0; o < out; ++o) {
    if (out == in) {
      src[o] = o;
    } else if (out == 2 * in) {
      src[o] = o >> 1;
    } else {
      src[o] = std::min(static_cast<int64_t>(std::floor(static_cast<float>(o) * step)), in - 1);
    }
  }
  return src;
}

// ---- linear along one axis: out[o] = w0[o]·in[i0[o]] + w1[o]·in[i1[o]]

template <class T>
struct LinearAxis {
  std::vector<int64_t> i0, i1;
  std::vector<T> w0, w1;

  LinearAxis(int64_t out, int64_t in, bool align_corners, double scale)
      : i0(out), i1(out), w0(out), w1(out) {
    T step;
    if (align_corners) {
      step = out > 1 ? static_cast<T>(in - 1) / static_cast<T>(out - 1) : T(0);
    } else {
      step = scale > 0 ? static_cast<T>(1.0 / scale) : static_cast<T>(in) / static_cast<T>(out);
    }
    for (int64_t o = 0; o < out; ++o) {
      // The half-pixel formula is evaluated in double and rounded to T, as PyTorch does.
      const T s = align_corners
                      ? step * static_cast<T>(o)
                      : std::max(static_cast<T>(static_cast<double>(step) * (o + 0.5) - 0.5), T(0));
      i0[o] = static_cast<int64_t>(s);
      i1[o] = i0[o] + (i0[o] < in - 1 ? 1 : 0);
      w1[o] = std::min(s - static_cast<T>(i0[o]), T(1));
      w0[o] = T(1) - w1[o];
    }
  }
};

}  // namespace

void CpuBackend::pad2d(PadMode mode, const Tensor& out, const Tensor& x, int64_t left,
                       int64_t top) {
  NABLA_DISPATCH_FLOATING(x.dtype(), "pad", [&] {
    const Planes<scalar_t> y(out), in(x);
    const auto rows = pad_sources(mode, y.H, in.H, top);
    const auto cols = pad_sources(mode, y.W, in.W, left);
    for_each_plane(y.P, y.H * y.W, [&](int64_t p) {
      for (int64_t i = 0; i < y.H; ++i)
        for (int64_t j = 0; j < y.W; ++j) y(p, i, j) = in(p, rows[i], cols[j]);
    });
  });
}

void CpuBackend::pad2d_backward(PadMode mode, const Tensor& dx, const Tensor& dy, int64_t left,
                                int64_t top) {
  NABLA_DISPATCH_FLOATING(dy.dtype(), "pad_backward", [&] {
    const Planes<scalar_t> gx(dx), gy(dy);
    const auto rows = pad_sources(mode, gy.H, gx.H, top);
    const auto cols = pad_sources(mode, gy.W, gx.W, left);
    for_each_plane(gy.P, gy.H * gy.W, [&](int64_t p) {
      for (int64_t i = 0; i < gy.H; ++i)
        for (int64_t j = 0; j < gy.W; ++j) gx(p, rows[i], cols[j]) += gy(p, i, j);
    });
  });
}

void CpuBackend::upsample_nearest2d(const Tensor& out, const Tensor& x, double scale_h,
                                    double scale_w) {
  NABLA_DISPATCH_FLOATING(x.dtype(), "upsample_nearest", [&] {
    const Planes<scalar_t> y(out), in(x);
    const auto rows = nearest_sources(y.H, in.H, scale_h);
    const auto cols = nearest_sources(y.W, in.W, scale_w);
    for_each_plane(y.P, y.H * y.W, [&](int64_t p) {
      for (int64_t i = 0; i < y.H; ++i)
        for (int64_t j = 0; j < y.W; ++j) y(p, i, j) = in(p, rows[i], cols[j]);
    });
  });
}

void CpuBackend::upsample_nearest2d_backward(const Tensor& dx, const Tensor& dy, double scale_h,
                                             double scale_w) {
  NABLA_DISPATCH_FLOATING(dy.dtype(), "upsample_nearest_backward", [&] {
    const Planes<scalar_t> gx(dx), gy(dy);
    const auto rows = nearest_sources(gy.H, gx.H, scale_h);
    const auto cols = nearest_sources(gy.W, gx.W, scale_w);
    for_each_plane(gy.P, gy.H * gy.W, [&](int64_t p) {
      for (int64_t i = 0; i < gy.H; ++i)
        for (int64_t j = 0; j < gy.W; ++j) gx(p, rows[i], cols[j]) += gy(p, i, j);
    });
  });
}

void CpuBackend::upsample_bilinear2d(const Tensor& out, const Tensor& x, bool align_corners,
                                     double scale_h, double scale_w) {
  NABLA_DISPATCH_FLOATING(x.dtype(), "upsample_bilinear", [&] {
    using T = scalar_t;
    const Planes<T> y(out), in(x);
    const LinearAxis<T> rows(y.H, in.H, align_corners, scale_h);
    const LinearAxis<T> cols(y.W, in.W, align_corners, scale_w);
    for_each_plane(y.P, y.H * y.W, [&](int64_t p) {
      for (int64_t i = 0; i < y.H; ++i) {
        const int64_t h0 = rows.i0[i], h1 = rows.i1[i];
        const T a0 = rows.w0[i], a1 = rows.w1[i];
        for (int64_t j = 0; j < y.W; ++j) {
          const int64_t c0 = cols.i0[j], c1 = cols.i1[j];
          const T b0 = cols.w0[j], b1 = cols.w1[j];
          y(p, i, j) = a0 * (b0 * in(p, h0, c0) + b1 * in(p, h0, c1)) +
                       a1 * (b0 * in(p, h1, c0) + b1 * in(p, h1, c1));
        }
      }
    });
  });
}

void CpuBackend::upsample_bilinear2d_backward(const Tensor& dx, const Tensor& dy,
                                              bool align_corners, double scale_h, double scale_w) {
  NABLA_DISPATCH_FLOATING(dy.dtype(), "upsample_bilinear_backward", [&] {
    using T = scalar_t;
    const Planes<T> gx(dx), gy(dy);
    const LinearAxis<T> rows(gy.H, gx.H, align_corners, scale_h);
    const LinearAxis<T> cols(gy.W, gx.W, align_corners, scale_w);
    for_each_plane(gy.P, gy.H * gy.W, [&](int64_t p) {
      for (int64_t i = 0; i < gy.H; ++i) {
        const int64_t h0 = rows.i0[i], h1 = rows.i1[i];
        const T a0 = rows.w0[i], a1 = rows.w1[i];
        for (int64_t j = 0; j < gy.W; ++j) {
          const int64_t c0 = cols.i0[j], c1 = cols.i1[j];
          const T b0 = cols.w0[j], b1 = cols.w1[j];
          const T g = gy(p, i, j);
          gx(p, h0, c0) += a0 * b0 * g;
          gx(p, h0, c1) += a0 * b1 * g;
          gx(p, h1, c0) += a1 * b0 * g;
          gx(p, h1, c1) += a1 * b1 * g;
        }
      }
    });
  });
}

}  // namespace nabla::backends::cpu
