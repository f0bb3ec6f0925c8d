// Pooling, as torch.nn.functional: max, average and adaptive pooling over
// the last one or two dims of (N, C, H, W) or unbatched (C, H, W) input
// ((N, C, L) or (C, L) for the 1-D forms), and max_unpool2d, which puts
// values back where max pooling found them (SegNet's decoder).
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <utility>

#include "nabla/core/tensor.h"

namespace nabla {

// Output size along one dim, as PyTorch computes it:
//   ⌊(in + 2·pad − dilation·(kernel − 1) − 1) / stride⌋ + 1   (⌈…⌉ with ceil_mode)
// where with ceil_mode the last window must start inside the input or the
// left padding, else it is dropped.
int64_t pool_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t padding,
                         int64_t dilation, bool ceil_mode);

// y[n, c, i, j] = max over the window of output (i, j): rows i·stride − padding
// + a·dilation (a < kernel), columns alike, clipped to the input. stride
// defaults to kernel_size. NaN propagates. Padding must be at most half the
// kernel.
Tensor max_pool2d(const Tensor& x, Size2 kernel_size, std::optional<Size2> stride = {},
                  Size2 padding = 0, Size2 dilation = 1, bool ceil_mode = false);
// (values, indices): indices (i64) address the flattened H·W plane of each
// (n, c), as PyTorch's return_indices=True; the first maximum wins ties.
std::pair<Tensor, Tensor> max_pool2d_with_indices(const Tensor& x, Size2 kernel_size,
                                                  std::optional<Size2> stride = {},
                                                  Size2 padding = 0, Size2 dilation = 1,
                                                  bool ceil_mode = false);

// The inverse of max pooling with indices: zeros of output_size with
// y[n, c, indices[n, c, i, j]] = x[n, c, i, j]. output_size (H, W) defaults to
// (in − 1)·stride − 2·padding + kernel and may differ from it by less than
// stride. Its gradient gathers dy at the indices.
Tensor max_unpool2d(const Tensor& x, const Tensor& indices, Size2 kernel_size,
                    std::optional<Size2> stride = {}, Size2 padding = 0,
                    std::optional<Size2> output_size = {});

// y = Σ window / divisor, where divisor is divisor_override when given, else
// the window's size counting padded positions (count_include_pad) or only
// the positions inside the input. Windows are clipped to input + padding.
Tensor avg_pool2d(const Tensor& x, Size2 kernel_size, std::optional<Size2> stride = {},
                  Size2 padding = 0, bool ceil_mode = false, bool count_include_pad = true,
                  std::optional<int64_t> divisor_override = {});

// Output (i, j) pools rows [⌊i·H/OH⌋, ⌈(i+1)·H/OH⌉) and columns alike:
// windows of unequal size when OH does not divide H. Unlike PyTorch, an
// output size of 0 is an error rather than an empty result.
Tensor adaptive_avg_pool2d(const Tensor& x, Size2 output_size);
Tensor adaptive_max_pool2d(const Tensor& x, Size2 output_size);
std::pair<Tensor, Tensor> adaptive_max_pool2d_with_indices(const Tensor& x, Size2 output_size);

// 1-D forms over the last dim of (N, C, L) or (C, L); indices address L.
Tensor max_pool1d(const Tensor& x, int64_t kernel_size, std::optional<int64_t> stride = {},
                  int64_t padding = 0, int64_t dilation = 1, bool ceil_mode = false);
std::pair<Tensor, Tensor> max_pool1d_with_indices(const Tensor& x, int64_t kernel_size,
                                                  std::optional<int64_t> stride = {},
                                                  int64_t padding = 0, int64_t dilation = 1,
                                                  bool ceil_mode = false);
Tensor avg_pool1d(const Tensor& x, int64_t kernel_size, std::optional<int64_t> stride = {},
                  int64_t padding = 0, bool ceil_mode = false, bool count_include_pad = true);
Tensor adaptive_avg_pool1d(const Tensor& x, int64_t output_size);

}  // namespace nabla
