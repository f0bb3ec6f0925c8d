// im2col and col2im: the data movement of convolution, so that its
// arithmetic is GEMM. One plane of col is the (OH, OW) grid of input values
// that kernel tap (i, j) of channel c sees; its rows are the input rows
// ih = oh·sh − ph + i·dh, each read at columns iw = ow·sw − pw + j·dw.
// And the depthwise convolution, computed directly from the same windows.
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <utility>

#include "backends/conv_geometry.h"
#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/loops.h"

namespace nabla::backends::cpu {
namespace {

// The output positions o in [0, out) whose input position o·s + offset lies
// in [0, in), as [lo, hi).
std::pair<int64_t, int64_t> valid_range(int64_t in, int64_t out, int64_t s, int64_t offset) {
  // o·s + offset ≥ 0       ⇔ o ≥ ⌈−offset / s⌉
  // o·s + offset ≤ in − 1  ⇔ o ≤ ⌊(in − 1 − offset) / s⌋
  const int64_t lo = std::min(out, offset >= 0 ? 0 : (-offset + s - 1) / s);
  const int64_t last = in - 1 - offset;
  const int64_t hi = last < 0 ? 0 : std::min(out, last / s + 1);
  return {lo, std::max(lo, hi)};
}

// One plane of col: out (OH, OW) = x_plane read at tap offsets (off_h, off_w).
template <class T>
void im2col_plane(T* out, const T* x, const ColPlanes& p, const Backend::ConvWindow& w,
                  int64_t off_h, int64_t off_w) {
  const auto [oh_lo, oh_hi] = valid_range(p.H, p.OH, w.stride_h, off_h);
  const auto [ow_lo, ow_hi] = valid_range(p.W, p.OW, w.stride_w, off_w);
  const bool unit_step = w.stride_w == 1 && p.x_sw == 1;
  std::fill(out, out + oh_lo * p.OW, T(0));
  if (unit_step && w.stride_h == 1 && p.x_sh == p.W && p.OW == p.W && oh_lo < oh_hi &&
      ow_lo < ow_hi) {
    // Output rows as wide as input rows, both contiguous ("same" padding,
    // stride 1: LeNet's conv1, VGG's and ResNet's 3×3): the valid rows are
    // one shifted copy of the plane, out[i] = x[i + off_h·W + off_w], after
    // which the ow_lo columns at the start and OW − ow_hi at the end of each
    // row, which the copy filled from the neighbouring row, are zeroed. One
    // memcpy a plane instead of one per row of 10 to 30 values.
    const int64_t begin = oh_lo * p.OW + ow_lo, end = (oh_hi - 1) * p.OW + ow_hi;
    std::memcpy(out + begin, x + begin + off_h * p.W + off_w, (end - begin) * sizeof(T));
    for (int64_t oh = oh_lo; oh < oh_hi; ++oh) {
      T* row_out = out + oh * p.OW;
      for (int64_t ow = 0; ow < ow_lo; ++ow) row_out[ow] = T(0);
      for (int64_t ow = ow_hi; ow < p.OW; ++ow) row_out[ow] = T(0);
    }
    std::fill(out + oh_hi * p.OW, out + p.OH * p.OW, T(0));
    return;
  }
  for (int64_t oh = oh_lo; oh < oh_hi; ++oh) {
    T* row_out = out + oh * p.OW;
    const T* row_in = x + (oh * w.stride_h + off_h) * p.x_sh;
    std::fill(row_out, row_out + ow_lo, T(0));
    if (unit_step) {
      std::memcpy(row_out + ow_lo, row_in + ow_lo + off_w, (ow_hi - ow_lo) * sizeof(T));
    } else {
      for (int64_t ow = ow_lo; ow < ow_hi; ++ow)
        row_out[ow] = row_in[(ow * w.stride_w + off_w) * p.x_sw];
    }
    std::fill(row_out + ow_hi, row_out + p.OW, T(0));
  }
  std::fill(out + oh_hi * p.OW, out + p.OH * p.OW, T(0));
}

// x_plane (H, W, contiguous) += one plane of col, at tap offsets (off_h, off_w).
template <class T>
void col2im_plane(T* x, const T* in, const ColPlanes& p, const Backend::ConvWindow& w,
                  int64_t off_h, int64_t off_w) {
  const auto [oh_lo, oh_hi] = valid_range(p.H, p.OH, w.stride_h, off_h);
  const auto [ow_lo, ow_hi] = valid_range(p.W, p.OW, w.stride_w, off_w);
  for (int64_t oh = oh_lo; oh < oh_hi; ++oh) {
    const T* row_in = in + oh * p.OW;
    T* row_x = x + (oh * w.stride_h + off_h) * p.W;
    if (w.stride_w == 1) {  // a unit step the compiler can vectorise
      T* row_out = row_x + off_w;
      for (int64_t ow = ow_lo; ow < ow_hi; ++ow) row_out[ow] += row_in[ow];
    } else {
      for (int64_t ow = ow_lo; ow < ow_hi; ++ow) row_x[ow * w.stride_w + off_w] += row_in[ow];
    }
  }
}

template <class T>
void im2col_kernel(T* col, const T* x, const ColPlanes& p, const Backend::ConvWindow& w,
                   bool parallel) {
  const int64_t taps = p.kh * p.kw;
  const int64_t units = p.N * p.C * taps;  // one (n, c, i, j) plane each
  parallel_loop(units, parallel, [&](int64_t u) {
    const int64_t nc = u / taps, tap = u % taps;
    const int64_t n = nc / p.C, c = nc % p.C, i = tap / p.kw, j = tap % p.kw;
    im2col_plane(col + p.col_plane(n, c, i, j), x + n * p.x_sn + c * p.x_sc, p, w,
                 i * w.dilation_h - w.pad_h, j * w.dilation_w - w.pad_w);
  });
}

// Each (n, c) image plane is written by one thread only: no races.
template <class T>
void col2im_kernel(T* x, const T* col, const ColPlanes& p, const Backend::ConvWindow& w,
                   bool parallel) {
  parallel_loop(p.N * p.C, parallel, [&](int64_t nc) {
    const int64_t n = nc / p.C, c = nc % p.C;
    T* x_plane = x + nc * p.H * p.W;
    std::fill(x_plane, x_plane + p.H * p.W, T(0));
    for (int64_t i = 0; i < p.kh; ++i)
      for (int64_t j = 0; j < p.kw; ++j)
        col2im_plane(x_plane, col + p.col_plane(n, c, i, j), p, w, i * w.dilation_h - w.pad_h,
                     j * w.dilation_w - w.pad_w);
  });
}

// ---- depthwise: one (n, o) plane of y against one (n, o/m) plane of x.

// Calls row(oh, ih, ow_lo, ow_hi, off_w) for every output row oh of tap (i, j)
// that reads input row ih, with [ow_lo, ow_hi) the columns whose input
// column ow·sw + off_w lies inside the input.
template <class Row>
void for_tap_rows(const Depthwise& d, const Backend::ConvWindow& w, int64_t i, int64_t j,
                  Row&& row) {
  const int64_t off_h = i * w.dilation_h - w.pad_h, off_w = j * w.dilation_w - w.pad_w;
  const auto [oh_lo, oh_hi] = valid_range(d.H, d.OH, w.stride_h, off_h);
  const auto [ow_lo, ow_hi] = valid_range(d.W, d.OW, w.stride_w, off_w);
  for (int64_t oh = oh_lo; oh < oh_hi; ++oh) row(oh, oh * w.stride_h + off_h, ow_lo, ow_hi, off_w);
}

template <class T>
void depthwise_forward_kernel(T* y, const T* x, const T* wt, const T* b, const Depthwise& d,
                              const Backend::ConvWindow& w, bool parallel) {
  const int64_t plane_in = d.H * d.W, plane_out = d.OH * d.OW;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t no = 0; no < d.N * d.O; ++no) {
    const int64_t n = no / d.O, o = no % d.O;
    const T* xp = x + (n * d.C + o / d.m()) * plane_in;
    T* yp = y + no * plane_out;
    std::fill(yp, yp + plane_out, b ? b[o] : T(0));
    for (int64_t i = 0; i < d.kh; ++i)
      for (int64_t j = 0; j < d.kw; ++j) {
        const T wij = wt[(o * d.kh + i) * d.kw + j];
        for_tap_rows(d, w, i, j, [&](int64_t oh, int64_t ih, int64_t lo, int64_t hi, int64_t off) {
          T* out = yp + oh * d.OW;
          const T* in = xp + ih * d.W + off;
          if (w.stride_w == 1) {
            for (int64_t ow = lo; ow < hi; ++ow) out[ow] += wij * in[ow];
          } else {
            for (int64_t ow = lo; ow < hi; ++ow) out[ow] += wij * in[ow * w.stride_w];
          }
        });
      }
  }
}

// Each (n, c) plane of dx is written by one thread only: no races.
template <class T>
void depthwise_input_grad_kernel(T* dx, const T* dy, const T* wt, const Depthwise& d,
                                 const Backend::ConvWindow& w, bool parallel) {
  const int64_t plane_in = d.H * d.W, plane_out = d.OH * d.OW, m = d.m();
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t nc = 0; nc < d.N * d.C; ++nc) {
    const int64_t n = nc / d.C, c = nc % d.C;
    T* dxp = dx + nc * plane_in;
    std::fill(dxp, dxp + plane_in, T(0));
    for (int64_t o = c * m; o < (c + 1) * m; ++o) {
      const T* dyp = dy + (n * d.O + o) * plane_out;
      for (int64_t i = 0; i < d.kh; ++i)
        for (int64_t j = 0; j < d.kw; ++j) {
          const T wij = wt[(o * d.kh + i) * d.kw + j];
          for_tap_rows(d, w, i, j,
                       [&](int64_t oh, int64_t ih, int64_t lo, int64_t hi, int64_t off) {
                         const T* g = dyp + oh * d.OW;
                         T* out = dxp + ih * d.W + off;
                         if (w.stride_w == 1) {
                           for (int64_t ow = lo; ow < hi; ++ow) out[ow] += wij * g[ow];
                         } else {
                           for (int64_t ow = lo; ow < hi; ++ow) out[ow * w.stride_w] += wij * g[ow];
                         }
                       });
        }
    }
  }
}

// Each output channel's kh·kw weights are summed by one thread only, image
// by image, all taps of an image while its two planes are in cache.
template <class T>
void depthwise_weight_grad_kernel(T* dw, const T* x, const T* dy, const Depthwise& d,
                                  const Backend::ConvWindow& w, bool parallel) {
  const int64_t plane_in = d.H * d.W, plane_out = d.OH * d.OW, taps = d.kh * d.kw;
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t o = 0; o < d.O; ++o) {
    T* sums = dw + o * taps;
    std::fill(sums, sums + taps, T(0));
    for (int64_t n = 0; n < d.N; ++n) {
      const T* xp = x + (n * d.C + o / d.m()) * plane_in;
      const T* dyp = dy + (n * d.O + o) * plane_out;
      for (int64_t i = 0; i < d.kh; ++i)
        for (int64_t j = 0; j < d.kw; ++j) {
          T acc = 0;
          for_tap_rows(d, w, i, j,
                       [&](int64_t oh, int64_t ih, int64_t lo, int64_t hi, int64_t off) {
                         const T* g = dyp + oh * d.OW;
                         const T* in = xp + ih * d.W + off;
                         // simd: lets the compiler reorder the sum into vector lanes
                         if (w.stride_w == 1) {
#pragma omp simd reduction(+ : acc)
                           for (int64_t ow = lo; ow < hi; ++ow) acc += g[ow] * in[ow];
                         } else {
#pragma omp simd reduction(+ : acc)
                           for (int64_t ow = lo; ow < hi; ++ow) acc += g[ow] * in[ow * w.stride_w];
                         }
                       });
          sums[i * d.kw + j] += acc;
        }
    }
  }
}

}  // namespace

void CpuBackend::im2col(const Tensor& col, const Tensor& x, const ConvWindow& window) {
  const ColPlanes p = col_planes_of(col, x, "im2col");
  const bool parallel = col.numel() >= kParallelGrain && !omp_in_parallel();
  NABLA_DISPATCH_FLOATING(x.dtype(), "im2col", [&] {
    im2col_kernel(col.data_ptr<scalar_t>(), x.data_ptr<scalar_t>(), p, window, parallel);
  });
}

void CpuBackend::col2im(const Tensor& x, const Tensor& col, const ConvWindow& window) {
  const ColPlanes p = col_planes_of(col, x, "col2im");
  NABLA_CHECK(x.is_contiguous(), "col2im: x must be contiguous, got strides ", x.strides());
  const bool parallel = col.numel() >= kParallelGrain && !omp_in_parallel();
  NABLA_DISPATCH_FLOATING(x.dtype(), "col2im", [&] {
    col2im_kernel(x.data_ptr<scalar_t>(), col.data_ptr<scalar_t>(), p, window, parallel);
  });
}

void CpuBackend::depthwise_conv2d(const Tensor& y, const Tensor& x, const Tensor& w,
                                  const Tensor& b, const ConvWindow& window) {
  const Depthwise d = depthwise_of(x, w, y, "depthwise_conv2d");
  NABLA_CHECK(!b.defined() ||
                  (b.dim() == 1 && b.size(0) == d.O && b.is_contiguous() && b.dtype() == x.dtype()),
              "depthwise_conv2d: expected a contiguous bias (", d.O, "), got ", b.shape());
  const bool parallel = y.numel() * d.kh * d.kw >= kParallelGrain && !omp_in_parallel();
  NABLA_DISPATCH_FLOATING(x.dtype(), "depthwise_conv2d", [&] {
    depthwise_forward_kernel(y.data_ptr<scalar_t>(), x.data_ptr<scalar_t>(), w.data_ptr<scalar_t>(),
                             b.defined() ? b.data_ptr<scalar_t>() : nullptr, d, window, parallel);
  });
}

void CpuBackend::depthwise_conv2d_input_grad(const Tensor& dx, const Tensor& dy, const Tensor& w,
                                             const ConvWindow& window) {
  const Depthwise d = depthwise_of(dx, w, dy, "depthwise_conv2d_input_grad");
  const bool parallel = dy.numel() * d.kh * d.kw >= kParallelGrain && !omp_in_parallel();
  NABLA_DISPATCH_FLOATING(dx.dtype(), "depthwise_conv2d_input_grad", [&] {
    depthwise_input_grad_kernel(dx.data_ptr<scalar_t>(), dy.data_ptr<scalar_t>(),
                                w.data_ptr<scalar_t>(), d, window, parallel);
  });
}

void CpuBackend::depthwise_conv2d_weight_grad(const Tensor& dw, const Tensor& x, const Tensor& dy,
                                              const ConvWindow& window) {
  const Depthwise d = depthwise_of(x, dw, dy, "depthwise_conv2d_weight_grad");
  const bool parallel = dy.numel() * d.kh * d.kw >= kParallelGrain && !omp_in_parallel();
  NABLA_DISPATCH_FLOATING(x.dtype(), "depthwise_conv2d_weight_grad", [&] {
    depthwise_weight_grad_kernel(dw.data_ptr<scalar_t>(), x.data_ptr<scalar_t>(),
                                 dy.data_ptr<scalar_t>(), d, window, parallel);
  });
}

}  // namespace nabla::backends::cpu
