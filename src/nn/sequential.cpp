#include "nabla/nn/sequential.h"

#include "nabla/nn/norm.h"

namespace nabla::nn {

Sequential::Sequential(std::initializer_list<std::shared_ptr<Module>> modules) {
  for (const auto& m : modules) push_back(m);
}

Sequential::Sequential(const std::vector<std::shared_ptr<Module>>& modules) {
  for (const auto& m : modules) push_back(m);
}

const std::shared_ptr<Module>& Sequential::ptr(size_t index) const {
  NABLA_CHECK(index < modules_.size(), "Sequential: index ", index, " out of range for ",
              modules_.size(), " modules");
  return modules_[index];
}

// A BatchNorm followed by a ReLU runs as one pass (nn::batch_norm_relu).
Tensor Sequential::forward(const Tensor& x) {
  Tensor y = x;
  for (size_t i = 0; i < modules_.size(); ++i) {
    if (i + 1 < modules_.size() && fuses_with_relu(*modules_[i], *modules_[i + 1])) {
      y = batch_norm_relu(*modules_[i], *modules_[i + 1], y);
      ++i;
    } else {
      y = (*modules_[i])(y);
    }
  }
  return y;
}

}  // namespace nabla::nn
