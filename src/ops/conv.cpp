// Convolution through im2col + GEMM. With col_n = im2col(x_n), the matrix
// (C·kh·kw, OH·OW) of the windows of image n, a convolution is one matrix
// product per image (and group):
//   y_n  = W·col_n + b               W (O, C·kh·kw)
//   dx_n = col2im(Wᵀ·dy_n)           (col2im adds each window back to the pixels it read)
//   dW   = Σ_n dy_n·col_nᵀ           db = Σ_{n,h,w} dy
// conv_transpose2d is the same three computations in another order: its
// forward is conv's input gradient, its input gradient is conv's forward and
// its weight gradient is conv's with x and dy swapped.
#include "nabla/ops/conv.h"

#include <algorithm>

#include "nabla/ops/reduce.h"
#include "ops/internal.h"

namespace nabla {

PaddingMode padding_mode_from(const std::string& mode) {
  if (mode == "same") return PaddingMode::Same;
  if (mode == "valid") return PaddingMode::Valid;
  NABLA_FAIL("padding: expected \"same\", \"valid\" or sizes, got \"", mode, "\"");
}

namespace ops {
namespace {

using Window = backends::Backend::ConvWindow;

// A convolution in conv2d's terms: input x (N, C, H, W), output y (N, O, OH,
// OW), weight (O, C/groups, kh, kw). For conv_transpose2d, x is its output
// and y its input. Output sizes are explicit, not derived from the window:
// conv_transpose2d's output_padding makes more than one x fit one y.
struct ConvShape {
  int64_t N, C, H, W, O, OH, OW, kh, kw, groups;
  Window window;

  int64_t column_rows() const { return C * kh * kw; }  // rows of col_n, all groups
  // A 1×1 convolution with stride 1 and no padding: x_n (C, H·W) is col_n already.
  bool pointwise() const {
    return kh == 1 && kw == 1 && window.stride_h == 1 && window.stride_w == 1 &&
           window.pad_h == 0 && window.pad_w == 0 && OH == H && OW == W;
  }
};

// Columns are built for a chunk of images at a time, not for the whole
// batch: one GEMM per chunk (the weight broadcast over its images), with a
// buffer of bounded size that the caching allocator hands back on the next
// call. Measured on 2 threads: LeNet-shaped layers (N = 128, k = 5, 28×28 and
// 12×12) ran forward and backward about 1.7–2× faster with this budget (~70
// and ~110 images a chunk) than with the whole batch at once, and 2–3× faster
// than one image at a time (many tiny GEMMs); VGG-shaped layers (64 channels,
// 14×14, k = 3: 9 images a chunk) showed no difference beyond the noise of a
// loaded machine.
constexpr int64_t kColumnBudget = int64_t{1} << 20;  // elements (4 MiB in f32)

int64_t images_per_chunk(const ConvShape& s) {
  const int64_t per_image = std::max<int64_t>(1, s.column_rows() * s.OH * s.OW);
  return std::clamp<int64_t>(kColumnBudget / per_image, 1, std::max<int64_t>(s.N, 1));
}

// c_n,g = op(a_g)·b_n,g for every image n of a chunk and every group g.
//   a (G, m, k) or its transpose   b (nb, G·k, n)   c (nb, G·m, n), all contiguous
void gemm_per_image(backends::Backend& be, bool trans_a, const Tensor& a, const Tensor& b,
                    double beta, const Tensor& c) {
  const int64_t groups = a.size(0);
  if (groups == 1) {  // one batched GEMM, a broadcast over the images
    be.gemm(trans_a, false, 1.0, a, b, beta, c);
    return;
  }
  for (int64_t i = 0; i < b.size(0); ++i)
    be.gemm(trans_a, false, 1.0, a, b[i].view({groups, -1, b.size(2)}), beta,
            c[i].view({groups, -1, c.size(2)}));
}

// y = W·im2col(x) + b        x (N, C, H, W)  w (O, C/G, kh, kw)  b (O) or undefined
Tensor conv_output(const Tensor& x_in, const Tensor& w, const Tensor& b, const ConvShape& s) {
  backends::Backend& be = backend_of(x_in);
  const Tensor x = x_in.detach();
  Tensor y = empty_on(x, {s.N, s.O, s.OH, s.OW});
  double beta = 0.0;
  if (b.defined()) {  // y starts as b, the GEMM adds to it
    be.copy(y, b.detach().view({1, s.O, 1, 1}).expand(y.shape()));
    beta = 1.0;
  }
  if (s.N == 0 || y.numel() == 0) return y;
  const int64_t L = s.OH * s.OW;
  const Tensor wg = w.detach().contiguous().view({s.groups, s.O / s.groups, -1});
  if (s.pointwise()) {
    gemm_per_image(be, false, wg, x.contiguous().view({s.N, s.C, L}), beta, y.view({s.N, s.O, L}));
    return y;
  }
  const int64_t chunk = images_per_chunk(s);
  Tensor col = empty_on(x, {chunk, s.C, s.kh, s.kw, s.OH, s.OW});
  for (int64_t n0 = 0; n0 < s.N; n0 += chunk) {
    const int64_t nb = std::min(chunk, s.N - n0);
    const Tensor c = col.narrow(0, 0, nb);
    be.im2col(c, x.narrow(0, n0, nb), s.window);
    gemm_per_image(be, false, wg, c.view({nb, s.column_rows(), L}), beta,
                   y.narrow(0, n0, nb).view({nb, s.O, L}));
  }
  return y;
}

// dx = col2im(Wᵀ·dy)         dy (N, O, OH, OW) → dx (N, C, H, W)
Tensor conv_input_grad(const Tensor& dy_in, const Tensor& w, const ConvShape& s) {
  backends::Backend& be = backend_of(dy_in);
  Tensor dx = empty_on(dy_in, {s.N, s.C, s.H, s.W});
  if (dx.numel() == 0) return dx;
  const int64_t L = s.OH * s.OW;
  const Tensor dy = dy_in.detach().contiguous();
  const Tensor wg = w.detach().contiguous().view({s.groups, s.O / s.groups, -1});
  if (s.pointwise()) {
    gemm_per_image(be, true, wg, dy.view({s.N, s.O, L}), 0.0, dx.view({s.N, s.C, L}));
    return dx;
  }
  const int64_t chunk = images_per_chunk(s);
  Tensor col = empty_on(dx, {chunk, s.C, s.kh, s.kw, s.OH, s.OW});
  for (int64_t n0 = 0; n0 < s.N; n0 += chunk) {
    const int64_t nb = std::min(chunk, s.N - n0);
    const Tensor c = col.narrow(0, 0, nb);
    gemm_per_image(be, true, wg, dy.narrow(0, n0, nb).view({nb, s.O, L}), 0.0,
                   c.view({nb, s.column_rows(), L}));
    be.col2im(dx.narrow(0, n0, nb), c, s.window);
  }
  return dx;
}

// dW_g = Σ_n dy_n,g·im2col(x_n)_gᵀ   (O/G, C/G·kh·kw) = (O/G, OH·OW)·(OH·OW, C/G·kh·kw)
Tensor conv_weight_grad(const Tensor& x_in, const Tensor& dy_in, const ConvShape& s) {
  backends::Backend& be = backend_of(x_in);
  const int64_t G = s.groups, L = s.OH * s.OW;
  Tensor dw = empty_on(x_in, {G, s.O / G, s.column_rows() / G});
  be.fill(dw, 0.0);
  const Tensor x = x_in.detach();
  const Tensor dy = dy_in.detach().contiguous().view({s.N, s.O, L});
  // dw += dy_n·col_nᵀ for each image of a chunk; col (nb, C·kh·kw, L)
  auto accumulate = [&](const Tensor& col, int64_t n0) {
    for (int64_t i = 0; i < col.size(0); ++i)
      be.gemm(false, true, 1.0, dy[n0 + i].view({G, s.O / G, L}), col[i].view({G, -1, L}), 1.0, dw);
  };
  if (s.N == 0 || L == 0) return dw.view({s.O, s.C / G, s.kh, s.kw});
  if (s.pointwise()) {
    accumulate(x.contiguous().view({s.N, s.C, L}), 0);
  } else {
    const int64_t chunk = images_per_chunk(s);
    Tensor col = empty_on(x, {chunk, s.C, s.kh, s.kw, s.OH, s.OW});
    for (int64_t n0 = 0; n0 < s.N; n0 += chunk) {
      const int64_t nb = std::min(chunk, s.N - n0);
      const Tensor c = col.narrow(0, 0, nb);
      be.im2col(c, x.narrow(0, n0, nb), s.window);
      accumulate(c.view({nb, s.column_rows(), L}), n0);
    }
  }
  return dw.view({s.O, s.C / G, s.kh, s.kw});
}

// y = conv(x, W) + b, per image and group y_n = W·im2col(x_n) + b
// dx = col2im(Wᵀ·dy)   dW = Σ_n dy_n·im2col(x_n)ᵀ   db = Σ_{n,h,w} dy
struct ConvolutionBackward final : Node {
  NABLA_NODE(ConvolutionBackward);
  SavedTensor x, w;
  ConvShape shape{};
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor dx, dw, db;
    if (needs_input_grad(0)) dx = conv_input_grad(g[0], w.unpack(*this), shape);
    if (needs_input_grad(1)) dw = conv_weight_grad(x.unpack(*this), g[0], shape);
    if (needs_input_grad(2)) db = sum(g[0], {0, 2, 3});
    return {dx, dw, db};
  }
};

// y = conv_transpose(x, W) + b = col2im(Wᵀ·x) + b, conv's input gradient taken at dy = x
// dx = conv(dy, W)   dW = Σ_n x_n·im2col(dy_n)ᵀ   db = Σ_{n,h,w} dy
struct ConvTransposeBackward final : Node {
  NABLA_NODE(ConvTransposeBackward);
  SavedTensor x, w;
  ConvShape shape{};  // in conv2d's terms: its input is dy, its output x
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor dx, dw, db;
    if (needs_input_grad(0)) dx = conv_output(g[0], w.unpack(*this), Tensor(), shape);
    if (needs_input_grad(1)) dw = conv_weight_grad(g[0], x.unpack(*this), shape);
    if (needs_input_grad(2)) db = sum(g[0], {0, 2, 3});
    return {dx, dw, db};
  }
};

// "(h, w)" for 2-D ops, "(w)" for 1-D ones.
std::string sizes(int64_t h, int64_t w, int dims) {
  return dims == 1 ? detail::concat("(", w, ")") : detail::concat("(", h, ", ", w, ")");
}
std::string sizes(Size2 p, int dims) {
  return sizes(p.h, p.w, dims);
}

void check_conv_tensors(const Tensor& x, const Tensor& w, const Tensor& b, int dims,
                        const char* op) {
  check_defined(x, op, "input");
  check_defined(w, op, "weight");
  check_same_device(x, w, op);
  check_same_dtype(x, w, op);
  check_floating(x, op);
  if (b.defined()) {
    check_same_device(x, b, op);
    check_same_dtype(x, b, op);
  }
  NABLA_CHECK(x.dim() == dims + 1 || x.dim() == dims + 2, op, ": expected ", dims + 1,
              "-D (unbatched) or ", dims + 2, "-D (batched) input, got input ", x.shape());
  NABLA_CHECK(w.dim() == dims + 2, op, ": expected a ", dims + 2, "-D weight, got weight ",
              w.shape());
}

void check_window(Size2 stride, Size2 dilation, int64_t groups, int dims, const char* op) {
  NABLA_CHECK(stride.h > 0 && stride.w > 0, op, ": stride must be positive, got ",
              sizes(stride, dims));
  NABLA_CHECK(dilation.h > 0 && dilation.w > 0, op, ": dilation must be positive, got ",
              sizes(dilation, dims));
  NABLA_CHECK(groups > 0, op, ": groups must be positive, got ", groups);
}

// conv1d and conv2d: x (N, C, H, W) or (C, H, W); 1-D ops come as H = kh = 1.
Tensor convolution(const Tensor& x_in, const Tensor& w_in, const Tensor& b, Size2 stride,
                   Padding2d padding, Size2 dilation, int64_t groups, int dims, const char* op,
                   const Tensor& x_shown, const Tensor& w_shown) {
  const bool batched = x_in.dim() == 4;
  const Tensor x = batched ? x_in : x_in.unsqueeze(0);
  const Tensor& w = w_in;
  const int64_t O = w.size(0), kh = w.size(2), kw = w.size(3);
  check_window(stride, dilation, groups, dims, op);
  NABLA_CHECK(padding.mode != PaddingMode::Explicit || (padding.size.h >= 0 && padding.size.w >= 0),
              op, ": padding must be non-negative, got ", sizes(padding.size, dims));
  NABLA_CHECK(O % groups == 0, op, ": weight ", w_shown.shape(), " has ", O,
              " output channels, which groups ", groups, " does not divide");
  NABLA_CHECK(x.size(1) == w.size(1) * groups, op, ": expected input with ", w.size(1) * groups,
              " channels (weight ", w_shown.shape(), ", groups ", groups, "), got input ",
              x_shown.shape());
  NABLA_CHECK(!b.defined() || (b.dim() == 1 && b.size(0) == O), op, ": bias ",
              b.defined() ? b.shape() : Shape{}, " does not match the ", O,
              " output channels of weight ", w_shown.shape());
  // Dilated kernel extent d·(k − 1) + 1; "same" pads its excess over 1,
  // the odd one at the end (as PyTorch).
  const int64_t span_h = dilation.h * (kh - 1) + 1, span_w = dilation.w * (kw - 1) + 1;
  int64_t pad_h = padding.size.h, pad_w = padding.size.w;  // before
  int64_t total_h = 2 * pad_h, total_w = 2 * pad_w;
  if (padding.mode == PaddingMode::Same) {
    NABLA_CHECK(stride.h == 1 && stride.w == 1, op,
                ": padding=\"same\" is not supported for strided convolutions (stride ",
                sizes(stride, dims), ")");
    total_h = span_h - 1, total_w = span_w - 1;
    pad_h = total_h / 2, pad_w = total_w / 2;
  } else if (padding.mode == PaddingMode::Valid) {
    pad_h = pad_w = total_h = total_w = 0;
  }
  const int64_t H = x.size(2), W = x.size(3);
  NABLA_CHECK(H + total_h >= span_h && W + total_w >= span_w, op, ": kernel ", sizes(kh, kw, dims),
              " with dilation ", sizes(dilation, dims), " spans ", sizes(span_h, span_w, dims),
              ", more than the padded input ", sizes(H + total_h, W + total_w, dims), " (input ",
              x_shown.shape(), ", padding ", sizes(pad_h, pad_w, dims), ")");
  ConvShape s{};
  s.N = x.size(0), s.C = x.size(1), s.H = H, s.W = W, s.O = O;
  s.OH = (H + total_h - span_h) / stride.h + 1;
  s.OW = (W + total_w - span_w) / stride.w + 1;
  s.kh = kh, s.kw = kw, s.groups = groups;
  s.window = {stride.h, stride.w, pad_h, pad_w, dilation.h, dilation.w};

  Tensor y = conv_output(x, w, b, s);
  if (auto node = record<ConvolutionBackward>({x, w, b}, {&y})) {
    node->x = x;
    node->w = w;
    node->shape = s;
  }
  return batched ? y : y.squeeze(0);
}

}  // namespace
}  // namespace ops

using namespace ops;

Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias, Size2 stride,
              Padding2d padding, Size2 dilation, int64_t groups) {
  check_conv_tensors(x, weight, bias, 2, "conv2d");
  return convolution(x, weight, bias, stride, padding, dilation, groups, 2, "conv2d", x, weight);
}

// As conv2d over (N, C, 1, L) with a (O, C/G, 1, k) weight.
Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias, int64_t stride,
              Padding1d padding, int64_t dilation, int64_t groups) {
  check_conv_tensors(x, weight, bias, 1, "conv1d");
  Padding2d padding2d(0, padding.size);
  padding2d.mode = padding.mode;
  return convolution(x.unsqueeze(-2), weight.unsqueeze(2), bias, {1, stride}, padding2d,
                     {1, dilation}, groups, 1, "conv1d", x, weight)
      .squeeze(-2);
}

Tensor conv_transpose2d(const Tensor& x_in, const Tensor& w, const Tensor& b, Size2 stride,
                        Size2 padding, Size2 output_padding, int64_t groups, Size2 dilation) {
  const char* op = "conv_transpose2d";
  check_conv_tensors(x_in, w, b, 2, op);
  check_window(stride, dilation, groups, 2, op);
  NABLA_CHECK(padding.h >= 0 && padding.w >= 0, op, ": padding must be non-negative, got ",
              sizes(padding, 2));
  NABLA_CHECK(output_padding.h >= 0 && output_padding.w >= 0 &&
                  (output_padding.h < stride.h || output_padding.h < dilation.h) &&
                  (output_padding.w < stride.w || output_padding.w < dilation.w),
              op, ": output_padding ", sizes(output_padding, 2),
              " must be non-negative and smaller than either stride ", sizes(stride, 2),
              " or dilation ", sizes(dilation, 2));
  const bool batched = x_in.dim() == 4;
  const Tensor x = batched ? x_in : x_in.unsqueeze(0);
  const int64_t C_in = w.size(0), kh = w.size(2), kw = w.size(3);
  NABLA_CHECK(C_in % groups == 0, op, ": weight ", w.shape(), " has ", C_in,
              " input channels, which groups ", groups, " does not divide");
  NABLA_CHECK(x.size(1) == C_in, op, ": expected input with ", C_in, " channels (weight ",
              w.shape(), ", groups ", groups, "), got input ", x_in.shape());
  const int64_t C_out = w.size(1) * groups;
  NABLA_CHECK(!b.defined() || (b.dim() == 1 && b.size(0) == C_out), op, ": bias ",
              b.defined() ? b.shape() : Shape{}, " does not match the ", C_out,
              " output channels of weight ", w.shape(), " with groups ", groups);
  const int64_t H = x.size(2), W = x.size(3);
  const int64_t OH =
      (H - 1) * stride.h - 2 * padding.h + dilation.h * (kh - 1) + output_padding.h + 1;
  const int64_t OW =
      (W - 1) * stride.w - 2 * padding.w + dilation.w * (kw - 1) + output_padding.w + 1;
  NABLA_CHECK(OH > 0 && OW > 0, op, ": output size ", sizes(OH, OW, 2), " is not positive (input ",
              x_in.shape(), ", weight ", w.shape(), ", stride ", sizes(stride, 2), ", padding ",
              sizes(padding, 2), ", dilation ", sizes(dilation, 2), ")");
  // The conv2d whose input gradient this is: input (N, C_out, OH, OW),
  // output (N, C_in, H, W), weight (C_in, C_out/G, kh, kw).
  ConvShape s{};
  s.N = x.size(0), s.C = C_out, s.H = OH, s.W = OW, s.O = C_in, s.OH = H, s.OW = W;
  s.kh = kh, s.kw = kw, s.groups = groups;
  s.window = {stride.h, stride.w, padding.h, padding.w, dilation.h, dilation.w};

  Tensor y = conv_input_grad(x, w, s);
  if (b.defined())
    backend_of(y).binary(BinaryOp::Add, y, y, b.detach().view({1, C_out, 1, 1}).expand(y.shape()),
                         1.0, 0.0);
  if (auto node = record<ConvTransposeBackward>({x, w, b}, {&y})) {
    node->x = x;
    node->w = w;
    node->shape = s;
  }
  return batched ? y : y.squeeze(0);
}

}  // namespace nabla
