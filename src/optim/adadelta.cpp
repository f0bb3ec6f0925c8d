#include "nabla/optim/adadelta.h"

#include "nabla/ops/elementwise.h"
#include "nabla/ops/factory.h"
#include "optim/internal.h"

namespace nabla::optim {

GroupOptions AdadeltaOptions::to_map() const {
  return {{"lr", lr()}, {"rho", rho()}, {"eps", eps()}, {"weight_decay", weight_decay()}};
}

Adadelta::Adadelta(std::vector<Tensor> params, AdadeltaOptions options)
    : Adadelta(detail::one_group(std::move(params)), options) {}

Adadelta::Adadelta(std::vector<ParamGroup> groups, AdadeltaOptions options)
    : Optimizer("Adadelta", std::move(groups), options.to_map()) {
  check_groups();
}

void Adadelta::check_options(const GroupOptions& o) const {
  detail::check_nonnegative("Adadelta", "learning rate", o.at("lr"));
  detail::check_unit_interval("Adadelta", "rho", o.at("rho"), /*closed=*/true);
  detail::check_nonnegative("Adadelta", "epsilon", o.at("eps"));
  detail::check_nonnegative("Adadelta", "weight_decay", o.at("weight_decay"));
}

void Adadelta::step() {
  for_each_param([](Tensor& p, const Tensor& grad_in, ParamState& state, const GroupOptions& o) {
    const double lr = o.at("lr"), rho = o.at("rho"), eps = o.at("eps"),
                 weight_decay = o.at("weight_decay");
    state.initialized = true;
    ++state.step;
    const Tensor grad = weight_decay != 0.0 ? add(grad_in, p, weight_decay) : grad_in;
    Tensor& square_avg = detail::zeros_buffer(state.buffers, "square_avg", p);
    Tensor& acc_delta = detail::zeros_buffer(state.buffers, "acc_delta", p);
    square_avg.mul_(rho).addcmul_(grad, grad, 1.0 - rho);
    Tensor std = add(square_avg, eps);
    detail::sqrt_(std);
    Tensor delta = add(acc_delta, eps);
    detail::sqrt_(delta).div_(std).mul_(grad);
    acc_delta.mul_(rho).addcmul_(delta, delta, 1.0 - rho);
    p.add_(delta, -lr);
  });
}

}  // namespace nabla::optim
