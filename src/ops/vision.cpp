// Vision ops: padding, resampling, pixel shuffle, channel dropout.
//   pad constant       copy x into the matching region of a filled output;
//                      backward is pad of dy by the negated pads (a crop)
//   pad reflect/replicate, interpolate
//                      kernels on (P, H, W) planes; backward scatters dy back
//                      to the source pixels (backend resampling kernels)
//   pixel_shuffle, pixel_unshuffle, channel_shuffle
//                      reshape + permute of views: gradients come from those
//   dropout2d          x · mask(N, C, 1, …) / (1 − p): gradient from mul
#include "nabla/ops/vision.h"

#include <cmath>
#include <utility>

#include "nabla/ops/elementwise.h"
#include "nabla/ops/factory.h"
#include "ops/internal.h"

namespace nabla {
namespace ops {
namespace {

using PadMode = backends::Backend::PadMode;

// t's region [start, start + length) along dim, without history.
Tensor region(const Tensor& t, int64_t dim, int64_t start, int64_t length) {
  Shape shape = t.shape();
  shape[dim] = length;
  return alias(t, shape, t.strides(), t.storage_offset() + start * t.stride(dim));
}

// A contiguous t seen as (P, H, W) planes, without history.
Tensor planes(const Tensor& t, int64_t h, int64_t w) {
  const int64_t p = t.numel() == 0 ? 0 : t.numel() / (h * w);
  return alias(t, {p, h, w}, {h * w, w, 1}, t.storage_offset());
}

std::vector<int64_t> negated(std::vector<int64_t> v) {
  for (int64_t& e : v) e = -e;
  return v;
}

// ---- constant padding

// dx = dy cropped by the pads: pad(dy, −pads)
struct ConstantPadBackward final : Node {
  NABLA_NODE(ConstantPadBackward);
  std::vector<int64_t> pads;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    return {pad(g[0], negated(pads), "constant", 0.0)};
  }
};

Tensor constant_pad(const Tensor& x, const std::vector<int64_t>& pads, double value) {
  const int64_t padded = static_cast<int64_t>(pads.size()) / 2;
  Shape out_shape = x.shape();
  for (int64_t k = 0; k < padded; ++k) {
    const int64_t d = x.dim() - 1 - k;
    out_shape[d] = x.size(d) + pads[2 * k] + pads[2 * k + 1];
    NABLA_CHECK(out_shape[d] >= 0, "pad: padding (", pads[2 * k], ", ", pads[2 * k + 1],
                ") of dimension ", d, " (size ", x.size(d), ") of input ", x.shape(),
                " gives a negative output size ", out_shape[d]);
  }
  Tensor out = empty_on(x, out_shape);
  backend_of(x).fill(out, value);
  // Along each padded dim, x[max(0, −l) : size − max(0, −r)] lands at out[max(0, l) : …].
  Tensor src = x.detach(), dst = out.detach();
  bool overlap = true;
  for (int64_t k = 0; k < padded; ++k) {
    const int64_t d = x.dim() - 1 - k, l = pads[2 * k], r = pads[2 * k + 1];
    const int64_t begin = std::max<int64_t>(0, -l);
    const int64_t length = x.size(d) - begin - std::max<int64_t>(0, -r);
    if (length <= 0) {
      overlap = false;
      break;
    }
    src = region(src, d, begin, length);
    dst = region(dst, d, std::max<int64_t>(0, l), length);
  }
  if (overlap && src.numel() > 0) backend_of(x).copy(dst, src);
  if (auto node = record<ConstantPadBackward>({x}, {&out})) node->pads = pads;
  return out;
}

// ---- reflect and replicate padding

// dx[src(i), src(j)] += dy[i, j] over the padded planes.
struct ReflectReplicatePadBackward final : Node {
  NABLA_NODE(ReflectReplicatePadBackward);
  PadMode mode = PadMode::Reflect;
  Shape x_shape;
  int64_t h = 1, w = 1, ho = 1, wo = 1, left = 0, top = 0;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor dy = g[0].contiguous();
    Tensor dx = zeros(x_shape, TensorOptions(dy.dtype()).device(dy.device()));
    backend_of(dy).pad2d_backward(mode, planes(dx, h, w), planes(dy, ho, wo), left, top);
    return {dx};
  }
};

Tensor reflect_replicate_pad(const Tensor& x, const std::vector<int64_t>& pads,
                             const std::string& mode_name, double value) {
  const PadMode mode = mode_name == "reflect" ? PadMode::Reflect : PadMode::Replicate;
  NABLA_CHECK(value == 0.0, "pad: padding mode \"", mode_name,
              "\" doesn't take in value argument, got value ", value);
  const bool two_d = pads.size() == 4 && (x.dim() == 3 || x.dim() == 4);
  const bool one_d = pads.size() == 2 && (x.dim() == 2 || x.dim() == 3);
  NABLA_CHECK(one_d || two_d, "pad: ", mode_name,
              " padding takes 2 values for 2-D or 3-D input, or 4 values for 3-D or 4-D input;",
              " got ", pads.size(), " values ", pads, " for input ", x.shape(),
              " (PyTorch's 6-value form is not implemented)");
  check_floating(x, "pad");
  const int64_t w = x.size(-1), h = two_d ? x.size(-2) : 1;
  const int64_t left = pads[0], right = pads[1];
  const int64_t top = two_d ? pads[2] : 0, bottom = two_d ? pads[3] : 0;
  NABLA_CHECK(w > 0 && h > 0, "pad: ", mode_name,
              " padding needs non-empty padded dims, got input ", x.shape());
  if (mode == PadMode::Reflect) {
    NABLA_CHECK(left < w && right < w, "pad: reflect padding (", left, ", ", right,
                ") of the last dimension must be less than its size ", w, "; input ", x.shape());
    NABLA_CHECK(top < h && bottom < h, "pad: reflect padding (", top, ", ", bottom,
                ") of dimension ", x.dim() - 2, " must be less than its size ", h, "; input ",
                x.shape());
  }
  const int64_t ho = h + top + bottom, wo = w + left + right;
  NABLA_CHECK(ho > 0 && wo > 0, "pad: input ", x.shape(), " is too small for padding ", pads,
              ": the output would be ", ho, " x ", wo);
  Shape out_shape = x.shape();
  out_shape.back() = wo;
  if (two_d) out_shape[x.dim() - 2] = ho;
  Tensor xc = x.contiguous();
  Tensor out = empty_on(x, out_shape);
  backend_of(x).pad2d(mode, planes(out, ho, wo), planes(xc, h, w), left, top);
  if (auto node = record<ReflectReplicatePadBackward>({x}, {&out})) {
    node->mode = mode;
    node->x_shape = x.shape();
    node->h = h, node->w = w, node->ho = ho, node->wo = wo;
    node->left = left, node->top = top;
  }
  return out;
}

// ---- interpolation

enum class Resample { Nearest, Linear };

// dx = the transpose of the resampling, applied to dy (scatter-add).
struct UpsampleBackward final : Node {
  NABLA_NODE(UpsampleBackward);
  Resample kind = Resample::Nearest;
  bool align_corners = false;
  Shape x_shape;
  int64_t h = 1, w = 1, ho = 1, wo = 1;
  double scale_h = 0.0, scale_w = 0.0;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor dy = g[0].contiguous();
    Tensor dx = zeros(x_shape, TensorOptions(dy.dtype()).device(dy.device()));
    if (kind == Resample::Nearest) {
      backend_of(dy).upsample_nearest2d_backward(planes(dx, h, w), planes(dy, ho, wo), scale_h,
                                                 scale_w);
    } else {
      backend_of(dy).upsample_bilinear2d_backward(planes(dx, h, w), planes(dy, ho, wo),
                                                  align_corners, scale_h, scale_w);
    }
    return {dx};
  }
};

}  // namespace
}  // namespace ops

using namespace ops;

Tensor pad(const Tensor& x, const std::vector<int64_t>& pads, const std::string& mode,
           double value) {
  check_defined(x, "pad", "input");
  NABLA_CHECK(pads.size() % 2 == 0, "pad: padding length must be divisible by 2, got ", pads.size(),
              " values ", pads);
  NABLA_CHECK(static_cast<int64_t>(pads.size()) <= 2 * x.dim(),
              "pad: padding length too large: ", pads.size(), " values ", pads, " for a ", x.dim(),
              "-D input ", x.shape());
  if (mode == "constant") return constant_pad(x, pads, value);
  NABLA_CHECK(mode == "reflect" || mode == "replicate", "pad: unrecognised padding mode \"", mode,
              "\" (nabla has constant, reflect, replicate)");
  return reflect_replicate_pad(x, pads, mode, value);
}

Tensor interpolate(const Tensor& x, const std::vector<int64_t>& size,
                   const std::vector<double>& scale_factor, const std::string& mode,
                   std::optional<bool> align_corners, std::optional<bool> recompute_scale_factor) {
  check_defined(x, "interpolate", "input");
  NABLA_CHECK(mode == "nearest" || mode == "linear" || mode == "bilinear", "interpolate: mode \"",
              mode, "\" is not implemented (nabla has nearest, linear, bilinear)");
  NABLA_CHECK(x.dim() == 3 || x.dim() == 4, "interpolate: only 3-D and 4-D input is supported (",
              mode, "), got ", x.dim(), "-D input ", x.shape());
  NABLA_CHECK(mode != "linear" || x.dim() == 3, "interpolate: got ", x.dim(), "-D input ",
              x.shape(), ", but linear mode needs 3-D input");
  NABLA_CHECK(mode != "bilinear" || x.dim() == 4, "interpolate: got ", x.dim(), "-D input ",
              x.shape(), ", but bilinear mode needs 4-D input");
  NABLA_CHECK(!(mode == "nearest" && align_corners.has_value()),
              "interpolate: align_corners option can only be set with the interpolating modes: ",
              "linear | bilinear (got mode nearest)");
  NABLA_CHECK(size.empty() != scale_factor.empty(),
              size.empty() ? "interpolate: either size or scale_factor should be defined"
                           : "interpolate: only one of size or scale_factor should be defined",
              "; got size ", size, " and scale_factor of ", scale_factor.size(), " values");
  check_floating(x, "interpolate");
  const int64_t spatial = x.dim() - 2;
  const int64_t given = static_cast<int64_t>(size.empty() ? scale_factor.size() : size.size());
  NABLA_CHECK(given == 1 || given == spatial, "interpolate: input ", x.shape(), " has ", spatial,
              " spatial dimensions, but ", size.empty() ? "scale_factor" : "size", " has ", given,
              " values");
  // Per spatial dim: output size and the scale handed to the kernel (0: none).
  std::vector<int64_t> out_sizes(spatial);
  std::vector<double> scales(spatial, 0.0);
  for (int64_t i = 0; i < spatial; ++i) {
    const int64_t in = x.size(2 + i);
    if (!size.empty()) {
      out_sizes[i] = size[given == 1 ? 0 : i];
    } else {
      const double s = scale_factor[given == 1 ? 0 : i];
      NABLA_CHECK(s > 0, "interpolate: scale_factor must be positive, got ", s);
      out_sizes[i] = static_cast<int64_t>(std::floor(static_cast<double>(in) * s));
      if (!recompute_scale_factor.value_or(false)) scales[i] = s;
    }
    NABLA_CHECK(in > 0 && out_sizes[i] > 0,
                "interpolate: input and output sizes should be greater than 0, but got input ",
                x.shape(), " and output size ", out_sizes);
  }
  const int64_t h = spatial == 2 ? x.size(2) : 1, w = x.size(-1);
  const int64_t ho = spatial == 2 ? out_sizes[0] : 1, wo = out_sizes.back();
  const double scale_h = spatial == 2 ? scales[0] : 0.0, scale_w = scales.back();
  const Resample kind = mode == "nearest" ? Resample::Nearest : Resample::Linear;
  const bool corners = align_corners.value_or(false);

  Shape out_shape = x.shape();
  for (int64_t i = 0; i < spatial; ++i) out_shape[2 + i] = out_sizes[i];
  Tensor xc = x.contiguous();
  Tensor out = empty_on(x, out_shape);
  if (kind == Resample::Nearest) {
    backend_of(x).upsample_nearest2d(planes(out, ho, wo), planes(xc, h, w), scale_h, scale_w);
  } else {
    backend_of(x).upsample_bilinear2d(planes(out, ho, wo), planes(xc, h, w), corners, scale_h,
                                      scale_w);
  }
  if (auto node = record<UpsampleBackward>({x}, {&out})) {
    node->kind = kind;
    node->align_corners = corners;
    node->x_shape = x.shape();
    node->h = h, node->w = w, node->ho = ho, node->wo = wo;
    node->scale_h = scale_h, node->scale_w = scale_w;
  }
  return out;
}

Tensor pixel_shuffle(const Tensor& x, int64_t upscale_factor) {
  check_defined(x, "pixel_shuffle", "input");
  const int64_t r = upscale_factor;
  NABLA_CHECK(x.dim() >= 3, "pixel_shuffle: expects input to have at least 3 dimensions, got ",
              x.shape());
  NABLA_CHECK(r > 0, "pixel_shuffle: expects a positive upscale_factor, got ", r);
  const int64_t c = x.size(-3), h = x.size(-2), w = x.size(-1);
  NABLA_CHECK(c % (r * r) == 0, "pixel_shuffle: channels ", c, " of input ", x.shape(),
              " are not divisible by upscale_factor² = ", r * r);
  // (*, C, r, r, H, W) → (*, C, H, r, W, r)
  const int64_t b = x.dim() - 3;
  Shape split(x.shape().begin(), x.shape().begin() + b);
  Shape merged = split;
  for (int64_t s : {c / (r * r), r, r, h, w}) split.push_back(s);
  for (int64_t s : {c / (r * r), h * r, w * r}) merged.push_back(s);
  std::vector<int64_t> order(b);
  for (int64_t i = 0; i < b; ++i) order[i] = i;
  for (int64_t i : {0, 3, 1, 4, 2}) order.push_back(b + i);
  return x.reshape(split).permute(order).reshape(merged);
}

Tensor pixel_unshuffle(const Tensor& x, int64_t downscale_factor) {
  check_defined(x, "pixel_unshuffle", "input");
  const int64_t r = downscale_factor;
  NABLA_CHECK(x.dim() >= 3, "pixel_unshuffle: expects input to have at least 3 dimensions, got ",
              x.shape());
  NABLA_CHECK(r > 0, "pixel_unshuffle: expects a positive downscale_factor, got ", r);
  const int64_t c = x.size(-3), h = x.size(-2), w = x.size(-1);
  NABLA_CHECK(h % r == 0 && w % r == 0, "pixel_unshuffle: height and width of input ", x.shape(),
              " must be divisible by downscale_factor ", r);
  // (*, C, H, r, W, r) → (*, C, r, r, H, W)
  const int64_t b = x.dim() - 3;
  Shape split(x.shape().begin(), x.shape().begin() + b);
  Shape merged = split;
  for (int64_t s : {c, h / r, r, w / r, r}) split.push_back(s);
  for (int64_t s : {c * r * r, h / r, w / r}) merged.push_back(s);
  std::vector<int64_t> order(b);
  for (int64_t i = 0; i < b; ++i) order[i] = i;
  for (int64_t i : {0, 2, 4, 1, 3}) order.push_back(b + i);
  return x.reshape(split).permute(order).reshape(merged);
}

Tensor channel_shuffle(const Tensor& x, int64_t groups) {
  check_defined(x, "channel_shuffle", "input");
  NABLA_CHECK(x.dim() >= 3, "channel_shuffle: expects input with at least 3 dimensions, got ",
              x.shape());
  NABLA_CHECK(groups > 0, "channel_shuffle: number of groups must be positive, got ", groups);
  NABLA_CHECK(x.size(1) % groups == 0, "channel_shuffle: number of channels ", x.size(1),
              " of input ", x.shape(), " must be divisible by groups ", groups);
  // (N, g, k, *) → (N, k, g, *)
  Shape split = x.shape();
  split[1] = x.size(1) / groups;
  split.insert(split.begin() + 1, groups);
  return x.reshape(split).transpose(1, 2).reshape(x.shape());
}

// y = x · m / (1 − p), m (N, C, 1, …) ~ Bernoulli(1 − p) drawn as (u ≥ p),
// broadcast over the other dims; dy/dx = m / (1 − p) comes from mul's backward.
Tensor dropout2d(const Tensor& x, double p, bool training) {
  check_defined(x, "dropout2d", "input");
  NABLA_CHECK(p >= 0.0 && p <= 1.0, "dropout2d: probability has to be between 0 and 1, but got ",
              p);
  NABLA_CHECK(x.dim() >= 2,
              "dropout2d: feature dropout requires at least 2 dimensions in the input, got ",
              x.shape());
  check_floating(x, "dropout2d");
  if (!training || p == 0.0) return x;
  if (p == 1.0) return x * 0.0;
  Shape mask_shape(x.dim(), 1);
  mask_shape[0] = x.size(0);
  mask_shape[1] = x.size(1);
  Tensor keep = ge(rand(mask_shape, TensorOptions(x.dtype()).device(x.device())), p).to(x.dtype());
  return x * (keep * (1.0 / (1.0 - p)));
}

}  // namespace nabla
