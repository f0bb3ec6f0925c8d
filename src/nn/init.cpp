#include "nabla/nn/init.h"

#include <cmath>

#include "nabla/autograd/grad_mode.h"

namespace nabla::nn::init {

double calculate_gain(const std::string& nonlinearity, std::optional<double> param) {
  for (const char* linear : {"linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
                             "conv_transpose2d", "conv_transpose3d", "sigmoid"})
    if (nonlinearity == linear) return 1.0;
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") {
    const double slope = param.value_or(0.01);
    return std::sqrt(2.0 / (1.0 + slope * slope));
  }
  // SELU's gain keeps the variance of self-normalising networks (PyTorch's choice).
  if (nonlinearity == "selu") return 3.0 / 4.0;
  NABLA_FAIL("calculate_gain: unsupported nonlinearity '", nonlinearity, "'");
}

std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& t) {
  check_defined(t, "calculate_fan_in_and_fan_out", "tensor");
  NABLA_CHECK(t.dim() >= 2,
              "calculate_fan_in_and_fan_out: fan in and fan out can not be "
              "computed for a tensor with fewer than 2 dimensions, got shape ",
              t.shape());
  int64_t receptive_field = 1;
  for (int64_t d = 2; d < t.dim(); ++d) receptive_field *= t.size(d);
  return {t.size(1) * receptive_field, t.size(0) * receptive_field};
}

namespace {

int64_t fan_for_mode(const Tensor& t, const std::string& mode, const char* op) {
  NABLA_CHECK(mode == "fan_in" || mode == "fan_out", op, ": mode '", mode,
              "' not supported, please use one of fan_in, fan_out");
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  return mode == "fan_in" ? fan_in : fan_out;
}

void check_floating(const Tensor& t, const char* op) {
  check_defined(t, op, "tensor");
  NABLA_CHECK(t.is_floating_point(), op, ": expected a floating-point tensor, got ", t.dtype());
}

}  // namespace

Tensor uniform_(Tensor t, double a, double b) {
  check_floating(t, "uniform_");
  NABLA_CHECK(a <= b, "uniform_: expected a <= b, got a=", a, ", b=", b);
  NoGradGuard no_grad;
  t.uniform_(a, b);
  return t;
}

Tensor normal_(Tensor t, double mean, double std) {
  check_floating(t, "normal_");
  NABLA_CHECK(std >= 0.0, "normal_: expected std >= 0, got ", std);
  NoGradGuard no_grad;
  t.normal_(mean, std);
  return t;
}

Tensor constant_(Tensor t, double value) {
  check_defined(t, "constant_", "tensor");
  NoGradGuard no_grad;
  t.fill_(value);
  return t;
}

Tensor zeros_(Tensor t) {
  return constant_(std::move(t), 0.0);
}
Tensor ones_(Tensor t) {
  return constant_(std::move(t), 1.0);
}

Tensor xavier_uniform_(Tensor t, double gain) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  const double std = gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out));
  const double a = std::sqrt(3.0) * std;  // U(−a, a) has standard deviation a/√3
  return uniform_(std::move(t), -a, a);
}

Tensor xavier_normal_(Tensor t, double gain) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  const double std = gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out));
  return normal_(std::move(t), 0.0, std);
}

Tensor kaiming_uniform_(Tensor t, double a, const std::string& mode,
                        const std::string& nonlinearity) {
  check_defined(t, "kaiming_uniform_", "tensor");
  if (t.numel() == 0) return t;  // PyTorch warns and leaves an empty tensor alone
  const int64_t fan = fan_for_mode(t, mode, "kaiming_uniform_");
  const double std = calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan));
  const double bound = std::sqrt(3.0) * std;
  return uniform_(std::move(t), -bound, bound);
}

Tensor kaiming_normal_(Tensor t, double a, const std::string& mode,
                       const std::string& nonlinearity) {
  check_defined(t, "kaiming_normal_", "tensor");
  if (t.numel() == 0) return t;
  const int64_t fan = fan_for_mode(t, mode, "kaiming_normal_");
  const double std = calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan));
  return normal_(std::move(t), 0.0, std);
}

}  // namespace nabla::nn::init
