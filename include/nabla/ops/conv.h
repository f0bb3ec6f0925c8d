// Convolutions over NCW and NCHW tensors, as torch.nn.functional's conv1d,
// conv2d and conv_transpose2d: argument order, defaults, shapes and output
// sizes. Unbatched input ((C, L) or (C, H, W)) is accepted as in PyTorch.
//
//   conv2d: x (N, C, H, W)  w (O, C/groups, kh, kw)  b (O) or undefined
//   y (N, O, OH, OW),  OH = ⌊(H + 2·ph − dh·(kh − 1) − 1) / sh⌋ + 1
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "nabla/core/tensor.h"

namespace nabla {

// torch's padding="same" (output size = input size; stride 1 only; an odd
// total padding puts the extra row or column at the end) and "valid" (no
// padding), or explicit sizes.
enum class PaddingMode { Explicit, Same, Valid };
PaddingMode padding_mode_from(const std::string& mode);  // throws for anything but same/valid

struct Padding1d {
  Padding1d(int64_t size) : size(size) {}                                         // NOLINT
  Padding1d(const std::string& mode) : size(0), mode(padding_mode_from(mode)) {}  // NOLINT
  template <size_t N>
  Padding1d(const char (&mode)[N]) : Padding1d(std::string(mode)) {}  // NOLINT: "same"
  int64_t size;
  PaddingMode mode = PaddingMode::Explicit;
};

struct Padding2d {
  Padding2d(int64_t size) : size(size) {}                                         // NOLINT
  Padding2d(int64_t h, int64_t w) : size(h, w) {}                                 // {h, w}
  Padding2d(Size2 size) : size(size) {}                                           // NOLINT
  Padding2d(const std::string& mode) : size(0), mode(padding_mode_from(mode)) {}  // NOLINT
  template <size_t N>
  Padding2d(const char (&mode)[N]) : Padding2d(std::string(mode)) {}  // NOLINT: "same"
  Size2 size;
  PaddingMode mode = PaddingMode::Explicit;
};

// y[n, o, l] = b[o] + Σ_{c, k} w[o, c, k] · x[n, g·C/groups + c, l·stride − padding + k·dilation]
// x (N, C, L)  w (O, C/groups, k)  b (O)  → y (N, O, L_out)
Tensor conv1d(const Tensor& x, const Tensor& weight, const Tensor& bias = {}, int64_t stride = 1,
              Padding1d padding = 0, int64_t dilation = 1, int64_t groups = 1);

// y[n, o, h, w] = b[o] + Σ_{c, i, j} W[o, c, i, j] · x[n, g·C/groups + c, h·sh − ph + i·dh, w·sw −
// pw + j·dw] where g = o / (O/groups) is the group of output channel o; x is 0 outside.
Tensor conv2d(const Tensor& x, const Tensor& weight, const Tensor& bias = {}, Size2 stride = 1,
              Padding2d padding = 0, Size2 dilation = 1, int64_t groups = 1);

// The transpose (adjoint) of conv2d with respect to its input: each input
// pixel scatters W[c_in, :, :, :] times itself into the output.
//   x (N, C_in, H, W)  w (C_in, C_out/groups, kh, kw)  b (C_out) → y (N, C_out, OH, OW)
//   OH = (H − 1)·sh − 2·ph + dh·(kh − 1) + output_padding_h + 1
// output_padding (< stride or < dilation) picks among the output sizes that
// a stride-s conv2d maps to the same H.
Tensor conv_transpose2d(const Tensor& x, const Tensor& weight, const Tensor& bias = {},
                        Size2 stride = 1, Size2 padding = 0, Size2 output_padding = 0,
                        int64_t groups = 1, Size2 dilation = 1);

}  // namespace nabla
