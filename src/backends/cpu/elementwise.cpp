// Elementwise kernels: copy (with dtype conversion), fill, unary, binary, where.
#include <cmath>
#include <type_traits>

#include "backends/cpu/cpu_backend.h"
#include "backends/cpu/loops.h"

namespace nabla::backends::cpu {
namespace {

// Float math in float, everything else in double.
template <class T>
using acc_t = std::conditional_t<std::is_same_v<T, float>, float, double>;

template <class T, class F>
void unary_loop(const Tensor& out, const Tensor& x, F f) {
  for_each_run<2>({&out, &x}, [&](auto p, auto s, int64_t n) {
    T* o = reinterpret_cast<T*>(p[0]);
    const T* a = reinterpret_cast<const T*>(p[1]);
    if (s[0] == sizeof(T) && s[1] == sizeof(T)) {
      for (int64_t i = 0; i < n; ++i) o[i] = static_cast<T>(f(static_cast<acc_t<T>>(a[i])));
    } else {
      for (int64_t i = 0; i < n; ++i)
        at<T>(p[0], s[0], i) = static_cast<T>(f(static_cast<acc_t<T>>(at<T>(p[1], s[1], i))));
    }
  });
}

// O is the output type (T, or u8 for comparisons).
template <class T, class O, class F>
void binary_loop(const Tensor& out, const Tensor& x, const Tensor& y, F f) {
  for_each_run<3>({&out, &x, &y}, [&](auto p, auto s, int64_t n) {
    O* o = reinterpret_cast<O*>(p[0]);
    const T* a = reinterpret_cast<const T*>(p[1]);
    const T* b = reinterpret_cast<const T*>(p[2]);
    using A = acc_t<T>;
    if (s[0] == sizeof(O) && s[1] == sizeof(T) && s[2] == sizeof(T)) {
      for (int64_t i = 0; i < n; ++i) o[i] = static_cast<O>(f(A(a[i]), A(b[i])));
    } else if (s[0] == sizeof(O) && s[1] == sizeof(T) && s[2] == 0) {
      const A bv = b[0];
      for (int64_t i = 0; i < n; ++i) o[i] = static_cast<O>(f(A(a[i]), bv));
    } else if (s[0] == sizeof(O) && s[1] == 0 && s[2] == sizeof(T)) {
      const A av = a[0];
      for (int64_t i = 0; i < n; ++i) o[i] = static_cast<O>(f(av, A(b[i])));
    } else {
      for (int64_t i = 0; i < n; ++i)
        at<O>(p[0], s[0], i) = static_cast<O>(f(A(at<T>(p[1], s[1], i)), A(at<T>(p[2], s[2], i))));
    }
  });
}

// ReLU's forward and backward over contiguous runs, compiled for AVX-512,
// AVX2 and the baseline (the loader picks the widest the CPU has): the
// library's baseline is x86-64-v2, whose 4-lane SSE loop takes ≈ 1.4× as
// long as the AVX2 one on a LeNet activation (128×6×28×28) that sits in
// cache, where these passes run after the layer that wrote their input.
// As PyTorch: relu(x) = x < 0 ? 0 : x, so NaN and −0 pass through, and
// relu'(x)·dy = x ≤ 0 ? 0 : dy, so NaN lets dy through.
template <class T>
[[gnu::target_clones("avx512f", "avx2", "default")]] void relu_run(T* o, const T* a, int64_t n) {
  for (int64_t i = 0; i < n; ++i) o[i] = a[i] < T(0) ? T(0) : a[i];
}

template <class T>
[[gnu::target_clones("avx512f", "avx2", "default")]] void relu_backward_run(T* o, const T* dy,
                                                                            const T* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) o[i] = x[i] <= T(0) ? T(0) : dy[i];
}

template <class T>
T sigmoid(T v) {
  return T(1) / (T(1) + std::exp(-v));
}

constexpr double kSqrt1_2 = 0.70710678118654752440;
constexpr double kSqrt2OverPi = 0.79788456080286535588;
constexpr double kInvSqrt2Pi = 0.39894228040143267794;

template <class T>
void unary_typed(UnaryOp op, const Tensor& out, const Tensor& x, double a_, double b_) {
  using A = acc_t<T>;
  const A a = static_cast<A>(a_), b = static_cast<A>(b_);
  switch (op) {
    case UnaryOp::Neg:
      return unary_loop<T>(out, x, [](A v) { return -v; });
    case UnaryOp::Exp:
      return unary_loop<T>(out, x, [](A v) { return std::exp(v); });
    case UnaryOp::Log:
      return unary_loop<T>(out, x, [](A v) { return std::log(v); });
    case UnaryOp::Sqrt:
      return unary_loop<T>(out, x, [](A v) { return std::sqrt(v); });
    case UnaryOp::Rsqrt:
      return unary_loop<T>(out, x, [](A v) { return A(1) / std::sqrt(v); });
    case UnaryOp::Abs:
      return unary_loop<T>(out, x, [](A v) { return std::abs(v); });
    case UnaryOp::Sign:
      return unary_loop<T>(out, x, [](A v) { return A((v > 0) - (v < 0)); });
    case UnaryOp::Reciprocal:
      return unary_loop<T>(out, x, [](A v) { return A(1) / v; });
    case UnaryOp::Relu:
      if constexpr (std::is_floating_point_v<T>) {
        return for_each_run<2>({&out, &x}, [](auto p, auto s, int64_t n) {
          if (s[0] == sizeof(T) && s[1] == sizeof(T))
            return relu_run<T>(reinterpret_cast<T*>(p[0]), reinterpret_cast<const T*>(p[1]), n);
          for (int64_t i = 0; i < n; ++i) {
            const T v = at<T>(p[1], s[1], i);
            at<T>(p[0], s[0], i) = v < T(0) ? T(0) : v;
          }
        });
      }
      return unary_loop<T>(out, x, [](A v) { return v < 0 ? A(0) : v; });
    case UnaryOp::Sigmoid:
      return unary_loop<T>(out, x, [](A v) { return sigmoid(v); });
    case UnaryOp::Tanh:
      return unary_loop<T>(out, x, [](A v) { return std::tanh(v); });
    case UnaryOp::AddScalar:
      return unary_loop<T>(out, x, [a](A v) { return v + a; });
    case UnaryOp::MulScalar:
      return unary_loop<T>(out, x, [a](A v) { return v * a; });
    case UnaryOp::PowScalar:
      if (a_ == 2.0) return unary_loop<T>(out, x, [](A v) { return v * v; });
      return unary_loop<T>(out, x, [a](A v) { return std::pow(v, a); });
    case UnaryOp::RPowScalar:
      return unary_loop<T>(out, x, [a](A v) { return std::pow(a, v); });
    case UnaryOp::Clamp:
      return unary_loop<T>(out, x, [a, b](A v) { return v < a ? a : (v > b ? b : v); });
    case UnaryOp::LeakyRelu:
      return unary_loop<T>(out, x, [a](A v) { return v > 0 ? v : a * v; });
    case UnaryOp::Elu:
      return unary_loop<T>(out, x, [a](A v) { return v > 0 ? v : a * std::expm1(v); });
    case UnaryOp::Softplus:
      return unary_loop<T>(out, x,
                           [a, b](A v) { return v * a > b ? v : std::log1p(std::exp(v * a)) / a; });
    case UnaryOp::Gelu:
      return unary_loop<T>(out, x,
                           [](A v) { return v * A(0.5) * (A(1) + std::erf(v * A(kSqrt1_2))); });
    case UnaryOp::GeluTanh:
      return unary_loop<T>(out, x, [](A v) {
        return A(0.5) * v * (A(1) + std::tanh(A(kSqrt2OverPi) * (v + A(0.044715) * v * v * v)));
      });
    case UnaryOp::Silu:
      return unary_loop<T>(out, x, [](A v) { return v * sigmoid(v); });
    case UnaryOp::Erf:
      return unary_loop<T>(out, x, [](A v) { return std::erf(v); });
    case UnaryOp::Log1p:
      return unary_loop<T>(out, x, [](A v) { return std::log1p(v); });
    case UnaryOp::Expm1:
      return unary_loop<T>(out, x, [](A v) { return std::expm1(v); });
    case UnaryOp::Sin:
      return unary_loop<T>(out, x, [](A v) { return std::sin(v); });
    case UnaryOp::Cos:
      return unary_loop<T>(out, x, [](A v) { return std::cos(v); });
  }
  NABLA_FAIL("unary: unknown op ", static_cast<int>(op));
}

template <class T>
void binary_typed(BinaryOp op, const Tensor& out, const Tensor& x, const Tensor& y, double a_,
                  double b_) {
  using A = acc_t<T>;
  const A a = static_cast<A>(a_), b = static_cast<A>(b_);
  auto cmp = [&](auto f) { binary_loop<T, uint8_t>(out, x, y, f); };
  auto arith = [&](auto f) { binary_loop<T, T>(out, x, y, f); };
  switch (op) {
    case BinaryOp::Add:
      if (a_ == 1.0) return arith([](A u, A v) { return u + v; });
      return arith([a](A u, A v) { return u + a * v; });
    case BinaryOp::Sub:
      if (a_ == 1.0) return arith([](A u, A v) { return u - v; });
      return arith([a](A u, A v) { return u - a * v; });
    case BinaryOp::Mul:
      return arith([](A u, A v) { return u * v; });
    case BinaryOp::Div:
      return arith([](A u, A v) { return u / v; });
    case BinaryOp::Pow:
      return arith([](A u, A v) { return std::pow(u, v); });
    case BinaryOp::Maximum:
      return arith([](A u, A v) { return u != u || u > v ? u : v; });
    case BinaryOp::Minimum:
      return arith([](A u, A v) { return u != u || u < v ? u : v; });
    case BinaryOp::Eq:
      return cmp([](A u, A v) { return u == v; });
    case BinaryOp::Ne:
      return cmp([](A u, A v) { return u != v; });
    case BinaryOp::Lt:
      return cmp([](A u, A v) { return u < v; });
    case BinaryOp::Le:
      return cmp([](A u, A v) { return u <= v; });
    case BinaryOp::Gt:
      return cmp([](A u, A v) { return u > v; });
    case BinaryOp::Ge:
      return cmp([](A u, A v) { return u >= v; });
    case BinaryOp::ReluBackward:
      if constexpr (std::is_floating_point_v<T>) {
        return for_each_run<3>({&out, &x, &y}, [](auto p, auto s, int64_t n) {
          if (s[0] == sizeof(T) && s[1] == sizeof(T) && s[2] == sizeof(T))
            return relu_backward_run<T>(reinterpret_cast<T*>(p[0]),
                                        reinterpret_cast<const T*>(p[1]),
                                        reinterpret_cast<const T*>(p[2]), n);
          for (int64_t i = 0; i < n; ++i)
            at<T>(p[0], s[0], i) = at<T>(p[2], s[2], i) <= T(0) ? T(0) : at<T>(p[1], s[1], i);
        });
      }
      return arith([](A dy, A v) { return v <= 0 ? A(0) : dy; });
    case BinaryOp::SigmoidBackward:
      return arith([](A dy, A s) { return dy * s * (A(1) - s); });
    case BinaryOp::TanhBackward:
      return arith([](A dy, A t) { return dy * (A(1) - t * t); });
    case BinaryOp::LeakyReluBackward:
      return arith([a](A dy, A v) { return v > 0 ? dy : a * dy; });
    case BinaryOp::EluBackward:
      return arith([a](A dy, A v) { return v > 0 ? dy : dy * a * std::exp(v); });
    case BinaryOp::SoftplusBackward:
      return arith([a, b](A dy, A v) { return v * a > b ? dy : dy * sigmoid(v * a); });
    case BinaryOp::GeluBackward:
      return arith([](A dy, A v) {
        const A cdf = A(0.5) * (A(1) + std::erf(v * A(kSqrt1_2)));
        const A pdf = A(kInvSqrt2Pi) * std::exp(A(-0.5) * v * v);
        return dy * (cdf + v * pdf);
      });
    case BinaryOp::GeluTanhBackward:
      return arith([](A dy, A v) {
        const A inner = A(kSqrt2OverPi) * (v + A(0.044715) * v * v * v);
        const A t = std::tanh(inner);
        const A dinner = A(kSqrt2OverPi) * (A(1) + A(3 * 0.044715) * v * v);
        return dy * (A(0.5) * (A(1) + t) + A(0.5) * v * (A(1) - t * t) * dinner);
      });
    case BinaryOp::SiluBackward:
      return arith([](A dy, A v) {
        const A s = sigmoid(v);
        return dy * s * (A(1) + v * (A(1) - s));
      });
    case BinaryOp::ClampBackward:
      return arith([a, b](A dy, A v) { return v >= a && v <= b ? dy : A(0); });
  }
  NABLA_FAIL("binary: unknown op ", static_cast<int>(op));
}

}  // namespace

// Converts one element. A float going to uint8 passes through int64 and
// wraps modulo 256 as in PyTorch (300 → 44, −1 → 255); a direct cast of an
// out-of-range float to uint8 is undefined behaviour in C++.
template <class D, class S>
D convert(S v) {
  if constexpr (std::is_same_v<D, uint8_t> && std::is_floating_point_v<S>)
    return static_cast<D>(static_cast<int64_t>(v));
  else
    return static_cast<D>(v);
}

void CpuBackend::copy(const Tensor& dst, const Tensor& src) {
  NABLA_DISPATCH_ALL(dst.dtype(), "copy", [&] {
    using D = scalar_t;
    NABLA_DISPATCH_ALL(src.dtype(), "copy", [&] {
      using S = scalar_t;
      for_each_run<2>({&dst, &src}, [](auto p, auto s, int64_t n) {
        if (s[0] == sizeof(D) && s[1] == sizeof(S)) {
          D* d = reinterpret_cast<D*>(p[0]);
          const S* a = reinterpret_cast<const S*>(p[1]);
          for (int64_t i = 0; i < n; ++i) d[i] = convert<D>(a[i]);
        } else {
          for (int64_t i = 0; i < n; ++i) at<D>(p[0], s[0], i) = convert<D>(at<S>(p[1], s[1], i));
        }
      });
    });
  });
}

void CpuBackend::fill(const Tensor& dst, double value) {
  NABLA_DISPATCH_ALL(dst.dtype(), "fill", [&] {
    const scalar_t v = static_cast<scalar_t>(value);
    for_each_run<1>({&dst}, [v](auto p, auto s, int64_t n) {
      for (int64_t i = 0; i < n; ++i) at<scalar_t>(p[0], s[0], i) = v;
    });
  });
}

void CpuBackend::unary(UnaryOp op, const Tensor& out, const Tensor& x, double a, double b) {
  NABLA_DISPATCH_ALL(x.dtype(), "unary", [&] { unary_typed<scalar_t>(op, out, x, a, b); });
}

void CpuBackend::binary(BinaryOp op, const Tensor& out, const Tensor& x, const Tensor& y, double a,
                        double b) {
  NABLA_DISPATCH_ALL(x.dtype(), "binary", [&] { binary_typed<scalar_t>(op, out, x, y, a, b); });
}

void CpuBackend::where(const Tensor& out, const Tensor& cond, const Tensor& x, const Tensor& y) {
  NABLA_DISPATCH_ALL(out.dtype(), "where", [&] {
    for_each_run<4>({&out, &cond, &x, &y}, [](auto p, auto s, int64_t n) {
      for (int64_t i = 0; i < n; ++i)
        at<scalar_t>(p[0], s[0], i) =
            at<uint8_t>(p[1], s[1], i) ? at<scalar_t>(p[2], s[2], i) : at<scalar_t>(p[3], s[3], i);
    });
  });
}

}  // namespace nabla::backends::cpu
