// Pooling layers: each wraps the function of the same name in
// nabla/ops/pool.h, with PyTorch's defaults (stride = kernel_size) and
// PyTorch's printing. Pooling has no parameters.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "nabla/nn/module.h"
#include "nabla/nn/options.h"
#include "nabla/ops/pool.h"

namespace nabla::nn {

struct MaxPool1dOptions {
  MaxPool1dOptions(int64_t kernel_size)  // NOLINT: MaxPool1d(3)
      : kernel_size_(kernel_size), stride_(kernel_size) {}
  NABLA_ARG(int64_t, kernel_size);
  NABLA_ARG(int64_t, stride);  // kernel_size unless set
  NABLA_ARG(int64_t, padding) = 0;
  NABLA_ARG(int64_t, dilation) = 1;
  NABLA_ARG(bool, ceil_mode) = false;
  NABLA_ARG(bool, return_indices) = false;
};

// (N, C, L) or (C, L) → max over windows along L.
class MaxPool1d : public Module {
 public:
  explicit MaxPool1d(const MaxPool1dOptions& options) : options(options) {}
  explicit MaxPool1d(int64_t kernel_size) : options(kernel_size) {}
  // Values only, whatever return_indices says; forward_with_indices gives both.
  Tensor forward(const Tensor& x) override;
  std::pair<Tensor, Tensor> forward_with_indices(const Tensor& x);
  std::string extra_repr() const override;
  MaxPool1dOptions options;
};

struct MaxPool2dOptions {
  MaxPool2dOptions(Size2 kernel_size)  // NOLINT: MaxPool2d(2), MaxPool2d({2, 3})
      : kernel_size_(kernel_size), stride_(kernel_size) {}
  NABLA_ARG(Size2, kernel_size);
  NABLA_ARG(Size2, stride);  // kernel_size unless set
  NABLA_ARG(Size2, padding) = 0;
  NABLA_ARG(Size2, dilation) = 1;
  NABLA_ARG(bool, ceil_mode) = false;
  NABLA_ARG(bool, return_indices) = false;
};

// (N, C, H, W) or (C, H, W) → max over windows of H × W, per channel.
class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(const MaxPool2dOptions& options) : options(options) {}
  explicit MaxPool2d(Size2 kernel_size) : options(kernel_size) {}
  // Values only, whatever return_indices says (C++ cannot return PyTorch's
  // tuple from the one-tensor forward); forward_with_indices gives
  // (values, indices) for max_unpool2d.
  Tensor forward(const Tensor& x) override;
  std::pair<Tensor, Tensor> forward_with_indices(const Tensor& x);
  std::string extra_repr() const override;
  MaxPool2dOptions options;
};

struct MaxUnpool2dOptions {
  MaxUnpool2dOptions(Size2 kernel_size)  // NOLINT: MaxUnpool2d(2)
      : kernel_size_(kernel_size), stride_(kernel_size) {}
  NABLA_ARG(Size2, kernel_size);
  NABLA_ARG(Size2, stride);  // kernel_size unless set
  NABLA_ARG(Size2, padding) = 0;
};

// Puts each value back at the position its max pooling took it from,
// zeros elsewhere (SegNet's decoder).
class MaxUnpool2d : public Module {
 public:
  explicit MaxUnpool2d(const MaxUnpool2dOptions& options) : options(options) {}
  explicit MaxUnpool2d(Size2 kernel_size) : options(kernel_size) {}
  Tensor forward(const Tensor& x, const Tensor& indices,
                 std::optional<Size2> output_size = std::nullopt);
  std::string extra_repr() const override;
  MaxUnpool2dOptions options;
};

struct AvgPool1dOptions {
  AvgPool1dOptions(int64_t kernel_size)  // NOLINT: AvgPool1d(3)
      : kernel_size_(kernel_size), stride_(kernel_size) {}
  NABLA_ARG(int64_t, kernel_size);
  NABLA_ARG(int64_t, stride);  // kernel_size unless set
  NABLA_ARG(int64_t, padding) = 0;
  NABLA_ARG(bool, ceil_mode) = false;
  NABLA_ARG(bool, count_include_pad) = true;
};

class AvgPool1d : public Module {
 public:
  explicit AvgPool1d(const AvgPool1dOptions& options) : options(options) {}
  explicit AvgPool1d(int64_t kernel_size) : options(kernel_size) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  AvgPool1dOptions options;
};

struct AvgPool2dOptions {
  AvgPool2dOptions(Size2 kernel_size)  // NOLINT: AvgPool2d(2)
      : kernel_size_(kernel_size), stride_(kernel_size) {}
  NABLA_ARG(Size2, kernel_size);
  NABLA_ARG(Size2, stride);  // kernel_size unless set
  NABLA_ARG(Size2, padding) = 0;
  NABLA_ARG(bool, ceil_mode) = false;
  NABLA_ARG(bool, count_include_pad) = true;
  NABLA_ARG(std::optional<int64_t>, divisor_override);
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(const AvgPool2dOptions& options) : options(options) {}
  explicit AvgPool2d(Size2 kernel_size) : options(kernel_size) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  AvgPool2dOptions options;
};

// Adaptive pooling: the output size is fixed, the windows follow from it.
class AdaptiveAvgPool1d : public Module {
 public:
  explicit AdaptiveAvgPool1d(int64_t output_size) : output_size(output_size) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t output_size;
};

class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(Size2 output_size) : output_size(output_size) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  Size2 output_size;
};

class AdaptiveMaxPool2d : public Module {
 public:
  explicit AdaptiveMaxPool2d(Size2 output_size) : output_size(output_size) {}
  Tensor forward(const Tensor& x) override;  // values only, as MaxPool2d
  std::pair<Tensor, Tensor> forward_with_indices(const Tensor& x);
  std::string extra_repr() const override;
  Size2 output_size;
};

}  // namespace nabla::nn
