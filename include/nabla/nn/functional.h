// nabla::nn::functional (alias nabla::F): the functional forms of the layers,
// as torch.nn.functional. Most are the ops of nabla/ops/, re-exported here.
#pragma once

#include "nabla/core/tensor.h"
#include "nabla/ops/activation.h"
#include "nabla/ops/conv.h"
#include "nabla/ops/index.h"
#include "nabla/ops/linalg.h"
#include "nabla/ops/loss.h"
#include "nabla/ops/norm.h"
#include "nabla/ops/pool.h"
#include "nabla/ops/vision.h"

namespace nabla::nn::functional {

// Activations
using nabla::elu;
using nabla::gelu;
using nabla::leaky_relu;
using nabla::log_softmax;
using nabla::relu;
using nabla::sigmoid;
using nabla::silu;
using nabla::softmax;
using nabla::softplus;
using nabla::tanh;

// Linear and lookup
using nabla::linear;
using nabla::one_hot;
// torch.nn.functional.embedding's argument order (indices first);
// nabla::embedding takes the weight first. padding_idx = -1 means none here
// (PyTorch's None; nn::Embedding wraps negative indices before calling).
inline Tensor embedding(const Tensor& input, const Tensor& weight, int64_t padding_idx = -1) {
  return nabla::embedding(weight, input, padding_idx);
}

// Losses
using nabla::binary_cross_entropy;
using nabla::binary_cross_entropy_with_logits;
using nabla::cross_entropy;
using nabla::kl_div;
using nabla::l1_loss;
using nabla::mse_loss;
using nabla::nll_loss;
using nabla::smooth_l1_loss;

// Inverted dropout: training zeroes each element with probability p (mask
// drawn from the default generator) and scales the rest by 1/(1 − p); the
// gradient flows through the same mask and scale. Not training, or p = 0:
// returns x. p = 1 gives zeros.
Tensor dropout(const Tensor& x, double p = 0.5, bool training = true);

// Vision: padding, resampling, pixel shuffle, channel dropout (ops/vision.h)
using nabla::channel_shuffle;
using nabla::dropout2d;
using nabla::interpolate;
using nabla::pad;
using nabla::pixel_shuffle;
using nabla::pixel_unshuffle;

// Pooling (ops/pool.h)
using nabla::adaptive_avg_pool1d;
using nabla::adaptive_avg_pool2d;
using nabla::adaptive_max_pool2d;
using nabla::adaptive_max_pool2d_with_indices;
using nabla::avg_pool1d;
using nabla::avg_pool2d;
using nabla::max_pool1d;
using nabla::max_pool1d_with_indices;
using nabla::max_pool2d;
using nabla::max_pool2d_with_indices;
using nabla::max_unpool2d;

// Normalisation (ops/norm.h)
using nabla::batch_norm;
using nabla::batch_norm_relu;
using nabla::group_norm;
using nabla::instance_norm;
using nabla::layer_norm;
using nabla::local_response_norm;

// Convolution (ops/conv.h)
using nabla::conv1d;
using nabla::conv2d;
using nabla::conv_transpose2d;

}  // namespace nabla::nn::functional

namespace nabla {
namespace F = nn::functional;
}
