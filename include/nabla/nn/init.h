// Parameter initialisation, as torch.nn.init: names, arguments, defaults and
// formulas. Each fills its tensor in place under NoGradGuard (so it works on
// parameters that require grad) and returns it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "nabla/core/tensor.h"

namespace nabla::nn::init {

// The recommended gain for a nonlinearity: 1 for "linear", "conv1d",
// "conv2d", "conv3d", "conv_transpose1d/2d/3d", "sigmoid"; 5/3 for "tanh";
// √2 for "relu"; √(2 / (1 + slope²)) for "leaky_relu" (param = slope,
// default 0.01); 3/4 for "selu".
double calculate_gain(const std::string& nonlinearity, std::optional<double> param = std::nullopt);

// fan_in = size(1)·receptive field, fan_out = size(0)·receptive field, where
// the receptive field is the product of the sizes after the first two
// ((out, in, kh, kw) conv weights). Needs at least 2 dims.
std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& t);

Tensor uniform_(Tensor t, double a = 0.0, double b = 1.0);
Tensor normal_(Tensor t, double mean = 0.0, double std = 1.0);
Tensor constant_(Tensor t, double value);
Tensor zeros_(Tensor t);
Tensor ones_(Tensor t);

// U(−a, a) with a = gain·√(6 / (fan_in + fan_out)).
Tensor xavier_uniform_(Tensor t, double gain = 1.0);
// N(0, std²) with std = gain·√(2 / (fan_in + fan_out)).
Tensor xavier_normal_(Tensor t, double gain = 1.0);

// mode: "fan_in" (keeps the forward variance) or "fan_out" (the backward's).
// std = gain / √fan with gain = calculate_gain(nonlinearity, a).
// U(−bound, bound) with bound = √3·std.
Tensor kaiming_uniform_(Tensor t, double a = 0.0, const std::string& mode = "fan_in",
                        const std::string& nonlinearity = "leaky_relu");
// N(0, std²).
Tensor kaiming_normal_(Tensor t, double a = 0.0, const std::string& mode = "fan_in",
                       const std::string& nonlinearity = "leaky_relu");

}  // namespace nabla::nn::init
