#include "nabla/nn/activation.h"

#include "nabla/ops/activation.h"

namespace nabla::nn {

Tensor ReLU::forward(const Tensor& x) {
  return relu(x);
}

Tensor LeakyReLU::forward(const Tensor& x) {
  return leaky_relu(x, options.negative_slope());
}
std::string LeakyReLU::extra_repr() const {
  return "negative_slope=" + format_double(options.negative_slope());
}

Tensor ELU::forward(const Tensor& x) {
  return elu(x, options.alpha());
}
std::string ELU::extra_repr() const {
  return "alpha=" + format_double(options.alpha());
}

GELU::GELU(const GELUOptions& options) : options(options) {
  NABLA_CHECK(options.approximate() == "none" || options.approximate() == "tanh",
              "GELU: approximate must be \"none\" or \"tanh\", got \"", options.approximate(),
              "\"");
}
Tensor GELU::forward(const Tensor& x) {
  return gelu(x, options.approximate());
}
std::string GELU::extra_repr() const {
  return "approximate='" + options.approximate() + "'";
}

Tensor SiLU::forward(const Tensor& x) {
  return silu(x);
}

Tensor Sigmoid::forward(const Tensor& x) {
  return sigmoid(x);
}

Tensor Tanh::forward(const Tensor& x) {
  return tanh(x);
}

Tensor Softplus::forward(const Tensor& x) {
  return softplus(x, options.beta(), options.threshold());
}
std::string Softplus::extra_repr() const {
  return "beta=" + format_double(options.beta()) +
         ", threshold=" + format_double(options.threshold());
}

Tensor Softmax::forward(const Tensor& x) {
  return softmax(x, options.dim());
}
std::string Softmax::extra_repr() const {
  return detail::concat("dim=", options.dim());
}

Tensor LogSoftmax::forward(const Tensor& x) {
  return log_softmax(x, options.dim());
}
std::string LogSoftmax::extra_repr() const {
  return detail::concat("dim=", options.dim());
}

}  // namespace nabla::nn
