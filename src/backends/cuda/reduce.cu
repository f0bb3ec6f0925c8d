// Reductions, arg-reductions and softmax. A reduction gives each output
// element one block, whose threads stride over the elements reduced into it
// and combine their partials in a tree: floats accumulate in double, as the
// CPU's runs do, so the two backends agree to the last bits of f32. Softmax
// gives each row (the elements along dim) one warp.
#include <limits>
#include <type_traits>

#include "backends/cuda/common.cuh"
#include "backends/cuda/cuda_backend.h"

namespace nabla::backends::cuda {
namespace {

template <class T>
using acc_t = std::conditional_t<std::is_floating_point_v<T>, double, T>;

template <class A>
__device__ A reduce_identity(ReduceOp op) {
  switch (op) {
    case ReduceOp::Sum:
    case ReduceOp::SumSquares:
      return A(0);
    case ReduceOp::Prod:
      return A(1);
    case ReduceOp::Max:
      return std::is_floating_point_v<A> ? -std::numeric_limits<A>::infinity()
                                         : std::numeric_limits<A>::lowest();
    case ReduceOp::Min:
      return std::is_floating_point_v<A> ? std::numeric_limits<A>::infinity()
                                         : std::numeric_limits<A>::max();
  }
  return A(0);
}

// acc op= v for one input element (SumSquares squares it).
template <class A>
__device__ __forceinline__ A reduce_apply(ReduceOp op, A acc, A v) {
  switch (op) {
    case ReduceOp::Sum:
      return acc + v;
    case ReduceOp::SumSquares:
      return acc + v * v;
    case ReduceOp::Prod:
      return acc * v;
    case ReduceOp::Max:
      return (v > acc || v != v) ? v : acc;  // NaN propagates
    case ReduceOp::Min:
      return (v < acc || v != v) ? v : acc;
  }
  return acc;
}

// Two partial results merged (SumSquares partials are already squared).
template <class A>
__device__ __forceinline__ A reduce_merge(ReduceOp op, A a, A b) {
  return reduce_apply(op == ReduceOp::SumSquares ? ReduceOp::Sum : op, a, b);
}

// out[o] = op over x[base(o) + red(j)], j < count: one block per output.
template <class T>
__global__ void reduce_kernel(ReduceOp op, T* out, const T* x, int64_t outputs, int64_t count,
                              OffsetCalc<2> outer, OffsetCalc<1> inner) {
  using A = acc_t<T>;
  __shared__ A partial[32];
  for (int64_t o = blockIdx.x; o < outputs; o += gridDim.x) {
    int64_t base[2];
    outer.offsets(o, base);
    A acc = reduce_identity<A>(op);
    for (int64_t j = threadIdx.x; j < count; j += blockDim.x) {
      int64_t off[1];
      inner.offsets(j, off);
      acc = reduce_apply(op, acc, A(x[base[1] + off[0]]));
    }
    // Warp tree, then the warps' partials.
    for (int offset = 16; offset > 0; offset /= 2)
      acc = reduce_merge(op, acc, A(__shfl_down_sync(0xffffffffu, acc, offset)));
    const int lane = threadIdx.x % 32, warp = threadIdx.x / 32;
    if (lane == 0) partial[warp] = acc;
    __syncthreads();
    if (threadIdx.x == 0) {
      A total = partial[0];
      for (int w = 1; w < (blockDim.x + 31) / 32; ++w) total = reduce_merge(op, total, partial[w]);
      out[base[0]] = static_cast<T>(total);
    }
    __syncthreads();
  }
}

// The rows along dim of views of one shape: row r of operand k starts at
// rows.offsets(r)[k] and steps step[k].
template <int N>
struct RowLayout {
  int64_t count = 1, len = 1;
  OffsetCalc<N> rows;
  int64_t step[N];
};

template <int N>
RowLayout<N> row_layout(std::initializer_list<const Tensor*> ts, int64_t dim) {
  const Tensor& t0 = **ts.begin();
  RowLayout<N> r;
  Shape outer = t0.shape();
  if (t0.dim() > 0) {
    r.len = t0.size(dim);
    outer[static_cast<size_t>(dim)] = 1;
  }
  r.count = numel(outer);
  r.rows = make_offset_calc<N>(outer, ts);
  int k = 0;
  for (const Tensor* t : ts) r.step[k++] = t0.dim() == 0 ? 1 : t->stride(dim);
  return r;
}

constexpr int kWarpsPerBlock = kThreads / 32;

__device__ __forceinline__ int64_t warp_id() {
  return static_cast<int64_t>(blockIdx.x) * kWarpsPerBlock + threadIdx.x / 32;
}

template <class T>
__device__ __forceinline__ T warp_max(T v) {
  for (int offset = 16; offset > 0; offset /= 2) {
    const T o = __shfl_xor_sync(0xffffffffu, v, offset);
    v = o > v ? o : v;
  }
  return v;
}

// y = softmax(x) or log_softmax(x) along each row, one warp per row; the
// max skips NaN (it then spreads through the sum), as on the CPU.
template <class T>
__global__ void softmax_kernel(RowLayout<2> r, T* y, const T* x, bool log) {
  const int lane = threadIdx.x % 32;
  for (int64_t row = warp_id(); row < r.count;
       row += static_cast<int64_t>(gridDim.x) * kWarpsPerBlock) {
    int64_t off[2];
    r.rows.offsets(row, off);
    T* yr = y + off[0];
    const T* xr = x + off[1];
    T m = -std::numeric_limits<T>::infinity();
    for (int64_t i = lane; i < r.len; i += 32) {
      const T v = xr[i * r.step[1]];
      m = v > m ? v : m;
    }
    m = warp_max(m);
    double s = 0;
    for (int64_t i = lane; i < r.len; i += 32) s += exp(xr[i * r.step[1]] - m);
    s = warp_sum(s);
    if (log) {
      const T log_s = static_cast<T>(::log(s));
      for (int64_t i = lane; i < r.len; i += 32)
        yr[i * r.step[0]] = (xr[i * r.step[1]] - m) - log_s;
    } else {
      const T inv = static_cast<T>(1.0 / s);
      for (int64_t i = lane; i < r.len; i += 32)
        yr[i * r.step[0]] = static_cast<T>(exp(xr[i * r.step[1]] - m)) * inv;
    }
  }
}

//   softmax:     dx = y·(dy − Σ dy·y)
//   log_softmax: dx = dy − e^y·Σ dy
template <class T>
__global__ void softmax_backward_kernel(RowLayout<3> r, T* dx, const T* dy, const T* y, bool log) {
  const int lane = threadIdx.x % 32;
  for (int64_t row = warp_id(); row < r.count;
       row += static_cast<int64_t>(gridDim.x) * kWarpsPerBlock) {
    int64_t off[3];
    r.rows.offsets(row, off);
    T* g = dx + off[0];
    const T* d = dy + off[1];
    const T* yr = y + off[2];
    double s = 0;
    for (int64_t i = lane; i < r.len; i += 32)
      s += log ? double(d[i * r.step[1]]) : double(d[i * r.step[1]]) * yr[i * r.step[2]];
    const T sum = static_cast<T>(warp_sum(s));
    for (int64_t i = lane; i < r.len; i += 32) {
      const T dv = d[i * r.step[1]], yv = yr[i * r.step[2]];
      g[i * r.step[0]] = log ? dv - exp(yv) * sum : yv * (dv - sum);
    }
  }
}

unsigned warp_grid(int64_t rows) {
  return grid_for(rows, kWarpsPerBlock);
}

}  // namespace

void CudaBackend::reduce(ReduceOp op, const Tensor& out, const Tensor& x) {
  NABLA_CHECK(out.dim() == x.dim(), "reduce: output rank ", out.dim(), " differs from input rank ",
              x.dim());
  const int device = device_of(out);
  DeviceGuard guard(device);
  const int64_t outputs = out.numel();
  if (outputs == 0) return;
  // The kept dims walk out and x together; the reduced ones (out's size 1
  // where x's is not) walk x alone.
  Shape kept = x.shape(), reduced = x.shape();
  for (size_t d = 0; d < kept.size(); ++d) {
    if (out.shape()[d] != x.shape()[d])
      kept[d] = 1;
    else
      reduced[d] = 1;
  }
  const int64_t count = numel(reduced);
  const OffsetCalc<2> outer = make_offset_calc<2>(kept, {&out, &x});
  const OffsetCalc<1> inner = make_offset_calc<1>(reduced, {&x});
  // Threads per block: enough for the reduced count, a whole number of warps.
  const int threads = count >= 256 ? 256 : count > 128 ? 128 : count > 64 ? 64 : 32;
  const unsigned blocks = static_cast<unsigned>(std::min<int64_t>(outputs, int64_t{1} << 20));
  NABLA_DISPATCH_ALL(x.dtype(), "reduce", [&] {
    reduce_kernel<scalar_t><<<blocks, threads, 0, stream(device)>>>(
        op, ptr<scalar_t>(out), ptr<scalar_t>(x), outputs, count, outer, inner);
    NABLA_CUDA_CHECK_LAUNCH();
  });
}

// values, indices: x's shape with size 1 at dim. The first extremum wins;
// a NaN wins over every number, the first NaN over later ones (as on the CPU).
void CudaBackend::arg_reduce(bool is_max, const Tensor& values, const Tensor& indices,
                             const Tensor& x, int64_t dim) {
  const int device = device_of(x);
  DeviceGuard guard(device);
  const int64_t len = x.size(dim), step = x.stride(dim);
  NABLA_CHECK(len > 0, is_max ? "max" : "min", ": cannot reduce over a dimension of size 0");
  Shape outer = x.shape();
  outer[static_cast<size_t>(dim)] = 1;
  const OffsetCalc<3> calc = make_offset_calc<3>(outer, {&values, &indices, &x});
  NABLA_DISPATCH_ALL(x.dtype(), "arg_reduce", [&] {
    using T = scalar_t;
    T* v = ptr<T>(values);
    int64_t* idx = ptr<int64_t>(indices);
    const T* p = ptr<T>(x);
    launch_n(device, numel(outer), [=] __device__(int64_t i) {
      int64_t off[3];
      calc.offsets(i, off);
      const T* r = p + off[2];
      T best = r[0];
      int64_t best_j = 0;
      for (int64_t j = 1; j < len; ++j) {
        if (best != best) break;
        const T u = r[j * step];
        if (is_max ? (u > best || u != u) : (u < best || u != u)) {
          best = u;
          best_j = j;
        }
      }
      v[off[0]] = best;
      idx[off[1]] = best_j;
    });
  });
}

void CudaBackend::softmax(const Tensor& out, const Tensor& x, int64_t dim, bool log) {
  const int device = device_of(out);
  DeviceGuard guard(device);
  const RowLayout<2> r = row_layout<2>({&out, &x}, dim);
  if (r.count == 0 || r.len == 0) return;
  NABLA_DISPATCH_FLOATING(x.dtype(), "softmax", [&] {
    softmax_kernel<scalar_t><<<warp_grid(r.count), kThreads, 0, stream(device)>>>(
        r, ptr<scalar_t>(out), ptr<scalar_t>(x), log);
    NABLA_CUDA_CHECK_LAUNCH();
  });
}

void CudaBackend::softmax_backward(const Tensor& dx, const Tensor& dy, const Tensor& y, int64_t dim,
                                   bool log) {
  const int device = device_of(dx);
  DeviceGuard guard(device);
  const RowLayout<3> r = row_layout<3>({&dx, &dy, &y}, dim);
  if (r.count == 0 || r.len == 0) return;
  NABLA_DISPATCH_FLOATING(y.dtype(), "softmax_backward", [&] {
    softmax_backward_kernel<scalar_t><<<warp_grid(r.count), kThreads, 0, stream(device)>>>(
        r, ptr<scalar_t>(dx), ptr<scalar_t>(dy), ptr<scalar_t>(y), log);
    NABLA_CUDA_CHECK_LAUNCH();
  });
}

}  // namespace nabla::backends::cuda
