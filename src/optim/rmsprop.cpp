#include "nabla/optim/rmsprop.h"

#include "nabla/ops/elementwise.h"
#include "nabla/ops/factory.h"
#include "optim/internal.h"

namespace nabla::optim {

GroupOptions RMSpropOptions::to_map() const {
  return {{"lr", lr()},
          {"alpha", alpha()},
          {"eps", eps()},
          {"weight_decay", weight_decay()},
          {"momentum", momentum()},
          {"centered", centered() ? 1.0 : 0.0}};
}

RMSprop::RMSprop(std::vector<Tensor> params, RMSpropOptions options)
    : RMSprop(detail::one_group(std::move(params)), options) {}

RMSprop::RMSprop(std::vector<ParamGroup> groups, RMSpropOptions options)
    : Optimizer("RMSprop", std::move(groups), options.to_map()) {
  check_groups();
}

void RMSprop::check_options(const GroupOptions& o) const {
  detail::check_nonnegative("RMSprop", "learning rate", o.at("lr"));
  detail::check_nonnegative("RMSprop", "epsilon", o.at("eps"));
  detail::check_nonnegative("RMSprop", "momentum", o.at("momentum"));
  detail::check_nonnegative("RMSprop", "weight_decay", o.at("weight_decay"));
  detail::check_nonnegative("RMSprop", "alpha", o.at("alpha"));
}

void RMSprop::step() {
  for_each_param([](Tensor& p, const Tensor& grad_in, ParamState& state, const GroupOptions& o) {
    const double lr = o.at("lr"), alpha = o.at("alpha"), eps = o.at("eps"),
                 weight_decay = o.at("weight_decay"), momentum = o.at("momentum");
    const bool centered = o.at("centered") != 0.0;
    state.initialized = true;
    ++state.step;
    const Tensor grad = weight_decay != 0.0 ? add(grad_in, p, weight_decay) : grad_in;
    Tensor& square_avg = detail::zeros_buffer(state.buffers, "square_avg", p);
    square_avg.mul_(alpha).addcmul_(grad, grad, 1.0 - alpha);
    Tensor avg;
    if (centered) {
      Tensor& grad_avg = detail::zeros_buffer(state.buffers, "grad_avg", p);
      grad_avg.mul_(alpha).add_(grad, 1.0 - alpha);
      avg = square_avg.clone();
      avg.addcmul_(grad_avg, grad_avg, -1.0);  // v − ḡ²
      detail::sqrt_(avg);
    } else {
      avg = sqrt(square_avg);
    }
    detail::add_scalar_(avg, eps);
    if (momentum > 0.0) {
      Tensor& buf = detail::zeros_buffer(state.buffers, "momentum_buffer", p);
      buf.mul_(momentum).addcdiv_(grad, avg);
      p.add_(buf, -lr);
    } else {
      p.addcdiv_(grad, avg, -lr);
    }
  });
}

}  // namespace nabla::optim
