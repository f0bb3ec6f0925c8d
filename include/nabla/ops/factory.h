// Tensor factories, named and defaulted as in PyTorch. Random ones draw from
// the default generator (manual_seed) unless given one.
#pragma once

#include <initializer_list>
#include <vector>

#include "nabla/core/generator.h"
#include "nabla/core/tensor.h"

namespace nabla {

// tensor({1, 2, 3, 4}, {2, 2}): values in row-major order; an empty shape
// means 1-D of values.size(). Float values default to float32.
Tensor tensor(std::initializer_list<double> values, const Shape& shape = {},
              TensorOptions options = {});
Tensor tensor(const std::vector<double>& values, const Shape& shape = {},
              TensorOptions options = {});
Tensor tensor(const std::vector<float>& values, const Shape& shape = {},
              TensorOptions options = {});
Tensor tensor(const std::vector<int64_t>& values, const Shape& shape = {},
              TensorOptions options = kInt64);
Tensor scalar_tensor(double value, TensorOptions options = {});

Tensor empty(const Shape& shape, TensorOptions options = {});
Tensor zeros(const Shape& shape, TensorOptions options = {});
Tensor ones(const Shape& shape, TensorOptions options = {});
Tensor full(const Shape& shape, double value, TensorOptions options = {});
Tensor arange(double end, TensorOptions options = kInt64);
Tensor arange(double start, double end, double step = 1.0, TensorOptions options = kInt64);
Tensor linspace(double start, double end, int64_t steps, TensorOptions options = {});
Tensor eye(int64_t n, int64_t m = -1, TensorOptions options = {});

Tensor rand(const Shape& shape, TensorOptions options = {}, Generator* gen = nullptr);   // U[0, 1)
Tensor randn(const Shape& shape, TensorOptions options = {}, Generator* gen = nullptr);  // N(0, 1)
Tensor randint(int64_t low, int64_t high, const Shape& shape, TensorOptions options = kInt64,
               Generator* gen = nullptr);  // [low, high)
Tensor randperm(int64_t n, Generator* gen = nullptr);

// *_like: the shape, dtype and device of t (options override the dtype).
Tensor empty_like(const Tensor& t);
Tensor zeros_like(const Tensor& t);
Tensor ones_like(const Tensor& t);
Tensor full_like(const Tensor& t, double value);
Tensor rand_like(const Tensor& t, Generator* gen = nullptr);
Tensor randn_like(const Tensor& t, Generator* gen = nullptr);

}  // namespace nabla
