#include "nabla/optim/adagrad.h"

#include "nabla/ops/elementwise.h"
#include "nabla/ops/factory.h"
#include "optim/internal.h"

namespace nabla::optim {

GroupOptions AdagradOptions::to_map() const {
  return {{"lr", lr()},
          {"lr_decay", lr_decay()},
          {"weight_decay", weight_decay()},
          {"initial_accumulator_value", initial_accumulator_value()},
          {"eps", eps()}};
}

Adagrad::Adagrad(std::vector<Tensor> params, AdagradOptions options)
    : Adagrad(detail::one_group(std::move(params)), options) {}

Adagrad::Adagrad(std::vector<ParamGroup> groups, AdagradOptions options)
    : Optimizer("Adagrad", std::move(groups), options.to_map()) {
  check_groups();
}

void Adagrad::check_options(const GroupOptions& o) const {
  detail::check_nonnegative("Adagrad", "learning rate", o.at("lr"));
  detail::check_nonnegative("Adagrad", "lr_decay", o.at("lr_decay"));
  detail::check_nonnegative("Adagrad", "weight_decay", o.at("weight_decay"));
  detail::check_nonnegative("Adagrad", "initial_accumulator_value",
                            o.at("initial_accumulator_value"));
  detail::check_nonnegative("Adagrad", "epsilon", o.at("eps"));
}

// PyTorch fills the accumulators in the constructor; here the first step
// that sees a parameter's gradient does it, which gives the same updates.
void Adagrad::step() {
  for_each_param([](Tensor& p, const Tensor& grad_in, ParamState& state, const GroupOptions& o) {
    const double lr = o.at("lr"), lr_decay = o.at("lr_decay"), weight_decay = o.at("weight_decay"),
                 eps = o.at("eps");
    if (!state.initialized) {
      state.buffers["sum"] = full_like(p, o.at("initial_accumulator_value"));
      state.initialized = true;
    }
    Tensor& sum = state.buffers.at("sum");
    const int64_t step = ++state.step;
    const Tensor grad = weight_decay != 0.0 ? add(grad_in, p, weight_decay) : grad_in;
    const double clr = lr / (1.0 + double(step - 1) * lr_decay);
    sum.addcmul_(grad, grad, 1.0);
    Tensor std = sqrt(sum);
    detail::add_scalar_(std, eps);
    p.addcdiv_(grad, std, -clr);
  });
}

}  // namespace nabla::optim
