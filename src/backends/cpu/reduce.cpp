// Reductions. The output, expanded to the input's shape (stride 0 along the
// reduced dims), is walked together with the input, so one loop serves every
// choice of dims: reducing the innermost dim folds a run into one value,
// reducing an outer dim adds whole rows. Threads split a kept dim, or, for a
// reduction to one value, the input, with partial results combined at the end.
#include <limits>
#include <type_traits>
#include <vector>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/loops.h"

namespace nabla::backends::cpu {
namespace {

template <class T>
using acc_t = std::conditional_t<std::is_floating_point_v<T>, double, T>;

template <class T>
T identity(ReduceOp op) {
  switch (op) {
    case ReduceOp::Sum:
    case ReduceOp::SumSquares: return T(0);
    case ReduceOp::Prod: return T(1);
    case ReduceOp::Max:
      return std::is_floating_point_v<T> ? -std::numeric_limits<T>::infinity()
                                         : std::numeric_limits<T>::lowest();
    case ReduceOp::Min:
      return std::is_floating_point_v<T> ? std::numeric_limits<T>::infinity()
                                         : std::numeric_limits<T>::max();
  }
  return T(0);
}

template <class T, ReduceOp Op>
struct Combine {
  static T apply(T acc, T v) {
    if constexpr (Op == ReduceOp::Sum) return acc + v;
    if constexpr (Op == ReduceOp::SumSquares) return acc + v * v;
    if constexpr (Op == ReduceOp::Prod) return acc * v;
    if constexpr (Op == ReduceOp::Max) return (v > acc || v != v) ? v : acc;
    if constexpr (Op == ReduceOp::Min) return (v < acc || v != v) ? v : acc;
  }
  // Merging two partial results (SumSquares partials are already squared).
  static T merge(T a, T b) {
    if constexpr (Op == ReduceOp::SumSquares) return a + b;
    else return apply(a, b);
  }
};

// Sequential: out (expanded) op= x over all elements of x.
template <class T, ReduceOp Op>
void reduce_into(const Tensor& out_expanded, const Tensor& x) {
  using C = Combine<T, Op>;
  using A = acc_t<T>;
  for_each_run<2>({&out_expanded, &x}, [](auto p, auto s, int64_t n) {
    if (s[0] == 0) {  // the run folds into one output: accumulate in double
      A acc = static_cast<A>(*reinterpret_cast<T*>(p[0]));
      if constexpr (Op == ReduceOp::Sum || Op == ReduceOp::SumSquares) {
        // Four lanes: the compiler keeps them in registers; the sum is more
        // accurate too.
        A lanes[4] = {0, 0, 0, 0};
        int64_t i = 0;
        for (; i + 4 <= n; i += 4)
          for (int l = 0; l < 4; ++l)
            lanes[l] = Combine<A, Op>::apply(lanes[l], A(at<T>(p[1], s[1], i + l)));
        for (; i < n; ++i) lanes[0] = Combine<A, Op>::apply(lanes[0], A(at<T>(p[1], s[1], i)));
        acc += (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
      } else {
        for (int64_t i = 0; i < n; ++i) acc = Combine<A, Op>::apply(acc, A(at<T>(p[1], s[1], i)));
      }
      *reinterpret_cast<T*>(p[0]) = static_cast<T>(acc);
    } else {
      for (int64_t i = 0; i < n; ++i) {
        T& o = at<T>(p[0], s[0], i);
        o = C::apply(o, at<T>(p[1], s[1], i));
      }
    }
  });
}

template <class T, ReduceOp Op>
void reduce_typed(const Tensor& out, const Tensor& x) {
  const int64_t nd = x.dim();
  Tensor out_expanded = alias(out, x.shape(), [&] {
    Shape st = out.strides();
    for (int64_t d = 0; d < nd; ++d)
      if (out.shape()[d] != x.shape()[d]) st[d] = 0;
    return st;
  }(), out.storage_offset());
  CpuBackend().fill(out, static_cast<double>(identity<T>(Op)));

  const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  if (x.numel() < kParallelGrain || threads == 1) {
    reduce_into<T, Op>(out_expanded, x);
    return;
  }
  // Split the largest kept dim across threads, if there is one worth splitting.
  int64_t split = -1;
  for (int64_t d = 0; d < nd; ++d)
    if (out.shape()[d] == x.shape()[d] && x.shape()[d] >= threads &&
        (split < 0 || x.shape()[d] > x.shape()[split]))
      split = d;
  if (split >= 0) {
#pragma omp parallel
    {
      const int t = omp_get_thread_num(), nt = omp_get_num_threads();
      const int64_t len = x.shape()[split];
      const int64_t b = len * t / nt, e = len * (t + 1) / nt;
      if (e > b) {
        Shape sh = x.shape();
        sh[split] = e - b;
        Tensor xs = alias(x, sh, x.strides(), x.storage_offset() + b * x.strides()[split]);
        Tensor os = alias(out_expanded, sh, out_expanded.strides(),
                          out_expanded.storage_offset() + b * out_expanded.strides()[split]);
        reduce_into<T, Op>(os, xs);
      }
    }
    return;
  }
  // Every large dim is reduced: each thread reduces a slab into its own
  // partial output, then the partials are merged.
  int64_t big = 0;
  for (int64_t d = 1; d < nd; ++d)
    if (x.shape()[d] > x.shape()[big]) big = d;
  const int64_t outs = out.numel();
  std::vector<T> partials(static_cast<size_t>(outs) * threads, identity<T>(Op));
#pragma omp parallel
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t len = x.shape()[big];
    const int64_t b = len * t / nt, e = len * (t + 1) / nt;
    if (e > b) {
      Shape sh = x.shape();
      sh[big] = e - b;
      Tensor xs = alias(x, sh, x.strides(), x.storage_offset() + b * x.strides()[big]);
      Tensor part = Tensor::empty(out.shape(), TensorOptions(out.dtype()));
      T* pp = part.data_ptr<T>();
      for (int64_t i = 0; i < outs; ++i) pp[i] = identity<T>(Op);
      Shape pst = part.strides();
      for (int64_t d = 0; d < nd; ++d)
        if (out.shape()[d] != x.shape()[d]) pst[d] = 0;
      reduce_into<T, Op>(alias(part, sh, pst, 0), xs);
      for (int64_t i = 0; i < outs; ++i) partials[static_cast<size_t>(t) * outs + i] = pp[i];
    }
  }
  Tensor oc = out.is_contiguous() ? out : Tensor::empty(out.shape(), TensorOptions(out.dtype()));
  T* o = oc.data_ptr<T>();
  for (int64_t i = 0; i < outs; ++i) {
    T acc = identity<T>(Op);
    for (int t = 0; t < threads; ++t)
      acc = Combine<T, Op>::merge(acc, partials[static_cast<size_t>(t) * outs + i]);
    o[i] = acc;
  }
  if (!out.is_contiguous()) CpuBackend().copy(out, oc);
}

}  // namespace

void CpuBackend::reduce(ReduceOp op, const Tensor& out, const Tensor& x) {
  NABLA_CHECK(out.dim() == x.dim(), "reduce: output rank ", out.dim(), " differs from input rank ",
              x.dim());
  NABLA_DISPATCH_ALL(x.dtype(), "reduce", [&] {
    switch (op) {
      case ReduceOp::Sum: return reduce_typed<scalar_t, ReduceOp::Sum>(out, x);
      case ReduceOp::Prod: return reduce_typed<scalar_t, ReduceOp::Prod>(out, x);
      case ReduceOp::Max: return reduce_typed<scalar_t, ReduceOp::Max>(out, x);
      case ReduceOp::Min: return reduce_typed<scalar_t, ReduceOp::Min>(out, x);
      case ReduceOp::SumSquares: return reduce_typed<scalar_t, ReduceOp::SumSquares>(out, x);
    }
  });
}

void CpuBackend::arg_reduce(bool is_max, const Tensor& values, const Tensor& indices,
                            const Tensor& x, int64_t dim) {
  // Move dim last; each output element scans one strided row.
  const int64_t len = x.size(dim), step = x.stride(dim);
  Shape outer_shape = x.shape();
  outer_shape[dim] = 1;
  Tensor rows = alias(x, outer_shape, x.strides(), x.storage_offset());
  NABLA_CHECK(len > 0, is_max ? "max" : "min", ": cannot reduce over a dimension of size 0");
  NABLA_DISPATCH_ALL(x.dtype(), "arg_reduce", [&] {
    for_each_run<3>({&values, &indices, &rows}, [&](auto p, auto s, int64_t n) {
      for (int64_t i = 0; i < n; ++i) {
        const scalar_t* r = reinterpret_cast<const scalar_t*>(p[2] + i * s[2]);
        scalar_t best = r[0];
        int64_t best_j = 0;
        for (int64_t j = 1; j < len; ++j) {
          const scalar_t v = r[j * step];
          if (best != best) break;  // NaN wins, as in PyTorch
          if (is_max ? (v > best || v != v) : (v < best || v != v)) {
            best = v;
            best_j = j;
          }
        }
        at<scalar_t>(p[0], s[0], i) = best;
        at<int64_t>(p[1], s[1], i) = best_j;
      }
    });
  });
}

}  // namespace nabla::backends::cpu
