// Vision ops: padding, resampling, pixel shuffle and channel-wise dropout, as
// torch.nn.functional. Layout is channels-first: (N, C, L) or (N, C, H, W).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nabla/core/tensor.h"

namespace nabla {

// Pads x by PyTorch's pad list, last dim first: {left, right} pads the last
// dim, {left, right, top, bottom} the last two, and so on.
//   "constant":  any number of dims (up to x.dim()); fills with value;
//                negative pads crop.
//   "reflect":   mirrors without repeating the edge (pads < the size);
//   "replicate": repeats the edge.
// reflect and replicate pad the last dim of 2-D/3-D input (2 values) or the
// last two dims of 3-D/4-D input (4 values), as PyTorch 1.13; PyTorch's 3-D
// (6-value) reflect/replicate and "circular" are not implemented.
Tensor pad(const Tensor& x, const std::vector<int64_t>& pad, const std::string& mode = "constant",
           double value = 0.0);

// Resizes the spatial dims of (N, C, L) or (N, C, H, W) input to size, or by
// scale_factor (output size ⌊in·scale⌋); exactly one of the two is given (an
// empty vector stands for Python's None; one value applies to every spatial dim).
// mode: "nearest" (3-D or 4-D), "linear" (3-D), "bilinear" (4-D).
//   nearest:  src = ⌊dst·step⌋
//   linear:   src = (dst + ½)·step − ½ clamped at 0, or dst·(in − 1)/(out − 1)
//             with align_corners (default false; an error with nearest)
// where step = 1/scale_factor when one is given and recompute_scale_factor
// is not true, else in/out (PyTorch's rule, so non-integer factors pick the
// same pixels as PyTorch). Modes bicubic, trilinear, area, nearest-exact and
// 5-D input are not implemented.
Tensor interpolate(const Tensor& x, const std::vector<int64_t>& size,
                   const std::vector<double>& scale_factor = {},
                   const std::string& mode = "nearest",
                   std::optional<bool> align_corners = std::nullopt,
                   std::optional<bool> recompute_scale_factor = std::nullopt);

// (*, C·r², H, W) → (*, C, H·r, W·r):  y[c, h·r + i, w·r + j] = x[c·r² + i·r + j, h, w]
Tensor pixel_shuffle(const Tensor& x, int64_t upscale_factor);
// The inverse: (*, C, H·r, W·r) → (*, C·r², H, W).
Tensor pixel_unshuffle(const Tensor& x, int64_t downscale_factor);
// (N, g·k, *) → (N, k·g, *): channel c = i·k + j moves to j·g + i.
Tensor channel_shuffle(const Tensor& x, int64_t groups);

// Channel-wise (spatial) dropout: training zeroes whole channels x[n, c] with
// probability p and scales the rest by 1/(1 − p). Input of 2 or more dims is
// read as (N, C, *), which is what PyTorch 1.13 does too (for 3-D input it
// warns and treats it as (N, C, L)); nabla does not warn.
Tensor dropout2d(const Tensor& x, double p = 0.5, bool training = true);

}  // namespace nabla
