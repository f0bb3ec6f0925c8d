// Max pooling kernels over NCHW views: max_pool2d (forward and backward),
// adaptive_max_pool2d and max_unpool2d. Each (n, c) plane is independent:
// planes are split over OpenMP threads, and within a plane one thread walks
// the output. Backward kernels write into their own plane only, so no two
// threads write the same element.
//
// Where a window's maximum is (backends::Backend::max_pool2d) is stored in
// one of two forms: its position h·W + w in the plane (int64, PyTorch's
// return_indices), or its tap a·kernel_w + b in the window (uint8: what
// autograd saves when the caller does not ask for the indices; an eighth of
// the memory traffic, in the forward's writes and the backward's reads).
//
// Float input whose rows are contiguous is pooled a vector of windows at a
// time, the windows of an output row being the lanes (GCC vector
// extensions; an AVX2 form with 8 lanes and a baseline one with 4, picked at
// run time). 2×2 windows of stride 2 without padding (LeNet's and VGG's
// pooling) have kernels of their own: output row i reads input rows 2i and
// 2i + 1 only. The rest (double, strided rows, the windows padding or
// ceil_mode clip) is scanned one window at a time.
//
// When the windows tile the input (stride = kernel, no dilation), the
// backward writes dx in one pass, as a gather; otherwise it fills dx with
// zeros and then scatters dy into it.
#include <algorithm>
#include <atomic>
#include <limits>
#include <type_traits>
#include <vector>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/pool_planes.h"
#include "backends/pool_geometry.h"

namespace nabla::backends::cpu {
namespace {

using pool::adaptive_span;
using pool::dilated_span;
using pool::for_each_plane;
using pool::Plane;
using pool::Planes;
using pool::Span;
using PoolWindow = Backend::PoolWindow;

// Whether v replaces the running maximum: it is larger, or NaN (`v > best`
// is false for NaN, so NaN is taken explicitly, as PyTorch does: NaN
// propagates, and a later NaN replaces an earlier one).
template <class T>
inline bool replaces(T v, T best) {
  return v > best || v != v;
}

// The maximum over rows × cols of x, scanned row by row: the first maximum,
// or the last NaN; (h, w) is where it is. An empty window gives −∞ at its
// first position.
struct Argmax {
  int64_t h, w;
  // Its tap a·kernel_w + b in the window.
  int64_t tap(const Span& rows, const Span& cols, int64_t kernel_w) const {
    const int64_t a = rows.tap + (rows.step == 1 ? h - rows.begin : (h - rows.begin) / rows.step);
    const int64_t b = cols.tap + (cols.step == 1 ? w - cols.begin : (w - cols.begin) / cols.step);
    return a * kernel_w + b;
  }
};

template <class T>
T window_max(const Plane<const T>& x, const Span& rows, const Span& cols, Argmax& arg) {
  T best = -std::numeric_limits<T>::infinity();
  arg = {rows.begin, cols.begin};
  for (int64_t h = rows.begin; h < rows.end; h += rows.step)
    for (int64_t w = cols.begin; w < cols.end; w += cols.step) {
      const T v = x(h, w);
      if (replaces(v, best)) {
        best = v;
        arg = {h, w};
      }
    }
  return best;
}

// Max over the window of every output (i, j): rows[i] × cols[j] (a window's
// rows depend on i only, its columns on j only, so the spans are worked out
// once per call). kernel_w numbers the taps (kTap).
template <class T, Where K>
void max_pool_windows(const Tensor& values, const Tensor& indices, const Tensor& x,
                      const std::vector<Span>& rows, const std::vector<Span>& cols,
                      int64_t kernel_w, int64_t window_size) {
  const int64_t W = x.size(3), OH = values.size(2), OW = values.size(3);
  const Planes<const T> x_planes(x);
  const Planes<T> values_planes(values);
  const Planes<index_t<K>> indices_planes(indices);
  for_each_plane(x.size(0) * x.size(1), OH * OW * window_size, [&](int64_t p) {
    const Plane<const T> in = x_planes[p];
    const Plane<T> out = values_planes[p];
    const Plane<index_t<K>> idx = indices_planes[p];
    for (int64_t i = 0; i < OH; ++i)
      for (int64_t j = 0; j < OW; ++j) {
        const Span& r = rows[static_cast<size_t>(i)];
        const Span& c = cols[static_cast<size_t>(j)];
        Argmax arg;
        const T best = window_max(in, r, c, arg);
        out(i, j) = best;
        if constexpr (K == Where::kPosition) idx(i, j) = arg.h * W + arg.w;
        if constexpr (K == Where::kTap) idx(i, j) = static_cast<uint8_t>(arg.tap(r, c, kernel_w));
      }
  });
}

// ---- 2×2 windows, stride 2, no padding

bool is_2x2_stride_2(const PoolWindow& k) {
  return k.kernel_h == 2 && k.kernel_w == 2 && k.stride_h == 2 && k.stride_w == 2 && k.pad_h == 0 &&
         k.pad_w == 0 && k.dilation_h == 1 && k.dilation_w == 1;
}

// The four candidates of window (i, j) are, in scan order, r0[2j], r0[2j+1],
// r1[2j], r1[2j+1] (r0, r1: input rows 2i, 2i+1). Tap c of the window is
// what kTap stores; kPosition stores first + 2j + offset(c), with first =
// 2i·W and offset(c) = 0, 1, W, W + 1.
template <Where K>
inline int64_t tap_offset(int c, int64_t W) {
  if constexpr (K == Where::kTap) return c;
  return (c & 1) + (c >> 1) * W;
}

// One row of n windows, one window at a time: `replaces` exactly as
// window_max, without branches. The vector kernels below use it for rows
// shorter than a vector, and double for everything.
template <class T, Where K>
void max_pool_2x2_row(const T* r0, const T* r1, T* out, index_t<K>* idx, int64_t n, int64_t first,
                      int64_t W) {
  for (int64_t j = 0; j < n; ++j) {
    const T a = r0[2 * j], b = r0[2 * j + 1], c = r1[2 * j], d = r1[2 * j + 1];
    T best = a;
    int tap = 0;
    bool m = replaces(b, best);
    best = m ? b : best;
    tap = m ? 1 : tap;
    m = replaces(c, best);
    best = m ? c : best;
    tap = m ? 2 : tap;
    m = replaces(d, best);
    best = m ? d : best;
    tap = m ? 3 : tap;
    out[j] = best;
    if constexpr (K == Where::kPosition) idx[j] = first + 2 * j + tap_offset<K>(tap, W);
    if constexpr (K == Where::kTap) idx[j] = static_cast<uint8_t>(tap);
  }
}

// dx of one row of n windows: g0, g1 are dx's rows 2i and 2i+1; dy (element
// step dy_step, 0 when broadcast) and idx are row i of the output. Each
// window's four positions are written once: dy at the argmax, 0 elsewhere.
template <class T, Where K>
void max_pool_2x2_backward_row(T* g0, T* g1, const T* dy, int64_t dy_step, const index_t<K>* idx,
                               int64_t n, int64_t first, int64_t W) {
  for (int64_t j = 0; j < n; ++j) {
    const int64_t at = K == Where::kTap ? int64_t{idx[j]} : int64_t(idx[j]) - first - 2 * j;
    const T v = dy[j * dy_step];
    g0[2 * j] = at == tap_offset<K>(0, W) ? v : T(0);
    g0[2 * j + 1] = at == tap_offset<K>(1, W) ? v : T(0);
    g1[2 * j] = at == tap_offset<K>(2, W) ? v : T(0);
    g1[2 * j + 1] = at == tap_offset<K>(3, W) ? v : T(0);
  }
}

// GCC vector extensions: VL lanes of float, int32, int64 and uint8 (the size
// of a vector type cannot depend on a template parameter, hence one struct
// per VL). Vectors stay in locals: passed by value, 32-byte vectors would
// change the calling convention between the AVX2 and baseline clones.
template <int VL>
struct Lanes;
// i32_bytes is i32 seen as bytes, i64_halves i64 as int32 halves (GCC's
// __builtin_convertvector widens and narrows through scalar registers one
// lane at a time; byte and lane shuffles of these views do it in vectors).
template <>
struct Lanes<4> {
  typedef float f32 __attribute__((vector_size(16)));
  typedef int32_t i32 __attribute__((vector_size(16)));
  typedef int64_t i64 __attribute__((vector_size(32)));
  typedef uint8_t u8 __attribute__((vector_size(4)));
  typedef uint8_t i32_bytes __attribute__((vector_size(16)));
  typedef int32_t i64_halves __attribute__((vector_size(32)));
  typedef uint32_t u8_word;  // the VL taps as one scalar
  typedef uint32_t u8_words __attribute__((vector_size(16)));
};
template <>
struct Lanes<8> {
  typedef float f32 __attribute__((vector_size(32)));
  typedef int32_t i32 __attribute__((vector_size(32)));
  typedef int64_t i64 __attribute__((vector_size(64)));
  typedef uint8_t u8 __attribute__((vector_size(8)));
  typedef uint8_t i32_bytes __attribute__((vector_size(32)));
  typedef int32_t i64_halves __attribute__((vector_size(64)));
  typedef uint64_t u8_word;
  typedef uint64_t u8_words __attribute__((vector_size(32)));
};

// Windows j .. j+VL−1 of one row (see max_pool_2x2_row): the even and odd
// columns of 2·VL inputs of each row are split by shuffles into the
// candidates of VL windows, and `replaces` becomes compare + select, so the
// result is the scalar loop's, bit for bit.
template <int VL, Where K>
[[gnu::always_inline]] inline void max_pool_2x2_step(const float* r0, const float* r1, float* out,
                                                     index_t<K>* idx, int64_t j, int64_t first,
                                                     int32_t W) {
  using F = typename Lanes<VL>::f32;
  using I = typename Lanes<VL>::i32;
  F x0, x1, y0, y1;
  __builtin_memcpy(&x0, r0 + 2 * j, sizeof(F));
  __builtin_memcpy(&x1, r0 + 2 * j + VL, sizeof(F));
  __builtin_memcpy(&y0, r1 + 2 * j, sizeof(F));
  __builtin_memcpy(&y1, r1 + 2 * j + VL, sizeof(F));
  F a, b, c, d;
  if constexpr (VL == 8) {
    a = __builtin_shufflevector(x0, x1, 0, 2, 4, 6, 8, 10, 12, 14);
    b = __builtin_shufflevector(x0, x1, 1, 3, 5, 7, 9, 11, 13, 15);
    c = __builtin_shufflevector(y0, y1, 0, 2, 4, 6, 8, 10, 12, 14);
    d = __builtin_shufflevector(y0, y1, 1, 3, 5, 7, 9, 11, 13, 15);
  } else {
    a = __builtin_shufflevector(x0, x1, 0, 2, 4, 6);
    b = __builtin_shufflevector(x0, x1, 1, 3, 5, 7);
    c = __builtin_shufflevector(y0, y1, 0, 2, 4, 6);
    d = __builtin_shufflevector(y0, y1, 1, 3, 5, 7);
  }
  F best = a;
  I at = I{};  // tap_offset of the running maximum
  auto take = [&](const F& v, int32_t v_at) {
    const I m = (v > best) | (v != v);
    best = m ? v : best;
    if constexpr (K != Where::kNowhere) at = m ? I{} + v_at : at;
  };
  take(b, static_cast<int32_t>(tap_offset<K>(1, W)));
  take(c, static_cast<int32_t>(tap_offset<K>(2, W)));
  take(d, static_cast<int32_t>(tap_offset<K>(3, W)));
  __builtin_memcpy(out + j, &best, sizeof(F));
  if constexpr (K == Where::kPosition) {
    using L = typename Lanes<VL>::i64;
    L lane{};
    for (int k = 0; k < VL; ++k) lane[k] = 2 * k;
    const L index = __builtin_convertvector(at, L) + lane + (first + 2 * j);
    __builtin_memcpy(idx + j, &index, sizeof(L));
  }
  if constexpr (K == Where::kTap) {
    // The low byte of each int32 lane.
    typename Lanes<VL>::i32_bytes b;
    __builtin_memcpy(&b, &at, sizeof(b));
    typename Lanes<VL>::u8 taps;
    if constexpr (VL == 8)
      taps = __builtin_shufflevector(b, b, 0, 4, 8, 12, 16, 20, 24, 28);
    else
      taps = __builtin_shufflevector(b, b, 0, 4, 8, 12);
    __builtin_memcpy(idx + j, &taps, sizeof(taps));
  }
}

// dx of windows j .. j+VL−1 of one row (see max_pool_2x2_backward_row): the
// argmaxes as tap offsets in int32 lanes, compared with each candidate's,
// select dy or 0; the four results are interleaved into the even and odd
// columns of dx's two rows.
template <int VL, Where K>
[[gnu::always_inline]] inline void max_pool_2x2_backward_step(float* g0, float* g1, const float* dy,
                                                              int64_t dy_step,
                                                              const index_t<K>* idx, int64_t j,
                                                              int64_t first, int32_t W) {
  using F = typename Lanes<VL>::f32;
  using I = typename Lanes<VL>::i32;
  I at;
  if constexpr (K == Where::kPosition) {
    using L = typename Lanes<VL>::i64;
    L index, lane{};
    __builtin_memcpy(&index, idx + j, sizeof(L));
    for (int k = 0; k < VL; ++k) lane[k] = 2 * k;
    // Within the window, so each fits in int32: the low halves.
    const L offset = index - lane - (first + 2 * j);
    typename Lanes<VL>::i64_halves halves;
    __builtin_memcpy(&halves, &offset, sizeof(halves));
    if constexpr (VL == 8)
      at = __builtin_shufflevector(halves, halves, 0, 2, 4, 6, 8, 10, 12, 14);
    else
      at = __builtin_shufflevector(halves, halves, 0, 2, 4, 6);
  } else {
    // Each tap byte zero-extended into its int32 lane (index 4·VL: a zero
    // byte). The VL taps are read as one scalar, moved into lane 0 of a
    // vector: a narrow copy into a wider vector in memory would stall the
    // load that follows it (no store-to-load forwarding).
    typename Lanes<VL>::u8_word word;
    __builtin_memcpy(&word, idx + j, sizeof(word));
    const typename Lanes<VL>::u8_words words{word};
    typename Lanes<VL>::i32_bytes taps, bytes;
    __builtin_memcpy(&taps, &words, sizeof(taps));
    constexpr int z = 4 * VL;
    if constexpr (VL == 8)
      bytes = __builtin_shufflevector(taps, typename Lanes<VL>::i32_bytes{}, 0, z, z, z, 1, z, z, z,
                                      2, z, z, z, 3, z, z, z, 4, z, z, z, 5, z, z, z, 6, z, z, z, 7,
                                      z, z, z);
    else
      bytes = __builtin_shufflevector(taps, typename Lanes<VL>::i32_bytes{}, 0, z, z, z, 1, z, z, z,
                                      2, z, z, z, 3, z, z, z);
    __builtin_memcpy(&at, &bytes, sizeof(at));
  }
  F v;
  if (dy_step == 1) {
    __builtin_memcpy(&v, dy + j, sizeof(F));
  } else {
    for (int k = 0; k < VL; ++k) v[k] = dy[(j + k) * dy_step];
  }
  const F zero{};
  const F a = at == static_cast<int32_t>(tap_offset<K>(0, W)) ? v : zero;
  const F b = at == static_cast<int32_t>(tap_offset<K>(1, W)) ? v : zero;
  const F c = at == static_cast<int32_t>(tap_offset<K>(2, W)) ? v : zero;
  const F d = at == static_cast<int32_t>(tap_offset<K>(3, W)) ? v : zero;
  F ab0, ab1, cd0, cd1;
  if constexpr (VL == 8) {
    ab0 = __builtin_shufflevector(a, b, 0, 8, 1, 9, 2, 10, 3, 11);
    ab1 = __builtin_shufflevector(a, b, 4, 12, 5, 13, 6, 14, 7, 15);
    cd0 = __builtin_shufflevector(c, d, 0, 8, 1, 9, 2, 10, 3, 11);
    cd1 = __builtin_shufflevector(c, d, 4, 12, 5, 13, 6, 14, 7, 15);
  } else {
    ab0 = __builtin_shufflevector(a, b, 0, 4, 1, 5);
    ab1 = __builtin_shufflevector(a, b, 2, 6, 3, 7);
    cd0 = __builtin_shufflevector(c, d, 0, 4, 1, 5);
    cd1 = __builtin_shufflevector(c, d, 2, 6, 3, 7);
  }
  __builtin_memcpy(g0 + 2 * j, &ab0, sizeof(F));
  __builtin_memcpy(g0 + 2 * j + VL, &ab1, sizeof(F));
  __builtin_memcpy(g1 + 2 * j, &cd0, sizeof(F));
  __builtin_memcpy(g1 + 2 * j + VL, &cd1, sizeof(F));
}

// Runs step(j, VL) over windows [0, n) of a row: VL = 8 when n ≥ 8 and
// kMaxVL is 8, else 4 when n ≥ 4 (else returns false: the caller takes the
// scalar loop). The row ends with a step over its last VL windows,
// overlapping the step before (which only writes the same values again).
template <int kMaxVL, class Step>
[[gnu::always_inline]] inline bool vector_steps(int64_t n, Step&& step) {
  auto run = [&](auto vl) {
    int64_t j = 0;
    for (; j + vl <= n; j += vl) step(j, vl);
    if (j < n) step(n - vl, vl);
  };
  if (kMaxVL >= 8 && n >= 8)
    run(std::integral_constant<int, 8>{});
  else if (n >= 4)
    run(std::integral_constant<int, 4>{});
  else
    return false;
  return true;
}

// The full windows of one float plane: `rows` output rows of n windows, input
// rows row_stride apart, output and index rows OW apart.
template <Where K, int kMaxVL>
[[gnu::always_inline]] inline void max_pool_2x2_plane_body(const float* x, int64_t row_stride,
                                                           float* out, index_t<K>* idx, int64_t OW,
                                                           int64_t rows, int64_t n, int64_t W) {
  for (int64_t i = 0; i < rows; ++i) {
    const float* r0 = x + 2 * i * row_stride;
    const float* r1 = r0 + row_stride;
    float* o = out + i * OW;
    index_t<K>* ix = K == Where::kNowhere ? nullptr : idx + i * OW;
    const int64_t first = 2 * i * W;
    const bool done = vector_steps<kMaxVL>(n, [&](int64_t j, auto vl) {
      max_pool_2x2_step<decltype(vl)::value, K>(r0, r1, o, ix, j, first, static_cast<int32_t>(W));
    });
    if (!done) max_pool_2x2_row<float, K>(r0, r1, o, ix, n, first, W);
  }
}

// dx of the full windows of one float plane (see max_pool_2x2_plane_body):
// dx's rows are W apart, dy's dy_row_stride apart with element step dy_step,
// idx's OW apart.
template <Where K, int kMaxVL>
[[gnu::always_inline]] inline void max_pool_2x2_backward_plane_body(
    float* g, const float* dy, int64_t dy_row_stride, int64_t dy_step, const index_t<K>* idx,
    int64_t OW, int64_t rows, int64_t n, int64_t W) {
  for (int64_t i = 0; i < rows; ++i) {
    float* g0 = g + 2 * i * W;
    float* g1 = g0 + W;
    const float* d = dy + i * dy_row_stride;
    const index_t<K>* ix = idx + i * OW;
    const int64_t first = 2 * i * W;
    const bool done = vector_steps<kMaxVL>(n, [&](int64_t j, auto vl) {
      max_pool_2x2_backward_step<decltype(vl)::value, K>(g0, g1, d, dy_step, ix, j, first,
                                                         static_cast<int32_t>(W));
    });
    if (!done) max_pool_2x2_backward_row<float, K>(g0, g1, d, dy_step, ix, n, first, W);
  }
}

// The plane bodies compiled twice: for AVX2 with 8-lane steps, and for the
// baseline (SSE4.2) with 4-lane steps only (8-lane vectors split into SSE
// halves come out ≈ 30× slower: GCC moves them through memory). Zen 4 and
// Zen 5 run the AVX2 form.
bool cpu_has_avx2() {
  static const bool has = __builtin_cpu_supports("avx2");
  return has;
}

template <Where K>
[[gnu::target("avx2")]] void max_pool_2x2_plane_avx2(const float* x, int64_t row_stride, float* out,
                                                     index_t<K>* idx, int64_t OW, int64_t rows,
                                                     int64_t n, int64_t W) {
  max_pool_2x2_plane_body<K, 8>(x, row_stride, out, idx, OW, rows, n, W);
}

template <Where K>
void max_pool_2x2_plane(const float* x, int64_t row_stride, float* out, index_t<K>* idx, int64_t OW,
                        int64_t rows, int64_t n, int64_t W) {
  if (cpu_has_avx2()) return max_pool_2x2_plane_avx2<K>(x, row_stride, out, idx, OW, rows, n, W);
  max_pool_2x2_plane_body<K, 4>(x, row_stride, out, idx, OW, rows, n, W);
}

template <Where K>
[[gnu::target("avx2")]] void max_pool_2x2_backward_plane_avx2(float* g, const float* dy,
                                                              int64_t dy_row_stride,
                                                              int64_t dy_step,
                                                              const index_t<K>* idx, int64_t OW,
                                                              int64_t rows, int64_t n, int64_t W) {
  max_pool_2x2_backward_plane_body<K, 8>(g, dy, dy_row_stride, dy_step, idx, OW, rows, n, W);
}

template <Where K>
void max_pool_2x2_backward_plane(float* g, const float* dy, int64_t dy_row_stride, int64_t dy_step,
                                 const index_t<K>* idx, int64_t OW, int64_t rows, int64_t n,
                                 int64_t W) {
  if (cpu_has_avx2())
    return max_pool_2x2_backward_plane_avx2<K>(g, dy, dy_row_stride, dy_step, idx, OW, rows, n, W);
  max_pool_2x2_backward_plane_body<K, 4>(g, dy, dy_row_stride, dy_step, idx, OW, rows, n, W);
}

// max_pool_windows for a 2×2 stride-2 window (is_2x2_stride_2) over x with
// x.stride(3) == 1 and contiguous values and indices. The ⌊H/2⌋ × ⌊W/2⌋
// full windows go through the row kernels; with ceil_mode an odd H or W
// adds a last row or column of clipped windows, done by window_max.
template <class T, Where K>
void max_pool_2x2(const Tensor& values, const Tensor& indices, const Tensor& x) {
  const int64_t H = x.size(2), W = x.size(3), OH = values.size(2), OW = values.size(3);
  const int64_t full_h = std::min(OH, H / 2), full_w = std::min(OW, W / 2);
  const Planes<const T> x_planes(x);
  for_each_plane(x.size(0) * x.size(1), H * W, [&](int64_t p) {
    const Plane<const T> in = x_planes[p];
    T* out = static_cast<T*>(values.raw_data()) + p * OH * OW;
    index_t<K>* idx =
        K == Where::kNowhere ? nullptr : static_cast<index_t<K>*>(indices.raw_data()) + p * OH * OW;
    if constexpr (std::is_same_v<T, float>) {
      max_pool_2x2_plane<K>(in.base, in.sh, out, idx, OW, full_h, full_w, W);
    } else {
      for (int64_t i = 0; i < full_h; ++i)
        max_pool_2x2_row<T, K>(&in(2 * i, 0), &in(2 * i + 1, 0), out + i * OW,
                               K == Where::kNowhere ? nullptr : idx + i * OW, full_w, 2 * i * W, W);
    }
    // The clipped windows of ceil_mode: last column, then last row.
    auto edge = [&](int64_t i, int64_t j) {
      Argmax arg;
      out[i * OW + j] = window_max(in, Span{2 * i, std::min(2 * i + 2, H), 1},
                                   Span{2 * j, std::min(2 * j + 2, W), 1}, arg);
      if constexpr (K == Where::kPosition) idx[i * OW + j] = arg.h * W + arg.w;
      if constexpr (K == Where::kTap)
        idx[i * OW + j] = static_cast<uint8_t>((arg.h - 2 * i) * 2 + arg.w - 2 * j);
    };
    for (int64_t i = 0; i < full_h; ++i)
      for (int64_t j = full_w; j < OW; ++j) edge(i, j);
    for (int64_t i = full_h; i < OH; ++i)
      for (int64_t j = 0; j < OW; ++j) edge(i, j);
  });
}

// ---- any window, over row-contiguous float input: lanes are outputs of a row

// Where output j's window starts and how it steps along a row of x.
struct RowWindow {
  int64_t kernel_w, stride_w, dilation_w, pad_w;
  int64_t W, row_stride;  // x's row length and the step between its rows
};

// v[k] = p[k·s]; kS is s when it is 1 or 2 (shifted loads and a shuffle that
// read p[0 .. (VL − 1)·s] and nothing past it), 0 for any s (one load a lane).
template <int VL, int kS>
[[gnu::always_inline]] inline void load_strided(typename Lanes<VL>::f32& v, const float* p,
                                                int64_t s) {
  using F = typename Lanes<VL>::f32;
  if constexpr (kS == 1) {
    __builtin_memcpy(&v, p, sizeof(F));
  } else if constexpr (kS == 2) {
    F x0, x1;  // p[0 .. VL − 1] and p[VL − 1 .. 2VL − 2]
    __builtin_memcpy(&x0, p, sizeof(F));
    __builtin_memcpy(&x1, p + VL - 1, sizeof(F));
    if constexpr (VL == 8)
      v = __builtin_shufflevector(x0, x1, 0, 2, 4, 6, 9, 11, 13, 15);
    else
      v = __builtin_shufflevector(x0, x1, 0, 2, 5, 7);
  } else {
    for (int k = 0; k < VL; ++k) v[k] = p[k * s];
  }
}

// Windows j .. j+VL−1 of output row i (rows: its window rows, not empty),
// all inside x's columns: the taps are scanned in window_max's order, each
// a vector of VL lanes, with `replaces` as compare + select. The first tap
// is taken as it is (window_max takes it too, or keeps −∞ at its position).
// Positions are tracked as h·W + b·dilation − pad, lane k adding (j+k)·s.
template <int VL, int kS, Where K>
[[gnu::always_inline]] inline void max_pool_row_step(const float* plane, const RowWindow& g,
                                                     const Span& rows, int64_t j, float* out,
                                                     index_t<K>* idx) {
  using F = typename Lanes<VL>::f32;
  using I = typename Lanes<VL>::i32;
  F best{};
  I at{};
  bool first = true;
  for (int64_t h = rows.begin, a = rows.tap; h < rows.end; h += rows.step, ++a) {
    const float* r = plane + h * g.row_stride + j * g.stride_w - g.pad_w;
    for (int64_t b = 0; b < g.kernel_w; ++b) {
      F v;
      load_strided<VL, kS>(v, r + b * g.dilation_w, g.stride_w);
      const int32_t code = static_cast<int32_t>(
          K == Where::kTap ? a * g.kernel_w + b : h * g.W + b * g.dilation_w - g.pad_w);
      if (first) {
        best = v;
        at = I{} + code;
        first = false;
        continue;
      }
      const I m = (v > best) | (v != v);
      best = m ? v : best;
      if constexpr (K != Where::kNowhere) at = m ? I{} + code : at;
    }
  }
  __builtin_memcpy(out + j, &best, sizeof(F));
  if constexpr (K == Where::kPosition) {
    using L = typename Lanes<VL>::i64;
    L lane{};
    for (int k = 0; k < VL; ++k) lane[k] = (j + k) * g.stride_w;
    const L index = __builtin_convertvector(at, L) + lane;
    __builtin_memcpy(idx + j, &index, sizeof(L));
  }
  if constexpr (K == Where::kTap) {
    typename Lanes<VL>::i32_bytes bytes;
    __builtin_memcpy(&bytes, &at, sizeof(bytes));
    typename Lanes<VL>::u8 taps;
    if constexpr (VL == 8)
      taps = __builtin_shufflevector(bytes, bytes, 0, 4, 8, 12, 16, 20, 24, 28);
    else
      taps = __builtin_shufflevector(bytes, bytes, 0, 4, 8, 12);
    __builtin_memcpy(idx + j, &taps, sizeof(taps));
  }
}

// Output columns [j_lo, j_lo + n) (n ≥ 4) of every row of one plane; out and
// idx rows are OW apart.
template <int kMaxVL, int kS, Where K>
[[gnu::always_inline]] inline void max_pool_rows_body(const float* plane, const RowWindow& g,
                                                      const Span* rows, int64_t OH, int64_t OW,
                                                      int64_t j_lo, int64_t n, float* out,
                                                      index_t<K>* idx) {
  for (int64_t i = 0; i < OH; ++i) {
    float* o = out + i * OW;
    index_t<K>* ix = K == Where::kNowhere ? nullptr : idx + i * OW;
    vector_steps<kMaxVL>(n, [&](int64_t j, auto vl) {
      max_pool_row_step<decltype(vl)::value, kS, K>(plane, g, rows[i], j_lo + j, o, ix);
    });
  }
}

template <int kS, Where K>
[[gnu::target("avx2")]] void max_pool_rows_avx2(const float* plane, const RowWindow& g,
                                                const Span* rows, int64_t OH, int64_t OW,
                                                int64_t j_lo, int64_t n, float* out,
                                                index_t<K>* idx) {
  max_pool_rows_body<8, kS, K>(plane, g, rows, OH, OW, j_lo, n, out, idx);
}

template <int kS, Where K>
void max_pool_rows(const float* plane, const RowWindow& g, const Span* rows, int64_t OH, int64_t OW,
                   int64_t j_lo, int64_t n, float* out, index_t<K>* idx) {
  if (cpu_has_avx2()) return max_pool_rows_avx2<kS, K>(plane, g, rows, OH, OW, j_lo, n, out, idx);
  max_pool_rows_body<4, kS, K>(plane, g, rows, OH, OW, j_lo, n, out, idx);
}

// max_pool_windows for float x with x.stride(3) == 1, contiguous values and
// indices, and no empty window row: the columns whose windows lie inside x
// (the interior, when it is ≥ 4 wide) are done by max_pool_rows, the border
// columns (padding clips them) by window_max.
template <Where K>
void max_pool_rows_of(const Tensor& values, const Tensor& indices, const Tensor& x,
                      const PoolWindow& k, const std::vector<Span>& rows,
                      const std::vector<Span>& cols) {
  const int64_t W = x.size(3), OH = values.size(2), OW = values.size(3);
  const RowWindow g{k.kernel_w, k.stride_w, k.dilation_w, k.pad_w, W, x.stride(2)};
  // Interior: j·s − pad ≥ 0 and j·s − pad + (kernel_w − 1)·dilation ≤ W − 1.
  const int64_t j_lo = (k.pad_w + k.stride_w - 1) / k.stride_w;
  const int64_t last = W - 1 + k.pad_w - (k.kernel_w - 1) * k.dilation_w;
  const int64_t j_hi = last < 0 ? 0 : std::min(OW, last / k.stride_w + 1);
  const int64_t n = j_hi > j_lo + 3 ? j_hi - j_lo : 0;  // vector steps need ≥ 4 windows
  const Planes<const float> x_planes(x);
  for_each_plane(x.size(0) * x.size(1), OH * OW * k.kernel_h * k.kernel_w, [&](int64_t p) {
    const Plane<const float> in = x_planes[p];
    float* out = static_cast<float*>(values.raw_data()) + p * OH * OW;
    index_t<K>* idx =
        K == Where::kNowhere ? nullptr : static_cast<index_t<K>*>(indices.raw_data()) + p * OH * OW;
    if (n > 0) {
      if (k.stride_w == 1)
        max_pool_rows<1, K>(in.base, g, rows.data(), OH, OW, j_lo, n, out, idx);
      else if (k.stride_w == 2)
        max_pool_rows<2, K>(in.base, g, rows.data(), OH, OW, j_lo, n, out, idx);
      else
        max_pool_rows<0, K>(in.base, g, rows.data(), OH, OW, j_lo, n, out, idx);
    }
    auto scalar = [&](int64_t i, int64_t j) {
      const Span& r = rows[static_cast<size_t>(i)];
      const Span& c = cols[static_cast<size_t>(j)];
      Argmax arg;
      out[i * OW + j] = window_max(in, r, c, arg);
      if constexpr (K == Where::kPosition) idx[i * OW + j] = arg.h * W + arg.w;
      if constexpr (K == Where::kTap)
        idx[i * OW + j] = static_cast<uint8_t>(arg.tap(r, c, k.kernel_w));
    };
    for (int64_t i = 0; i < OH; ++i) {
      if (n == 0) {
        for (int64_t j = 0; j < OW; ++j) scalar(i, j);
        continue;
      }
      for (int64_t j = 0; j < j_lo; ++j) scalar(i, j);
      for (int64_t j = j_hi; j < OW; ++j) scalar(i, j);
    }
  });
}

// ---- backward

// out = 0, then out[plane][indices[i, j]] (+)= src[i, j]; out is contiguous.
template <class T>
void scatter_by_indices(const Tensor& out, const Tensor& src, const Tensor& indices,
                        bool accumulate) {
  const int64_t plane_size = out.size(2) * out.size(3), OH = src.size(2), OW = src.size(3);
  std::atomic<bool> bad{false};
  std::atomic<int64_t> bad_index{0};
  const Planes<const T> src_planes(src);
  const Planes<const int64_t> indices_planes(indices);
  for_each_plane(out.size(0) * out.size(1), plane_size + OH * OW, [&](int64_t p) {
    T* dst = static_cast<T*>(out.raw_data()) + p * plane_size;
    std::fill(dst, dst + plane_size, T(0));
    const Plane<const T> s = src_planes[p];
    const Plane<const int64_t> idx = indices_planes[p];
    for (int64_t i = 0; i < OH; ++i)
      for (int64_t j = 0; j < OW; ++j) {
        const int64_t k = idx(i, j);
        if (k < 0 || k >= plane_size) {
          if (!bad.exchange(true)) bad_index = k;
          continue;
        }
        if (accumulate)
          dst[k] += s(i, j);
        else
          dst[k] = s(i, j);
      }
  });
  NABLA_CHECK(!bad, "max_unpool2d: found an invalid max index ", bad_index.load(),
              " (output planes are of size ", out.size(2), "x", out.size(3), ")");
}

// dx = 0, then dx[window (i, j)'s tap taps[i, j]] += dy[i, j]: the general
// backward from taps (overlapping windows add up). A tap outside the input
// (only an empty window, all padding, could give one) is skipped.
template <class T>
void scatter_by_taps(const Tensor& dx, const Tensor& dy, const Tensor& taps, const PoolWindow& k) {
  const int64_t H = dx.size(2), W = dx.size(3), OH = dy.size(2), OW = dy.size(3);
  // Row and column offsets of each tap from its window's start.
  std::vector<int64_t> tap_dh, tap_dw;
  for (int64_t a = 0; a < k.kernel_h; ++a)
    for (int64_t b = 0; b < k.kernel_w; ++b) {
      tap_dh.push_back(a * k.dilation_h);
      tap_dw.push_back(b * k.dilation_w);
    }
  const Planes<const T> dy_planes(dy);
  const Planes<const uint8_t> taps_planes(taps);
  for_each_plane(dx.size(0) * dx.size(1), H * W + OH * OW, [&](int64_t p) {
    T* g = static_cast<T*>(dx.raw_data()) + p * H * W;
    std::fill(g, g + H * W, T(0));
    const Plane<const T> d = dy_planes[p];
    const Plane<const uint8_t> t = taps_planes[p];
    for (int64_t i = 0; i < OH; ++i)
      for (int64_t j = 0; j < OW; ++j) {
        const size_t tap = t(i, j);
        const int64_t h = i * k.stride_h - k.pad_h + tap_dh[tap];
        const int64_t w = j * k.stride_w - k.pad_w + tap_dw[tap];
        if (h >= 0 && h < H && w >= 0 && w < W) g[h * W + w] += d(i, j);
      }
  });
}

// Whether every input position lies in at most one window: stride ==
// kernel and no dilation. Then input row h belongs to window row
// (h + pad_h) / kernel_h, as its tap row (h + pad_h) % kernel_h, if that
// window row is < OH (columns alike).
bool windows_tile(const PoolWindow& k) {
  return k.stride_h == k.kernel_h && k.stride_w == k.kernel_w && k.dilation_h == 1 &&
         k.dilation_w == 1;
}

// max pooling's backward for tiling windows (windows_tile), as a gather:
// dx[h, w] = dy[i, j] if the argmax of the window (i, j) that holds (h, w)
// is (h, w), else 0. Each element of dx is written once, in order: no zero
// fill followed by a scatter. indices (as K) must come from max_pool2d with
// window k, so each lies in its own window.
template <class T, Where K>
void max_pool_tiled_backward(const Tensor& dx, const Tensor& dy, const Tensor& indices,
                             const PoolWindow& k) {
  const int64_t H = dx.size(2), W = dx.size(3), OH = dy.size(2), OW = dy.size(3);
  // The window column of each input column (−1 when it lies in none) and its
  // tap column there.
  std::vector<int64_t> window_col(static_cast<size_t>(W)), tap_col(static_cast<size_t>(W));
  for (int64_t w = 0; w < W; ++w) {
    const int64_t j = (w + k.pad_w) / k.kernel_w;
    window_col[static_cast<size_t>(w)] = j < OW ? j : -1;
    tap_col[static_cast<size_t>(w)] = (w + k.pad_w) % k.kernel_w;
  }
  const bool two_by_two = is_2x2_stride_2(k) && indices.is_contiguous();
  const int64_t full_h = two_by_two ? std::min(OH, H / 2) : 0;
  const int64_t full_w = two_by_two ? std::min(OW, W / 2) : 0;
  const Planes<const T> dy_planes(dy);
  const Planes<const index_t<K>> indices_planes(indices);
  for_each_plane(dx.size(0) * dx.size(1), H * W, [&](int64_t p) {
    T* g = static_cast<T*>(dx.raw_data()) + p * H * W;
    const Plane<const T> d = dy_planes[p];
    const Plane<const index_t<K>> idx = indices_planes[p];
    // Columns [w_begin, W) of input row h, one element at a time.
    auto row_tail = [&](int64_t h, int64_t w_begin) {
      if (w_begin >= W) return;
      T* row = g + h * W;
      const int64_t i = (h + k.pad_h) / k.kernel_h, a = (h + k.pad_h) % k.kernel_h;
      if (i >= OH) {
        std::fill(row + w_begin, row + W, T(0));
        return;
      }
      for (int64_t w = w_begin; w < W; ++w) {
        const int64_t j = window_col[static_cast<size_t>(w)];
        const int64_t here =
            K == Where::kTap ? a * k.kernel_w + tap_col[static_cast<size_t>(w)] : h * W + w;
        row[w] = j >= 0 && int64_t(idx(i, j)) == here ? d(i, j) : T(0);
      }
    };
    if (full_h > 0 && full_w > 0) {
      if constexpr (std::is_same_v<T, float>) {
        max_pool_2x2_backward_plane<K>(g, &d(0, 0), d.sh, d.sw, &idx(0, 0), OW, full_h, full_w, W);
      } else {
        for (int64_t i = 0; i < full_h; ++i)
          max_pool_2x2_backward_row<T, K>(g + 2 * i * W, g + (2 * i + 1) * W, &d(i, 0), d.sw,
                                          &idx(i, 0), full_w, 2 * i * W, W);
      }
    }
    for (int64_t h = 0; h < 2 * full_h; ++h) row_tail(h, 2 * full_w);
    for (int64_t h = 2 * full_h; h < H; ++h) row_tail(h, 0);
  });
}

// out[i, j] = src[plane][indices[i, j]]; out is contiguous.
template <class T>
void gather_by_indices(const Tensor& out, const Tensor& src, const Tensor& indices) {
  const int64_t H = src.size(2), W = src.size(3), OH = out.size(2), OW = out.size(3);
  std::atomic<bool> bad{false};
  std::atomic<int64_t> bad_index{0};
  const Planes<const T> src_planes(src);
  const Planes<const int64_t> indices_planes(indices);
  for_each_plane(out.size(0) * out.size(1), OH * OW, [&](int64_t p) {
    const Plane<const T> s = src_planes[p];
    const Plane<const int64_t> idx = indices_planes[p];
    T* dst = static_cast<T*>(out.raw_data()) + p * OH * OW;
    for (int64_t i = 0; i < OH; ++i)
      for (int64_t j = 0; j < OW; ++j) {
        const int64_t k = idx(i, j);
        if (k < 0 || k >= H * W) {
          if (!bad.exchange(true)) bad_index = k;
          dst[i * OW + j] = T(0);
          continue;
        }
        dst[i * OW + j] = s(k / W, k % W);
      }
  });
  NABLA_CHECK(!bad, "max_unpool2d_backward: found an invalid max index ", bad_index.load(),
              " (planes are of size ", H, "x", W, ")");
}

// The largest adaptive window along a dim: ⌈in/out⌉ + 1 bounds it.
int64_t adaptive_window_bound(int64_t in, int64_t out) {
  return (in + out - 1) / out + 1;
}

// Calls body with K bound to where_of(indices).
template <class Body>
void dispatch_where(const Tensor& indices, Body&& body) {
  switch (where_of(indices)) {
    case Where::kNowhere:
      return body(std::integral_constant<Where, Where::kNowhere>{});
    case Where::kPosition:
      return body(std::integral_constant<Where, Where::kPosition>{});
    case Where::kTap:
      return body(std::integral_constant<Where, Where::kTap>{});
  }
}

}  // namespace

void CpuBackend::max_pool2d(const Tensor& values, const Tensor& indices, const Tensor& x,
                            const PoolWindow& k) {
  check_pool_operands("max_pool2d", x, values);
  NABLA_CHECK(
      !indices.defined() || ((indices.dtype() == kInt64 ||
                              (indices.dtype() == kUInt8 && k.kernel_h * k.kernel_w <= 256)) &&
                             indices.shape() == values.shape()),
      "max_pool2d: indices must be int64 (or uint8 taps, for at most 256 of them) of "
      "shape ",
      values.shape());
  const int64_t H = x.size(2), W = x.size(3), OH = values.size(2), OW = values.size(3);
  NABLA_DISPATCH_FLOATING(x.dtype(), "max_pool2d", [&] {
    dispatch_where(indices, [&](auto where) {
      constexpr Where K = decltype(where)::value;
      if (is_2x2_stride_2(k) && x.stride(3) == 1 && W < (int64_t{1} << 31) - 1 &&
          values.is_contiguous() && (K == Where::kNowhere || indices.is_contiguous())) {
        max_pool_2x2<scalar_t, K>(values, indices, x);
        return;
      }
      std::vector<Span> rows, cols;
      for (int64_t i = 0; i < OH; ++i)
        rows.push_back(dilated_span(i * k.stride_h - k.pad_h, k.kernel_h, k.dilation_h, H));
      for (int64_t j = 0; j < OW; ++j)
        cols.push_back(dilated_span(j * k.stride_w - k.pad_w, k.kernel_w, k.dilation_w, W));
      if constexpr (std::is_same_v<scalar_t, float>) {
        const bool rows_non_empty =
            std::all_of(rows.begin(), rows.end(), [](const Span& r) { return r.begin < r.end; });
        if (x.stride(3) == 1 && values.is_contiguous() &&
            (K == Where::kNowhere || indices.is_contiguous()) && rows_non_empty &&
            H * W < (int64_t{1} << 31) - 1)
          return max_pool_rows_of<K>(values, indices, x, k, rows, cols);
      }
      max_pool_windows<scalar_t, K>(values, indices, x, rows, cols, k.kernel_w,
                                    k.kernel_h * k.kernel_w);
    });
  });
}

void CpuBackend::max_pool2d_backward(const Tensor& out, const Tensor& src, const Tensor& indices,
                                     bool accumulate) {
  check_pool_operands("max_pool2d_backward", out, src);
  NABLA_CHECK(out.is_contiguous() && indices.dtype() == kInt64 && indices.shape() == src.shape(),
              "max_pool2d_backward: expected a contiguous output and int64 indices of shape ",
              src.shape());
  NABLA_DISPATCH_ALL(out.dtype(), "max_pool2d_backward",
                     [&] { scatter_by_indices<scalar_t>(out, src, indices, accumulate); });
}

void CpuBackend::max_pool2d_backward(const Tensor& dx, const Tensor& dy, const Tensor& indices,
                                     const PoolWindow& window) {
  check_max_pool_backward(dx, dy, indices);
  const int64_t W = dx.size(3);
  NABLA_DISPATCH_FLOATING(dx.dtype(), "max_pool2d_backward", [&] {
    dispatch_where(indices, [&](auto where) {
      constexpr Where K = decltype(where)::value;
      if constexpr (K != Where::kNowhere) {
        if (windows_tile(window) && W < (int64_t{1} << 31) - 1)
          return max_pool_tiled_backward<scalar_t, K>(dx, dy, indices, window);
      }
      if constexpr (K == Where::kTap) return scatter_by_taps<scalar_t>(dx, dy, indices, window);
      scatter_by_indices<scalar_t>(dx, dy, indices, /*accumulate=*/true);
    });
  });
}

void CpuBackend::max_unpool2d_backward(const Tensor& out, const Tensor& src,
                                       const Tensor& indices) {
  check_pool_operands("max_unpool2d_backward", src, out);
  NABLA_CHECK(out.is_contiguous() && indices.dtype() == kInt64 && indices.shape() == out.shape(),
              "max_unpool2d_backward: expected a contiguous output and int64 indices of shape ",
              out.shape());
  NABLA_DISPATCH_ALL(out.dtype(), "max_unpool2d_backward",
                     [&] { gather_by_indices<scalar_t>(out, src, indices); });
}

void CpuBackend::adaptive_max_pool2d(const Tensor& values, const Tensor& indices, const Tensor& x) {
  check_pool_operands("adaptive_max_pool2d", x, values);
  NABLA_CHECK(indices.dtype() == kInt64 && indices.shape() == values.shape(),
              "adaptive_max_pool2d: indices must be int64 of shape ", values.shape());
  const int64_t H = x.size(2), W = x.size(3), OH = values.size(2), OW = values.size(3);
  const int64_t bound = adaptive_window_bound(H, OH) * adaptive_window_bound(W, OW);
  std::vector<Span> rows, cols;
  for (int64_t i = 0; i < OH; ++i) rows.push_back(adaptive_span(i, H, OH));
  for (int64_t j = 0; j < OW; ++j) cols.push_back(adaptive_span(j, W, OW));
  NABLA_DISPATCH_FLOATING(x.dtype(), "adaptive_max_pool2d", [&] {
    max_pool_windows<scalar_t, Where::kPosition>(values, indices, x, rows, cols, 1, bound);
  });
}

}  // namespace nabla::backends::cpu
