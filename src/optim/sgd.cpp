#include "nabla/optim/sgd.h"

#include "nabla/ops/elementwise.h"
#include "optim/internal.h"

namespace nabla::optim {

GroupOptions SGDOptions::to_map() const {
  return {{"lr", lr()},
          {"momentum", momentum()},
          {"dampening", dampening()},
          {"weight_decay", weight_decay()},
          {"nesterov", nesterov() ? 1.0 : 0.0}};
}

SGD::SGD(std::vector<Tensor> params, SGDOptions options)
    : SGD(detail::one_group(std::move(params)), options) {}

SGD::SGD(std::vector<ParamGroup> groups, SGDOptions options)
    : Optimizer("SGD", std::move(groups), options.to_map()) {
  counts_steps_ = false;  // PyTorch's SGD keeps only the momentum buffer
  check_groups();
}

void SGD::check_options(const GroupOptions& o) const {
  detail::check_nonnegative("SGD", "learning rate", o.at("lr"));
  detail::check_nonnegative("SGD", "momentum", o.at("momentum"));
  detail::check_nonnegative("SGD", "weight_decay", o.at("weight_decay"));
  NABLA_CHECK(o.at("nesterov") == 0.0 || (o.at("momentum") > 0.0 && o.at("dampening") == 0.0),
              "SGD: Nesterov momentum requires a momentum and zero dampening (momentum ",
              o.at("momentum"), ", dampening ", o.at("dampening"), ")");
}

void SGD::step() {
  for_each_param([](Tensor& p, const Tensor& grad, ParamState& state, const GroupOptions& o) {
    const double lr = o.at("lr"), momentum = o.at("momentum"), dampening = o.at("dampening"),
                 weight_decay = o.at("weight_decay");
    Tensor d_p = weight_decay != 0.0 ? add(grad, p, weight_decay) : grad;
    if (momentum != 0.0) {
      auto it = state.buffers.find("momentum_buffer");
      if (it == state.buffers.end()) {
        it = state.buffers.emplace("momentum_buffer", d_p.clone()).first;
        state.initialized = true;
      } else {
        it->second.mul_(momentum).add_(d_p, 1.0 - dampening);
      }
      const Tensor& buf = it->second;
      d_p = o.at("nesterov") != 0.0 ? add(d_p, buf, momentum) : buf;
    }
    p.add_(d_p, -lr);
  });
}

}  // namespace nabla::optim
