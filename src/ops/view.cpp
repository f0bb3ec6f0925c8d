// Views: new shapes and strides over the same storage. Their backward maps
// the gradient back to the input's geometry.
#include <algorithm>
#include <numeric>

#include "nabla/ops/elementwise.h"
#include "nabla/ops/factory.h"
#include "nabla/ops/reduce.h"
#include "ops/internal.h"

namespace nabla {
namespace ops {

Tensor broadcast_view(const Tensor& t, const Shape& shape) {
  if (t.shape() == shape) return t;
  const int64_t nd = static_cast<int64_t>(shape.size()), td = t.dim();
  NABLA_CHECK(td <= nd, "broadcast: cannot broadcast ", t.shape(), " to ", shape);
  Shape strides(nd, 0);
  for (int64_t i = 0; i < td; ++i) {
    const int64_t o = nd - td + i;
    NABLA_CHECK(t.shape()[i] == shape[o] || t.shape()[i] == 1, "broadcast: cannot broadcast ",
                t.shape(), " to ", shape);
    strides[o] = t.shape()[i] == shape[o] ? t.strides()[i] : 0;
  }
  return alias(t, shape, strides, t.storage_offset());
}

void check_floating(const Tensor& t, const char* op) {
  NABLA_CHECK(t.is_floating_point(), op, ": expected a floating-point tensor, got ", t.dtype());
}

void check_inplace(const Tensor& t, const char* op) {
  NABLA_CHECK(!(GradMode::is_enabled() && t.requires_grad()), op,
              ": in-place operation on a tensor that requires grad while grad mode is on "
              "(wrap it in NoGradGuard, or work on a detach()ed tensor)");
}

namespace {

// dx = dy viewed with the input's shape (view, reshape, squeeze, unsqueeze, flatten).
struct ViewBackward final : Node {
  NABLA_NODE(ViewBackward);
  Shape input_shape;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    return {g[0].reshape(input_shape)};
  }
};

// dx = dyᵀ with the inverse permutation.
struct PermuteBackward final : Node {
  NABLA_NODE(PermuteBackward);
  std::vector<int64_t> dims;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    std::vector<int64_t> inverse(dims.size());
    for (size_t i = 0; i < dims.size(); ++i) inverse[dims[i]] = static_cast<int64_t>(i);
    return {g[0].permute(inverse)};
  }
};

// dx = zeros with dy written into the sliced region.
struct SliceBackward final : Node {
  NABLA_NODE(SliceBackward);
  Shape input_shape;
  int64_t dim = 0, start = 0, end = 0, step = 1;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor dx = zeros(input_shape, TensorOptions(g[0].dtype()).device(g[0].device()));
    dx.slice(dim, start, end, step).copy_(g[0]);
    return {dx};
  }
};

// dx = Σ of dy over the broadcast dims.
struct ExpandBackward final : Node {
  NABLA_NODE(ExpandBackward);
  Shape input_shape;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    return {sum_to(g[0], input_shape)};
  }
};

Tensor make_view(const Tensor& self, const Shape& shape, const Shape& strides, int64_t offset) {
  return alias(self, shape, strides, offset);
}

Tensor record_reshape_like(const Tensor& self, Tensor out) {
  if (auto node = record<ViewBackward>({self}, {&out})) node->input_shape = self.shape();
  return out;
}

// Resolves one -1 in a requested shape and checks the element count.
Shape infer_shape(const Shape& requested, int64_t numel, const char* op, const Shape& from) {
  Shape s = requested;
  int64_t known = 1, infer = -1;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == -1) {
      NABLA_CHECK(infer < 0, op, ": only one dimension can be -1 in ", requested);
      infer = static_cast<int64_t>(i);
    } else {
      NABLA_CHECK(s[i] >= 0, op, ": invalid size ", s[i], " in ", requested);
      known *= s[i];
    }
  }
  if (infer >= 0) {
    NABLA_CHECK(known != 0 && numel % known == 0, op, ": shape ", requested,
                " is invalid for input of shape ", from);
    s[infer] = numel / known;
  }
  NABLA_CHECK(nabla::numel(s) == numel, op, ": shape ", requested,
              " is invalid for input of shape ", from, " (", numel, " elements)");
  return s;
}

// Strides for viewing a tensor of (shape, strides) as new_shape without a
// copy, or an empty vector if its memory layout does not allow it.
Shape view_strides(const Shape& shape, const Shape& strides, const Shape& new_shape) {
  Shape out(new_shape.size());
  if (nabla::numel(shape) == 0 || shape.empty()) return contiguous_strides(new_shape);
  // Walk chunks of old dims that are contiguous among themselves.
  int64_t view_d = static_cast<int64_t>(new_shape.size()) - 1;
  int64_t chunk_base_stride = strides.empty() ? 1 : strides.back();
  int64_t tensor_numel = 1, view_numel = 1;
  for (int64_t d = static_cast<int64_t>(shape.size()) - 1; d >= 0; --d) {
    tensor_numel *= shape[d];
    if (d == 0 || (shape[d - 1] != 1 && strides[d - 1] != tensor_numel * chunk_base_stride)) {
      while (view_d >= 0 && (view_numel < tensor_numel || new_shape[view_d] == 1)) {
        out[view_d] = view_numel * chunk_base_stride;
        view_numel *= new_shape[view_d];
        --view_d;
      }
      if (view_numel != tensor_numel) return {};
      if (d > 0) {
        chunk_base_stride = strides[d - 1];
        tensor_numel = 1;
        view_numel = 1;
      }
    }
  }
  if (view_d != -1) return {};
  return out;
}

}  // namespace
}  // namespace ops

using namespace ops;

Tensor Tensor::view(const Shape& shape) const {
  const Shape s = infer_shape(shape, numel(), "view", this->shape());
  Shape st = view_strides(this->shape(), strides(), s);
  NABLA_CHECK(!st.empty() || s.empty(), "view: shape ", shape,
              " is not compatible with the "
              "strides ",
              strides(), " of input ", this->shape(), "; use reshape()");
  return record_reshape_like(*this, make_view(*this, s, st, storage_offset()));
}

Tensor Tensor::reshape(const Shape& shape) const {
  const Shape s = infer_shape(shape, numel(), "reshape", this->shape());
  Shape st = view_strides(this->shape(), strides(), s);
  if (!st.empty() || s.empty())
    return record_reshape_like(*this, make_view(*this, s, st, storage_offset()));
  return contiguous().view(s);
}

Tensor Tensor::permute(const std::vector<int64_t>& dims) const {
  NABLA_CHECK(static_cast<int64_t>(dims.size()) == dim(), "permute: got ", dims.size(),
              " dims for a tensor of shape ", shape());
  std::vector<int64_t> d(dims.size());
  std::vector<bool> seen(dims.size(), false);
  Shape sh(dims.size()), st(dims.size());
  for (size_t i = 0; i < dims.size(); ++i) {
    d[i] = wrap_dim(dims[i], dim(), "permute");
    NABLA_CHECK(!seen[d[i]], "permute: dimension ", d[i], " repeated");
    seen[d[i]] = true;
    sh[i] = shape()[d[i]];
    st[i] = strides()[d[i]];
  }
  Tensor out = make_view(*this, sh, st, storage_offset());
  if (auto node = record<PermuteBackward>({*this}, {&out})) node->dims = d;
  return out;
}

Tensor Tensor::transpose(int64_t dim0, int64_t dim1) const {
  std::vector<int64_t> order(dim());
  std::iota(order.begin(), order.end(), 0);
  if (dim() == 0) return *this;
  std::swap(order[wrap_dim(dim0, dim(), "transpose")], order[wrap_dim(dim1, dim(), "transpose")]);
  return permute(order);
}

Tensor Tensor::t() const {
  NABLA_CHECK(dim() <= 2, "t: expected a tensor of at most 2 dims, got shape ", shape());
  return dim() < 2 ? *this : transpose(0, 1);
}

Tensor Tensor::slice(int64_t dim, int64_t start, int64_t end, int64_t step) const {
  const int64_t d = wrap_dim(dim, this->dim(), "slice");
  NABLA_CHECK(step > 0, "slice: step must be positive, got ", step);
  const int64_t len = shape()[d];
  if (start < 0) start += len;
  if (end < 0) end += len;
  start = std::clamp<int64_t>(start, 0, len);
  end = std::clamp<int64_t>(end, start, len);
  Shape sh = shape(), st = strides();
  sh[d] = (end - start + step - 1) / step;
  st[d] *= step;
  Tensor out = make_view(*this, sh, st, storage_offset() + start * strides()[d]);
  if (auto node = record<SliceBackward>({*this}, {&out})) {
    node->input_shape = shape();
    node->dim = d;
    node->start = start;
    node->end = end;
    node->step = step;
  }
  return out;
}

Tensor Tensor::narrow(int64_t dim, int64_t start, int64_t length) const {
  const int64_t d = wrap_dim(dim, this->dim(), "narrow");
  if (start < 0) start += shape()[d];
  NABLA_CHECK(start >= 0 && length >= 0 && start + length <= shape()[d], "narrow: start ", start,
              " and length ", length, " out of range for dimension ", d, " of shape ", shape());
  return slice(d, start, start + length);
}

Tensor Tensor::select(int64_t dim, int64_t index) const {
  const int64_t d = wrap_dim(dim, this->dim(), "select");
  NABLA_CHECK(this->dim() > 0, "select: cannot index a 0-d tensor");
  const int64_t len = shape()[d];
  NABLA_CHECK(index >= -len && index < len, "select: index ", index, " out of range for dimension ",
              d, " of size ", len);
  if (index < 0) index += len;
  return slice(d, index, index + 1).squeeze(d);
}

Tensor Tensor::expand(const Shape& shape) const {
  NABLA_CHECK(static_cast<int64_t>(shape.size()) >= dim(), "expand: target ", shape,
              " has fewer dims than the input ", this->shape());
  Shape target = shape;
  const int64_t lead = static_cast<int64_t>(shape.size()) - dim();
  for (int64_t i = 0; i < static_cast<int64_t>(shape.size()); ++i) {
    if (target[i] == -1) {
      NABLA_CHECK(i >= lead, "expand: -1 is not allowed for a new leading dimension");
      target[i] = this->shape()[i - lead];
    }
    NABLA_CHECK(i < lead || this->shape()[i - lead] == target[i] || this->shape()[i - lead] == 1,
                "expand: the size ", this->shape()[i - lead], " at dimension ", i - lead, " of ",
                this->shape(), " must be 1 to expand to ", shape);
  }
  if (target == this->shape()) return *this;
  Tensor out = broadcast_view(*this, target);
  if (auto node = record<ExpandBackward>({*this}, {&out})) node->input_shape = this->shape();
  return out;
}

Tensor Tensor::squeeze() const {
  Shape sh, st;
  for (int64_t i = 0; i < dim(); ++i)
    if (shape()[i] != 1) {
      sh.push_back(shape()[i]);
      st.push_back(strides()[i]);
    }
  if (sh.size() == shape().size()) return *this;
  return record_reshape_like(*this, make_view(*this, sh, st, storage_offset()));
}

Tensor Tensor::squeeze(int64_t dim) const {
  if (this->dim() == 0) return *this;
  const int64_t d = wrap_dim(dim, this->dim(), "squeeze");
  if (shape()[d] != 1) return *this;
  Shape sh = shape(), st = strides();
  sh.erase(sh.begin() + d);
  st.erase(st.begin() + d);
  return record_reshape_like(*this, make_view(*this, sh, st, storage_offset()));
}

Tensor Tensor::unsqueeze(int64_t dim) const {
  const int64_t d = wrap_dim(dim, this->dim() + 1, "unsqueeze");
  Shape sh = shape(), st = strides();
  const int64_t stride = d < this->dim() ? strides()[d] * shape()[d] : 1;
  sh.insert(sh.begin() + d, 1);
  st.insert(st.begin() + d, stride);
  return record_reshape_like(*this, make_view(*this, sh, st, storage_offset()));
}

Tensor Tensor::flatten(int64_t start_dim, int64_t end_dim) const {
  if (dim() == 0) return reshape({1});
  const int64_t s = wrap_dim(start_dim, dim(), "flatten"), e = wrap_dim(end_dim, dim(), "flatten");
  NABLA_CHECK(s <= e, "flatten: start_dim ", start_dim, " comes after end_dim ", end_dim);
  if (s == e) return *this;
  Shape sh(shape().begin(), shape().begin() + s);
  int64_t n = 1;
  for (int64_t i = s; i <= e; ++i) n *= shape()[i];
  sh.push_back(n);
  sh.insert(sh.end(), shape().begin() + e + 1, shape().end());
  return reshape(sh);
}

Tensor Tensor::unflatten(int64_t dim, const Shape& sizes) const {
  const int64_t d = wrap_dim(dim, this->dim(), "unflatten");
  Shape sh(shape().begin(), shape().begin() + d);
  Shape inner = infer_shape(sizes, shape()[d], "unflatten", shape());
  sh.insert(sh.end(), inner.begin(), inner.end());
  sh.insert(sh.end(), shape().begin() + d + 1, shape().end());
  return view(sh);
}

}  // namespace nabla
