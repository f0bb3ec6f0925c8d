#include "nabla/models/named_sequential.h"

namespace nabla::models {

Tensor NamedSequential::forward(const Tensor& x) {
  Tensor y = x;
  for (const auto& m : modules_) y = (*m)(y);
  return y;
}

}  // namespace nabla::models
