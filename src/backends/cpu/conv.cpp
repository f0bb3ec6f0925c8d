// im2col and col2im: the data movement of convolution, so that its
// arithmetic is GEMM. One plane of col is the (OH, OW) grid of input values
// that kernel tap (i, j) of channel c sees; its rows are the input rows
// ih = oh·sh − ph + i·dh, each read at columns iw = ow·sw − pw + j·dw.
#include <omp.h>

#include <algorithm>
#include <cstring>
#include <utility>

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

// The geometry shared by every plane of one call.
struct Planes {
  int64_t N, C, H, W, kh, kw, OH, OW;
  int64_t x_sn, x_sc, x_sh, x_sw;  // element strides of x
  int64_t c_sn, c_sc, c_si, c_sj;  // element strides of col over (n, c, i, j)

  // Offset in col of the plane of image n, channel c, kernel tap (i, j).
  int64_t col_plane(int64_t n, int64_t c, int64_t i, int64_t j) const {
    return n * c_sn + c * c_sc + i * c_si + j * c_sj;
  }
};

Planes planes_of(const Tensor& col, const Tensor& x, const char* op) {
  // Each (OH, OW) plane of col is contiguous; the planes may lie anywhere.
  NABLA_CHECK(x.dim() == 4 && col.dim() == 6 && col.size(0) == x.size(0) &&
                  col.size(1) == x.size(1) && (col.size(5) == 1 || col.stride(5) == 1) &&
                  (col.size(4) == 1 || col.stride(4) == col.size(5)),
              op,
              ": expected x (N, C, H, W) and col (N, C, kh, kw, OH, OW) with contiguous (OH, OW) "
              "planes, got x ",
              x.shape(), " and col ", col.shape(), " with strides ", col.strides());
  NABLA_CHECK(x.dtype() == col.dtype(), op, ": x is ", x.dtype(), " but col is ", col.dtype());
  return {x.size(0),     x.size(1),     x.size(2),     x.size(3),    col.size(2), col.size(3),
          col.size(4),   col.size(5),   x.stride(0),   x.stride(1),  x.stride(2), x.stride(3),
          col.stride(0), col.stride(1), col.stride(2), col.stride(3)};
}

// One plane of col: out (OH, OW) = x_plane read at tap offsets (off_h, off_w).
template <class T>
void im2col_plane(T* out, const T* x, const Planes& p, const Backend::ConvWindow& w, int64_t off_h,
                  int64_t off_w) {
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
void col2im_plane(T* x, const T* in, const Planes& p, const Backend::ConvWindow& w, int64_t off_h,
                  int64_t off_w) {
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
void im2col_kernel(T* col, const T* x, const Planes& p, const Backend::ConvWindow& w,
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
void col2im_kernel(T* x, const T* col, const Planes& p, const Backend::ConvWindow& w,
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

}  // namespace

void CpuBackend::im2col(const Tensor& col, const Tensor& x, const ConvWindow& window) {
  const Planes p = planes_of(col, x, "im2col");
  const bool parallel = col.numel() >= kParallelGrain && !omp_in_parallel();
  NABLA_DISPATCH_FLOATING(x.dtype(), "im2col", [&] {
    im2col_kernel(col.data_ptr<scalar_t>(), x.data_ptr<scalar_t>(), p, window, parallel);
  });
}

void CpuBackend::col2im(const Tensor& x, const Tensor& col, const ConvWindow& window) {
  const Planes p = planes_of(col, x, "col2im");
  NABLA_CHECK(x.is_contiguous(), "col2im: x must be contiguous, got strides ", x.strides());
  const bool parallel = col.numel() >= kParallelGrain && !omp_in_parallel();
  NABLA_DISPATCH_FLOATING(x.dtype(), "col2im", [&] {
    col2im_kernel(x.data_ptr<scalar_t>(), col.data_ptr<scalar_t>(), p, window, parallel);
  });
}

}  // namespace nabla::backends::cpu
