#include "nabla/optim/sgd.h"

#include "backends/backend.h"
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

namespace {

// A group's hyper-parameters, looked up in its options map once per group
// rather than five times per parameter.
struct Hyper {
  const GroupOptions* group = nullptr;
  double lr = 0, momentum = 0, dampening = 0, weight_decay = 0;
  bool nesterov = false;
  void read(const GroupOptions& o) {
    if (&o == group) return;
    group = &o;
    lr = o.at("lr");
    momentum = o.at("momentum");
    dampening = o.at("dampening");
    weight_decay = o.at("weight_decay");
    nesterov = o.at("nesterov") != 0.0;
  }
};

}  // namespace

void SGD::step() {
  Hyper h;
  for_each_param([&h](Tensor& p, const Tensor& grad, ParamState& state, const GroupOptions& o) {
    h.read(o);
    const double lr = h.lr, momentum = h.momentum, dampening = h.dampening,
                 weight_decay = h.weight_decay;
    const bool nesterov = h.nesterov;
    if (momentum != 0.0) {
      auto it = state.buffers.find("momentum_buffer");
      const bool first = it == state.buffers.end();
      if (first) {
        it = state.buffers
                 .emplace("momentum_buffer",
                          Tensor::empty(p.shape(), TensorOptions(p.dtype()).device(p.device())))
                 .first;
        state.initialized = true;
      }
      const Tensor& buf = it->second;
      // One pass over p, grad and buf instead of four elementwise ops, where
      // the device has the kernel.
      if (backends::backend(p.device())
              .sgd_step(p, grad, buf, lr, momentum, dampening, weight_decay, nesterov, first)) {
        p.bump_version();
        buf.bump_version();
        return;
      }
      Tensor d_p = weight_decay != 0.0 ? add(grad, p, weight_decay) : grad;
      if (first) {
        it->second.copy_(d_p);
      } else {
        it->second.mul_(momentum).add_(d_p, 1.0 - dampening);
      }
      p.add_(nesterov ? add(d_p, buf, momentum) : buf, -lr);
      return;
    }
    p.add_(weight_decay != 0.0 ? add(grad, p, weight_decay) : grad, -lr);
  });
}

}  // namespace nabla::optim
