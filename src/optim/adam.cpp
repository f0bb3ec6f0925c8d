#include "nabla/optim/adam.h"

#include <cmath>

#include "backends/backend.h"
#include "nabla/ops/elementwise.h"
#include "nabla/ops/factory.h"
#include "optim/internal.h"

namespace nabla::optim {

GroupOptions AdamOptions::to_map() const {
  return {{"lr", lr()},   {"beta1", betas().first},         {"beta2", betas().second},
          {"eps", eps()}, {"weight_decay", weight_decay()}, {"amsgrad", amsgrad() ? 1.0 : 0.0}};
}

GroupOptions AdamWOptions::to_map() const {
  return {{"lr", lr()},   {"beta1", betas().first},         {"beta2", betas().second},
          {"eps", eps()}, {"weight_decay", weight_decay()}, {"amsgrad", amsgrad() ? 1.0 : 0.0}};
}

namespace {

void check_adam_options(const char* name, const GroupOptions& o) {
  detail::check_nonnegative(name, "learning rate", o.at("lr"));
  detail::check_nonnegative(name, "epsilon", o.at("eps"));
  detail::check_unit_interval(name, "beta parameter at index 0 (beta1)", o.at("beta1"));
  detail::check_unit_interval(name, "beta parameter at index 1 (beta2)", o.at("beta2"));
  detail::check_nonnegative(name, "weight_decay", o.at("weight_decay"));
}

// The moment updates and the parameter update shared by Adam and AdamW; grad
// already holds Adam's L2 term.
void adam_update(Tensor& p, const Tensor& grad, int64_t step,
                 std::map<std::string, Tensor>& buffers, const GroupOptions& o) {
  const double lr = o.at("lr"), beta1 = o.at("beta1"), beta2 = o.at("beta2"), eps = o.at("eps");
  Tensor& exp_avg = detail::zeros_buffer(buffers, "exp_avg", p);
  Tensor& exp_avg_sq = detail::zeros_buffer(buffers, "exp_avg_sq", p);
  const bool amsgrad = o.at("amsgrad") != 0.0;
  Tensor max_exp_avg_sq = amsgrad ? detail::zeros_buffer(buffers, "max_exp_avg_sq", p) : Tensor();
  // One pass over p and its moments, where the device has the kernel.
  if (backends::backend(p.device())
          .adam_step(p, grad, exp_avg, exp_avg_sq, max_exp_avg_sq, lr, beta1, beta2, eps, step)) {
    for (const Tensor* t : {&p, &exp_avg, &exp_avg_sq, &max_exp_avg_sq})
      if (t->defined()) t->bump_version();
    return;
  }
  exp_avg.mul_(beta1).add_(grad, 1.0 - beta1);
  exp_avg_sq.mul_(beta2).addcmul_(grad, grad, 1.0 - beta2);

  const double bias_correction1 = 1.0 - std::pow(beta1, double(step));
  const double bias_correction2 = 1.0 - std::pow(beta2, double(step));
  const double step_size = lr / bias_correction1;
  Tensor denom;
  if (amsgrad) {
    detail::maximum_(max_exp_avg_sq, exp_avg_sq);  // the largest v so far
    denom = sqrt(max_exp_avg_sq);
  } else {
    denom = sqrt(exp_avg_sq);
  }
  denom.mul_(1.0 / std::sqrt(bias_correction2));
  detail::add_scalar_(denom, eps);
  p.addcdiv_(exp_avg, denom, -step_size);
}

}  // namespace

Adam::Adam(std::vector<Tensor> params, AdamOptions options)
    : Adam(detail::one_group(std::move(params)), options) {}

Adam::Adam(std::vector<ParamGroup> groups, AdamOptions options)
    : Optimizer("Adam", std::move(groups), options.to_map()) {
  check_groups();
}

void Adam::check_options(const GroupOptions& o) const {
  check_adam_options("Adam", o);
}

void Adam::step() {
  for_each_param([](Tensor& p, const Tensor& grad_in, ParamState& state, const GroupOptions& o) {
    state.initialized = true;
    const double weight_decay = o.at("weight_decay");
    const Tensor grad = weight_decay != 0.0 ? add(grad_in, p, weight_decay) : grad_in;
    adam_update(p, grad, ++state.step, state.buffers, o);
  });
}

AdamW::AdamW(std::vector<Tensor> params, AdamWOptions options)
    : AdamW(detail::one_group(std::move(params)), options) {}

AdamW::AdamW(std::vector<ParamGroup> groups, AdamWOptions options)
    : Optimizer("AdamW", std::move(groups), options.to_map()) {
  check_groups();
}

void AdamW::check_options(const GroupOptions& o) const {
  check_adam_options("AdamW", o);
}

void AdamW::step() {
  for_each_param([](Tensor& p, const Tensor& grad, ParamState& state, const GroupOptions& o) {
    state.initialized = true;
    p.mul_(1.0 - o.at("lr") * o.at("weight_decay"));  // decoupled weight decay
    adam_update(p, grad, ++state.step, state.buffers, o);
  });
}

}  // namespace nabla::optim
