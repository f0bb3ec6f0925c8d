// Pooling kernels over NCHW views. Each (n, c) plane is independent: planes
// are split over OpenMP threads, and within a plane one thread walks the
// output. Backward kernels scatter into their own plane only, so no two
// threads write the same element.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#if defined(__SSE4_1__)
#include <immintrin.h>
#endif

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/loops.h"

namespace nabla::backends::cpu {
namespace {

// One (n, c) plane of a 4-D view: element (h, w) at base[h·sh + w·sw].
template <class T>
struct Plane {
  T* base;
  int64_t sh, sw;
  T& operator()(int64_t h, int64_t w) const { return base[h * sh + w * sw]; }
};

// The (n, c) planes of a 4-D view, plane p = n·C + c. Its strides are read
// once, outside the loops over planes (Tensor::stride is not inline, and
// checks its argument). An undefined tensor gives no planes.
template <class T>
struct Planes {
  T* base = nullptr;
  int64_t channels = 1, sn = 0, sc = 0, sh = 0, sw = 0;
  Planes() = default;
  explicit Planes(const Tensor& t) {
    if (!t.defined()) return;
    base = static_cast<T*>(t.raw_data());
    channels = t.size(1);
    sn = t.stride(0);
    sc = t.stride(1);
    sh = t.stride(2);
    sw = t.stride(3);
  }
  Plane<T> operator[](int64_t p) const {
    return {base + p / channels * sn + p % channels * sc, sh, sw};
  }
};

// Calls body(p) for every plane p in [0, planes), on threads when the work
// (elements touched per plane × planes) pays for waking them.
template <class Body>
void for_each_plane(int64_t planes, int64_t work_per_plane, Body body) {
  const bool parallel =
      planes > 1 && planes * work_per_plane >= kParallelGrain && !omp_in_parallel();
#pragma omp parallel for schedule(static) if (parallel)
  for (int64_t p = 0; p < planes; ++p) body(p);
}

void check_pool_operands(const char* op, const Tensor& big, const Tensor& small) {
  NABLA_CHECK(big.dim() == 4 && small.dim() == 4 && big.size(0) == small.size(0) &&
                  big.size(1) == small.size(1),
              op, ": expected 4-D (N, C, H, W) operands with the same N and C, got ", big.shape(),
              " and ", small.shape());
}

// The rows (or columns) of one window, clipped to [0, size): first, one past
// the last, and the step.
struct Span {
  int64_t begin, end, step;
};

// Window starting at `start` (may be negative: padding) with `kernel` taps
// `dilation` apart; begin is its first tap inside the input.
Span dilated_span(int64_t start, int64_t kernel, int64_t dilation, int64_t size) {
  int64_t begin = start;
  if (begin < 0) begin += (-begin + dilation - 1) / dilation * dilation;
  const int64_t end = std::min(start + (kernel - 1) * dilation + 1, size);
  return {begin, end, dilation};
}

// Adaptive window of output i of out over in: [⌊i·in/out⌋, ⌈(i+1)·in/out⌉).
Span adaptive_span(int64_t i, int64_t in, int64_t out) {
  return {i * in / out, ((i + 1) * in + out - 1) / out, 1};
}

// Whether v replaces the running maximum: it is larger, or NaN (`v > best`
// is false for NaN, so NaN is taken explicitly, as PyTorch does: NaN
// propagates, and a later NaN replaces an earlier one).
template <class T>
inline bool replaces(T v, T best) {
  return v > best || v != v;
}

// values and indices of the maximum over rows × cols of x: the first maximum,
// or the last NaN. An empty window gives −∞ at the window's first position.
template <class T>
void window_max(const Plane<const T>& x, int64_t width, const Span& rows, const Span& cols,
                T& value, int64_t& index) {
  T best = -std::numeric_limits<T>::infinity();
  int64_t best_index = rows.begin * width + cols.begin;
  for (int64_t h = rows.begin; h < rows.end; h += rows.step)
    for (int64_t w = cols.begin; w < cols.end; w += cols.step) {
      const T v = x(h, w);
      if (replaces(v, best)) {
        best = v;
        best_index = h * width + w;
      }
    }
  value = best;
  index = best_index;
}

// Max over the window of every output (i, j): rows[i] × cols[j] (a window's
// rows depend on i only, its columns on j only, so the spans are worked out
// once per call). indices may be undefined (not wanted).
template <class T>
void max_pool_typed(const Tensor& values, const Tensor& indices, const Tensor& x,
                    const std::vector<Span>& rows, const std::vector<Span>& cols,
                    int64_t window_size) {
  const int64_t W = x.size(3), OH = values.size(2), OW = values.size(3);
  const bool with_indices = indices.defined();
  const Planes<const T> x_planes(x);
  const Planes<T> values_planes(values);
  const Planes<int64_t> indices_planes(indices);
  for_each_plane(x.size(0) * x.size(1), OH * OW * window_size, [&](int64_t p) {
    const Plane<const T> in = x_planes[p];
    const Plane<T> out = values_planes[p];
    const Plane<int64_t> idx = indices_planes[p];
    for (int64_t i = 0; i < OH; ++i)
      for (int64_t j = 0; j < OW; ++j) {
        int64_t k;
        window_max(in, W, rows[static_cast<size_t>(i)], cols[static_cast<size_t>(j)], out(i, j), k);
        if (with_indices) idx(i, j) = k;
      }
  });
}

// The 2×2, stride 2 case without padding or dilation (LeNet's, VGG's
// pooling), over planes whose rows are contiguous. Output row i reads input
// rows 2i and 2i+1 only: out[j] = max(r0[2j], r0[2j+1], r1[2j], r1[2j+1]),
// taken in that order by `replaces` exactly as window_max would, written
// without branches so that the loop vectorizes across j. first = 2i·W, the
// index of r0[0]; the winner's code c (0..3) gives the index
// first + 2j + (c & 1) + (c >> 1)·W.
template <class T, bool kIndices>
void max_pool_2x2_row(const T* __restrict r0, const T* __restrict r1, T* __restrict out,
                      int64_t* __restrict idx, int64_t n, int64_t first, int64_t W) {
  for (int64_t j = 0; j < n; ++j) {
    const T a = r0[2 * j], b = r0[2 * j + 1], c = r1[2 * j], d = r1[2 * j + 1];
    T best = a;
    int32_t code = 0;
    bool m = replaces(b, best);
    best = m ? b : best;
    code = m ? 1 : code;
    m = replaces(c, best);
    best = m ? c : best;
    code = m ? 2 : code;
    m = replaces(d, best);
    best = m ? d : best;
    code = m ? 3 : code;
    out[j] = best;
    if constexpr (kIndices) idx[j] = first + 2 * j + (code & 1) + (code >> 1) * W;
  }
}

#if defined(__SSE4_1__)
// max_pool_2x2_row for float, 4 outputs per step with SSE4.1: the even and
// odd columns of 8 inputs of each row are split by shuffles into the four
// candidates a, b, c, d of 4 windows, and `replaces` becomes compare + blend,
// so the result is the scalar loop's, bit for bit. A row of n ≥ 4 outputs
// ends with a step over its last 4 (overlapping the one before: the same
// values are stored again); shorter rows take the scalar loop.
template <bool kIndices>
void max_pool_2x2_row_f32(const float* r0, const float* r1, float* out, int64_t* idx, int64_t n,
                          int64_t first, int64_t W) {
  if (n < 4) return max_pool_2x2_row<float, kIndices>(r0, r1, out, idx, n, first, W);
  // Offsets of the four candidates from a window's first position, as int32
  // lanes (W < 2³¹ − 1 is checked by the caller).
  const __m128i off_b = _mm_set1_epi32(1), off_c = _mm_set1_epi32(static_cast<int32_t>(W)),
                off_d = _mm_set1_epi32(static_cast<int32_t>(W + 1));
  auto step = [&](int64_t j) {
    const __m128 x0 = _mm_loadu_ps(r0 + 2 * j), x1 = _mm_loadu_ps(r0 + 2 * j + 4);
    const __m128 y0 = _mm_loadu_ps(r1 + 2 * j), y1 = _mm_loadu_ps(r1 + 2 * j + 4);
    const __m128 a = _mm_shuffle_ps(x0, x1, _MM_SHUFFLE(2, 0, 2, 0));
    const __m128 b = _mm_shuffle_ps(x0, x1, _MM_SHUFFLE(3, 1, 3, 1));
    const __m128 c = _mm_shuffle_ps(y0, y1, _MM_SHUFFLE(2, 0, 2, 0));
    const __m128 d = _mm_shuffle_ps(y0, y1, _MM_SHUFFLE(3, 1, 3, 1));
    __m128 best = a;
    __m128i off = _mm_setzero_si128();
    auto take = [&](__m128 v, __m128i v_off) {
      const __m128 m = _mm_or_ps(_mm_cmpgt_ps(v, best), _mm_cmpunord_ps(v, v));
      best = _mm_blendv_ps(best, v, m);
      if constexpr (kIndices)
        off = _mm_castps_si128(_mm_blendv_ps(_mm_castsi128_ps(off), _mm_castsi128_ps(v_off), m));
    };
    take(b, off_b);
    take(c, off_c);
    take(d, off_d);
    _mm_storeu_ps(out + j, best);
    if constexpr (kIndices) {
      // index = first + 2(j + lane) + off, in two int64 pairs.
      const __m128i base_lo = _mm_add_epi64(_mm_set1_epi64x(first + 2 * j), _mm_set_epi64x(2, 0));
      const __m128i base_hi = _mm_add_epi64(_mm_set1_epi64x(first + 2 * j), _mm_set_epi64x(6, 4));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(idx + j),
                       _mm_add_epi64(base_lo, _mm_cvtepi32_epi64(off)));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(idx + j + 2),
                       _mm_add_epi64(base_hi, _mm_cvtepi32_epi64(_mm_srli_si128(off, 8))));
    }
  };
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) step(j);
  if (j < n) step(n - 4);
}
#endif

// One row of 2×2 windows: the SSE form for float, else the scalar loop.
template <class T, bool kIndices>
void max_pool_2x2_any_row(const T* r0, const T* r1, T* out, int64_t* idx, int64_t n, int64_t first,
                          int64_t W) {
#if defined(__SSE4_1__)
  if constexpr (std::is_same_v<T, float>)
    return max_pool_2x2_row_f32<kIndices>(r0, r1, out, idx, n, first, W);
#endif
  max_pool_2x2_row<T, kIndices>(r0, r1, out, idx, n, first, W);
}

bool is_2x2_stride_2(const Backend::PoolWindow& k) {
  return k.kernel_h == 2 && k.kernel_w == 2 && k.stride_h == 2 && k.stride_w == 2 && k.pad_h == 0 &&
         k.pad_w == 0 && k.dilation_h == 1 && k.dilation_w == 1;
}

// max_pool_typed for a 2×2 stride-2 window (is_2x2_stride_2) over x with
// x.stride(3) == 1 and contiguous values and indices. The ⌊H/2⌋ × ⌊W/2⌋
// full windows go through max_pool_2x2_row; with ceil_mode an odd H or W
// adds a last row or column of clipped windows, done by window_max.
template <class T>
void max_pool_2x2(const Tensor& values, const Tensor& indices, const Tensor& x) {
  const int64_t H = x.size(2), W = x.size(3), OH = values.size(2), OW = values.size(3);
  const int64_t full_h = std::min(OH, H / 2), full_w = std::min(OW, W / 2);
  const bool with_indices = indices.defined();
  const Planes<const T> x_planes(x);
  for_each_plane(x.size(0) * x.size(1), H * W, [&](int64_t p) {
    const Plane<const T> in = x_planes[p];
    T* out = static_cast<T*>(values.raw_data()) + p * OH * OW;
    int64_t* idx = with_indices ? static_cast<int64_t*>(indices.raw_data()) + p * OH * OW : nullptr;
    for (int64_t i = 0; i < full_h; ++i) {
      const T* r0 = &in(2 * i, 0);
      if (with_indices)
        max_pool_2x2_any_row<T, true>(r0, r0 + in.sh, out + i * OW, idx + i * OW, full_w, 2 * i * W,
                                      W);
      else
        max_pool_2x2_any_row<T, false>(r0, r0 + in.sh, out + i * OW, nullptr, full_w, 2 * i * W, W);
    }
    // The clipped windows of ceil_mode: last column, then last row.
    auto edge = [&](int64_t i, int64_t j) {
      int64_t k;
      window_max(in, W, Span{2 * i, std::min(2 * i + 2, H), 1},
                 Span{2 * j, std::min(2 * j + 2, W), 1}, out[i * OW + j], k);
      if (with_indices) idx[i * OW + j] = k;
    };
    for (int64_t i = 0; i < full_h; ++i)
      for (int64_t j = full_w; j < OW; ++j) edge(i, j);
    for (int64_t i = full_h; i < OH; ++i)
      for (int64_t j = 0; j < OW; ++j) edge(i, j);
  });
}

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

// Whether every input position lies in at most one window: stride ==
// kernel and no dilation. Then input row h belongs to window row
// (h + pad_h) / kernel_h (if that is < OH), columns alike.
bool windows_tile(const Backend::PoolWindow& k) {
  return k.stride_h == k.kernel_h && k.stride_w == k.kernel_w && k.dilation_h == 1 &&
         k.dilation_w == 1;
}

// One pair of input rows of the 2×2 case: g0, g1 are rows 2i and 2i+1 of dx,
// dy and idx row i of the output (dy with element step dy_step, 0 when
// broadcast); first = 2i·W. Each window's four positions are written once,
// dy at the argmax and 0 elsewhere, without branches.
template <class T>
void max_pool_2x2_backward_row(T* __restrict g0, T* __restrict g1, const T* __restrict dy,
                               int64_t dy_step, const int64_t* __restrict idx, int64_t n,
                               int64_t first, int64_t W) {
  for (int64_t j = 0; j < n; ++j) {
    const int64_t at = idx[j] - first - 2 * j;
    const T v = dy[j * dy_step];
    g0[2 * j] = at == 0 ? v : T(0);
    g0[2 * j + 1] = at == 1 ? v : T(0);
    g1[2 * j] = at == W ? v : T(0);
    g1[2 * j + 1] = at == W + 1 ? v : T(0);
  }
}

#if defined(__SSE4_1__)
// max_pool_2x2_backward_row for float, 4 windows per step with SSE4.1: the
// argmax offsets (0, 1, W or W + 1 from each window's first position) are
// narrowed to int32 lanes, compared with each candidate offset, and dy
// masked by the result is interleaved into the even and odd columns of the
// two rows. n ≥ 4 ends with an overlapping step over the last 4 windows
// (it stores the same values again); shorter rows take the scalar loop.
void max_pool_2x2_backward_row_f32(float* g0, float* g1, const float* dy, int64_t dy_step,
                                   const int64_t* idx, int64_t n, int64_t first, int64_t W) {
  if (n < 4) return max_pool_2x2_backward_row(g0, g1, dy, dy_step, idx, n, first, W);
  const __m128i off_b = _mm_set1_epi32(1), off_c = _mm_set1_epi32(static_cast<int32_t>(W)),
                off_d = _mm_set1_epi32(static_cast<int32_t>(W + 1));
  auto step = [&](int64_t j) {
    const __m128i base = _mm_set1_epi64x(first + 2 * j);
    const __m128i lo = _mm_sub_epi64(_mm_loadu_si128(reinterpret_cast<const __m128i*>(idx + j)),
                                     _mm_add_epi64(base, _mm_set_epi64x(2, 0)));
    const __m128i hi = _mm_sub_epi64(_mm_loadu_si128(reinterpret_cast<const __m128i*>(idx + j + 2)),
                                     _mm_add_epi64(base, _mm_set_epi64x(6, 4)));
    // The low halves of the four int64 offsets (each is in [0, W + 1]).
    const __m128i at = _mm_castps_si128(
        _mm_shuffle_ps(_mm_castsi128_ps(lo), _mm_castsi128_ps(hi), _MM_SHUFFLE(2, 0, 2, 0)));
    __m128 v;
    if (dy_step == 1)
      v = _mm_loadu_ps(dy + j);
    else
      v = _mm_set_ps(dy[(j + 3) * dy_step], dy[(j + 2) * dy_step], dy[(j + 1) * dy_step],
                     dy[j * dy_step]);
    const __m128 a = _mm_and_ps(v, _mm_castsi128_ps(_mm_cmpeq_epi32(at, _mm_setzero_si128())));
    const __m128 b = _mm_and_ps(v, _mm_castsi128_ps(_mm_cmpeq_epi32(at, off_b)));
    const __m128 c = _mm_and_ps(v, _mm_castsi128_ps(_mm_cmpeq_epi32(at, off_c)));
    const __m128 d = _mm_and_ps(v, _mm_castsi128_ps(_mm_cmpeq_epi32(at, off_d)));
    _mm_storeu_ps(g0 + 2 * j, _mm_unpacklo_ps(a, b));
    _mm_storeu_ps(g0 + 2 * j + 4, _mm_unpackhi_ps(a, b));
    _mm_storeu_ps(g1 + 2 * j, _mm_unpacklo_ps(c, d));
    _mm_storeu_ps(g1 + 2 * j + 4, _mm_unpackhi_ps(c, d));
  };
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) step(j);
  if (j < n) step(n - 4);
}
#endif

// One row pair of 2×2 windows: the SSE form for float, else the scalar loop.
template <class T>
void max_pool_2x2_backward_any_row(T* g0, T* g1, const T* dy, int64_t dy_step, const int64_t* idx,
                                   int64_t n, int64_t first, int64_t W) {
#if defined(__SSE4_1__)
  if constexpr (std::is_same_v<T, float>)
    return max_pool_2x2_backward_row_f32(g0, g1, dy, dy_step, idx, n, first, W);
#endif
  max_pool_2x2_backward_row(g0, g1, dy, dy_step, idx, n, first, W);
}

// max pooling's backward for tiling windows (windows_tile), as a gather:
// dx[h, w] = dy[i, j] if indices[i, j] == h·W + w for the window (i, j) that
// holds (h, w), else 0. Each element of dx is written once, in order: no
// zero fill followed by a scatter. indices must come from max_pool2d with
// window k (each lies in its own window).
template <class T>
void max_pool_tiled_backward(const Tensor& dx, const Tensor& dy, const Tensor& indices,
                             const Backend::PoolWindow& k) {
  const int64_t H = dx.size(2), W = dx.size(3), OH = dy.size(2), OW = dy.size(3);
  // The window column of each input column, or −1 when it lies in none.
  std::vector<int64_t> window_col(static_cast<size_t>(W));
  for (int64_t w = 0; w < W; ++w) {
    const int64_t j = (w + k.pad_w) / k.kernel_w;
    window_col[static_cast<size_t>(w)] = j < OW ? j : -1;
  }
  const bool two_by_two = k.kernel_h == 2 && k.kernel_w == 2 && k.pad_h == 0 && k.pad_w == 0 &&
                          W < (int64_t{1} << 31) - 1;
  const int64_t full_h = two_by_two ? std::min(OH, H / 2) : 0;
  const int64_t full_w = two_by_two ? std::min(OW, W / 2) : 0;
  const Planes<const T> dy_planes(dy);
  const Planes<const int64_t> indices_planes(indices);
  for_each_plane(dx.size(0) * dx.size(1), H * W, [&](int64_t p) {
    T* g = static_cast<T*>(dx.raw_data()) + p * H * W;
    const Plane<const T> d = dy_planes[p];
    const Plane<const int64_t> idx = indices_planes[p];
    // Columns [w_begin, W) of input row h, one element at a time.
    auto row_tail = [&](int64_t h, int64_t w_begin) {
      T* row = g + h * W;
      const int64_t i = (h + k.pad_h) / k.kernel_h;
      if (i >= OH) {
        std::fill(row + w_begin, row + W, T(0));
        return;
      }
      for (int64_t w = w_begin; w < W; ++w) {
        const int64_t j = window_col[static_cast<size_t>(w)];
        row[w] = j >= 0 && idx(i, j) == h * W + w ? d(i, j) : T(0);
      }
    };
    for (int64_t i = 0; i < full_h; ++i) {
      max_pool_2x2_backward_any_row(g + 2 * i * W, g + (2 * i + 1) * W, &d(i, 0), d.sw, &idx(i, 0),
                                    full_w, 2 * i * W, W);
      row_tail(2 * i, 2 * full_w);
      row_tail(2 * i + 1, 2 * full_w);
    }
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

// The window of output (i, j) for average pooling: clipped first to the
// padded input (its size then is count_include_pad's divisor), then to the input.
struct AvgWindow {
  Span rows, cols;
  int64_t divisor;
};

AvgWindow avg_window(const Backend::PoolWindow& k, int64_t H, int64_t W, int64_t i, int64_t j,
                     bool count_include_pad, int64_t divisor_override) {
  int64_t h0 = i * k.stride_h - k.pad_h, w0 = j * k.stride_w - k.pad_w;
  int64_t h1 = std::min(h0 + k.kernel_h, H + k.pad_h), w1 = std::min(w0 + k.kernel_w, W + k.pad_w);
  const int64_t padded_size = (h1 - h0) * (w1 - w0);
  h0 = std::max<int64_t>(h0, 0);
  w0 = std::max<int64_t>(w0, 0);
  h1 = std::min(h1, H);
  w1 = std::min(w1, W);
  int64_t divisor = count_include_pad ? padded_size : (h1 - h0) * (w1 - w0);
  if (divisor_override != 0) divisor = divisor_override;
  return {{h0, h1, 1}, {w0, w1, 1}, divisor};
}

// y[i, j] = Σ window / divisor; window(i, j) gives an AvgWindow. Sums in double.
template <class T, class Windows>
void avg_pool_typed(const Tensor& y, const Tensor& x, int64_t window_size, Windows window) {
  const int64_t OH = y.size(2), OW = y.size(3);
  const Planes<const T> x_planes(x);
  const Planes<T> y_planes(y);
  for_each_plane(x.size(0) * x.size(1), OH * OW * window_size, [&](int64_t p) {
    const Plane<const T> in = x_planes[p];
    const Plane<T> out = y_planes[p];
    for (int64_t i = 0; i < OH; ++i)
      for (int64_t j = 0; j < OW; ++j) {
        const AvgWindow win = window(i, j);
        if (win.rows.begin >= win.rows.end || win.cols.begin >= win.cols.end) {
          out(i, j) = T(0);
          continue;
        }
        double sum = 0.0;
        for (int64_t h = win.rows.begin; h < win.rows.end; ++h)
          for (int64_t w = win.cols.begin; w < win.cols.end; ++w) sum += in(h, w);
        out(i, j) = static_cast<T>(sum / static_cast<double>(win.divisor));
      }
  });
}

// dx = 0, then dx[window(i, j)] += dy[i, j] / divisor; dx is contiguous.
template <class T, class Windows>
void avg_pool_backward_typed(const Tensor& dx, const Tensor& dy, int64_t window_size,
                             Windows window) {
  const int64_t H = dx.size(2), W = dx.size(3), OH = dy.size(2), OW = dy.size(3);
  const Planes<const T> dy_planes(dy);
  for_each_plane(dx.size(0) * dx.size(1), H * W + OH * OW * window_size, [&](int64_t p) {
    T* g = static_cast<T*>(dx.raw_data()) + p * H * W;
    std::fill(g, g + H * W, T(0));
    const Plane<const T> d = dy_planes[p];
    for (int64_t i = 0; i < OH; ++i)
      for (int64_t j = 0; j < OW; ++j) {
        const AvgWindow win = window(i, j);
        const T share = d(i, j) / static_cast<T>(win.divisor);
        for (int64_t h = win.rows.begin; h < win.rows.end; ++h)
          for (int64_t w = win.cols.begin; w < win.cols.end; ++w) g[h * W + w] += share;
      }
  });
}

// The largest adaptive window along a dim: ⌈in/out⌉ + 1 bounds it.
int64_t adaptive_window_bound(int64_t in, int64_t out) {
  return (in + out - 1) / out + 1;
}

}  // namespace

void CpuBackend::max_pool2d(const Tensor& values, const Tensor& indices, const Tensor& x,
                            const PoolWindow& k) {
  check_pool_operands("max_pool2d", x, values);
  NABLA_CHECK(
      !indices.defined() || (indices.dtype() == kInt64 && indices.shape() == values.shape()),
      "max_pool2d: indices must be int64 of shape ", values.shape());
  NABLA_DISPATCH_FLOATING(x.dtype(), "max_pool2d", [&] {
    if (is_2x2_stride_2(k) && x.stride(3) == 1 && x.size(3) < (int64_t{1} << 31) - 1 &&
        values.is_contiguous() && (!indices.defined() || indices.is_contiguous())) {
      max_pool_2x2<scalar_t>(values, indices, x);
      return;
    }
    const int64_t H = x.size(2), W = x.size(3), OH = values.size(2), OW = values.size(3);
    std::vector<Span> rows, cols;
    for (int64_t i = 0; i < OH; ++i)
      rows.push_back(dilated_span(i * k.stride_h - k.pad_h, k.kernel_h, k.dilation_h, H));
    for (int64_t j = 0; j < OW; ++j)
      cols.push_back(dilated_span(j * k.stride_w - k.pad_w, k.kernel_w, k.dilation_w, W));
    max_pool_typed<scalar_t>(values, indices, x, rows, cols, k.kernel_h * k.kernel_w);
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
  if (!windows_tile(window)) return max_pool2d_backward(dx, dy, indices, /*accumulate=*/true);
  check_pool_operands("max_pool2d_backward", dx, dy);
  NABLA_CHECK(dx.is_contiguous() && indices.dtype() == kInt64 && indices.shape() == dy.shape(),
              "max_pool2d_backward: expected a contiguous gradient and int64 indices of shape ",
              dy.shape());
  NABLA_DISPATCH_FLOATING(dx.dtype(), "max_pool2d_backward",
                          [&] { max_pool_tiled_backward<scalar_t>(dx, dy, indices, window); });
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

void CpuBackend::avg_pool2d(const Tensor& y, const Tensor& x, const PoolWindow& k,
                            bool count_include_pad, int64_t divisor_override) {
  check_pool_operands("avg_pool2d", x, y);
  const int64_t H = x.size(2), W = x.size(3);
  NABLA_DISPATCH_FLOATING(x.dtype(), "avg_pool2d", [&] {
    avg_pool_typed<scalar_t>(y, x, k.kernel_h * k.kernel_w, [&](int64_t i, int64_t j) {
      return avg_window(k, H, W, i, j, count_include_pad, divisor_override);
    });
  });
}

void CpuBackend::avg_pool2d_backward(const Tensor& dx, const Tensor& dy, const PoolWindow& k,
                                     bool count_include_pad, int64_t divisor_override) {
  check_pool_operands("avg_pool2d_backward", dx, dy);
  NABLA_CHECK(dx.is_contiguous(), "avg_pool2d_backward: expected a contiguous gradient");
  const int64_t H = dx.size(2), W = dx.size(3);
  NABLA_DISPATCH_FLOATING(dx.dtype(), "avg_pool2d_backward", [&] {
    avg_pool_backward_typed<scalar_t>(dx, dy, k.kernel_h * k.kernel_w, [&](int64_t i, int64_t j) {
      return avg_window(k, H, W, i, j, count_include_pad, divisor_override);
    });
  });
}

void CpuBackend::adaptive_avg_pool2d(const Tensor& y, const Tensor& x) {
  check_pool_operands("adaptive_avg_pool2d", x, y);
  const int64_t H = x.size(2), W = x.size(3), OH = y.size(2), OW = y.size(3);
  const int64_t bound = adaptive_window_bound(H, OH) * adaptive_window_bound(W, OW);
  NABLA_DISPATCH_FLOATING(x.dtype(), "adaptive_avg_pool2d", [&] {
    avg_pool_typed<scalar_t>(y, x, bound, [&](int64_t i, int64_t j) {
      const Span rows = adaptive_span(i, H, OH), cols = adaptive_span(j, W, OW);
      return AvgWindow{rows, cols, (rows.end - rows.begin) * (cols.end - cols.begin)};
    });
  });
}

void CpuBackend::adaptive_avg_pool2d_backward(const Tensor& dx, const Tensor& dy) {
  check_pool_operands("adaptive_avg_pool2d_backward", dx, dy);
  NABLA_CHECK(dx.is_contiguous(), "adaptive_avg_pool2d_backward: expected a contiguous gradient");
  const int64_t H = dx.size(2), W = dx.size(3), OH = dy.size(2), OW = dy.size(3);
  const int64_t bound = adaptive_window_bound(H, OH) * adaptive_window_bound(W, OW);
  NABLA_DISPATCH_FLOATING(dx.dtype(), "adaptive_avg_pool2d_backward", [&] {
    avg_pool_backward_typed<scalar_t>(dx, dy, bound, [&](int64_t i, int64_t j) {
      const Span rows = adaptive_span(i, H, OH), cols = adaptive_span(j, W, OW);
      return AvgWindow{rows, cols, (rows.end - rows.begin) * (cols.end - cols.begin)};
    });
  });
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
  NABLA_DISPATCH_FLOATING(x.dtype(), "adaptive_max_pool2d",
                          [&] { max_pool_typed<scalar_t>(values, indices, x, rows, cols, bound); });
}

}  // namespace nabla::backends::cpu
