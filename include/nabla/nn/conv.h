// Convolution layers: Conv1d, Conv2d, ConvTranspose2d, with LibTorch-style
// options (Conv2dOptions(3, 64, 3).stride(2).padding(1).bias(false)) and
// PyTorch's parameters, initialisation and printing.
//
// Initialisation as PyTorch's: the weight by kaiming_uniform_(a = √5), i.e.
// U(−1/√fan_in, 1/√fan_in), the bias from U(−1/√fan_in, 1/√fan_in), with
// fan_in = weight.size(1)·kh·kw (for ConvTranspose2d that is out/groups·kh·kw,
// as in PyTorch).
//
// padding_mode: only "zeros"; PyTorch's "reflect", "replicate" and
// "circular" are refused at construction.
#pragma once

#include <cstdint>
#include <string>

#include "nabla/nn/module.h"
#include "nabla/nn/options.h"
#include "nabla/ops/conv.h"

namespace nabla::nn {

struct Conv1dOptions {
  Conv1dOptions(int64_t in_channels, int64_t out_channels, int64_t kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  NABLA_ARG(int64_t, in_channels);
  NABLA_ARG(int64_t, out_channels);
  NABLA_ARG(int64_t, kernel_size);
  NABLA_ARG(int64_t, stride) = 1;
  NABLA_ARG(Padding1d, padding) = 0;  // a size, "same" or "valid"
  NABLA_ARG(int64_t, dilation) = 1;
  NABLA_ARG(int64_t, groups) = 1;
  NABLA_ARG(bool, bias) = true;
  NABLA_ARG(std::string, padding_mode) = "zeros";
};

struct Conv2dOptions {
  Conv2dOptions(int64_t in_channels, int64_t out_channels, Size2 kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  NABLA_ARG(int64_t, in_channels);
  NABLA_ARG(int64_t, out_channels);
  NABLA_ARG(Size2, kernel_size);
  NABLA_ARG(Size2, stride) = 1;
  NABLA_ARG(Padding2d, padding) = 0;  // sizes, "same" or "valid"
  NABLA_ARG(Size2, dilation) = 1;
  NABLA_ARG(int64_t, groups) = 1;
  NABLA_ARG(bool, bias) = true;
  NABLA_ARG(std::string, padding_mode) = "zeros";
};

struct ConvTranspose2dOptions {
  ConvTranspose2dOptions(int64_t in_channels, int64_t out_channels, Size2 kernel_size)
      : in_channels_(in_channels), out_channels_(out_channels), kernel_size_(kernel_size) {}
  NABLA_ARG(int64_t, in_channels);
  NABLA_ARG(int64_t, out_channels);
  NABLA_ARG(Size2, kernel_size);
  NABLA_ARG(Size2, stride) = 1;
  NABLA_ARG(Size2, padding) = 0;
  NABLA_ARG(Size2, output_padding) = 0;
  NABLA_ARG(int64_t, groups) = 1;
  NABLA_ARG(bool, bias) = true;
  NABLA_ARG(Size2, dilation) = 1;
  NABLA_ARG(std::string, padding_mode) = "zeros";
};

// y = conv1d(x, W, b)   x (N, C_in, L) or (C_in, L)   W (C_out, C_in/groups, k)   b (C_out)
class Conv1d : public Module {
 public:
  explicit Conv1d(const Conv1dOptions& options);
  Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size)
      : Conv1d(Conv1dOptions(in_channels, out_channels, kernel_size)) {}

  void reset_parameters();
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  Conv1dOptions options;
  Tensor& weight;  // (out_channels, in_channels/groups, kernel_size)
  Tensor& bias;    // (out_channels); undefined when options.bias() is false
};

// y = conv2d(x, W, b)   x (N, C_in, H, W) or (C_in, H, W)   W (C_out, C_in/groups, kh, kw)
class Conv2d : public Module {
 public:
  explicit Conv2d(const Conv2dOptions& options);
  Conv2d(int64_t in_channels, int64_t out_channels, Size2 kernel_size)
      : Conv2d(Conv2dOptions(in_channels, out_channels, kernel_size)) {}

  void reset_parameters();
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  Conv2dOptions options;
  Tensor& weight;  // (out_channels, in_channels/groups, kh, kw)
  Tensor& bias;    // (out_channels); undefined when options.bias() is false
};

// y = conv_transpose2d(x, W, b)   x (N, C_in, H, W)   W (C_in, C_out/groups, kh, kw)
// Output size OH = (H − 1)·stride − 2·padding + dilation·(kh − 1) + output_padding + 1.
// PyTorch's forward(input, output_size) is not offered: set output_padding.
class ConvTranspose2d : public Module {
 public:
  explicit ConvTranspose2d(const ConvTranspose2dOptions& options);
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, Size2 kernel_size)
      : ConvTranspose2d(ConvTranspose2dOptions(in_channels, out_channels, kernel_size)) {}

  void reset_parameters();
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  ConvTranspose2dOptions options;
  Tensor& weight;  // (in_channels, out_channels/groups, kh, kw)
  Tensor& bias;    // (out_channels); undefined when options.bias() is false
};

}  // namespace nabla::nn
