// Vision layers: Upsample, PixelShuffle, PixelUnshuffle, ChannelShuffle,
// Dropout2d and the 2-D padding layers, as torch.nn. Each wraps the function
// of nabla/ops/vision.h; none has parameters.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <vector>

#include "nabla/nn/dropout.h"
#include "nabla/nn/module.h"
#include "nabla/nn/options.h"

namespace nabla::nn {

// Exactly one of size and scale_factor is set (an empty vector is Python's
// None); one value applies to every spatial dim.
struct UpsampleOptions {
  NABLA_ARG(std::vector<int64_t>, size);
  NABLA_ARG(std::vector<double>, scale_factor);
  NABLA_ARG(std::string, mode) = "nearest";  // nearest, linear, bilinear
  NABLA_ARG(std::optional<bool>, align_corners);
};

// F::interpolate(x, size, scale_factor, mode, align_corners).
class Upsample : public Module {
 public:
  explicit Upsample(const UpsampleOptions& options) : options(options) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;  // "scale_factor=2.0, mode=nearest"
  UpsampleOptions options;
};

// (*, C·r², H, W) → (*, C, H·r, W·r)
class PixelShuffle : public Module {
 public:
  explicit PixelShuffle(int64_t upscale_factor) : upscale_factor(upscale_factor) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t upscale_factor;
};

// (*, C, H·r, W·r) → (*, C·r², H, W)
class PixelUnshuffle : public Module {
 public:
  explicit PixelUnshuffle(int64_t downscale_factor) : downscale_factor(downscale_factor) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t downscale_factor;
};

// (N, g·k, *) → channels interleaved across the g groups (ShuffleNet).
class ChannelShuffle : public Module {
 public:
  explicit ChannelShuffle(int64_t groups) : groups(groups) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  int64_t groups;
};

// Training: zeroes whole channels x[n, c] with probability p and scales the
// rest by 1/(1 − p). Eval: identity. Prints "Dropout2d(p=0.5)": like
// nn::Dropout, without PyTorch's inplace flag, which nabla does not have.
class Dropout2d : public Module {
 public:
  explicit Dropout2d(const DropoutOptions& options = {});
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  DropoutOptions options;
};

// The padding of a 2-D padding layer: (left, right, top, bottom), or one
// value for all four sides.
struct Padding2d {
  Padding2d(int64_t all) : values{all, all, all, all} {}  // NOLINT: ZeroPad2d(1)
  Padding2d(
      std::initializer_list<int64_t> left_right_top_bottom);  // NOLINT: ZeroPad2d({1, 2, 0, 0})
  std::vector<int64_t> values;
};

// Pads the last two dims with value (negative pads crop).
class ConstantPad2d : public Module {
 public:
  ConstantPad2d(const Padding2d& padding, double value) : padding(padding.values), value(value) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;  // "padding=(1, 1, 1, 1), value=3.5"
  std::vector<int64_t> padding;
  double value;
};

// Pads the last two dims with zeros.
class ZeroPad2d : public Module {
 public:
  explicit ZeroPad2d(const Padding2d& padding) : padding(padding.values) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;  // "(1, 1, 1, 1)"
  std::vector<int64_t> padding;
};

// Mirrors the last two dims of (C, H, W) or (N, C, H, W) input at their edges
// (pads must be less than the size).
class ReflectionPad2d : public Module {
 public:
  explicit ReflectionPad2d(const Padding2d& padding) : padding(padding.values) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  std::vector<int64_t> padding;
};

// Repeats the edge pixels of the last two dims of (C, H, W) or (N, C, H, W) input.
class ReplicationPad2d : public Module {
 public:
  explicit ReplicationPad2d(const Padding2d& padding) : padding(padding.values) {}
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;
  std::vector<int64_t> padding;
};

}  // namespace nabla::nn
