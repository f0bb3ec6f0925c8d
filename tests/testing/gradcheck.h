// Numerical gradient check in f64 by central differences.
#pragma once

#include <nabla/nabla.h>

#include <functional>
#include <string>

namespace nabla::testing {

struct GradcheckResult {
  bool ok = true;
  std::string message;  // the first mismatch: input, element, numerical vs analytical
};

// Compares the gradient autograd computes for Σ(f(x)·w), with w a fixed
// random weighting of the output, against (F(x + εe) − F(x − εe)) / 2ε for
// every element of every leaf that requires grad. Leaves must be f64.
GradcheckResult gradcheck(const std::function<Tensor()>& f, const std::vector<Tensor>& leaves,
                          double eps = 1e-6, double atol = 1e-5, double rtol = 1e-3);

}  // namespace nabla::testing
