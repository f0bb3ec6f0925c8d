#include "nabla/ops/factory.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "nabla/ops/elementwise.h"
#include "ops/internal.h"

namespace nabla {
namespace {

template <class T>
Tensor from_values(const std::vector<T>& values, const Shape& shape, TensorOptions options) {
  const Shape s = shape.empty() ? Shape{static_cast<int64_t>(values.size())} : shape;
  NABLA_CHECK(numel(s) == static_cast<int64_t>(values.size()), "tensor: ", values.size(),
              " values do not fill shape ", s);
  const bool requires_grad = options.requires_grad_;
  Tensor host = Tensor::empty(s, TensorOptions(dtype_of<T>));
  std::copy(values.begin(), values.end(), host.data_ptr<T>());
  Tensor out = host.to(options.dtype_).to(options.device_);
  if (out.impl() == host.impl()) out = host;
  if (requires_grad) out.requires_grad_(true);
  return out;
}

// Fills a CPU buffer from the generator, then moves it where it belongs.
template <class F>
Tensor random_tensor(const Shape& shape, TensorOptions options, F draw) {
  Tensor host = Tensor::empty(shape, TensorOptions(kFloat64));
  double* p = host.data_ptr<double>();
  for (int64_t i = 0, n = host.numel(); i < n; ++i) p[i] = draw();
  Tensor out = host.to(options.dtype_).to(options.device_);
  if (options.requires_grad_) out.requires_grad_(true);
  return out;
}

}  // namespace

Tensor tensor(std::initializer_list<double> values, const Shape& shape, TensorOptions options) {
  return from_values(std::vector<double>(values), shape, options);
}
Tensor tensor(const std::vector<double>& values, const Shape& shape, TensorOptions options) {
  return from_values(values, shape, options);
}
Tensor tensor(const std::vector<float>& values, const Shape& shape, TensorOptions options) {
  return from_values(values, shape, options);
}
Tensor tensor(const std::vector<int64_t>& values, const Shape& shape, TensorOptions options) {
  return from_values(values, shape, options);
}
Tensor scalar_tensor(double value, TensorOptions options) {
  return full({}, value, options);
}

Tensor empty(const Shape& shape, TensorOptions options) {
  return Tensor::empty(shape, options);
}

Tensor full(const Shape& shape, double value, TensorOptions options) {
  const bool requires_grad = options.requires_grad_;
  Tensor t = Tensor::empty(shape, options.requires_grad(false));
  t.fill_(value);
  if (requires_grad) t.requires_grad_(true);
  return t;
}
Tensor zeros(const Shape& shape, TensorOptions options) {
  return full(shape, 0.0, options);
}
Tensor ones(const Shape& shape, TensorOptions options) {
  return full(shape, 1.0, options);
}

Tensor arange(double end, TensorOptions options) {
  return arange(0.0, end, 1.0, options);
}

Tensor arange(double start, double end, double step, TensorOptions options) {
  NABLA_CHECK(step != 0, "arange: step must be nonzero");
  // The default dtype is int64 (C++ cannot tell arange(0, 1, 0.25) from an
  // integer call); a fractional step would silently truncate every value.
  NABLA_CHECK(is_floating(options.dtype_) || step == std::trunc(step), "arange: step ", step,
              " is not a whole number but the dtype is ", options.dtype_,
              "; pass a floating dtype (e.g. kFloat32)");
  NABLA_CHECK((end - start) * step >= 0, "arange: the range [", start, ", ", end,
              ") cannot be walked with step ", step);
  const auto n = static_cast<int64_t>(std::ceil((end - start) / step));
  std::vector<double> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = start + static_cast<double>(i) * step;
  return from_values(v, {n}, options);
}

Tensor linspace(double start, double end, int64_t steps, TensorOptions options) {
  NABLA_CHECK(steps >= 0, "linspace: steps must be non-negative, got ", steps);
  std::vector<double> v(steps);
  const double step = steps > 1 ? (end - start) / static_cast<double>(steps - 1) : 0.0;
  if (steps == 1) v[0] = start;
  // Symmetric from both ends, as PyTorch computes it, so the last value is end.
  for (int64_t i = 0; i < steps && steps > 1; ++i)
    v[i] = i < steps / 2 ? start + step * static_cast<double>(i)
                         : end - step * static_cast<double>(steps - 1 - i);
  return from_values(v, {steps}, options);
}

Tensor eye(int64_t n, int64_t m, TensorOptions options) {
  if (m < 0) m = n;
  NABLA_CHECK(n >= 0, "eye: n must be non-negative, got ", n);
  std::vector<double> v(n * m, 0.0);
  for (int64_t i = 0; i < std::min(n, m); ++i) v[i * m + i] = 1.0;
  return from_values(v, {n, m}, options);
}

Tensor rand(const Shape& shape, TensorOptions options, Generator* gen) {
  Generator& g = gen ? *gen : default_generator();
  return random_tensor(shape, options, [&] { return g.uniform(); });
}

Tensor randn(const Shape& shape, TensorOptions options, Generator* gen) {
  Generator& g = gen ? *gen : default_generator();
  // One distribution for the whole tensor: it draws normals in pairs and
  // keeps the second, where a fresh one per value (Generator::normal) throws
  // it away (twice the work; initialising VGG-16 took seconds).
  std::normal_distribution<double> normal;
  return random_tensor(shape, options, [&] { return normal(g.engine()); });
}

Tensor randint(int64_t low, int64_t high, const Shape& shape, TensorOptions options,
               Generator* gen) {
  NABLA_CHECK(low < high, "randint: empty range [", low, ", ", high, ")");
  Generator& g = gen ? *gen : default_generator();
  return random_tensor(shape, options, [&] { return static_cast<double>(g.randint(low, high)); });
}

Tensor randperm(int64_t n, Generator* gen) {
  Generator& g = gen ? *gen : default_generator();
  std::vector<int64_t> v(n);
  std::iota(v.begin(), v.end(), 0);
  std::shuffle(v.begin(), v.end(), g.engine());
  return tensor(v, {n});
}

namespace {
TensorOptions options_of(const Tensor& t) {
  return TensorOptions(t.dtype()).device(t.device());
}
}  // namespace

Tensor empty_like(const Tensor& t) {
  return empty(t.shape(), options_of(t));
}
Tensor zeros_like(const Tensor& t) {
  return zeros(t.shape(), options_of(t));
}
Tensor ones_like(const Tensor& t) {
  return ones(t.shape(), options_of(t));
}
Tensor full_like(const Tensor& t, double value) {
  return full(t.shape(), value, options_of(t));
}
Tensor rand_like(const Tensor& t, Generator* gen) {
  return rand(t.shape(), options_of(t), gen);
}
Tensor randn_like(const Tensor& t, Generator* gen) {
  return randn(t.shape(), options_of(t), gen);
}

}  // namespace nabla
