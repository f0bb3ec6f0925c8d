#include "nabla/nn/linear.h"

#include <cmath>

#include "nabla/nn/init.h"
#include "nabla/ops/linalg.h"

namespace nabla::nn {

Linear::Linear(const LinearOptions& options)
    : options(options),
      weight(register_parameter("weight",
                                Tensor::empty({options.out_features(), options.in_features()}))),
      bias(register_parameter(
          "bias", options.bias() ? Tensor::empty({options.out_features()}) : Tensor())) {
  reset_parameters();
}

void Linear::reset_parameters() {
  // a = √5 gives gain √(1/3) and bound √3·gain/√fan_in = 1/√fan_in.
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (bias.defined()) {
    const int64_t fan_in = init::calculate_fan_in_and_fan_out(weight).first;
    const double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
    init::uniform_(bias, -bound, bound);
  }
}

Tensor Linear::forward(const Tensor& x) {
  return linear(x, weight, bias);
}

std::string Linear::extra_repr() const {
  return detail::concat("in_features=", options.in_features(),
                        ", out_features=", options.out_features(),
                        ", bias=", options.bias() ? "True" : "False");
}

Tensor Flatten::forward(const Tensor& x) {
  return x.flatten(options.start_dim(), options.end_dim());
}

std::string Flatten::extra_repr() const {
  return detail::concat("start_dim=", options.start_dim(), ", end_dim=", options.end_dim());
}

}  // namespace nabla::nn
