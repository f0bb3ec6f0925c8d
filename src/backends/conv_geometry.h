// The geometry of the convolution kernels' calls, the same on every device:
// sizes and strides, checked once before any kernel runs.
#pragma once

#include "nabla/core/tensor.h"

namespace nabla::backends {

// im2col and col2im: x (N, C, H, W) and col (N, C, kh, kw, OH, OW), each
// with its element strides. Each (OH, OW) plane of col is contiguous; the
// planes may lie anywhere (the ops pass a permuted view of their scratch).
struct ColPlanes {
  int64_t N, C, H, W, kh, kw, OH, OW;
  int64_t x_sn, x_sc, x_sh, x_sw;
  int64_t c_sn, c_sc, c_si, c_sj, c_soh, c_sow;

  // Offset in col of the plane of image n, channel c, kernel tap (i, j).
  constexpr int64_t col_plane(int64_t n, int64_t c, int64_t i, int64_t j) const {
    return n * c_sn + c * c_sc + i * c_si + j * c_sj;
  }
};

ColPlanes col_planes_of(const Tensor& col, const Tensor& x, const char* op);

// Depthwise: x (N, C, H, W), w (O, 1, kh, kw), y (N, O, OH, OW); output channel o
// reads input channel o/m.
struct Depthwise {
  int64_t N, C, H, W, O, OH, OW, kh, kw;
  constexpr int64_t m() const { return O / C; }  // output channels per input channel
};

// The sizes of a call, or an Error naming the shapes (all three must be
// contiguous, of one dtype, and O a multiple of C).
Depthwise depthwise_of(const Tensor& x, const Tensor& w, const Tensor& y, const char* op);

}  // namespace nabla::backends
