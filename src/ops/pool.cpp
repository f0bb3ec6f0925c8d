// Pooling: max, average and adaptive, forward and backward, and max_unpool2d.
// Every form runs as the 2-D op on a 4-D (N, C, H, W) view: unbatched input
// gains N = 1, 1-D input (N, C, L) becomes (N, C, 1, L) with a kernel of
// height 1. Those views carry the gradient back to the caller's shape.
#include "nabla/ops/pool.h"

#include <optional>
#include <string>

#include "nabla/ops/reduce.h"
#include "ops/internal.h"

namespace nabla {

int64_t pool_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t padding,
                         int64_t dilation, bool ceil_mode) {
  const int64_t span = in + 2 * padding - dilation * (kernel - 1) - 1;
  // Floor division (span may be negative when the kernel does not fit).
  auto floor_div = [](int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); };
  int64_t out = floor_div(span + (ceil_mode ? stride - 1 : 0), stride) + 1;
  if (ceil_mode && (out - 1) * stride >= in + padding) --out;
  return out;
}

namespace ops {
namespace {

using PoolWindow = backends::Backend::PoolWindow;

// A call as its caller wrote it: what checks print and how the result is
// shaped back. For the 1-D ops only the width components are shown.
struct PoolCall {
  const char* op;
  int spatial_dims;  // 1 or 2
  Shape input_shape;
  Size2 kernel, stride, padding, dilation = 1;
  bool ceil_mode = false;
  bool has_dilation = true;  // printed by the max pools
  bool has_ceil_mode = true;

  // "input [1, 1, 4, 4], kernel_size=3, stride=3, padding=2, dilation=1, ceil_mode=false"
  std::string describe() const {
    auto shown = [&](const Size2& s) -> std::string {
      return spatial_dims == 1 ? std::to_string(s.w) : detail::concat(s);
    };
    std::string d = detail::concat("input ", input_shape, ", kernel_size=", shown(kernel),
                                   ", stride=", shown(stride), ", padding=", shown(padding));
    if (has_dilation) d += ", dilation=" + shown(dilation);
    if (has_ceil_mode) d += std::string(", ceil_mode=") + (ceil_mode ? "true" : "false");
    return d;
  }
};

// x as (N, C, H, W): checks rank, dtype and that C and the spatial sizes are
// non-empty (N may be 0).
Tensor as_4d(const Tensor& x, const char* op, int spatial_dims) {
  check_defined(x, op, "input");
  check_floating(x, op);
  const int64_t batched = spatial_dims + 2;
  NABLA_CHECK(x.dim() == batched || x.dim() == batched - 1, op, ": expected a ", batched - 1,
              "-D (unbatched) or ", batched, "-D (batched) input, got ", x.dim(), "-D input ",
              x.shape());
  for (int64_t d = x.dim() - spatial_dims - 1; d < x.dim(); ++d)
    NABLA_CHECK(x.size(d) > 0, op, ": expected non-empty channel and spatial dims, got input ",
                x.shape());
  Tensor x4 = x.dim() == batched ? x : x.unsqueeze(0);
  return spatial_dims == 1 ? x4.unsqueeze(2) : x4;
}

// y (N, C, OH, OW) back to the caller's rank.
Tensor from_4d(const Tensor& y, const Tensor& x, int spatial_dims) {
  Tensor out = spatial_dims == 1 ? y.squeeze(2) : y;
  return x.dim() == spatial_dims + 2 ? out : out.squeeze(0);
}

// Checks a window against a 4-D input; returns it with the output size.
std::pair<PoolWindow, Size2> window_of(const PoolCall& c, const Tensor& x4) {
  NABLA_CHECK(c.kernel.h > 0 && c.kernel.w > 0, c.op, ": kernel_size must be greater than zero; ",
              c.describe());
  NABLA_CHECK(c.stride.h > 0 && c.stride.w > 0, c.op, ": stride must be greater than zero; ",
              c.describe());
  NABLA_CHECK(c.dilation.h > 0 && c.dilation.w > 0, c.op, ": dilation must be greater than zero; ",
              c.describe());
  NABLA_CHECK(c.padding.h >= 0 && c.padding.w >= 0 && c.padding.h <= c.kernel.h / 2 &&
                  c.padding.w <= c.kernel.w / 2,
              c.op, ": padding must be non-negative and at most half of kernel_size; ",
              c.describe());
  const Size2 out{
      pool_output_size(x4.size(2), c.kernel.h, c.stride.h, c.padding.h, c.dilation.h, c.ceil_mode),
      pool_output_size(x4.size(3), c.kernel.w, c.stride.w, c.padding.w, c.dilation.w, c.ceil_mode)};
  NABLA_CHECK(out.h > 0 && out.w > 0, c.op, ": the output would be ",
              c.spatial_dims == 1 ? detail::concat(out.w) : detail::concat(out.h, "x", out.w),
              ", too small (the kernel is larger than the padded input); ", c.describe());
  PoolWindow w{c.kernel.h,  c.kernel.w,  c.stride.h,   c.stride.w,
               c.padding.h, c.padding.w, c.dilation.h, c.dilation.w};
  return {w, out};
}

void check_output_size(const Size2& s, const char* op, const Tensor& x, int spatial_dims) {
  NABLA_CHECK(s.h > 0 && s.w > 0, op, ": output_size must be greater than zero, got ",
              spatial_dims == 1 ? detail::concat(s.w) : detail::concat(s), " for input ",
              x.shape());
}

// d max over a window: dy routed to the window's argmax, dx[idx[o]] += dy[o]
// (max_pool2d and adaptive_max_pool2d).
struct MaxPool2dBackward final : Node {
  NABLA_NODE(MaxPool2dBackward);
  // (N, C, OH, OW): i64 positions in the H·W plane, or (max_pool2d only)
  // u8 taps of the window
  SavedTensor indices;
  Shape input_shape;                 // (N, C, H, W)
  std::optional<PoolWindow> window;  // max_pool2d's; none: adaptive
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor dx = empty_on(g[0], input_shape);
    if (window)
      backend_of(dx).max_pool2d_backward(dx, g[0], indices.unpack(*this), *window);
    else
      backend_of(dx).max_pool2d_backward(dx, g[0], indices.unpack(*this), /*accumulate=*/true);
    return {dx};
  }
  void release_saved() override { indices.reset(); }
};

// d unpool: y[idx[o]] = x[o], so dx[o] = dy[idx[o]].
struct MaxUnpool2dBackward final : Node {
  NABLA_NODE(MaxUnpool2dBackward);
  SavedTensor indices;  // x's shape (N, C, H, W)
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor idx = indices.unpack(*this);
    Tensor dx = empty_on(g[0], idx.shape());
    backend_of(dx).max_unpool2d_backward(dx, g[0], idx);
    return {dx, Tensor()};
  }
  void release_saved() override { indices.reset(); }
};

// d mean over a window: dx[window(o)] += dy[o] / divisor(o).
struct AvgPool2dBackward final : Node {
  NABLA_NODE(AvgPool2dBackward);
  Shape input_shape;
  PoolWindow window{};
  bool count_include_pad = true;
  int64_t divisor_override = 0;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor dx = empty_on(g[0], input_shape);
    backend_of(dx).avg_pool2d_backward(dx, g[0], window, count_include_pad, divisor_override);
    return {dx};
  }
};

// d mean over an adaptive window: dx[window(o)] += dy[o] / |window(o)|.
struct AdaptiveAvgPool2dBackward final : Node {
  NABLA_NODE(AdaptiveAvgPool2dBackward);
  Shape input_shape;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor dx = empty_on(g[0], input_shape);
    backend_of(dx).adaptive_avg_pool2d_backward(dx, g[0]);
    return {dx};
  }
};

// values and, when return_indices, indices (int64 positions in the plane).
// Where the caller does not want them, autograd keeps the argmaxes as uint8
// taps of the window (an eighth of the bytes to write and read back); with
// no autograd either (inference) none are made at all.
std::pair<Tensor, Tensor> max_pool(const Tensor& x, const PoolCall& c, bool return_indices) {
  Tensor x4 = as_4d(x, c.op, c.spatial_dims);
  const auto [window, out] = window_of(c, x4);
  const Shape shape{x4.size(0), x4.size(1), out.h, out.w};
  Tensor values = empty_on(x4, shape), indices;
  if (return_indices)
    indices = empty_on(x4, shape, kInt64);
  else if (autograd::should_record({&x4}))
    indices = empty_on(x4, shape, window.kernel_h * window.kernel_w <= 256 ? kUInt8 : kInt64);
  backend_of(x4).max_pool2d(values, indices, x4, window);
  if (auto node = record<MaxPool2dBackward>({x4}, {&values})) {
    node->indices = indices;
    node->input_shape = x4.shape();
    node->window = window;
  }
  if (!return_indices) return {from_4d(values, x, c.spatial_dims), Tensor()};
  return {from_4d(values, x, c.spatial_dims), from_4d(indices, x, c.spatial_dims)};
}

Tensor avg_pool(const Tensor& x, const PoolCall& c, bool count_include_pad,
                std::optional<int64_t> divisor_override) {
  NABLA_CHECK(!divisor_override || *divisor_override != 0, c.op,
              ": divisor_override must be non-zero; ", c.describe());
  Tensor x4 = as_4d(x, c.op, c.spatial_dims);
  const auto [window, out] = window_of(c, x4);
  Tensor y = empty_on(x4, {x4.size(0), x4.size(1), out.h, out.w});
  const int64_t divisor = divisor_override.value_or(0);
  backend_of(x4).avg_pool2d(y, x4, window, count_include_pad, divisor);
  if (auto node = record<AvgPool2dBackward>({x4}, {&y})) {
    node->input_shape = x4.shape();
    node->window = window;
    node->count_include_pad = count_include_pad;
    node->divisor_override = divisor;
  }
  return from_4d(y, x, c.spatial_dims);
}

Tensor adaptive_avg_pool(const Tensor& x, Size2 output_size, const char* op, int spatial_dims) {
  Tensor x4 = as_4d(x, op, spatial_dims);
  check_output_size(output_size, op, x, spatial_dims);
  if (output_size == Size2(1, 1) && x4.is_floating_point()) {
    // Global average pooling is a mean over the plane: the reduction kernel
    // reads each plane as one contiguous run, where the adaptive kernel works
    // out a window per output (as PyTorch also turns this case into a mean).
    return from_4d(mean(x4, {2, 3}, true), x, spatial_dims);
  }
  Tensor y = empty_on(x4, {x4.size(0), x4.size(1), output_size.h, output_size.w});
  backend_of(x4).adaptive_avg_pool2d(y, x4);
  if (auto node = record<AdaptiveAvgPool2dBackward>({x4}, {&y})) node->input_shape = x4.shape();
  return from_4d(y, x, spatial_dims);
}

}  // namespace
}  // namespace ops

using namespace ops;

namespace {

PoolCall max_pool2d_call(const Tensor& x, Size2 kernel_size, std::optional<Size2> stride,
                         Size2 padding, Size2 dilation, bool ceil_mode) {
  return {"max_pool2d",
          2,
          x.defined() ? x.shape() : Shape{},
          kernel_size,
          stride.value_or(kernel_size),
          padding,
          dilation,
          ceil_mode};
}

PoolCall max_pool1d_call(const Tensor& x, int64_t kernel_size, std::optional<int64_t> stride,
                         int64_t padding, int64_t dilation, bool ceil_mode) {
  return {"max_pool1d",
          1,
          x.defined() ? x.shape() : Shape{},
          Size2(1, kernel_size),
          Size2(1, stride.value_or(kernel_size)),
          Size2(0, padding),
          Size2(1, dilation),
          ceil_mode};
}

}  // namespace

std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& x, Size2 kernel_size,
                                                  std::optional<Size2> stride, Size2 padding,
                                                  Size2 dilation, bool ceil_mode) {
  return max_pool(x, max_pool2d_call(x, kernel_size, stride, padding, dilation, ceil_mode), true);
}

Tensor max_pool2d(const Tensor& x, Size2 kernel_size, std::optional<Size2> stride, Size2 padding,
                  Size2 dilation, bool ceil_mode) {
  return max_pool(x, max_pool2d_call(x, kernel_size, stride, padding, dilation, ceil_mode), false)
      .first;
}

std::pair<Tensor, Tensor> max_pool1d_with_indices(const Tensor& x, int64_t kernel_size,
                                                  std::optional<int64_t> stride, int64_t padding,
                                                  int64_t dilation, bool ceil_mode) {
  return max_pool(x, max_pool1d_call(x, kernel_size, stride, padding, dilation, ceil_mode), true);
}

Tensor max_pool1d(const Tensor& x, int64_t kernel_size, std::optional<int64_t> stride,
                  int64_t padding, int64_t dilation, bool ceil_mode) {
  return max_pool(x, max_pool1d_call(x, kernel_size, stride, padding, dilation, ceil_mode), false)
      .first;
}

Tensor avg_pool2d(const Tensor& x, Size2 kernel_size, std::optional<Size2> stride, Size2 padding,
                  bool ceil_mode, bool count_include_pad, std::optional<int64_t> divisor_override) {
  PoolCall c{"avg_pool2d",
             2,
             x.defined() ? x.shape() : Shape{},
             kernel_size,
             stride.value_or(kernel_size),
             padding,
             1,
             ceil_mode};
  c.has_dilation = false;
  return avg_pool(x, c, count_include_pad, divisor_override);
}

Tensor avg_pool1d(const Tensor& x, int64_t kernel_size, std::optional<int64_t> stride,
                  int64_t padding, bool ceil_mode, bool count_include_pad) {
  PoolCall c{"avg_pool1d",
             1,
             x.defined() ? x.shape() : Shape{},
             Size2(1, kernel_size),
             Size2(1, stride.value_or(kernel_size)),
             Size2(0, padding),
             1,
             ceil_mode};
  c.has_dilation = false;
  return avg_pool(x, c, count_include_pad, std::nullopt);
}

Tensor adaptive_avg_pool2d(const Tensor& x, Size2 output_size) {
  return adaptive_avg_pool(x, output_size, "adaptive_avg_pool2d", 2);
}

Tensor adaptive_avg_pool1d(const Tensor& x, int64_t output_size) {
  return adaptive_avg_pool(x, Size2(1, output_size), "adaptive_avg_pool1d", 1);
}

std::pair<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor& x, Size2 output_size) {
  const char* op = "adaptive_max_pool2d";
  Tensor x4 = as_4d(x, op, 2);
  check_output_size(output_size, op, x, 2);
  const Shape shape{x4.size(0), x4.size(1), output_size.h, output_size.w};
  Tensor values = empty_on(x4, shape), indices = empty_on(x4, shape, kInt64);
  backend_of(x4).adaptive_max_pool2d(values, indices, x4);
  if (auto node = record<MaxPool2dBackward>({x4}, {&values})) {
    node->indices = indices;
    node->input_shape = x4.shape();
  }
  return {from_4d(values, x, 2), from_4d(indices, x, 2)};
}

Tensor adaptive_max_pool2d(const Tensor& x, Size2 output_size) {
  return adaptive_max_pool2d_with_indices(x, output_size).first;
}

Tensor max_unpool2d(const Tensor& x, const Tensor& indices, Size2 kernel_size,
                    std::optional<Size2> stride, Size2 padding, std::optional<Size2> output_size) {
  const char* op = "max_unpool2d";
  Tensor x4 = as_4d(x, op, 2);
  check_defined(indices, op, "indices");
  NABLA_CHECK(indices.dtype() == kInt64, op, ": expected indices of dtype int64, got ",
              indices.dtype());
  NABLA_CHECK(indices.shape() == x.shape(), op, ": indices ", indices.shape(),
              " must have the shape of the input ", x.shape());
  check_same_device(x, indices, op);
  const Size2 s = stride.value_or(kernel_size);
  PoolCall c{op, 2, x.shape(), kernel_size, s, padding};
  c.has_dilation = c.has_ceil_mode = false;
  NABLA_CHECK(kernel_size.h > 0 && kernel_size.w > 0 && s.h > 0 && s.w > 0 && padding.h >= 0 &&
                  padding.w >= 0,
              op, ": kernel_size and stride must be positive, padding non-negative; ",
              c.describe());
  // The size max_pool2d came from, up to stride − 1 (PyTorch's default).
  const Size2 natural{(x4.size(2) - 1) * s.h - 2 * padding.h + kernel_size.h,
                      (x4.size(3) - 1) * s.w - 2 * padding.w + kernel_size.w};
  const Size2 out = output_size.value_or(natural);
  NABLA_CHECK(out.h > 0 && out.w > 0 && out.h > natural.h - s.h && out.h < natural.h + s.h &&
                  out.w > natural.w - s.w && out.w < natural.w + s.w,
              op, ": output_size ", out, " must be positive and within stride of ", natural, "; ",
              c.describe());
  Tensor idx4 = indices.reshape(x4.shape());
  Tensor y = empty_on(x4, {x4.size(0), x4.size(1), out.h, out.w});
  backend_of(x4).max_pool2d_backward(y, x4, idx4, /*accumulate=*/false);
  if (auto node = record<MaxUnpool2dBackward>({x4, idx4}, {&y})) node->indices = idx4;
  return from_4d(y, x, 2);
}

}  // namespace nabla
