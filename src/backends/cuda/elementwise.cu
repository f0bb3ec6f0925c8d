// Elementwise kernels: copy (with dtype conversion, and between host and
// device), fill, unary, binary, where. One kernel per dtype serves every op
// of a family: the op is a switch inside the kernel, the same branch for
// every thread, which costs nothing next to the memory traffic and keeps the
// number of instantiations small. Math is done as on the CPU: f32 in f32,
// everything else in double.
#include <type_traits>

#include "backends/cuda/common.cuh"
#include "backends/cuda/cuda_backend.h"

namespace nabla::backends::cuda {
namespace {

template <class T>
using acc_t = std::conditional_t<std::is_same_v<T, float>, float, double>;

// One element converted. A float going to uint8 passes through int64 and
// wraps modulo 256, as on the CPU and in PyTorch.
template <class D, class S>
__device__ __forceinline__ D convert(S v) {
  if constexpr (std::is_same_v<D, uint8_t> && std::is_floating_point_v<S>)
    return static_cast<D>(static_cast<int64_t>(v));
  else
    return static_cast<D>(v);
}

template <class A>
__device__ __forceinline__ A sigmoid(A v) {
  return A(1) / (A(1) + exp(-v));
}

constexpr double kSqrt1_2 = 0.70710678118654752440;
constexpr double kSqrt2OverPi = 0.79788456080286535588;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;

template <class A>
__device__ A apply_unary(UnaryOp op, A v, A a, A b) {
  switch (op) {
    case UnaryOp::Neg:
      return -v;
    case UnaryOp::Exp:
      return exp(v);
    case UnaryOp::Log:
      return log(v);
    case UnaryOp::Sqrt:
      return sqrt(v);
    case UnaryOp::Rsqrt:
      return A(1) / sqrt(v);
    case UnaryOp::Abs:
      return fabs(v);
    case UnaryOp::Sign:
      return A((v > 0) - (v < 0));
    case UnaryOp::Reciprocal:
      return A(1) / v;
    case UnaryOp::Relu:
      return v < A(0) ? A(0) : v;  // NaN and −0 pass, as PyTorch
    case UnaryOp::Sigmoid:
      return sigmoid(v);
    case UnaryOp::Tanh:
      return tanh(v);
    case UnaryOp::AddScalar:
      return v + a;
    case UnaryOp::MulScalar:
      return v * a;
    case UnaryOp::PowScalar:
      return a == A(2) ? v * v : pow(v, a);
    case UnaryOp::RPowScalar:
      return pow(a, v);
    case UnaryOp::Clamp:
      return v < a ? a : (v > b ? b : v);
    case UnaryOp::LeakyRelu:
      return v > 0 ? v : a * v;
    case UnaryOp::Elu:
      return v > 0 ? v : a * expm1(v);
    case UnaryOp::Softplus:
      return v * a > b ? v : log1p(exp(v * a)) / a;
    case UnaryOp::Gelu:
      return v * A(0.5) * (A(1) + erf(v * A(kSqrt1_2)));
    case UnaryOp::GeluTanh:
      return A(0.5) * v * (A(1) + tanh(A(kSqrt2OverPi) * (v + A(0.044715) * v * v * v)));
    case UnaryOp::Silu:
      return v * sigmoid(v);
    case UnaryOp::Erf:
      return erf(v);
    case UnaryOp::Log1p:
      return log1p(v);
    case UnaryOp::Expm1:
      return expm1(v);
    case UnaryOp::Sin:
      return sin(v);
    case UnaryOp::Cos:
      return cos(v);
  }
  return v;
}

// Arithmetic ops and the activations' backward (x is dy there).
template <class A>
__device__ A apply_binary(BinaryOp op, A u, A v, A a, A b) {
  switch (op) {
    case BinaryOp::Add:
      return u + a * v;
    case BinaryOp::Sub:
      return u - a * v;
    case BinaryOp::Mul:
      return u * v;
    case BinaryOp::Div:
      return u / v;
    case BinaryOp::Pow:
      return pow(u, v);
    case BinaryOp::Maximum:
      return u != u || u > v ? u : v;  // NaN propagates
    case BinaryOp::Minimum:
      return u != u || u < v ? u : v;
    case BinaryOp::ReluBackward:
      return v <= A(0) ? A(0) : u;
    case BinaryOp::SigmoidBackward:
      return u * v * (A(1) - v);
    case BinaryOp::TanhBackward:
      return u * (A(1) - v * v);
    case BinaryOp::LeakyReluBackward:
      return v > 0 ? u : a * u;
    case BinaryOp::EluBackward:
      return v > 0 ? u : u * a * exp(v);
    case BinaryOp::SoftplusBackward:
      return v * a > b ? u : u * sigmoid(v * a);
    case BinaryOp::GeluBackward: {
      const A cdf = A(0.5) * (A(1) + erf(v * A(kSqrt1_2)));
      const A pdf = A(kInvSqrt2Pi) * exp(A(-0.5) * v * v);
      return u * (cdf + v * pdf);
    }
    case BinaryOp::GeluTanhBackward: {
      const A inner = A(kSqrt2OverPi) * (v + A(0.044715) * v * v * v);
      const A t = tanh(inner);
      const A dinner = A(kSqrt2OverPi) * (A(1) + A(3 * 0.044715) * v * v);
      return u * (A(0.5) * (A(1) + t) + A(0.5) * v * (A(1) - t * t) * dinner);
    }
    case BinaryOp::SiluBackward: {
      const A s = sigmoid(v);
      return u * s * (A(1) + v * (A(1) - s));
    }
    case BinaryOp::ClampBackward:
      return v >= a && v <= b ? u : A(0);
    default:
      return A(0);  // comparisons: apply_compare
  }
}

template <class A>
__device__ bool apply_compare(BinaryOp op, A u, A v) {
  switch (op) {
    case BinaryOp::Eq:
      return u == v;
    case BinaryOp::Ne:
      return u != v;
    case BinaryOp::Lt:
      return u < v;
    case BinaryOp::Le:
      return u <= v;
    case BinaryOp::Gt:
      return u > v;
    case BinaryOp::Ge:
      return u >= v;
    default:
      return false;
  }
}

bool is_comparison(BinaryOp op) {
  return op == BinaryOp::Eq || op == BinaryOp::Ne || op == BinaryOp::Lt || op == BinaryOp::Le ||
         op == BinaryOp::Gt || op == BinaryOp::Ge;
}

// dst = src converted, both on device `device`, any strides.
void copy_on_device(int device, const Tensor& dst, const Tensor& src) {
  NABLA_DISPATCH_ALL(dst.dtype(), "copy", [&] {
    using D = scalar_t;
    D* d = ptr<D>(dst);
    NABLA_DISPATCH_ALL(src.dtype(), "copy", [&] {
      using S = scalar_t;
      const S* s = ptr<S>(src);
      launch_elementwise<2>(
          device, dst.shape(), {&dst, &src},
          [=] __device__(const int64_t(&o)[2]) { d[o[0]] = convert<D>(s[o[1]]); });
    });
  });
}

Tensor empty_like_on(const Tensor& t, DType dtype, Device device) {
  return Tensor::empty(t.shape(), TensorOptions(dtype).device(device));
}

// src as a contiguous tensor of `dtype` on its own device (src itself if it is one).
Tensor contiguous_as(const Tensor& src, DType dtype) {
  if (src.is_contiguous() && src.dtype() == dtype) return src;
  Tensor t = empty_like_on(src, dtype, src.device());
  if (src.device().is_cpu())
    backend(kCPU).copy(t, src);
  else
    copy_on_device(device_of(src), t, src);
  return t;
}

}  // namespace

// Between devices, the bytes move contiguous and already in dst's dtype: a
// conversion or gather happens on the side that has the strided view.
void CudaBackend::copy(const Tensor& dst, const Tensor& src) {
  if (dst.numel() == 0) return;
  const Device dd = dst.device(), sd = src.device();
  if (dd.is_cuda() && sd.is_cuda() && dd.index == sd.index) {
    DeviceGuard guard(dd.index);
    copy_on_device(dd.index, dst, src);
    return;
  }
  const size_t bytes = static_cast<size_t>(dst.numel()) * dst.element_size();
  if (dd.is_cuda()) {  // from the host, or from another GPU
    DeviceGuard guard(dd.index);
    const Tensor s = contiguous_as(src, dst.dtype());
    const Tensor d = dst.is_contiguous() ? dst : empty_like_on(dst, dst.dtype(), dd);
    if (sd.is_cpu()) {
      // From pageable memory the call returns once s has been staged, so s
      // may be freed right after.
      NABLA_CUDA_CHECK(cudaMemcpyAsync(d.raw_data(), s.raw_data(), bytes, cudaMemcpyHostToDevice,
                                       stream(dd.index)));
    } else {
      // The source device's queue must have produced s first.
      NABLA_CUDA_CHECK(cudaStreamSynchronize(stream(sd.index)));
      NABLA_CUDA_CHECK(cudaMemcpyPeerAsync(d.raw_data(), dd.index, s.raw_data(), sd.index, bytes,
                                           stream(dd.index)));
      NABLA_CUDA_CHECK(cudaStreamSynchronize(stream(dd.index)));  // s lives only in this scope
    }
    if (!dst.is_contiguous()) copy_on_device(dd.index, dst, d);
    return;
  }
  // To the host: gather and convert on the device, copy, wait.
  NABLA_CHECK(sd.is_cuda(), "CUDA copy: neither ", dd, " nor ", sd, " is a CUDA device");
  DeviceGuard guard(sd.index);
  const Tensor s = contiguous_as(src, dst.dtype());
  const Tensor d = dst.is_contiguous() ? dst : empty_like_on(dst, dst.dtype(), kCPU);
  NABLA_CUDA_CHECK(
      cudaMemcpyAsync(d.raw_data(), s.raw_data(), bytes, cudaMemcpyDeviceToHost, stream(sd.index)));
  NABLA_CUDA_CHECK(cudaStreamSynchronize(stream(sd.index)));
  if (!dst.is_contiguous()) backend(kCPU).copy(dst, d);
}

void CudaBackend::fill(const Tensor& dst, double value) {
  if (dst.numel() == 0) return;
  const int device = device_of(dst);
  DeviceGuard guard(device);
  if (value == 0.0 && dst.is_contiguous()) {  // all-zero bytes, for every dtype
    NABLA_CUDA_CHECK(cudaMemsetAsync(
        dst.raw_data(), 0, static_cast<size_t>(dst.numel()) * dst.element_size(), stream(device)));
    return;
  }
  NABLA_DISPATCH_ALL(dst.dtype(), "fill", [&] {
    scalar_t* d = ptr<scalar_t>(dst);
    const scalar_t v = static_cast<scalar_t>(value);
    launch_elementwise<1>(device, dst.shape(), {&dst},
                          [=] __device__(const int64_t(&o)[1]) { d[o[0]] = v; });
  });
}

void CudaBackend::unary(UnaryOp op, const Tensor& out, const Tensor& x, double a_, double b_) {
  const int device = device_of(out);
  DeviceGuard guard(device);
  NABLA_DISPATCH_ALL(x.dtype(), "unary", [&] {
    using T = scalar_t;
    using A = acc_t<T>;
    T* o = ptr<T>(out);
    const T* p = ptr<T>(x);
    const A a = static_cast<A>(a_), b = static_cast<A>(b_);
    launch_elementwise<2>(device, out.shape(), {&out, &x}, [=] __device__(const int64_t(&i)[2]) {
      o[i[0]] = static_cast<T>(apply_unary<A>(op, A(p[i[1]]), a, b));
    });
  });
}

void CudaBackend::binary(BinaryOp op, const Tensor& out, const Tensor& x, const Tensor& y,
                         double a_, double b_) {
  const int device = device_of(out);
  DeviceGuard guard(device);
  NABLA_DISPATCH_ALL(x.dtype(), "binary", [&] {
    using T = scalar_t;
    using A = acc_t<T>;
    const T* u = ptr<T>(x);
    const T* v = ptr<T>(y);
    if (is_comparison(op)) {
      uint8_t* o = ptr<uint8_t>(out);
      launch_elementwise<3>(device, out.shape(), {&out, &x, &y},
                            [=] __device__(const int64_t(&i)[3]) {
                              o[i[0]] = apply_compare<A>(op, A(u[i[1]]), A(v[i[2]])) ? 1 : 0;
                            });
      return;
    }
    T* o = ptr<T>(out);
    const A a = static_cast<A>(a_), b = static_cast<A>(b_);
    launch_elementwise<3>(
        device, out.shape(), {&out, &x, &y}, [=] __device__(const int64_t(&i)[3]) {
          o[i[0]] = static_cast<T>(apply_binary<A>(op, A(u[i[1]]), A(v[i[2]]), a, b));
        });
  });
}

void CudaBackend::where(const Tensor& out, const Tensor& cond, const Tensor& x, const Tensor& y) {
  const int device = device_of(out);
  DeviceGuard guard(device);
  NABLA_DISPATCH_ALL(out.dtype(), "where", [&] {
    using T = scalar_t;
    T* o = ptr<T>(out);
    const uint8_t* c = ptr<uint8_t>(cond);
    const T* u = ptr<T>(x);
    const T* v = ptr<T>(y);
    launch_elementwise<4>(
        device, out.shape(), {&out, &cond, &x, &y},
        [=] __device__(const int64_t(&i)[4]) { o[i[0]] = c[i[1]] ? u[i[2]] : v[i[3]]; });
  });
}

}  // namespace nabla::backends::cuda
