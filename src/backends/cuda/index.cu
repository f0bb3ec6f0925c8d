// The negative log-likelihood loss and the indexing kernels. Each indexing
// kernel runs one thread per position of the index (index_select and
// index_add see their 1-D index broadcast over the other dims, as on the
// CPU). scatter_add and index_add add with atomics: two positions may send
// to one element. Indices are checked in the kernel: the first bad one is
// reported through an ErrorFlag and thrown here, naming it.
#include "backends/cuda/common.cuh"
#include "backends/cuda/cuda_backend.h"
#include "backends/index_geometry.h"

namespace nabla::backends::cuda {
namespace {

void throw_if_raised(ErrorFlag& flag, const char* op, int64_t dim, int64_t size) {
  long long bad = 0;
  if (flag.raised(&bad))
    NABLA_FAIL(op, ": index ", bad, " is out of bounds for dimension ", dim, " with size ", size);
}

// t seen over `positions` with its stride at dim replaced by 0: the
// position's own coordinate at dim is then not part of the offset, and the
// kernel adds index·stride(dim) instead.
Tensor addressed_view(const Tensor& t, const Shape& positions, int64_t dim) {
  Shape strides = t.strides();
  strides[static_cast<size_t>(dim)] = 0;
  return alias(t, positions, strides, t.storage_offset());
}

// Over the positions p of index, with k = index[p]:
//   gather       walked[p] = addressed[p with p[dim] = k]    (walked: out, addressed: x)
//   scatter_add  addressed[p with p[dim] = k] += walked[p]   (walked: src, addressed: out)
template <bool kScatter>
void index_positions(const char* op, const Tensor& walked, const Tensor& addressed, int64_t dim,
                     const Tensor& index) {
  const int device = device_of(addressed);
  DeviceGuard guard(device);
  const Shape& pos = index.shape();
  const Tensor av = addressed_view(addressed, pos, dim);
  const int64_t size = addressed.size(dim), step = addressed.stride(dim);
  const OffsetCalc<3> calc = make_offset_calc<3>(pos, {&walked, &index, &av});
  ErrorFlag flag(device);
  long long* f = flag.data();
  NABLA_DISPATCH_ALL(addressed.dtype(), op, [&] {
    using T = scalar_t;
    T* w = ptr<T>(walked);
    T* a = ptr<T>(addressed);
    const int64_t* idx = ptr<int64_t>(index);
    launch_n(device, numel(pos), [=] __device__(int64_t i) {
      int64_t off[3];
      calc.offsets(i, off);
      const int64_t k = idx[off[1]];
      if (k < 0 || k >= size) {
        raise_flag(f, k);
        return;
      }
      T* at = a + off[2] + k * step;  // the addressed element
      T* own = w + off[0];            // the position's own element
      if constexpr (kScatter)
        atomic_add(at, *own);
      else
        *own = *at;
    });
  });
  throw_if_raised(flag, op, dim, size);
}

// Class weights, or 1 where none were given.
template <class T>
struct Weights {
  const T* w = nullptr;
  int64_t stride = 0;
  __device__ T operator[](int64_t c) const { return w ? w[c * stride] : T(1); }
};

template <class T>
Weights<T> weights_of(const Tensor& weight) {
  Weights<T> w;
  if (weight.defined()) {
    w.w = ptr<T>(weight);
    w.stride = weight.stride(0);
  }
  return w;
}

// out[n, k] = −w[t]·input[n, t, k] (0 where t = ignore_index), and
// total_weight = Σ w[t] over the targets not ignored: one block, whose
// threads stride over the N·K targets and sum their weights.
template <class T>
__global__ void nll_loss_kernel(T* out, T* total_weight, const T* x, const int64_t* target,
                                Weights<T> w, int64_t N, int64_t C, int64_t K, int64_t xn,
                                int64_t xc, int64_t xk, int64_t tn, int64_t tk, int64_t on,
                                int64_t ok, int64_t ignore_index, long long* flag) {
  double counted = 0;
  for (int64_t i = threadIdx.x; i < N * K; i += blockDim.x) {
    const int64_t n = i / K, k = i % K;
    const int64_t c = target[n * tn + k * tk];
    T loss = 0;
    if (c != ignore_index) {
      if (c >= 0 && c < C) {
        loss = -w[c] * x[n * xn + c * xc + k * xk];
        counted += w[c];
      } else {
        raise_flag(flag, c);
      }
    }
    out[n * on + k * ok] = loss;
  }
  counted = block_sum(counted);
  if (threadIdx.x == 0) *total_weight = static_cast<T>(counted);
}

}  // namespace

void CudaBackend::nll_loss(const Tensor& out, const Tensor& total_weight, const Tensor& input,
                           const Tensor& target, const Tensor& weight, int64_t ignore_index) {
  const int device = device_of(input);
  DeviceGuard guard(device);
  const int64_t N = input.size(0), C = input.size(1), K = input.size(2);
  ErrorFlag flag(device);
  NABLA_DISPATCH_FLOATING(input.dtype(), "nll_loss", [&] {
    using T = scalar_t;
    nll_loss_kernel<T><<<1, 1024, 0, stream(device)>>>(
        ptr<T>(out), ptr<T>(total_weight), ptr<T>(input), ptr<int64_t>(target),
        weights_of<T>(weight), N, C, K, input.stride(0), input.stride(1), input.stride(2),
        target.stride(0), target.stride(1), out.stride(0), out.stride(1), ignore_index,
        flag.data());
    NABLA_CUDA_CHECK_LAUNCH();
  });
  long long bad = 0;
  NABLA_CHECK(!flag.raised(&bad), "nll_loss: target ", bad, " is out of bounds for ", C,
              " classes (targets must be in [0, ", C, ") or equal ignore_index ", ignore_index,
              ")");
}

// dx (N, C, K) = 0, then dx[n, t, k] = −w[t]·dout[n, k] where t = target[n, k]
// is not ignored (targets were range-checked by the forward).
void CudaBackend::nll_loss_backward(const Tensor& dx, const Tensor& dout, const Tensor& target,
                                    const Tensor& weight, int64_t ignore_index) {
  NABLA_CHECK(dx.is_contiguous(), "nll_loss_backward: dx must be contiguous");
  const int device = device_of(dx);
  DeviceGuard guard(device);
  fill(dx, 0.0);
  const int64_t N = dx.size(0), C = dx.size(1), K = dx.size(2);
  const int64_t dn = dout.stride(0), dk = dout.stride(1);
  const int64_t tn = target.stride(0), tk = target.stride(1);
  NABLA_DISPATCH_FLOATING(dx.dtype(), "nll_loss_backward", [&] {
    using T = scalar_t;
    T* g = ptr<T>(dx);
    const T* dy = ptr<T>(dout);
    const int64_t* t = ptr<int64_t>(target);
    const Weights<T> w = weights_of<T>(weight);
    launch_n(device, N * K, [=] __device__(int64_t i) {
      const int64_t n = i / K, k = i % K;
      const int64_t c = t[n * tn + k * tk];
      if (c == ignore_index || c < 0 || c >= C) return;
      g[(n * C + c) * K + k] = -w[c] * dy[n * dn + k * dk];
    });
  });
}

void CudaBackend::gather(const Tensor& out, const Tensor& x, int64_t dim, const Tensor& index) {
  check_index_operands("gather", x, out, index, index.shape(), dim, kMaxDims);
  NABLA_CHECK(out.shape() == index.shape(), "gather: output ", out.shape(), " and index ",
              index.shape(), " differ");
  index_positions<false>("gather", out, x, dim, index);
}

void CudaBackend::scatter_add(const Tensor& out, int64_t dim, const Tensor& index,
                              const Tensor& src) {
  check_index_operands("scatter_add", out, src, index, index.shape(), dim, kMaxDims);
  index_positions<true>("scatter_add", src, out, dim, index);
}

void CudaBackend::index_select(const Tensor& out, const Tensor& x, int64_t dim,
                               const Tensor& index) {
  const Tensor idx = broadcast_index("index_select", index, out, x, dim);
  check_index_operands("index_select", x, out, idx, out.shape(), dim, kMaxDims);
  index_positions<false>("index_select", out, x, dim, idx);
}

void CudaBackend::index_add(const Tensor& out, int64_t dim, const Tensor& index,
                            const Tensor& src) {
  const Tensor idx = broadcast_index("index_add", index, src, out, dim);
  check_index_operands("index_add", out, src, idx, src.shape(), dim, kMaxDims);
  index_positions<true>("index_add", src, out, dim, idx);
}

}  // namespace nabla::backends::cuda
