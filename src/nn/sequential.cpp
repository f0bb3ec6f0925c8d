#include "nabla/nn/sequential.h"

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

Tensor Sequential::forward(const Tensor& x) {
  Tensor y = x;
  for (const auto& m : modules_) y = (*m)(y);
  return y;
}

}  // namespace nabla::nn
