#include "backends/conv_geometry.h"

#include "nabla/core/error.h"

namespace nabla::backends {

ColPlanes col_planes_of(const Tensor& col, const Tensor& x, const char* op) {
  NABLA_CHECK(x.dim() == 4 && col.dim() == 6 && col.size(0) == x.size(0) &&
                  col.size(1) == x.size(1) && (col.size(5) == 1 || col.stride(5) == 1) &&
                  (col.size(4) == 1 || col.stride(4) == col.size(5)),
              op,
              ": expected x (N, C, H, W) and col (N, C, kh, kw, OH, OW) with contiguous (OH, OW) "
              "planes, got x ",
              x.shape(), " and col ", col.shape(), " with strides ", col.strides());
  NABLA_CHECK(x.dtype() == col.dtype(), op, ": x is ", x.dtype(), " but col is ", col.dtype());
  return {x.size(0),     x.size(1),     x.size(2),     x.size(3),     col.size(2),   col.size(3),
          col.size(4),   col.size(5),   x.stride(0),   x.stride(1),   x.stride(2),   x.stride(3),
          col.stride(0), col.stride(1), col.stride(2), col.stride(3), col.stride(4), col.stride(5)};
}

Depthwise depthwise_of(const Tensor& x, const Tensor& w, const Tensor& y, const char* op) {
  NABLA_CHECK(
      x.dim() == 4 && w.dim() == 4 && y.dim() == 4 && w.size(1) == 1 && y.size(0) == x.size(0) &&
          y.size(1) == w.size(0) && x.size(1) > 0 && w.size(0) % x.size(1) == 0 &&
          x.is_contiguous() && w.is_contiguous() && y.is_contiguous(),
      op, ": expected contiguous x (N, C, H, W), w (m·C, 1, kh, kw), y (N, m·C, OH, OW), got ",
      x.shape(), ", ", w.shape(), " and ", y.shape());
  NABLA_CHECK(x.dtype() == w.dtype() && x.dtype() == y.dtype(), op, ": dtypes differ: ", x.dtype(),
              ", ", w.dtype(), ", ", y.dtype());
  return {x.size(0), x.size(1), x.size(2), x.size(3), w.size(0),
          y.size(2), y.size(3), w.size(2), w.size(3)};
}

}  // namespace nabla::backends
