#include "nabla/nn/dropout.h"

#include "nabla/nn/functional.h"
#include "nabla/ops/elementwise.h"
#include "nabla/ops/factory.h"

namespace nabla::nn {

namespace functional {

// y = x · m / (1 − p), m ~ Bernoulli(1 − p) drawn as (u ≥ p), u ~ U[0, 1).
// Composed of existing ops, so dy/dx = m / (1 − p) comes from mul's backward.
Tensor dropout(const Tensor& x, double p, bool training) {
  NABLA_CHECK(p >= 0.0 && p <= 1.0, "dropout: probability has to be between 0 and 1, but got ", p);
  check_defined(x, "dropout", "input");
  NABLA_CHECK(x.is_floating_point(), "dropout: expected a floating-point input, got ", x.dtype());
  if (!training || p == 0.0) return x;
  if (p == 1.0) return x * 0.0;
  Tensor keep = ge(rand_like(x), p).to(x.dtype());
  return x * (keep * (1.0 / (1.0 - p)));
}

}  // namespace functional

Dropout::Dropout(const DropoutOptions& options) : options(options) {
  NABLA_CHECK(options.p() >= 0.0 && options.p() <= 1.0,
              "Dropout: probability has to be between 0 and 1, but got ", options.p());
}

Tensor Dropout::forward(const Tensor& x) {
  return functional::dropout(x, options.p(), is_training());
}

std::string Dropout::extra_repr() const {
  return "p=" + format_double(options.p());
}

}  // namespace nabla::nn
