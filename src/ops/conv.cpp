// Convolution through im2col + GEMM, one GEMM per chunk of images. For a
// chunk of nb images, col = im2col(x) is the matrix (K, nb·L), K = C·kh·kw,
// L = OH·OW, whose column (n, oh, ow) is the window that output pixel
// (oh, ow) of image n reads, and dy' is the chunk's dy (nb, O, L) laid out
// channels first, (O, nb·L):
//   y'  = W·col      (O, nb·L),  then y[n, o, l] = y'[o, n·L + l] + b[o]
//   dx  = col2im(Wᵀ·dy')         (col2im adds each window back to the pixels it read)
//   dW  = Σ_chunks dy'·colᵀ       db = Σ_{n,h,w} dy
// One GEMM over a chunk has nb·L columns where a GEMM per image has L
// (LeNet's conv1: W is 6 × 25, L = 784), and dW reduces over nb·L at once.
// With groups, K and O split into G blocks: one GEMM per group; depthwise
// convolutions (one input channel a group) take direct kernels instead, and
// so do y, dx and dW of stride-1 convolutions of one group where the
// backend has such kernels (CPU: AVX-512), on planes of 32 pixels or more.
// The chunks are the items of the backend's parallel_for: each worker thread
// builds a chunk's columns in scratch of its own, sized to stay in its core's
// cache, multiplies them on its own (single-threaded GEMM) and writes its
// images' part of y or dx: one parallel region per pass, no thread waiting
// on another between im2col, GEMM and the write.
// conv_transpose2d is the same three computations in another order: its
// forward is conv's input gradient, its input gradient is conv's forward and
// its weight gradient is conv's with x and dy swapped.
#include "nabla/ops/conv.h"

#include <algorithm>
#include <utility>

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

  int64_t column_rows() const { return C * kh * kw; }  // K: rows of col, all groups
  int64_t pixels() const { return OH * OW; }           // L: output pixels of one image
  // One input channel a group (groups = C > 1): the backend's direct kernels.
  bool depthwise() const { return groups > 1 && groups == C; }
  // A 1×1 convolution with stride 1 and no padding: x_n (C, H·W) is col_n already.
  bool pointwise() const {
    return kh == 1 && kw == 1 && window.stride_h == 1 && window.stride_w == 1 &&
           window.pad_h == 0 && window.pad_w == 0 && OH == H && OW == W;
  }
  // One group, stride 1, dilation 1: the backend's direct kernel may take
  // it (it says whether it did); a pointwise one stays a GEMM on x. Its
  // vectors are 16 pixels of a plane: on planes of fewer than 32 (4×4) the
  // GEMM is faster (2 threads, 512 → 512 channels, 4×4: forward 15.1 ms by
  // GEMM, 18.8 direct; 7×7: 57.4 and 49.9), on the others direct wins or
  // ties (docs/performance.md).
  bool direct_output() const { return direct_window() && OH * OW >= 32; }
  bool direct_input_grad() const { return direct_window() && H * W >= 32; }
  // dW's kernel reads x in a frame with a row and a column of zeros per
  // row and image: on 7×7 planes that is 64 slots for 49 pixels and GEMM
  // wins (2 threads, 256 → 256 channels, batch 32: 22.8 ms a step against
  // 24.6); from 8×8 on direct wins or ties (ResNet-20's 64 → 64 on 8×8:
  // 6.3 against 7.0; 256 → 256 on 14×14: 73 against 75).
  bool direct_weight_grad() const { return direct_window() && OH * OW >= 64; }
  bool direct_window() const {
    return groups == 1 && window.stride_h == 1 && window.stride_w == 1 && window.dilation_h == 1 &&
           window.dilation_w == 1 && !pointwise();
  }
};

// The batch in chunks of images, the work items of a pass. A chunk's
// scratch, its columns (K, nb·L) and y' or dy' (O, nb·L), takes at most
// kScratchBudget elements (1 MiB in f32, the L2 cache of one core here), or
// one image where an image needs more. The chunks are a multiple of the
// workers in number and differ by at most one image in size, so that the
// threads finish together (7 chunks on 2 threads would idle one an eighth of
// the time). The scratch is allocated at one size per layer, so the caching
// allocator hands the same block back at every step and its pages are
// touched once (a first touch costs ≈ 10 µs a page here).
constexpr int64_t kScratchBudget = int64_t{1} << 18;  // elements

struct Chunks {
  int64_t N = 0, count = 0, size = 1, workers = 1;  // size: images in the largest chunk

  Chunks(const ConvShape& s, const backends::Backend& be) : N(s.N), workers(be.workers()) {
    const int64_t per_image = std::max<int64_t>(1, (s.column_rows() + s.O) * s.pixels());
    const int64_t fit = std::max<int64_t>(1, kScratchBudget / per_image);
    const int64_t least = (N + fit - 1) / fit;  // the chunks the budget needs
    count = std::min(N, (least + workers - 1) / workers * workers);
    size = std::max<int64_t>(1, count > 0 ? (N + count - 1) / count : 0);
  }
  // The first image of chunk c and how many it holds.
  std::pair<int64_t, int64_t> images(int64_t c) const {
    const int64_t begin = c * N / count, end = (c + 1) * N / count;
    return {begin, end - begin};
  }
};

// Scratch of `per_worker` elements for each worker: worker's slice.
Tensor slice_of(const Tensor& scratch, int64_t worker, int64_t per_worker) {
  return scratch.narrow(0, worker * per_worker, per_worker);
}

// The column matrix of nb images at the start of a scratch slice:
// (C, kh, kw, nb, OH, OW) contiguous, the matrix (K, nb·L).
Tensor columns(const Tensor& scratch, const ConvShape& s, int64_t nb) {
  return scratch.narrow(0, 0, s.column_rows() * nb * s.pixels())
      .view({s.C, s.kh, s.kw, nb, s.OH, s.OW});
}
// col viewed as im2col and col2im take it: (nb, C, kh, kw, OH, OW).
Tensor image_major(const Tensor& col) {
  return col.permute({3, 0, 1, 2, 4, 5});
}

// c_n,g = a_g·b_n,g for every image n and every group g: the forward of a
// pointwise convolution, which reads x where it lies.
//   a (G, m, k)   b (N, G·k, n)   c (N, G·m, n), all contiguous
void gemm_per_image(backends::Backend& be, const Tensor& a, const Tensor& b, const Tensor& c) {
  const int64_t groups = a.size(0);
  if (groups == 1) {  // one batched GEMM, a broadcast over the images
    be.gemm(false, false, 1.0, a, b, 0.0, c);
    return;
  }
  for (int64_t i = 0; i < b.size(0); ++i)
    be.gemm(false, false, 1.0, a, b[i].view({groups, -1, b.size(2)}), 0.0,
            c[i].view({groups, -1, c.size(2)}));
}

// y = W·im2col(x) + b        x (N, C, H, W)  w (O, C/G, kh, kw)  b (O) or undefined
Tensor conv_output(const Tensor& x_in, const Tensor& w, const Tensor& b, const ConvShape& s) {
  backends::Backend& be = backend_of(x_in);
  const Tensor x = x_in.detach();
  Tensor y = empty_on(x, {s.N, s.O, s.OH, s.OW});
  if (y.numel() == 0) return y;
  // The device's own convolution library first, where it has one (cuDNN).
  if (be.convolution(y, x, w.detach(), b.defined() ? b.detach() : Tensor(), s.window, s.groups))
    return y;
  const int64_t G = s.groups, L = s.pixels(), K = s.column_rows(), O = s.O;
  const Tensor wg = w.detach().contiguous().view({G, O / G, -1});
  if (s.depthwise()) {
    be.depthwise_conv2d(y, x.contiguous(), w.detach().contiguous(),
                        b.defined() ? b.detach().contiguous() : Tensor(), s.window);
    return y;
  }
  const Tensor bias = b.defined() ? b.detach().view({1, O, 1}) : Tensor();
  if (s.pointwise()) {  // y_n = W·x_n, written in place; then + b
    gemm_per_image(be, wg, x.contiguous().view({s.N, s.C, L}), y.view({s.N, O, L}));
    if (b.defined()) {
      const Tensor y3 = y.view({s.N, O, L});
      be.binary(BinaryOp::Add, y3, y3, bias.expand(y3.shape()), 1.0, 0.0);
    }
    return y;
  }
  if (s.direct_output() &&
      be.conv2d_direct(y, x.contiguous(), w.detach().contiguous(),
                       b.defined() ? b.detach().contiguous() : Tensor(), s.window))
    return y;
  const Chunks chunks(s, be);
  // Chunks of one image need no y': y_n is (O, L) already.
  const int64_t col_size = K * chunks.size * L;
  const int64_t per_worker = col_size + (chunks.size > 1 ? O * chunks.size * L : 0);
  const Tensor scratch = empty_on(x, {chunks.workers * per_worker});
  be.parallel_for(chunks.count, [&](int64_t c, int64_t worker) {
    const auto [n0, nb] = chunks.images(c);
    const Tensor mine = slice_of(scratch, worker, per_worker);
    const Tensor col = columns(mine, s, nb);
    be.im2col(image_major(col), x.narrow(0, n0, nb), s.window);
    const Tensor out = y.narrow(0, n0, nb).view({nb, O, L});
    if (nb == 1) {  // y_n = W·col, then + b in place
      be.gemm(false, false, 1.0, wg, col.view({G, K / G, L}), 0.0, out.view({G, O / G, L}));
      if (b.defined()) be.binary(BinaryOp::Add, out, out, bias.expand(out.shape()), 1.0, 0.0);
      return;
    }
    const Tensor yc = mine.narrow(0, col_size, O * nb * L);  // y' (O, nb·L)
    be.gemm(false, false, 1.0, wg, col.view({G, K / G, nb * L}), 0.0, yc.view({G, O / G, nb * L}));
    // y[n, o, l] = y'[o, n, l] + b[o], in one pass over the chunk of y
    const Tensor src = yc.view({O, nb, L}).permute({1, 0, 2});
    if (b.defined())
      be.binary(BinaryOp::Add, out, src, bias.expand(out.shape()), 1.0, 0.0);
    else
      be.copy(out, src);
  });
  return y;
}

// The gradients of y = conv(x, W) with respect to x and W, those wanted
// (the other is left undefined), in one pass over the chunks:
//   dy' = dy of the chunk, channels first
//   dW += dy'·colᵀ   (col = im2col(x), per worker; summed over workers at the end)
//   dx   = col2im(Wᵀ·dy')
// x (N, C, H, W)  dy (N, O, OH, OW)  w (O, C/G, kh, kw); x is only read for
// dW, w only for dx.
std::pair<Tensor, Tensor> conv_backward(const Tensor& x_in, const Tensor& dy_in, const Tensor& w,
                                        const ConvShape& s, bool want_dx, bool want_dw) {
  backends::Backend& be = backend_of(dy_in);
  const int64_t G = s.groups, L = s.pixels(), K = s.column_rows(), O = s.O;
  const int64_t Og = O / G, Kg = K / G;
  const Tensor dy = dy_in.detach().contiguous().view({s.N, O, L});
  const Tensor x = want_dw ? x_in.detach() : Tensor();
  const Tensor dy4 = dy.view({s.N, O, s.OH, s.OW});
  Tensor dx = want_dx ? empty_on(dy, {s.N, s.C, s.H, s.W}) : Tensor();
  Tensor dw;
  // The device's own convolution library first, where it has one (cuDNN).
  if (want_dx && be.convolution_input_grad(dx, dy4, w.detach(), s.window, s.groups))
    want_dx = false;
  // dw (O, C/G, kh, kw), written by whichever path below computes it.
  if (want_dw) {
    dw = empty_on(dy, {O, s.C / G, s.kh, s.kw});
    if (be.convolution_weight_grad(dw, x, dy4, s.window, s.groups)) want_dw = false;
  }
  if (s.depthwise()) {
    if (want_dx) be.depthwise_conv2d_input_grad(dx, dy4, w.detach().contiguous(), s.window);
    if (want_dw) be.depthwise_conv2d_weight_grad(dw, x.contiguous(), dy4, s.window);
    return {dx, dw};
  }
  // dx and dW directly where the backend can; the chunks below are for
  // what is left.
  if (want_dx && s.direct_input_grad() &&
      be.conv2d_direct_input_grad(dx, dy4, w.detach().contiguous(), s.window))
    want_dx = false;
  if (want_dw && s.direct_weight_grad() &&
      be.conv2d_direct_weight_grad(dw, x.contiguous(), dy4, s.window))
    want_dw = false;
  if (!want_dx && !want_dw) return {dx, dw};
  const Tensor wg = want_dx ? w.detach().contiguous().view({G, Og, Kg}) : Tensor();
  // dnnl_sgemm reduces over a long dimension fastest with the larger of the
  // two other sizes as its rows M, if its columns N fill a vector (1 thread,
  // VGG's 64 → 64 conv: dWᵀ (576, 64) at 112 GFLOP/s, dW (64, 576) at 69;
  // LeNet's conv1, 6 channels of 25 taps: dW (6, 25) at 64, dWᵀ at 22). So
  // with 16 or more output channels a group dWᵀ = Σ col·dy'ᵀ is computed.
  const bool transposed = Og >= 16 && Kg > Og;
  const Chunks chunks(s, be);
  Tensor dw_parts;  // per worker: (G, Og, Kg), or (G, Kg, Og) transposed
  if (want_dw) {
    dw_parts = transposed ? empty_on(dy, {chunks.workers, G, Kg, Og})
                          : empty_on(dy, {chunks.workers, G, Og, Kg});
    be.fill(dw_parts, 0.0);
  }
  if (s.N > 0 && L > 0 && K > 0) {
    // Chunks of one image need no dy': dy_n is (O, L) already.
    const int64_t dy_size = chunks.size > 1 ? O * chunks.size * L : 0;
    const int64_t per_worker = dy_size + K * chunks.size * L;
    const Tensor scratch = empty_on(dy, {chunks.workers * per_worker});
    be.parallel_for(chunks.count, [&](int64_t c, int64_t worker) {
      const auto [n0, nb] = chunks.images(c);
      const Tensor mine = slice_of(scratch, worker, per_worker);
      Tensor dy_g = dy[n0].view({G, Og, L});
      if (nb > 1) {
        const Tensor dyc = mine.narrow(0, 0, O * nb * L);  // dy' (O, nb·L)
        be.copy(dyc.view({O, nb, L}).permute({1, 0, 2}), dy.narrow(0, n0, nb));
        dy_g = dyc.view({G, Og, nb * L});
      }
      const Tensor col = columns(mine.narrow(0, dy_size, per_worker - dy_size), s, nb);
      const Tensor col_g = col.view({G, Kg, nb * L});
      if (want_dw) {
        be.im2col(image_major(col), x.narrow(0, n0, nb), s.window);
        const Tensor part = dw_parts[worker];
        if (transposed)
          be.gemm(false, true, 1.0, col_g, dy_g, 1.0, part);
        else
          be.gemm(false, true, 1.0, dy_g, col_g, 1.0, part);
      }
      if (want_dx) {  // col is free again: it takes dcol = Wᵀ·dy'
        be.gemm(true, false, 1.0, wg, dy_g, 0.0, col_g);
        be.col2im(dx.narrow(0, n0, nb), image_major(col), s.window);
      }
    });
  } else if (want_dx) {
    be.fill(dx, 0.0);
  }
  if (want_dw) {
    dw = sum(dw_parts, {0});
    if (transposed) dw = dw.transpose(1, 2).contiguous();
    dw = dw.view({O, s.C / G, s.kh, s.kw});
  }
  return {dx, dw};
}

// y = conv(x, W) + b = W·im2col(x) + b
// dx = col2im(Wᵀ·dy')   dW = Σ dy'·im2col(x)ᵀ   db = Σ_{n,h,w} dy
struct ConvolutionBackward final : Node {
  NABLA_NODE(ConvolutionBackward);
  SavedTensor x, w;
  ConvShape shape{};
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    const bool want_dx = needs_input_grad(0), want_dw = needs_input_grad(1);
    auto [dx, dw] = conv_backward(want_dw ? x.unpack(*this) : Tensor(), g[0],
                                  want_dx ? w.unpack(*this) : Tensor(), shape, want_dx, want_dw);
    Tensor db;
    if (needs_input_grad(2)) db = sum(g[0], {0, 2, 3});
    return {dx, dw, db};
  }
};

// y = conv_transpose(x, W) + b = col2im(Wᵀ·x') + b, conv's input gradient taken at dy = x
// dx = conv(dy, W)   dW = Σ x'·im2col(dy)ᵀ   db = Σ_{n,h,w} dy
struct ConvTransposeBackward final : Node {
  NABLA_NODE(ConvTransposeBackward);
  SavedTensor x, w;
  ConvShape shape{};  // in conv2d's terms: its input is dy, its output x
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor dx, dw, db;
    if (needs_input_grad(0)) dx = conv_output(g[0], w.unpack(*this), Tensor(), shape);
    if (needs_input_grad(1))
      dw = conv_backward(g[0], x.unpack(*this), Tensor(), shape, false, true).second;
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

  Tensor y = conv_backward(Tensor(), x, w, s, true, false).first;
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
