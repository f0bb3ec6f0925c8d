// Direct convolution, stride 1, dilation 1, one group, f32, with AVX-512:
// no im2col copy of x, the windows are read from x itself.
//   y[n, o, oh, ow] = b[o] + Σ_{c,i,j} w[o, c, i, j]·x[n, c, oh + i − ph, ow + j − pw]
// The output plane is cut into vectors of 16 pixels: when OW = W the plane
// is one flat row of OH·OW pixels (7×7 planes fill 4 vectors, not 7 of 7
// lanes), and tap (i, j) of a vector reads x at one constant shift,
// (i − ph)·W + j − pw; otherwise each output row is cut alone. A load mask per
// (vector, tap) zeroes the lanes whose input lies in the padding.
// A tile is R vectors × kBlock output channels of one image, its R·kBlock
// accumulators in registers for the whole sum over (c, i, j): per tap and
// channel R masked loads of x and kBlock broadcast weights feed R·kBlock
// FMAs. Taps are the outer loop, so that a tap's masks are loaded once for
// all C channels (channels outside: 107 ms for VGG-small's 32 → 32 28×28
// layer on 1000 images, one thread; taps outside: 78 ms).
// The weights are repacked once a call to (O/kBlock, C, kh, kw, kBlock), so
// that the kBlock weights of a tap are adjacent.
#include <immintrin.h>

#include <algorithm>
#include <vector>

#include "backends/cpu/cpu_backend.h"

namespace nabla::backends::cpu {
namespace {

constexpr int64_t kBlock = 8;    // output channels of a tile
constexpr int64_t kLanes = 16;   // floats in a vector
constexpr int64_t kMaxTile = 3;  // vectors of a tile: 3·8 accumulators of the 32 registers

// One convolution of the kernel's kind: x (N, C, H, W), y (N, O, OH, OW),
// packed weights (⌈O/kBlock⌉, C, kh, kw, kBlock), bias (⌈O/kBlock⌉·kBlock).
struct Direct {
  int64_t N, C, H, W, O, OH, OW, kh, kw, ph, pw;
  Direct(int64_t N_, int64_t C_, int64_t H_, int64_t W_, int64_t O_, int64_t OH_, int64_t OW_,
         int64_t kh_, int64_t kw_, int64_t ph_, int64_t pw_)
      : N(N_), C(C_), H(H_), W(W_), O(O_), OH(OH_), OW(OW_), kh(kh_), kw(kw_), ph(ph_), pw(pw_) {}
  int64_t vectors = 0;              // vectors of the plane, a multiple of the tile
  int64_t tile = 1;                 // R
  std::vector<int64_t> in_offset;   // per vector: x offset of tap (0, 0), lane 0
  std::vector<int64_t> out_offset;  // per vector: y offset of lane 0
  std::vector<uint16_t> out_mask;   // per vector: lanes that are output pixels
  // The taps (i, j) of each tile whose loads are not all masked (rows above
  // or below x are left out), in order: tile k's are taps[tile_begin[k] ..
  // tile_begin[k + 1]).
  struct Tap {
    int32_t weight;            // (i·kw + j)·kBlock: the tap's weights in a packed channel
    int32_t offset[kMaxTile];  // per vector: x offset of lane 0 in a channel plane
    uint16_t mask[kMaxTile];   // per vector: lanes whose input lies in x
  };
  std::vector<Tap> taps;
  std::vector<int64_t> tile_begin;
};

// The vectors of the plane and their masks.
void cut_plane(Direct& d) {
  const bool flat = d.OW == d.W;
  const int64_t per_row = (d.OW + kLanes - 1) / kLanes;
  const int64_t count = flat ? (d.OH * d.OW + kLanes - 1) / kLanes : d.OH * per_row;
  // R from 1 to kMaxTile: fewest padded vectors, then the longest tile.
  int64_t best = 0;
  for (int64_t r = 1; r <= kMaxTile; ++r) {
    const int64_t padded = (count + r - 1) / r * r;
    // a tile of r vectors costs r·kBlock FMAs + r + kBlock loads a tap
    const int64_t cost = padded / r * (r * kBlock + r + kBlock);
    if (best == 0 || cost <= best) best = cost, d.tile = r;
  }
  d.vectors = (count + d.tile - 1) / d.tile * d.tile;
  const int64_t taps = d.kh * d.kw;
  d.in_offset.assign(d.vectors, 0);
  d.out_offset.assign(d.vectors, 0);
  d.out_mask.assign(d.vectors, 0);
  std::vector<uint16_t> tap_mask(d.vectors * taps, 0);  // per (vector, i, j)
  for (int64_t v = 0; v < count; ++v) {
    // lane 0's pixel, and the lanes that are pixels of the plane
    const int64_t p0 = flat ? v * kLanes : (v / per_row) * d.OW + (v % per_row) * kLanes;
    const int64_t lanes =
        flat ? std::min(kLanes, d.OH * d.OW - p0) : std::min(kLanes, d.OW - (v % per_row) * kLanes);
    const int64_t oh0 = p0 / d.OW, ow0 = p0 % d.OW;
    d.out_offset[v] = p0;
    d.in_offset[v] = (oh0 - d.ph) * d.W + ow0 - d.pw;
    d.out_mask[v] = static_cast<uint16_t>((1u << lanes) - 1);
    for (int64_t l = 0; l < lanes; ++l) {
      const int64_t oh = (p0 + l) / d.OW, ow = (p0 + l) % d.OW;
      for (int64_t i = 0; i < d.kh; ++i)
        for (int64_t j = 0; j < d.kw; ++j) {
          const int64_t ih = oh + i - d.ph, iw = ow + j - d.pw;
          if (ih >= 0 && ih < d.H && iw >= 0 && iw < d.W)
            tap_mask[v * taps + i * d.kw + j] |= static_cast<uint16_t>(1u << l);
        }
    }
  }
  d.taps.clear();
  d.tile_begin.assign(1, 0);
  for (int64_t v0 = 0; v0 < d.vectors; v0 += d.tile) {
    for (int64_t t = 0; t < taps; ++t) {
      Direct::Tap tap{static_cast<int32_t>(t * kBlock), {}, {}};
      bool any = false;
      for (int64_t r = 0; r < d.tile; ++r) {
        tap.offset[r] = static_cast<int32_t>(d.in_offset[v0 + r] + t / d.kw * d.W + t % d.kw);
        tap.mask[r] = tap_mask[(v0 + r) * taps + t];
        any = any || tap.mask[r] != 0;
      }
      if (any) d.taps.push_back(tap);
    }
    d.tile_begin.push_back(static_cast<int64_t>(d.taps.size()));
  }
}

// y of one image, output channels o0 ≤ o < o0 + kBlock (those < O stored),
// vectors v0 ≤ v < v0 + R.
//   x (C, H, W) of the image   wb (C, kh, kw, kBlock)   bias (kBlock)
template <int R>
__attribute__((target("avx512f"))) void direct_tile(float* y, const float* x, const float* wb,
                                                    const float* bias, const Direct& d,
                                                    int64_t tile, int64_t o0) {
  // Every loop over o and r unrolled, so that acc lives in registers.
  __m512 acc[kBlock][R];
#pragma GCC unroll 8
  for (int o = 0; o < kBlock; ++o)
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) acc[o][r] = _mm512_set1_ps(bias[o]);
  const int64_t plane = d.H * d.W, packed = d.kh * d.kw * kBlock;
  const Direct::Tap* begin = d.taps.data() + d.tile_begin[tile];
  const Direct::Tap* end = d.taps.data() + d.tile_begin[tile + 1];
  // Taps outside, channels inside: a tap's masks stay in mask registers
  // and its x pointers advance by a plane, for the C channels.
  for (const Direct::Tap* tap = begin; tap != end; ++tap) {
    __mmask16 m[R];
    const float* xp[R];
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) m[r] = tap->mask[r], xp[r] = x + tap->offset[r];
    const float* wt = wb + tap->weight;
    for (int64_t c = 0; c < d.C; ++c, wt += packed) {
      __m512 xv[R];
      // Masked lanes are not read: their addresses may lie outside x.
#pragma GCC unroll 4
      for (int r = 0; r < R; ++r) xv[r] = _mm512_maskz_loadu_ps(m[r], xp[r] + c * plane);
#pragma GCC unroll 8
      for (int o = 0; o < kBlock; ++o) {
        const __m512 wv = _mm512_set1_ps(wt[o]);
#pragma GCC unroll 4
        for (int r = 0; r < R; ++r) acc[o][r] = _mm512_fmadd_ps(xv[r], wv, acc[o][r]);
      }
    }
  }
  const int64_t out_plane = d.OH * d.OW, v0 = tile * R;
#pragma GCC unroll 8
  for (int o = 0; o < kBlock; ++o)
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r)
      if (o0 + o < d.O)
        _mm512_mask_storeu_ps(y + (o0 + o) * out_plane + d.out_offset[v0 + r], d.out_mask[v0 + r],
                              acc[o][r]);
}

// The work items: whole images where there are enough of them to keep the
// threads busy (an image's x, read by every block of output channels, then
// stays in its core's cache), else (image, block of output channels).
void direct_run(CpuBackend& be, float* y, const float* x, const std::vector<float>& packed,
                const std::vector<float>& bias, const Direct& d) {
  const int64_t blocks = (d.O + kBlock - 1) / kBlock;
  const int64_t block_size = d.C * d.kh * d.kw * kBlock;
  const int64_t per_item = d.N >= 4 * be.workers() ? blocks : 1;
  be.parallel_for(d.N * blocks / per_item, [&](int64_t item, int64_t) {
    const int64_t n = item * per_item / blocks;
    const float* xn = x + n * d.C * d.H * d.W;
    float* yn = y + n * d.O * d.OH * d.OW;
    for (int64_t ob = item * per_item % blocks; ob < item * per_item % blocks + per_item; ++ob) {
      const float* wb = packed.data() + ob * block_size;
      const float* bb = bias.data() + ob * kBlock;
      for (int64_t tile = 0; tile < d.vectors / d.tile; ++tile) {
        if (d.tile == 3)
          direct_tile<3>(yn, xn, wb, bb, d, tile, ob * kBlock);
        else if (d.tile == 2)
          direct_tile<2>(yn, xn, wb, bb, d, tile, ob * kBlock);
        else
          direct_tile<1>(yn, xn, wb, bb, d, tile, ob * kBlock);
      }
    }
  });
}

bool has_avx512() {
  static const bool has = __builtin_cpu_supports("avx512f");
  return has;
}

bool direct_eligible(const Tensor& y, const Tensor& x, const Tensor& w,
                     const Backend::ConvWindow& window) {
  return has_avx512() && x.dtype() == kFloat32 && w.dtype() == kFloat32 && y.dtype() == kFloat32 &&
         window.stride_h == 1 && window.stride_w == 1 && window.dilation_h == 1 &&
         window.dilation_w == 1 && x.is_contiguous() && w.is_contiguous() && y.is_contiguous();
}

// ---- the weight gradient
//   dW[o, c, i, j] = Σ_{n,oh,ow} dy[n, o, oh, ow]·x[n, c, oh + i − ph, ow + j − pw]
// A chunk of nb images is copied into two strips per channel, in which every
// tap is one constant shift: x's planes with their padding, rows of Wp
// floats, an image every Hb rows (x's rows at ph .. ph + H − 1, x's columns
// at pw .. pw + W − 1, zeros elsewhere), and dy's planes in the same frame
// (dy[n, o, oh, ow] at q = (n·Hb + oh)·Wp + ow, zeros elsewhere). Then
//   dW[o, c, i, j] = Σ_q dy'[o, q]·x'[c, q + i·Wp + j]
// a dot product of two strips: no masks, no im2col copy (9× x for 3×3).
// Reads past the right or bottom padding wrap into the next row's or
// image's left or top padding, which is zero, so the padding between two
// rows (and two images) is shared: Wp = W + pw, Hb = H + ph in the usual
// case (ResNet's 32×32, pad 1: 33·33 slots a plane, 6% more than 32·32; 8×8:
// 27% more). Where dy' is zero the product is zero whatever x' holds.
// A tile is kOutTile output channels × kTapTile taps, 27 accumulators of 16
// lanes, fed per vector of q by 3 loads of dy' and 9 of x' (shifted): the
// FMAs, not the loads, bound it. Taps beyond kh·kw in the last tap tile are
// computed at shift 0 and dropped.

constexpr int64_t kOutTile = 3;
constexpr int64_t kTapTile = 9;
constexpr int64_t kChunkQ = 4096;  // floats of a strip a chunk, at least (or the batch)

struct WeightGrad {
  int64_t N, C, H, W, O, OH, OW, kh, kw, ph, pw;
  WeightGrad(int64_t N_, int64_t C_, int64_t H_, int64_t W_, int64_t O_, int64_t OH_, int64_t OW_,
             int64_t kh_, int64_t kw_, int64_t ph_, int64_t pw_)
      : N(N_), C(C_), H(H_), W(W_), O(O_), OH(OH_), OW(OW_), kh(kh_), kw(kw_), ph(ph_), pw(pw_) {}
  int64_t Wp = 0, Hb = 0;      // the frame: row length, rows an image
  int64_t nb = 1, chunks = 1;  // images a chunk (at most), chunks
  int64_t Q = 0;               // q of the longest chunk, a multiple of kLanes
  int64_t x_strip = 0;         // floats of a channel's x' strip
  int64_t taps = 0, tap_tiles = 0;
  std::vector<int64_t> shift;  // per tap (tap tiles filled up with shift 0)

  void plan(int64_t workers) {
    Hb = std::max({H + ph, OH, OH + kh - 1 - ph});
    Wp = std::max({W + pw, OW, OW + kw - 1 - pw});
    // Chunks of ≈ kChunkQ slots or more, a multiple of the workers in number
    // so that the threads finish together. A tile's 27 sums are reduced
    // across lanes once a chunk, ≈ 20 instructions each: short chunks spend
    // more on that than on the FMAs (VGG's 256 → 256 channels on 14×14, one
    // image a chunk: 93 ms a step against 68 by GEMM). A tile reads 4
    // strips of a chunk, 64 KiB at kChunkQ: they stay in the core's L2.
    const int64_t fit = std::max<int64_t>(1, (kChunkQ + Hb * Wp - 1) / (Hb * Wp));
    const int64_t least = (N + fit - 1) / fit;
    chunks = std::min(N, (least + workers - 1) / workers * workers);
    nb = (N + chunks - 1) / chunks;
    Q = (nb * Hb * Wp + kLanes - 1) / kLanes * kLanes;
    x_strip = Q + (kh - 1) * Wp + kw - 1 + kLanes;
    taps = kh * kw;
    tap_tiles = (taps + kTapTile - 1) / kTapTile;
    shift.assign(tap_tiles * kTapTile, 0);
    for (int64_t t = 0; t < taps; ++t) shift[t] = t / kw * Wp + t % kw;
  }
  std::pair<int64_t, int64_t> images(int64_t chunk) const {
    const int64_t begin = chunk * N / chunks, end = (chunk + 1) * N / chunks;
    return {begin, end - begin};
  }
};

// The strips of images n0 .. n0 + nb − 1: xs (C, x_strip), dys (O, Q).
void fill_strips(float* xs, float* dys, const float* x, const float* dy, const WeightGrad& g,
                 int64_t n0, int64_t nb) {
  std::fill_n(xs, g.C * g.x_strip, 0.0f);
  std::fill_n(dys, g.O * g.Q, 0.0f);
  for (int64_t n = 0; n < nb; ++n) {
    for (int64_t c = 0; c < g.C; ++c) {
      const float* src = x + ((n0 + n) * g.C + c) * g.H * g.W;
      float* dst = xs + c * g.x_strip + (n * g.Hb + g.ph) * g.Wp + g.pw;
      for (int64_t h = 0; h < g.H; ++h) std::copy_n(src + h * g.W, g.W, dst + h * g.Wp);
    }
    for (int64_t o = 0; o < g.O; ++o) {
      const float* src = dy + ((n0 + n) * g.O + o) * g.OH * g.OW;
      float* dst = dys + o * g.Q + n * g.Hb * g.Wp;
      for (int64_t h = 0; h < g.OH; ++h) std::copy_n(src + h * g.OW, g.OW, dst + h * g.Wp);
    }
  }
}

// The sum of v's 16 lanes, through memory: GCC 12's in-register reductions
// (_mm512_reduce_add_ps, the extract and cast intrinsics) trip
// -Wmaybe-uninitialized on their undefined operand.
__attribute__((target("avx512f"))) inline float lane_sum(__m512 v) {
  alignas(64) float lanes[kLanes];
  _mm512_store_ps(lanes, v);
  float s = 0;
  for (const float l : lanes) s += l;
  return s;
}

// dw[o, t] += Σ_{q < Q} dys[o, q]·xs[q + shift[t]] for OB output channels
// (rows dw_stride apart in dw, dy_stride apart in dys) and the kTapTile taps
// from `shift` (`live` of them stored).
template <int OB>
__attribute__((target("avx512f"))) void weight_grad_tile(float* dw, int64_t dw_stride,
                                                         const float* dys, int64_t dy_stride,
                                                         int64_t Q, const float* xs,
                                                         const int64_t* shift, int64_t live) {
  __m512 acc[OB][kTapTile];
#pragma GCC unroll 3
  for (int o = 0; o < OB; ++o)
#pragma GCC unroll 9
    for (int t = 0; t < kTapTile; ++t) acc[o][t] = _mm512_setzero_ps();
  const float* xt[kTapTile];
#pragma GCC unroll 9
  for (int t = 0; t < kTapTile; ++t) xt[t] = xs + shift[t];
  for (int64_t q = 0; q < Q; q += kLanes) {
    __m512 d[OB];
#pragma GCC unroll 3
    for (int o = 0; o < OB; ++o) d[o] = _mm512_loadu_ps(dys + o * dy_stride + q);
#pragma GCC unroll 9
    for (int t = 0; t < kTapTile; ++t) {
      __m512 xv = _mm512_loadu_ps(xt[t] + q);
      // Loaded once for its OB FMAs: GCC would otherwise fold the load
      // into each, OB loads crossing two cache lines (2.2× slower, VGG's
      // 32 → 32 layer).
      asm("" : "+v"(xv));
#pragma GCC unroll 3
      for (int o = 0; o < OB; ++o) acc[o][t] = _mm512_fmadd_ps(d[o], xv, acc[o][t]);
    }
  }
#pragma GCC unroll 3
  for (int o = 0; o < OB; ++o)
#pragma GCC unroll 9
    for (int t = 0; t < kTapTile; ++t)
      if (t < live) dw[o * dw_stride + t] += lane_sum(acc[o][t]);
}

// One chunk's share of dW, added to part (O, C, kh·kw).
void weight_grad_chunk(float* part, const float* xs, const float* dys, const WeightGrad& g,
                       int64_t Q) {
  const int64_t row = g.C * g.taps;  // part's stride between output channels
  for (int64_t o0 = 0; o0 < g.O; o0 += kOutTile) {
    const int64_t ob = std::min(kOutTile, g.O - o0);
    for (int64_t c = 0; c < g.C; ++c)
      for (int64_t tt = 0; tt < g.tap_tiles; ++tt) {
        const int64_t t0 = tt * kTapTile, live = std::min(kTapTile, g.taps - t0);
        float* dw = part + o0 * row + c * g.taps + t0;
        const float* d = dys + o0 * g.Q;
        const float* xc = xs + c * g.x_strip;
        const int64_t* sh = g.shift.data() + t0;
        if (ob == 3)
          weight_grad_tile<3>(dw, row, d, g.Q, Q, xc, sh, live);
        else if (ob == 2)
          weight_grad_tile<2>(dw, row, d, g.Q, Q, xc, sh, live);
        else
          weight_grad_tile<1>(dw, row, d, g.Q, Q, xc, sh, live);
      }
  }
}

}  // namespace

bool CpuBackend::conv2d_direct(const Tensor& y, const Tensor& x, const Tensor& w, const Tensor& b,
                               const ConvWindow& window) {
  if (!direct_eligible(y, x, w, window) || (b.defined() && b.dtype() != kFloat32)) return false;
  NABLA_CHECK(
      x.dim() == 4 && w.dim() == 4 && y.dim() == 4 && w.size(1) == x.size(1) &&
          y.size(0) == x.size(0) && y.size(1) == w.size(0) &&
          (!b.defined() || (b.dim() == 1 && b.size(0) == w.size(0) && b.is_contiguous())),
      "conv2d_direct: expected x (N, C, H, W), w (O, C, kh, kw), b (O) and y (N, O, OH, OW), "
      "got x ",
      x.shape(), ", w ", w.shape(), ", b ", b.defined() ? b.shape() : Shape{}, ", y ", y.shape());
  Direct d{x.size(0), x.size(1), x.size(2), x.size(3),    w.size(0),   y.size(2),
           y.size(3), w.size(2), w.size(3), window.pad_h, window.pad_w};
  if (y.numel() == 0) return true;
  cut_plane(d);
  const int64_t blocks = (d.O + kBlock - 1) / kBlock, taps = d.kh * d.kw;
  std::vector<float> packed(blocks * d.C * taps * kBlock, 0.0f), bias(blocks * kBlock, 0.0f);
  const float* wp = w.data_ptr<float>();
  for (int64_t o = 0; o < d.O; ++o)
    for (int64_t c = 0; c < d.C; ++c)
      for (int64_t t = 0; t < taps; ++t)
        packed[((o / kBlock * d.C + c) * taps + t) * kBlock + o % kBlock] =
            wp[(o * d.C + c) * taps + t];
  if (b.defined()) std::copy_n(b.data_ptr<float>(), d.O, bias.begin());
  direct_run(*this, y.data_ptr<float>(), x.data_ptr<float>(), packed, bias, d);
  return true;
}

bool CpuBackend::conv2d_direct_input_grad(const Tensor& dx, const Tensor& dy, const Tensor& w,
                                          const ConvWindow& window) {
  if (!direct_eligible(dx, dy, w, window)) return false;
  NABLA_CHECK(dx.dim() == 4 && w.dim() == 4 && dy.dim() == 4 && w.size(0) == dy.size(1) &&
                  dx.size(0) == dy.size(0) && dx.size(1) == w.size(1),
              "conv2d_direct_input_grad: expected dy (N, O, OH, OW), w (O, C, kh, kw) and dx (N, "
              "C, H, W), got dy ",
              dy.shape(), ", w ", w.shape(), ", dx ", dx.shape());
  // dx = conv(dy, W') with W'[c, o, i, j] = W[o, c, kh − 1 − i, kw − 1 − j]
  // and padding (kh − 1 − ph, kw − 1 − pw): dy read as x, dx written as y.
  const int64_t O = w.size(0), C = w.size(1), kh = w.size(2), kw = w.size(3);
  Direct d{dy.size(0),           O,          dy.size(2), dy.size(3), C,
           dx.size(2),           dx.size(3), kh,         kw,         kh - 1 - window.pad_h,
           kw - 1 - window.pad_w};
  if (dx.numel() == 0) return true;
  cut_plane(d);
  const int64_t blocks = (C + kBlock - 1) / kBlock, taps = kh * kw;
  std::vector<float> packed(blocks * O * taps * kBlock, 0.0f), bias(blocks * kBlock, 0.0f);
  const float* wp = w.data_ptr<float>();
  for (int64_t c = 0; c < C; ++c)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t t = 0; t < taps; ++t)
        packed[((c / kBlock * O + o) * taps + t) * kBlock + c % kBlock] =
            wp[(o * C + c) * taps + (taps - 1 - t)];
  direct_run(*this, dx.data_ptr<float>(), dy.data_ptr<float>(), packed, bias, d);
  return true;
}

bool CpuBackend::conv2d_direct_weight_grad(const Tensor& dw, const Tensor& x, const Tensor& dy,
                                           const ConvWindow& window) {
  if (!direct_eligible(dy, x, dw, window)) return false;
  NABLA_CHECK(x.dim() == 4 && dw.dim() == 4 && dy.dim() == 4 && dw.size(0) == dy.size(1) &&
                  dy.size(0) == x.size(0) && dw.size(1) == x.size(1),
              "conv2d_direct_weight_grad: expected x (N, C, H, W), dy (N, O, OH, OW) and dw (O, "
              "C, kh, kw), got x ",
              x.shape(), ", dy ", dy.shape(), ", dw ", dw.shape());
  WeightGrad g{x.size(0),  x.size(1),  x.size(2),  x.size(3),    dy.size(1),  dy.size(2),
               dy.size(3), dw.size(2), dw.size(3), window.pad_h, window.pad_w};
  if (dw.numel() == 0) return true;
  if (g.N == 0 || g.OH * g.OW == 0) {
    fill(dw, 0.0);
    return true;
  }
  const int64_t workers = this->workers();
  g.plan(workers);
  // Per worker: its strips and its sum of dW; the workers' sums are added
  // at the end. One size per layer: the caching allocator hands the same
  // blocks back every step.
  const int64_t per_worker = g.C * g.x_strip + g.O * g.Q;
  const int64_t weights = g.O * g.C * g.taps;
  const Tensor scratch = Tensor::empty({workers * per_worker}, TensorOptions(kFloat32));
  const Tensor parts = Tensor::empty({workers, weights}, TensorOptions(kFloat32));
  fill(parts, 0.0);
  float* const scratch_p = scratch.data_ptr<float>();
  float* const parts_p = parts.data_ptr<float>();
  const float* xp = x.data_ptr<float>();
  const float* dyp = dy.data_ptr<float>();
  parallel_for(g.chunks, [&](int64_t chunk, int64_t worker) {
    const auto [n0, nb] = g.images(chunk);
    float* xs = scratch_p + worker * per_worker;
    float* dys = xs + g.C * g.x_strip;
    fill_strips(xs, dys, xp, dyp, g, n0, nb);
    const int64_t Q = (nb * g.Hb * g.Wp + kLanes - 1) / kLanes * kLanes;
    weight_grad_chunk(parts_p + worker * weights, xs, dys, g, Q);
  });
  float* out = dw.data_ptr<float>();
  std::copy_n(parts_p, weights, out);
  for (int64_t w = 1; w < workers; ++w)
    for (int64_t k = 0; k < weights; ++k) out[k] += parts_p[w * weights + k];
  return true;
}

}  // namespace nabla::backends::cpu
