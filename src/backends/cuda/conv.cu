// im2col and col2im: the data movement of convolution, so that its
// arithmetic is a cuBLAS GEMM; and the depthwise convolution, computed
// directly from the same windows. Kernel tap (i, j) of output pixel
// (oh, ow) reads input pixel (oh·sh − ph + i·dh, ow·sw − pw + j·dw), and
// nothing where that lies outside the input, as the CPU's conv.cpp.
// The adjoints (col2im, the depthwise input gradient) are gathers: a thread
// per input pixel sums the entries that read it, in the order the CPU adds
// them, so no atomics are needed and the sums round as the CPU's.
#include <algorithm>

#include "backends/conv_geometry.h"
#include "backends/cuda/common.cuh"
#include "backends/cuda/cuda_backend.h"

namespace nabla::backends::cuda {
namespace {

using Window = Backend::ConvWindow;

// The output position o in [0, out) whose input position o·s + offset is p,
// if there is one (a tap reads p from at most one output position).
__device__ __forceinline__ bool output_reading(int64_t p, int64_t s, int64_t offset, int64_t out,
                                               int64_t& o) {
  const int64_t t = p - offset;
  if (t < 0) return false;
  if (s == 1) {
    o = t;
  } else {
    if (t % s != 0) return false;
    o = t / s;
  }
  return o < out;
}

// The output positions o in [0, out) whose input position o·s + offset lies
// in [0, in), as [lo, hi) (the CPU's valid_range).
__device__ __forceinline__ void valid_range(int64_t in, int64_t out, int64_t s, int64_t offset,
                                            int64_t& lo, int64_t& hi) {
  // o·s + offset ≥ 0       ⇔ o ≥ ⌈−offset / s⌉
  // o·s + offset ≤ in − 1  ⇔ o ≤ ⌊(in − 1 − offset) / s⌋
  lo = min(out, offset >= 0 ? int64_t{0} : (-offset + s - 1) / s);
  const int64_t last = in - 1 - offset;
  hi = max(lo, last < 0 ? int64_t{0} : min(out, last / s + 1));
}

// ---- im2col and col2im

// col[n, c, i, j, oh, ow] = x[n, c, oh·sh − ph + i·dh, ow·sw − pw + j·dw], 0 outside x;
// a thread per (n, c, oh, ow) writes its kh·kw taps (consecutive threads, consecutive ow)
template <class T>
__global__ void im2col_kernel(T* col, const T* x, ColPlanes p, Window w, int64_t total) {
  NABLA_GRID_STRIDE_LOOP(idx, total) {
    const int64_t ow = idx % p.OW, oh = idx / p.OW % p.OH, nc = idx / (p.OW * p.OH);
    const int64_t n = nc / p.C, c = nc % p.C;
    const T* xp = x + n * p.x_sn + c * p.x_sc;
    T* out = col + n * p.c_sn + c * p.c_sc + oh * p.c_soh + ow * p.c_sow;
    for (int64_t i = 0; i < p.kh; ++i) {
      const int64_t ih = oh * w.stride_h - w.pad_h + i * w.dilation_h;
      const bool row_inside = ih >= 0 && ih < p.H;
      for (int64_t j = 0; j < p.kw; ++j) {
        const int64_t iw = ow * w.stride_w - w.pad_w + j * w.dilation_w;
        out[i * p.c_si + j * p.c_sj] =
            (row_inside && iw >= 0 && iw < p.W) ? xp[ih * p.x_sh + iw * p.x_sw] : T(0);
      }
    }
  }
}

// x[n, c, h, w] = Σ_{i,j} col[n, c, i, j, oh, ow] over the taps whose window
// reads (h, w): h = oh·sh − ph + i·dh, w = ow·sw − pw + j·dw; 0 if none.
// x contiguous; a thread per x element, taps in the CPU's order (i, then j)
template <class T>
__global__ void col2im_kernel(T* x, const T* col, ColPlanes p, Window w, int64_t total) {
  NABLA_GRID_STRIDE_LOOP(idx, total) {
    const int64_t iw = idx % p.W, ih = idx / p.W % p.H, nc = idx / (p.W * p.H);
    const int64_t n = nc / p.C, c = nc % p.C;
    const T* plane = col + n * p.c_sn + c * p.c_sc;
    T acc = T(0);
    for (int64_t i = 0; i < p.kh; ++i) {
      int64_t oh;
      if (!output_reading(ih, w.stride_h, i * w.dilation_h - w.pad_h, p.OH, oh)) continue;
      for (int64_t j = 0; j < p.kw; ++j) {
        int64_t ow;
        if (!output_reading(iw, w.stride_w, j * w.dilation_w - w.pad_w, p.OW, ow)) continue;
        acc += plane[i * p.c_si + j * p.c_sj + oh * p.c_soh + ow * p.c_sow];
      }
    }
    x[idx] = acc;
  }
}

// ---- depthwise: output channel o reads input channel o/m, m = O/C; all contiguous

// y[n, o, oh, ow] = b[o] + Σ_{i,j} w[o, 0, i, j]·x[n, o/m, oh·sh − ph + i·dh, ow·sw − pw + j·dw]
// (taps outside x skipped, b = 0 where null); a thread per y element, taps in the CPU's order
template <class T>
__global__ void depthwise_forward_kernel(T* y, const T* x, const T* wt, const T* b, Depthwise d,
                                         Window w, int64_t total) {
  const int64_t m = d.O / d.C;
  NABLA_GRID_STRIDE_LOOP(idx, total) {
    const int64_t ow = idx % d.OW, oh = idx / d.OW % d.OH, no = idx / (d.OW * d.OH);
    const int64_t n = no / d.O, o = no % d.O;
    const T* xp = x + (n * d.C + o / m) * d.H * d.W;
    const T* wp = wt + o * d.kh * d.kw;
    T acc = b ? b[o] : T(0);
    for (int64_t i = 0; i < d.kh; ++i) {
      const int64_t ih = oh * w.stride_h - w.pad_h + i * w.dilation_h;
      if (ih < 0 || ih >= d.H) continue;
      for (int64_t j = 0; j < d.kw; ++j) {
        const int64_t iw = ow * w.stride_w - w.pad_w + j * w.dilation_w;
        if (iw < 0 || iw >= d.W) continue;
        acc += mul_rn(wp[i * d.kw + j], xp[ih * d.W + iw]);
      }
    }
    y[idx] = acc;
  }
}

// dx[n, c, h, w] = Σ_{o/m = c} Σ_{i,j} w[o, 0, i, j]·dy[n, o, oh, ow] over the
// taps whose window reads (h, w); a thread per dx element, in the CPU's order (o, i, j)
template <class T>
__global__ void depthwise_input_grad_kernel(T* dx, const T* dy, const T* wt, Depthwise d, Window w,
                                            int64_t total) {
  const int64_t m = d.O / d.C;
  NABLA_GRID_STRIDE_LOOP(idx, total) {
    const int64_t iw = idx % d.W, ih = idx / d.W % d.H, nc = idx / (d.W * d.H);
    const int64_t n = nc / d.C, c = nc % d.C;
    T acc = T(0);
    for (int64_t o = c * m; o < (c + 1) * m; ++o) {
      const T* dyp = dy + (n * d.O + o) * d.OH * d.OW;
      const T* wp = wt + o * d.kh * d.kw;
      for (int64_t i = 0; i < d.kh; ++i) {
        int64_t oh;
        if (!output_reading(ih, w.stride_h, i * w.dilation_h - w.pad_h, d.OH, oh)) continue;
        for (int64_t j = 0; j < d.kw; ++j) {
          int64_t ow;
          if (!output_reading(iw, w.stride_w, j * w.dilation_w - w.pad_w, d.OW, ow)) continue;
          acc += mul_rn(wp[i * d.kw + j], dyp[oh * d.OW + ow]);
        }
      }
    }
    dx[idx] = acc;
  }
}

// dw[o, 0, i, j] = Σ_{n,oh,ow} dy[n, o, oh, ow]·x[n, o/m, oh·sh − ph + i·dh, ow·sw − pw + j·dw]
// over the (oh, ow) whose tap lies inside x; one block per (o, i, j), summed in double
template <class T>
__global__ void depthwise_weight_grad_kernel(T* dw, const T* x, const T* dy, Depthwise d,
                                             Window w) {
  const int64_t m = d.O / d.C, taps = d.kh * d.kw;
  for (int64_t u = blockIdx.x; u < d.O * taps; u += gridDim.x) {
    const int64_t o = u / taps, i = u % taps / d.kw, j = u % d.kw;
    const int64_t off_h = i * w.dilation_h - w.pad_h, off_w = j * w.dilation_w - w.pad_w;
    int64_t oh_lo, oh_hi, ow_lo, ow_hi;
    valid_range(d.H, d.OH, w.stride_h, off_h, oh_lo, oh_hi);
    valid_range(d.W, d.OW, w.stride_w, off_w, ow_lo, ow_hi);
    const int64_t rows = oh_hi - oh_lo, cols = ow_hi - ow_lo, count = d.N * rows * cols;
    double acc = 0;
    for (int64_t k = threadIdx.x; k < count; k += blockDim.x) {
      const int64_t ow = ow_lo + k % cols, oh = oh_lo + k / cols % rows, n = k / (cols * rows);
      const T* xp = x + (n * d.C + o / m) * d.H * d.W;
      const T* dyp = dy + (n * d.O + o) * d.OH * d.OW;
      acc += static_cast<double>(dyp[oh * d.OW + ow]) *
             static_cast<double>(xp[(oh * w.stride_h + off_h) * d.W + ow * w.stride_w + off_w]);
    }
    acc = block_sum(acc);
    if (threadIdx.x == 0) dw[u] = static_cast<T>(acc);
  }
}

}  // namespace

void CudaBackend::im2col(const Tensor& col, const Tensor& x, const ConvWindow& window) {
  DeviceGuard guard(device_of(x));
  const ColPlanes p = col_planes_of(col, x, "im2col");
  const int64_t total = p.N * p.C * p.OH * p.OW;
  if (total == 0 || p.kh * p.kw == 0) return;
  NABLA_DISPATCH_FLOATING(x.dtype(), "im2col", [&] {
    im2col_kernel<scalar_t><<<grid_for(total), kThreads, 0, stream(device_of(x))>>>(
        ptr<scalar_t>(col), ptr<scalar_t>(x), p, window, total);
    NABLA_CUDA_CHECK_LAUNCH();
  });
}

void CudaBackend::col2im(const Tensor& x, const Tensor& col, const ConvWindow& window) {
  DeviceGuard guard(device_of(x));
  const ColPlanes p = col_planes_of(col, x, "col2im");
  NABLA_CHECK(x.is_contiguous(), "col2im: x must be contiguous, got strides ", x.strides());
  const int64_t total = x.numel();
  if (total == 0) return;
  NABLA_DISPATCH_FLOATING(x.dtype(), "col2im", [&] {
    col2im_kernel<scalar_t><<<grid_for(total), kThreads, 0, stream(device_of(x))>>>(
        ptr<scalar_t>(x), ptr<scalar_t>(col), p, window, total);
    NABLA_CUDA_CHECK_LAUNCH();
  });
}

void CudaBackend::depthwise_conv2d(const Tensor& y, const Tensor& x, const Tensor& w,
                                   const Tensor& b, const ConvWindow& window) {
  DeviceGuard guard(device_of(x));
  const Depthwise d = depthwise_of(x, w, y, "depthwise_conv2d");
  NABLA_CHECK(!b.defined() ||
                  (b.dim() == 1 && b.size(0) == d.O && b.is_contiguous() && b.dtype() == x.dtype()),
              "depthwise_conv2d: expected a contiguous bias (", d.O, "), got ", b.shape());
  const int64_t total = y.numel();
  if (total == 0) return;
  NABLA_DISPATCH_FLOATING(x.dtype(), "depthwise_conv2d", [&] {
    depthwise_forward_kernel<scalar_t><<<grid_for(total), kThreads, 0, stream(device_of(x))>>>(
        ptr<scalar_t>(y), ptr<scalar_t>(x), ptr<scalar_t>(w),
        b.defined() ? ptr<scalar_t>(b) : nullptr, d, window, total);
    NABLA_CUDA_CHECK_LAUNCH();
  });
}

void CudaBackend::depthwise_conv2d_input_grad(const Tensor& dx, const Tensor& dy, const Tensor& w,
                                              const ConvWindow& window) {
  DeviceGuard guard(device_of(dx));
  const Depthwise d = depthwise_of(dx, w, dy, "depthwise_conv2d_input_grad");
  const int64_t total = dx.numel();
  if (total == 0) return;
  NABLA_DISPATCH_FLOATING(dx.dtype(), "depthwise_conv2d_input_grad", [&] {
    depthwise_input_grad_kernel<scalar_t><<<grid_for(total), kThreads, 0, stream(device_of(dx))>>>(
        ptr<scalar_t>(dx), ptr<scalar_t>(dy), ptr<scalar_t>(w), d, window, total);
    NABLA_CUDA_CHECK_LAUNCH();
  });
}

void CudaBackend::depthwise_conv2d_weight_grad(const Tensor& dw, const Tensor& x, const Tensor& dy,
                                               const ConvWindow& window) {
  DeviceGuard guard(device_of(x));
  const Depthwise d = depthwise_of(x, dw, dy, "depthwise_conv2d_weight_grad");
  const int64_t units = d.O * d.kh * d.kw;  // one block per weight tap
  if (units == 0) return;
  NABLA_DISPATCH_FLOATING(x.dtype(), "depthwise_conv2d_weight_grad", [&] {
    depthwise_weight_grad_kernel<scalar_t>
        <<<blocks_for(units), reduce_threads(d.N * d.OH * d.OW), 0, stream(device_of(x))>>>(
            ptr<scalar_t>(dw), ptr<scalar_t>(x), ptr<scalar_t>(dy), d, window);
    NABLA_CUDA_CHECK_LAUNCH();
  });
}

}  // namespace nabla::backends::cuda
