// models::NamedSequential: children run in order, as nn::Sequential, but
// under chosen names, as PyTorch's nn.Sequential(OrderedDict(...)).
// torchvision's DenseNet names its stages this way (features.conv0,
// features.denseblock1, features.transition1, ...), and state_dict keys
// follow the names.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "nabla/nn/module.h"

namespace nabla::models {

class NamedSequential : public nn::Module {
 public:
  // Appends a child called name; returns it.
  template <class M>
  std::shared_ptr<M> add(const std::string& name, std::shared_ptr<M> module) {
    modules_.push_back(register_module(name, module));
    return module;
  }

  size_t size() const { return modules_.size(); }
  // An empty NamedSequential returns its input.
  Tensor forward(const Tensor& x) override;
  std::string name() const override { return "Sequential"; }

 private:
  std::vector<std::shared_ptr<nn::Module>> modules_;
};

}  // namespace nabla::models
