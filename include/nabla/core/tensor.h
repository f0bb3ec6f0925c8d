// Tensor: a strided view over reference-counted Storage, with the autograd
// metadata of define-by-run differentiation. Copying a Tensor copies the
// handle, not the data (as in PyTorch); views share storage.
#pragma once

#include <cstdint>
#include <functional>
#include <initializer_list>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "nabla/core/device.h"
#include "nabla/core/dtype.h"
#include "nabla/core/error.h"
#include "nabla/core/shape.h"
#include "nabla/core/storage.h"

namespace nabla {

namespace autograd {
class Node;
}
class Tensor;

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  Shape shape;
  Shape strides;       // in elements
  int64_t offset = 0;  // in elements
  DType dtype = kFloat32;

  // Autograd metadata. A leaf has no grad_fn; a non-leaf's grad_fn produced
  // it as output number output_nr.
  bool requires_grad = false;
  bool retains_grad = false;
  std::shared_ptr<TensorImpl> grad;
  std::shared_ptr<autograd::Node> grad_fn;
  uint32_t output_nr = 0;
  std::weak_ptr<autograd::Node> grad_accumulator;  // shared by all uses of a leaf
  // Called after a leaf's gradient has been accumulated in backward(): the
  // point where data-parallel training starts reducing that gradient.
  std::vector<std::function<void(Tensor&)>> post_accumulate_grad_hooks;
};

struct TensorOptions {
  TensorOptions() = default;
  TensorOptions(DType d) : dtype_(d) {}        // NOLINT: zeros({2}, kFloat64)
  TensorOptions(Device d) : device_(d) {}      // NOLINT: zeros({2}, kCUDA)
  TensorOptions(DeviceType d) : device_(d) {}  // NOLINT

  TensorOptions dtype(DType d) const {
    auto o = *this;
    o.dtype_ = d;
    return o;
  }
  TensorOptions device(Device d) const {
    auto o = *this;
    o.device_ = d;
    return o;
  }
  TensorOptions requires_grad(bool r = true) const {
    auto o = *this;
    o.requires_grad_ = r;
    return o;
  }

  DType dtype_ = kFloat32;
  Device device_ = kCPU;
  bool requires_grad_ = false;
};

class Tensor {
 public:
  Tensor() = default;
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}
  // A fresh contiguous tensor; its contents are uninitialised.
  static Tensor empty(const Shape& shape, TensorOptions options = {});

  bool defined() const { return impl_ != nullptr; }
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

  // ---- metadata
  const Shape& shape() const { return impl_->shape; }
  const Shape& sizes() const { return impl_->shape; }
  const Shape& strides() const { return impl_->strides; }
  int64_t size(int64_t dim) const { return impl_->shape[wrap_dim(dim, this->dim(), "size")]; }
  int64_t stride(int64_t dim) const { return impl_->strides[wrap_dim(dim, this->dim(), "stride")]; }
  int64_t dim() const { return static_cast<int64_t>(impl_->shape.size()); }
  int64_t numel() const { return nabla::numel(impl_->shape); }
  DType dtype() const { return impl_->dtype; }
  Device device() const { return impl_->storage->device(); }
  int64_t storage_offset() const { return impl_->offset; }
  const std::shared_ptr<Storage>& storage() const { return impl_->storage; }
  bool is_contiguous() const;
  bool is_floating_point() const { return is_floating(dtype()); }
  size_t element_size() const { return itemsize(dtype()); }

  // Pointer to the first element. The type must match dtype().
  template <class T>
  T* data_ptr() const {
    NABLA_CHECK(dtype_of<T> == dtype(), "data_ptr: tensor is ", dtype(), ", asked for ",
                dtype_of<T>);
    return static_cast<T*>(raw_data());
  }
  void* raw_data() const {
    return static_cast<char*>(impl_->storage->data()) + impl_->offset * element_size();
  }

  // ---- element access (copies to the CPU when needed)
  template <class T>
  T item() const;
  double item_double() const;
  // The element at a multi-index, as double: t.at({1, 2}).
  double at(std::initializer_list<int64_t> index) const;
  std::vector<double> to_vector() const;  // all elements in row-major order
  template <class T>
  std::vector<T> to_vector_as() const;
  std::string to_string() const;

  // ---- autograd
  bool requires_grad() const { return impl_->requires_grad; }
  Tensor& requires_grad_(bool requires_grad = true);
  bool is_leaf() const { return impl_->grad_fn == nullptr; }
  const std::shared_ptr<autograd::Node>& grad_fn() const { return impl_->grad_fn; }
  Tensor grad() const { return Tensor(impl_->grad); }
  void set_grad(const Tensor& g) const { impl_->grad = g.impl_ptr(); }
  void retain_grad() const;
  // gradient may be left undefined for a one-element tensor (it is then 1).
  void backward(const Tensor& gradient = {}, bool retain_graph = false) const;
  Tensor detach() const;  // shares storage, no history
  Tensor& detach_();
  void register_post_accumulate_grad_hook(std::function<void(Tensor&)> hook) const;
  uint32_t version() const { return impl_->storage->version(); }
  void bump_version() const { impl_->storage->bump_version(); }

  // ---- views (share storage; ops/view.cpp)
  Tensor view(const Shape& shape) const;
  Tensor reshape(const Shape& shape) const;  // a view when strides allow, else a copy
  Tensor transpose(int64_t dim0, int64_t dim1) const;
  Tensor t() const;  // 2-D transpose
  Tensor permute(const std::vector<int64_t>& dims) const;
  Tensor slice(int64_t dim, int64_t start, int64_t end, int64_t step = 1) const;
  Tensor narrow(int64_t dim, int64_t start, int64_t length) const;
  Tensor select(int64_t dim, int64_t index) const;
  Tensor operator[](int64_t index) const { return select(0, index); }
  Tensor expand(const Shape& shape) const;  // -1 keeps a size
  Tensor expand_as(const Tensor& other) const { return expand(other.shape()); }
  Tensor squeeze() const;
  Tensor squeeze(int64_t dim) const;
  Tensor unsqueeze(int64_t dim) const;
  Tensor flatten(int64_t start_dim = 0, int64_t end_dim = -1) const;
  Tensor unflatten(int64_t dim, const Shape& sizes) const;

  // ---- copies and conversions (ops/copy.cpp)
  Tensor contiguous() const;
  Tensor clone() const;
  Tensor to(DType dtype) const;
  Tensor to(Device device) const;
  Tensor to(DeviceType device) const { return to(Device(device)); }
  Tensor cpu() const { return to(kCPU); }

  // ---- in place (bump the version; not recorded by autograd on tensors that require grad)
  Tensor& zero_();
  Tensor& fill_(double value);
  Tensor& copy_(const Tensor& src);  // broadcasts src, converts dtype
  Tensor& add_(const Tensor& other, double alpha = 1.0);
  Tensor& sub_(const Tensor& other, double alpha = 1.0) { return add_(other, -alpha); }
  Tensor& mul_(const Tensor& other);
  Tensor& mul_(double value);
  Tensor& div_(const Tensor& other);
  Tensor& addcmul_(const Tensor& a, const Tensor& b, double value = 1.0);  // this += value·a·b
  Tensor& addcdiv_(const Tensor& a, const Tensor& b, double value = 1.0);  // this += value·a/b
  Tensor& clamp_(double min, double max);
  Tensor& uniform_(double from = 0.0, double to = 1.0);
  Tensor& normal_(double mean = 0.0, double std = 1.0);

 private:
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// A view of t's storage with the given geometry and no autograd history:
// the building block of view ops and of kernels that split work by slices.
Tensor alias(const Tensor& t, const Shape& shape, const Shape& strides, int64_t offset);

// Checks for ops: arguments are defined, on one device, of one dtype.
void check_defined(const Tensor& t, const char* op, const char* arg);
void check_same_device(const Tensor& a, const Tensor& b, const char* op);
void check_same_dtype(const Tensor& a, const Tensor& b, const char* op);

}  // namespace nabla
