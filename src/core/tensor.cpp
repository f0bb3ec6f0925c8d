#include "nabla/core/tensor.h"

#include "nabla/autograd/grad_mode.h"
#include "nabla/autograd/node.h"

namespace nabla {

Tensor Tensor::empty(const Shape& shape, TensorOptions options) {
  for (int64_t d : shape) NABLA_CHECK(d >= 0, "empty: negative dimension in shape ", shape);
  auto impl = std::make_shared<TensorImpl>();
  impl->storage =
      std::make_shared<Storage>(nabla::numel(shape) * itemsize(options.dtype_), options.device_);
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = options.dtype_;
  Tensor t(std::move(impl));
  if (options.requires_grad_) t.requires_grad_(true);
  return t;
}

bool Tensor::is_contiguous() const {
  if (numel() == 0) return true;  // as PyTorch: no element is out of place
  int64_t expected = 1;
  for (size_t i = impl_->shape.size(); i-- > 0;) {
    if (impl_->shape[i] == 1) continue;
    if (impl_->strides[i] != expected) return false;
    expected *= impl_->shape[i];
  }
  return true;
}

Tensor& Tensor::requires_grad_(bool requires_grad) {
  NABLA_CHECK(!requires_grad || is_floating_point(),
              "requires_grad_: only floating-point tensors can require gradients, got ", dtype());
  NABLA_CHECK(is_leaf() || requires_grad,
              "requires_grad_: cannot turn off requires_grad on a non-leaf tensor; use detach()");
  impl_->requires_grad = requires_grad;
  return *this;
}

void Tensor::retain_grad() const {
  NABLA_CHECK(requires_grad(), "retain_grad: tensor does not require grad");
  if (is_leaf() || impl_->retains_grad) return;  // a leaf keeps its gradient anyway
  impl_->retains_grad = true;
  impl_->grad_fn->retained().push_back({impl_->output_nr, impl_});
}

void Tensor::backward(const Tensor& gradient, bool retain_graph) const {
  NABLA_CHECK(requires_grad(), "backward: tensor does not require grad and has no grad_fn");
  Tensor g = gradient;
  if (!g.defined()) {
    NABLA_CHECK(numel() == 1,
                "backward: gradient can be implicit only for a one-element "
                "tensor, this one has shape ",
                shape());
    g = Tensor::empty(shape(), TensorOptions(dtype()).device(device()));
    g.fill_(1.0);
  }
  NABLA_CHECK(g.shape() == shape(), "backward: gradient of shape ", g.shape(),
              " does not match tensor of shape ", shape());
  autograd::run_backward({*this}, {g}, retain_graph);
}

Tensor Tensor::detach() const {
  return alias(*this, shape(), strides(), storage_offset());
}

Tensor& Tensor::detach_() {
  impl_->grad_fn.reset();
  impl_->requires_grad = false;
  return *this;
}

void Tensor::register_post_accumulate_grad_hook(std::function<void(Tensor&)> hook) const {
  NABLA_CHECK(is_leaf() && requires_grad(),
              "register_post_accumulate_grad_hook: only leaf "
              "tensors that require grad accumulate gradients");
  impl_->post_accumulate_grad_hooks.push_back(std::move(hook));
}

Tensor alias(const Tensor& t, const Shape& shape, const Shape& strides, int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = t.storage();
  impl->shape = shape;
  impl->strides = strides;
  impl->offset = offset;
  impl->dtype = t.dtype();
  return Tensor(std::move(impl));
}

void check_defined(const Tensor& t, const char* op, const char* arg) {
  NABLA_CHECK(t.defined(), op, ": argument '", arg, "' is an undefined tensor");
}

void check_same_device(const Tensor& a, const Tensor& b, const char* op) {
  NABLA_CHECK(a.device() == b.device(), op, ": expected all tensors on one device, got ",
              a.device(), " and ", b.device());
}

void check_same_dtype(const Tensor& a, const Tensor& b, const char* op) {
  NABLA_CHECK(a.dtype() == b.dtype(), op, ": expected tensors of one dtype, got ", a.dtype(),
              " and ", b.dtype());
}

}  // namespace nabla
