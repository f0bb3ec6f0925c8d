// Softmax and log-softmax along one dim, forward and backward. Each row (the
// elements along dim, all other indices fixed) is independent: rows are split
// over OpenMP threads. When dim is the last dim and every operand is
// contiguous, row r is the r-th run of len elements (the fast path);
// otherwise each row's start is found from its multi-index and its elements
// are stride(dim) apart.
#include <omp.h>

#include <array>
#include <cmath>
#include <limits>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/loops.h"

namespace nabla::backends::cpu {
namespace {

// The rows along dim of N tensors of one shape and dtype T.
template <class T, int N>
struct Rows {
  int64_t count = 1;  // number of rows
  int64_t len = 1;    // elements in a row
  bool contiguous = true;
  std::array<T*, N> base{};
  std::array<int64_t, N> step{};  // element stride along dim
  Shape outer;                    // the sizes of the other dims, outermost first
  std::array<Shape, N> outer_strides;

  Rows(const std::array<const Tensor*, N>& ts, int64_t dim) {
    const Tensor& t0 = *ts[0];
    len = t0.dim() == 0 ? 1 : t0.size(dim);
    for (int k = 0; k < N; ++k) {
      base[k] = static_cast<T*>(ts[k]->raw_data());
      step[k] = t0.dim() == 0 ? 1 : ts[k]->stride(dim);
      contiguous &= ts[k]->is_contiguous();
    }
    contiguous &= dim == t0.dim() - 1 || t0.dim() == 0;
    for (int64_t d = 0; d < t0.dim(); ++d) {
      if (d == dim) continue;
      outer.push_back(t0.size(d));
      count *= t0.size(d);
      for (int k = 0; k < N; ++k) outer_strides[k].push_back(ts[k]->stride(d));
    }
  }

  // The first element of row r of each tensor.
  std::array<T*, N> row(int64_t r) const {
    std::array<T*, N> p = base;
    if (contiguous) {
      for (int k = 0; k < N; ++k) p[k] += r * len;
      return p;
    }
    for (size_t d = outer.size(); d-- > 0;) {
      const int64_t i = r % outer[d];
      r /= outer[d];
      for (int k = 0; k < N; ++k) p[k] += i * outer_strides[k][d];
    }
    return p;
  }

  // Calls f(row pointers) for every row, on several threads when the work is large.
  template <class F>
  void for_each(F&& f) const {
    const bool parallel = count > 1 && count * len >= kParallelGrain && !omp_in_parallel();
    parallel_loop(count, parallel, [&](int64_t r) { f(row(r)); });
  }
};

// One row. Unit: the stride is 1 (the fast path), so loops vectorize.
// Sums are accumulated in double.
template <bool Unit, class T>
void softmax_row(T* y, const T* x, int64_t n, int64_t sy, int64_t sx, bool log) {
  auto X = [&](int64_t i) -> T { return x[Unit ? i : i * sx]; };
  auto Y = [&](int64_t i) -> T& { return y[Unit ? i : i * sy]; };
  T m = -std::numeric_limits<T>::infinity();
  for (int64_t i = 0; i < n; ++i) m = X(i) > m ? X(i) : m;
  double s = 0;
  if (log) {
    for (int64_t i = 0; i < n; ++i) s += std::exp(X(i) - m);
    const T log_s = static_cast<T>(std::log(s));
    for (int64_t i = 0; i < n; ++i) Y(i) = (X(i) - m) - log_s;
  } else {
    for (int64_t i = 0; i < n; ++i) {
      const T e = std::exp(X(i) - m);
      Y(i) = e;
      s += e;
    }
    const T inv = static_cast<T>(1.0 / s);
    for (int64_t i = 0; i < n; ++i) Y(i) *= inv;
  }
}

template <bool Unit, class T>
void softmax_backward_row(T* dx, const T* dy, const T* y, int64_t n, int64_t sdx, int64_t sdy,
                          int64_t sy, bool log) {
  auto DY = [&](int64_t i) -> T { return dy[Unit ? i : i * sdy]; };
  auto Yv = [&](int64_t i) -> T { return y[Unit ? i : i * sy]; };
  auto DX = [&](int64_t i) -> T& { return dx[Unit ? i : i * sdx]; };
  double s = 0;
  if (log) {  // dx = dy − e^y·Σ dy
    for (int64_t i = 0; i < n; ++i) s += DY(i);
    const T sum = static_cast<T>(s);
    for (int64_t i = 0; i < n; ++i) DX(i) = DY(i) - std::exp(Yv(i)) * sum;
  } else {  // dx = y·(dy − Σ dy·y)
    for (int64_t i = 0; i < n; ++i) s += static_cast<double>(DY(i)) * Yv(i);
    const T dot = static_cast<T>(s);
    for (int64_t i = 0; i < n; ++i) DX(i) = Yv(i) * (DY(i) - dot);
  }
}

}  // namespace

void CpuBackend::softmax(const Tensor& out, const Tensor& x, int64_t dim, bool log) {
  NABLA_DISPATCH_FLOATING(x.dtype(), "softmax", [&] {
    using T = scalar_t;
    const Rows<T, 2> rows({&out, &x}, dim);
    const int64_t n = rows.len;
    if (rows.contiguous) {
      rows.for_each([&](auto p) { softmax_row<true>(p[0], p[1], n, 1, 1, log); });
    } else {
      const int64_t so = rows.step[0], sx = rows.step[1];
      rows.for_each([&](auto p) { softmax_row<false>(p[0], p[1], n, so, sx, log); });
    }
  });
}

void CpuBackend::softmax_backward(const Tensor& dx, const Tensor& dy, const Tensor& y, int64_t dim,
                                  bool log) {
  NABLA_DISPATCH_FLOATING(y.dtype(), "softmax_backward", [&] {
    using T = scalar_t;
    const Rows<T, 3> rows({&dx, &dy, &y}, dim);
    const int64_t n = rows.len;
    if (rows.contiguous) {
      rows.for_each([&](auto p) { softmax_backward_row<true>(p[0], p[1], p[2], n, 1, 1, 1, log); });
    } else {
      const int64_t sdx = rows.step[0], sdy = rows.step[1], sy = rows.step[2];
      rows.for_each(
          [&](auto p) { softmax_backward_row<false>(p[0], p[1], p[2], n, sdx, sdy, sy, log); });
    }
  });
}

}  // namespace nabla::backends::cpu
