// Reductions. The output, expanded to the input's shape (stride 0 along the
// reduced dims), is walked together with the input, so one loop serves every
// choice of dims: reducing the innermost dim folds a run into one value,
// reducing an outer dim adds whole rows. Threads split a kept dim, or, for a
// reduction to one value, the input, with partial results combined at the end.
#include <algorithm>
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
    case ReduceOp::SumSquares:
      return T(0);
    case ReduceOp::Prod:
      return T(1);
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
    if constexpr (Op == ReduceOp::SumSquares)
      return a + b;
    else
      return apply(a, b);
  }
};

// One run of n elements of x (at p[1], byte stride s[1]) into the output at
// p[0] (byte stride s[0]; 0: the run folds into one value). Contiguous runs
// get plain pointer loops, which the compiler vectorises.
template <class T, ReduceOp Op>
void reduce_run(const std::array<char*, 2>& p, const std::array<int64_t, 2>& s, int64_t n) {
  using C = Combine<T, Op>;
  using A = acc_t<T>;
  if (s[0] == 0) {  // the run folds into one output: accumulate in double
    A acc = static_cast<A>(*reinterpret_cast<T*>(p[0]));
    if constexpr (Op == ReduceOp::Sum || Op == ReduceOp::SumSquares) {
      // Four lanes: the compiler keeps them in registers; the sum is more
      // accurate too.
      A lanes[4] = {0, 0, 0, 0};
      int64_t i = 0;
      if (s[1] == sizeof(T)) {
        // Contiguous: blocks summed in T over 16 lanes (SIMD registers, at
        // T's speed), each block total added in double, so the rounding
        // error grows with the block (64 terms a lane), not with n.
        constexpr int kLanes = 16;
        constexpr int64_t kBlock = 1024;
        const T* xp = reinterpret_cast<const T*>(p[1]);
        while (i + kLanes <= n) {
          const int64_t end = i + std::min(kBlock, (n - i) / kLanes * kLanes);
          T block[kLanes] = {};
          for (; i < end; i += kLanes)
            for (int l = 0; l < kLanes; ++l) block[l] = Combine<T, Op>::apply(block[l], xp[i + l]);
          for (int l = 0; l < kLanes; ++l) lanes[l % 4] += A(block[l]);
        }
        for (; i + 4 <= n; i += 4)
          for (int l = 0; l < 4; ++l) lanes[l] = Combine<A, Op>::apply(lanes[l], A(xp[i + l]));
      } else {
        for (; i + 4 <= n; i += 4)
          for (int l = 0; l < 4; ++l)
            lanes[l] = Combine<A, Op>::apply(lanes[l], A(at<T>(p[1], s[1], i + l)));
      }
      for (; i < n; ++i) lanes[0] = Combine<A, Op>::apply(lanes[0], A(at<T>(p[1], s[1], i)));
      acc += (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]);
    } else {
      for (int64_t i = 0; i < n; ++i) acc = Combine<A, Op>::apply(acc, A(at<T>(p[1], s[1], i)));
    }
    *reinterpret_cast<T*>(p[0]) = static_cast<T>(acc);
  } else if (s[0] == sizeof(T) && s[1] == sizeof(T)) {  // a whole row into a row
    T* __restrict o = reinterpret_cast<T*>(p[0]);
    const T* __restrict xp = reinterpret_cast<const T*>(p[1]);
    for (int64_t i = 0; i < n; ++i) o[i] = C::apply(o[i], xp[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) {
      T& o = at<T>(p[0], s[0], i);
      o = C::apply(o, at<T>(p[1], s[1], i));
    }
  }
}

// Sequential: out (expanded) op= x over all elements of x.
template <class T, ReduceOp Op>
void reduce_into(const Tensor& out_expanded, const Tensor& x) {
  for_each_run<2>({&out_expanded, &x}, reduce_run<T, Op>);
}

// out = identity, written in T: going through double would turn the i64
// identity of Min (2⁶³ − 1) into 2⁶³, which does not fit.
template <class T, ReduceOp Op>
void fill_identity(const Tensor& out) {
  const T v = identity<T>(Op);
  for_each_run<1>({&out}, [v](auto p, auto s, int64_t n) {
    for (int64_t i = 0; i < n; ++i) at<T>(p[0], s[0], i) = v;
  });
}

template <class T, ReduceOp Op>
void reduce_typed(const Tensor& out, const Tensor& x) {
  const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  if (out.numel() == 1 && x.is_contiguous() && (x.numel() < kParallelGrain || threads == 1)) {
    // All of a contiguous x into one value (a loss, a norm): the single run
    // that the general path below would find after ordering and merging dims.
    T* o = static_cast<T*>(out.raw_data());
    *o = identity<T>(Op);
    reduce_run<T, Op>({reinterpret_cast<char*>(o), static_cast<char*>(x.raw_data())},
                      {0, sizeof(T)}, x.numel());
    return;
  }
  const int64_t nd = x.dim();
  // x and the expanded output with their dims ordered by x's strides, largest
  // first: the innermost loop then walks x in memory order whatever the view
  // (a transposed input reduces like a contiguous one). The order of the dims
  // does not change the result.
  std::vector<int64_t> order(static_cast<size_t>(nd));
  for (int64_t d = 0; d < nd; ++d) order[d] = d;
  std::stable_sort(order.begin(), order.end(),
                   [&](int64_t a, int64_t b) { return x.stride(a) > x.stride(b); });
  Shape shape(nd), x_strides(nd), out_strides(nd);
  std::vector<bool> reduced(static_cast<size_t>(nd));
  for (int64_t k = 0; k < nd; ++k) {
    const int64_t d = order[k];
    shape[k] = x.shape()[d];
    x_strides[k] = x.strides()[d];
    reduced[k] = out.shape()[d] != x.shape()[d];
    out_strides[k] = reduced[k] ? 0 : out.strides()[d];
  }
  const Tensor xv = alias(x, shape, x_strides, x.storage_offset());
  const Tensor out_expanded = alias(out, shape, out_strides, out.storage_offset());
  fill_identity<T, Op>(out);

  if (x.numel() < kParallelGrain || threads == 1) {
    reduce_into<T, Op>(out_expanded, xv);
    return;
  }
  // A slab [b, e) of dim k of a view.
  auto slab = [](const Tensor& t, int64_t k, int64_t b, int64_t e) {
    Shape sh = t.shape();
    sh[k] = e - b;
    return alias(t, sh, t.strides(), t.storage_offset() + b * t.strides()[k]);
  };
  // Split the largest kept dim across threads, if there is one worth splitting.
  int64_t split = -1;
  for (int64_t k = 0; k < nd; ++k)
    if (!reduced[k] && shape[k] >= threads && (split < 0 || shape[k] > shape[split])) split = k;
  if (split >= 0) {
#pragma omp parallel
    {
      const int t = omp_get_thread_num(), nt = omp_get_num_threads();
      const int64_t b = shape[split] * t / nt, e = shape[split] * (t + 1) / nt;
      if (e > b) reduce_into<T, Op>(slab(out_expanded, split, b, e), slab(xv, split, b, e));
    }
    return;
  }
  // Every kept dim is small: each thread reduces a slab of a reduced dim
  // into its own partial output, then the partials are merged. The slab is
  // cut from the outermost reduced dim that gives every thread work (on a
  // contiguous input, a contiguous block), else from the largest.
  int64_t big = -1;
  for (int64_t k = 0; k < nd; ++k) {
    if (!reduced[k]) continue;
    if (big < 0 || (shape[big] < threads && shape[k] > shape[big])) big = k;
  }
  if (big < 0) {  // nothing is reduced: every output has its own input
    reduce_into<T, Op>(out_expanded, xv);
    return;
  }
  const int64_t outs = out.numel();
  std::vector<T> partials(static_cast<size_t>(outs) * threads, identity<T>(Op));
#pragma omp parallel
  {
    const int t = omp_get_thread_num(), nt = omp_get_num_threads();
    const int64_t b = shape[big] * t / nt, e = shape[big] * (t + 1) / nt;
    if (e > b) {
      // This thread's partial: out's shape, contiguous, in partials[t].
      T* pp = partials.data() + static_cast<size_t>(t) * outs;
      Tensor part = Tensor::empty(out.shape(), TensorOptions(out.dtype()));
      Shape part_strides(nd);
      for (int64_t k = 0; k < nd; ++k) part_strides[k] = reduced[k] ? 0 : part.strides()[order[k]];
      fill_identity<T, Op>(part);
      reduce_into<T, Op>(slab(alias(part, shape, part_strides, 0), big, b, e), slab(xv, big, b, e));
      std::copy_n(part.data_ptr<T>(), outs, pp);
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
      case ReduceOp::Sum:
        return reduce_typed<scalar_t, ReduceOp::Sum>(out, x);
      case ReduceOp::Prod:
        return reduce_typed<scalar_t, ReduceOp::Prod>(out, x);
      case ReduceOp::Max:
        return reduce_typed<scalar_t, ReduceOp::Max>(out, x);
      case ReduceOp::Min:
        return reduce_typed<scalar_t, ReduceOp::Min>(out, x);
      case ReduceOp::SumSquares:
        return reduce_typed<scalar_t, ReduceOp::SumSquares>(out, x);
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
