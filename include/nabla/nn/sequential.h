// nn::Sequential: children named "0", "1", ... in order; forward feeds each
// child's output to the next.
//   auto mlp = std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(784, 256),
//                                               std::make_shared<nn::ReLU>(),
//                                               std::make_shared<nn::Linear>(256, 10));
#pragma once

#include <initializer_list>
#include <memory>
#include <string>
#include <vector>

#include "nabla/nn/module.h"

namespace nabla::nn {

class Sequential : public Module {
 public:
  Sequential() = default;
  Sequential(std::initializer_list<std::shared_ptr<Module>> modules);
  explicit Sequential(const std::vector<std::shared_ptr<Module>>& modules);
  template <class M, class... Ms>
  explicit Sequential(std::shared_ptr<M> first, std::shared_ptr<Ms>... rest) {
    push_back(std::move(first));
    (push_back(std::move(rest)), ...);
  }

  // Appends a child named after its position.
  template <class M>
  std::shared_ptr<M> push_back(std::shared_ptr<M> module) {
    modules_.push_back(register_module(std::to_string(modules_.size()), module));
    return module;
  }

  size_t size() const { return modules_.size(); }
  bool empty() const { return modules_.empty(); }
  const std::shared_ptr<Module>& ptr(size_t index) const;
  const std::shared_ptr<Module>& operator[](size_t index) const { return ptr(index); }
  // The child at index as its concrete type: seq->at<Linear>(0)->weight.
  template <class M>
  std::shared_ptr<M> at(size_t index) const {
    auto m = std::dynamic_pointer_cast<M>(ptr(index));
    NABLA_CHECK(m != nullptr, "Sequential::at: child ", index, " is a ", ptr(index)->name(),
                ", not the type asked for");
    return m;
  }
  auto begin() const { return modules_.begin(); }
  auto end() const { return modules_.end(); }

  // An empty Sequential returns its input, as PyTorch's.
  Tensor forward(const Tensor& x) override;

 private:
  std::vector<std::shared_ptr<Module>> modules_;
};

}  // namespace nabla::nn
