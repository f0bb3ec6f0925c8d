// Joining, splitting and indexing.
//   cat, stack       copy each input into its region of one output; backward
//                    hands each input its slice of dy
//   split, chunk     views (narrow): their gradients flow through SliceBackward
//   gather ↔ scatter_add, index_select ↔ index_add: each one's backward is the
//                    other of its pair
//   embedding        index_select of rows; its gradient is accumulated row by
//                    row with index_add, never as a dense one-hot product
// Index tensors are int64, masks uint8, as everywhere in nabla.
#include "nabla/ops/index.h"

#include <algorithm>
#include <utility>

#include "nabla/ops/elementwise.h"
#include "nabla/ops/factory.h"
#include "nabla/ops/reduce.h"
#include "ops/internal.h"

namespace nabla {
namespace ops {
namespace {

// t's region [start, start + length) along dim, without history: where a
// join writes its inputs.
Tensor region(const Tensor& t, int64_t dim, int64_t start, int64_t length) {
  Shape shape = t.shape();
  shape[dim] = length;
  return alias(t, shape, t.strides(), t.storage_offset() + start * t.stride(dim));
}

void check_index_dtype(const Tensor& index, const char* op, const char* arg) {
  NABLA_CHECK(index.dtype() == kInt64, op, ": expected ", arg, " of dtype int64, got ",
              index.dtype());
}

// The smallest and largest element of a non-empty int64 tensor, reduced on
// its own device (no copy of the whole tensor to the host).
std::pair<int64_t, int64_t> index_range(const Tensor& t) {
  return {min(t).item<int64_t>(), max(t).item<int64_t>()};
}

// 1-D tensors of size 0 are skipped by cat, as in PyTorch (so a list may
// start from an empty accumulator).
bool skipped_by_cat(const Tensor& t) {
  return t.dim() == 1 && t.numel() == 0;
}

// dxᵢ = dy[…, offsetᵢ : offsetᵢ + sizeᵢ, …] along dim (views of dy).
struct CatBackward final : Node {
  NABLA_NODE(CatBackward);
  int64_t dim = 0;
  std::vector<int64_t> sizes;  // each input's size along dim; -1 where cat skipped it
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    std::vector<Tensor> dx(sizes.size());
    int64_t offset = 0;
    for (size_t i = 0; i < sizes.size(); ++i) {
      if (sizes[i] < 0) {
        if (needs_input_grad(i)) dx[i] = empty_on(g[0], {0});
        continue;
      }
      if (needs_input_grad(i)) dx[i] = g[0].narrow(dim, offset, sizes[i]);
      offset += sizes[i];
    }
    return dx;
  }
};

// dx = scatter_add(zeros like x, dim, index, dy)
struct GatherBackward final : Node {
  NABLA_NODE(GatherBackward);
  SavedTensor index;
  int64_t dim = 0;
  Shape x_shape;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor zero = zeros(x_shape, TensorOptions(g[0].dtype()).device(g[0].device()));
    return {scatter_add(zero, dim, index.unpack(*this), g[0])};
  }
};

// dx = dy, dsrc = gather(dy, dim, index) (zero where src reaches beyond index)
struct ScatterAddBackward final : Node {
  NABLA_NODE(ScatterAddBackward);
  SavedTensor index;
  int64_t dim = 0;
  Shape src_shape;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor dsrc;
    if (needs_input_grad(1)) {
      Tensor idx = index.unpack(*this);
      dsrc = gather(g[0], dim, idx);
      if (idx.shape() != src_shape) {
        // Only the leading block of src, of index's shape, was scattered.
        Tensor full_grad = zeros(src_shape, TensorOptions(g[0].dtype()).device(g[0].device()));
        Tensor block = full_grad;
        for (int64_t d = 0; d < idx.dim(); ++d) block = block.narrow(d, 0, idx.size(d));
        block.copy_(dsrc);
        dsrc = full_grad;
      }
    }
    return {needs_input_grad(0) ? g[0] : Tensor(), dsrc};
  }
};

// dx = index_add(zeros like x, dim, index, dy)
struct IndexSelectBackward final : Node {
  NABLA_NODE(IndexSelectBackward);
  SavedTensor index;  // 1-D
  int64_t dim = 0;
  Shape x_shape;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor dx = zeros(x_shape, TensorOptions(g[0].dtype()).device(g[0].device()));
    backend_of(dx).index_add(dx, dim, index.unpack(*this), g[0]);
    return {dx};
  }
};

// dx = dy where mask is 0, 0 where it is 1 (summed back over broadcast dims)
struct MaskedFillBackward final : Node {
  NABLA_NODE(MaskedFillBackward);
  SavedTensor mask;
  Shape x_shape;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor zero = full({}, 0.0, TensorOptions(g[0].dtype()).device(g[0].device()));
    return {sum_to(where(mask.unpack(*this), zero, g[0]), x_shape)};
  }
};

// dW[k] = Σ_{n : idx[n] = k} dy[n]   (index_add of the rows of dy); dW[padding_idx] = 0
struct EmbeddingBackward final : Node {
  NABLA_NODE(EmbeddingBackward);
  SavedTensor indices;  // flattened (N)
  int64_t num = 0, width = 0, padding_idx = -1;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor idx = indices.unpack(*this);
    Tensor dw = zeros({num, width}, TensorOptions(g[0].dtype()).device(g[0].device()));
    backend_of(dw).index_add(dw, 0, idx, g[0].reshape({idx.numel(), width}));
    if (padding_idx >= 0) backend_of(dw).fill(region(dw, 0, padding_idx, 1), 0.0);
    return {dw};
  }
};

}  // namespace
}  // namespace ops

using namespace ops;

// ---- joining

// out = [t₀ | t₁ | …] along dim. Unlike PyTorch, the inputs must share one
// dtype (no type promotion).
Tensor cat(const std::vector<Tensor>& tensors, int64_t dim) {
  NABLA_CHECK(!tensors.empty(), "cat: expected a non-empty list of tensors");
  size_t ref = 0;
  for (size_t i = 0; i < tensors.size(); ++i) check_defined(tensors[i], "cat", "tensors");
  while (ref + 1 < tensors.size() && skipped_by_cat(tensors[ref])) ++ref;
  const Tensor& first = tensors[ref];
  NABLA_CHECK(first.dim() > 0, "cat: a zero-dimensional tensor (at position ", ref,
              ") cannot be concatenated");
  const int64_t d = wrap_dim(dim, first.dim(), "cat");
  Shape shape = first.shape();
  shape[d] = 0;
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = tensors[i];
    check_same_device(first, t, "cat");
    check_same_dtype(first, t, "cat");
    if (skipped_by_cat(t)) continue;
    NABLA_CHECK(t.dim() == first.dim(),
                "cat: tensors must have the same number of dimensions: "
                "tensor ",
                ref, " has shape ", first.shape(), " and tensor ", i, " has shape ", t.shape());
    for (int64_t k = 0; k < first.dim(); ++k)
      NABLA_CHECK(k == d || t.size(k) == first.size(k),
                  "cat: sizes of tensors must match except "
                  "in dimension ",
                  d, ": tensor ", ref, " has shape ", first.shape(), " and tensor ", i,
                  " has shape ", t.shape());
    shape[d] += t.size(d);
  }
  Tensor out = empty_on(first, shape);
  std::vector<int64_t> sizes;
  int64_t offset = 0;
  for (const Tensor& t : tensors) {
    if (skipped_by_cat(t) && &t != &first) {
      sizes.push_back(-1);
      continue;
    }
    backend_of(out).copy(region(out, d, offset, t.size(d)), t);
    sizes.push_back(t.size(d));
    offset += t.size(d);
  }
  if (auto node = record<CatBackward>(tensors, {&out})) {
    node->dim = d;
    node->sizes = std::move(sizes);
  }
  return out;
}

// cat of the inputs, each given a new dim of size 1 at dim.
Tensor stack(const std::vector<Tensor>& tensors, int64_t dim) {
  NABLA_CHECK(!tensors.empty(), "stack: expected a non-empty list of tensors");
  for (size_t i = 0; i < tensors.size(); ++i) {
    check_defined(tensors[i], "stack", "tensors");
    NABLA_CHECK(tensors[i].shape() == tensors[0].shape(),
                "stack: expects each tensor to be equal size, but got ", tensors[0].shape(),
                " at entry 0 and ", tensors[i].shape(), " at entry ", i);
  }
  const int64_t d = wrap_dim(dim, tensors[0].dim() + 1, "stack");
  std::vector<Tensor> parts;
  parts.reserve(tensors.size());
  for (const Tensor& t : tensors) parts.push_back(t.unsqueeze(d));
  return cat(parts, d);
}

// ---- splitting (views)

std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int64_t dim) {
  check_defined(x, "split", "input");
  NABLA_CHECK(x.dim() > 0, "split: expected a tensor with at least one dimension");
  const int64_t d = wrap_dim(dim, x.dim(), "split");
  int64_t total = 0;
  for (int64_t s : sizes) {
    NABLA_CHECK(s >= 0, "split: split sizes must be non-negative, got ", sizes);
    total += s;
  }
  NABLA_CHECK(total == x.size(d), "split: split sizes must sum to ", x.size(d),
              " (the size of dimension ", d, " of ", x.shape(), "), but got ", sizes);
  std::vector<Tensor> pieces;
  int64_t offset = 0;
  for (int64_t s : sizes) {
    pieces.push_back(x.narrow(d, offset, s));
    offset += s;
  }
  return pieces;
}

// Pieces of split_size along dim; the last one smaller when it does not divide.
std::vector<Tensor> split(const Tensor& x, int64_t split_size, int64_t dim) {
  check_defined(x, "split", "input");
  NABLA_CHECK(x.dim() > 0, "split: expected a tensor with at least one dimension");
  const int64_t d = wrap_dim(dim, x.dim(), "split");
  const int64_t len = x.size(d);
  NABLA_CHECK(split_size >= 0, "split: split_size must be non-negative, got ", split_size);
  NABLA_CHECK(split_size > 0 || len == 0, "split: split_size can only be 0 if dimension ", d,
              " has size 0, but ", x.shape(), " has size ", len);
  if (len == 0) return {x.narrow(d, 0, 0)};
  std::vector<int64_t> sizes;
  for (int64_t start = 0; start < len; start += split_size)
    sizes.push_back(std::min(split_size, len - start));
  return split(x, sizes, d);
}

// split with pieces of ⌈size / chunks⌉: at most `chunks` pieces.
std::vector<Tensor> chunk(const Tensor& x, int64_t chunks, int64_t dim) {
  check_defined(x, "chunk", "input");
  NABLA_CHECK(chunks > 0, "chunk: expects chunks to be greater than 0, got ", chunks);
  NABLA_CHECK(x.dim() > 0, "chunk: expected a tensor with at least one dimension");
  const int64_t d = wrap_dim(dim, x.dim(), "chunk");
  const int64_t len = x.size(d);
  if (len == 0) return split(x, std::vector<int64_t>(static_cast<size_t>(chunks), 0), d);
  return split(x, (len + chunks - 1) / chunks, d);
}

// ---- indexing

Tensor gather(const Tensor& x, int64_t dim, const Tensor& index) {
  check_defined(x, "gather", "input");
  check_defined(index, "gather", "index");
  check_index_dtype(index, "gather", "index");
  check_same_device(x, index, "gather");
  if (x.dim() == 0 && index.dim() == 0) {  // a scalar is gathered as a 1-element vector
    wrap_dim(dim, 1, "gather");
    return gather(x.reshape({1}), 0, index.reshape({1})).reshape({});
  }
  NABLA_CHECK(index.dim() == x.dim(), "gather: index ", index.shape(),
              " must have as many dimensions as the input ", x.shape());
  const int64_t d = wrap_dim(dim, x.dim(), "gather");
  for (int64_t k = 0; k < x.dim(); ++k)
    NABLA_CHECK(k == d || index.size(k) <= x.size(k), "gather: index ", index.shape(),
                " must be no larger than the input ", x.shape(), " apart from dimension ", d);
  Tensor out = empty_on(x, index.shape());
  backend_of(x).gather(out, x, d, index);
  if (auto node = record<GatherBackward>({x}, {&out})) {
    node->index = index;
    node->dim = d;
    node->x_shape = x.shape();
  }
  return out;
}

Tensor scatter_add(const Tensor& x, int64_t dim, const Tensor& index, const Tensor& src) {
  check_defined(x, "scatter_add", "input");
  check_defined(index, "scatter_add", "index");
  check_defined(src, "scatter_add", "src");
  check_index_dtype(index, "scatter_add", "index");
  check_same_device(x, index, "scatter_add");
  check_same_device(x, src, "scatter_add");
  check_same_dtype(x, src, "scatter_add");
  if (x.dim() == 0 && index.dim() == 0 && src.dim() == 0) {  // scalars as 1-element vectors
    wrap_dim(dim, 1, "scatter_add");
    return scatter_add(x.reshape({1}), 0, index.reshape({1}), src.reshape({1})).reshape({});
  }
  NABLA_CHECK(index.dim() == x.dim() && src.dim() == x.dim(), "scatter_add: input ", x.shape(),
              ", index ", index.shape(), " and src ", src.shape(),
              " must have the same number of dimensions");
  const int64_t d = wrap_dim(dim, x.dim(), "scatter_add");
  for (int64_t k = 0; k < x.dim(); ++k)
    NABLA_CHECK(index.size(k) <= src.size(k) && (k == d || index.size(k) <= x.size(k)),
                "scatter_add: index ", index.shape(), " must be no larger than src ", src.shape(),
                " and, apart from dimension ", d, ", than the input ", x.shape());
  Tensor out = empty_on(x, x.shape());
  backend_of(x).copy(out, x);
  backend_of(x).scatter_add(out, d, index, src);
  if (auto node = record<ScatterAddBackward>({x, src}, {&out})) {
    node->index = index;
    node->dim = d;
    node->src_shape = src.shape();
  }
  return out;
}

Tensor index_select(const Tensor& x, int64_t dim, const Tensor& index) {
  check_defined(x, "index_select", "input");
  check_defined(index, "index_select", "index");
  check_index_dtype(index, "index_select", "index");
  check_same_device(x, index, "index_select");
  NABLA_CHECK(index.dim() <= 1, "index_select: index must be 0-D or 1-D, got shape ",
              index.shape());
  if (x.dim() == 0) {  // a scalar is indexed as a 1-element vector
    wrap_dim(dim, 1, "index_select");
    NABLA_CHECK(index.numel() == 1, "index_select: indexing a scalar needs one index, got ",
                index.numel());
    return index_select(x.reshape({1}), 0, index.reshape({1})).reshape({});
  }
  const int64_t d = wrap_dim(dim, x.dim(), "index_select");
  const Tensor idx = index.dim() == 0 ? index.reshape({1}) : index;
  Shape shape = x.shape();
  shape[d] = idx.numel();
  Tensor out = empty_on(x, shape);
  backend_of(x).index_select(out, x, d, idx);
  if (auto node = record<IndexSelectBackward>({x}, {&out})) {
    node->index = idx;
    node->dim = d;
    node->x_shape = x.shape();
  }
  return out;
}

Tensor masked_fill(const Tensor& x, const Tensor& mask, double value) {
  check_defined(x, "masked_fill", "input");
  check_defined(mask, "masked_fill", "mask");
  NABLA_CHECK(mask.dtype() == kUInt8, "masked_fill: expected a uint8 (bool) mask, got ",
              mask.dtype());
  check_same_device(x, mask, "masked_fill");
  const Shape s = broadcast_shapes(x.shape(), mask.shape(), "masked_fill");
  Tensor out = empty_on(x, s);
  Tensor fill = full({}, value, TensorOptions(x.dtype()).device(x.device()));
  backend_of(x).where(out, broadcast_view(mask, s), broadcast_view(fill, s), broadcast_view(x, s));
  if (auto node = record<MaskedFillBackward>({x}, {&out})) {
    node->mask = mask;
    node->x_shape = x.shape();
  }
  return out;
}

Tensor one_hot(const Tensor& labels, int64_t num_classes) {
  check_defined(labels, "one_hot", "labels");
  check_index_dtype(labels, "one_hot", "labels");
  NABLA_CHECK(num_classes >= -1,
              "one_hot: num_classes must be non-negative, or -1 to infer it, "
              "got ",
              num_classes);
  const bool empty = labels.numel() == 0;
  NABLA_CHECK(!empty || num_classes >= 0,
              "one_hot: cannot infer the number of classes from an empty tensor; pass num_classes");
  if (!empty) {
    const auto [lo, hi] = index_range(labels);
    NABLA_CHECK(lo >= 0, "one_hot: class values must be non-negative, got ", lo);
    if (num_classes == -1) num_classes = hi + 1;
    NABLA_CHECK(hi < num_classes, "one_hot: class value ", hi, " is out of range for num_classes ",
                num_classes);
  }
  Shape shape = labels.shape();
  shape.push_back(num_classes);
  Tensor out = zeros(shape, TensorOptions(kInt64).device(labels.device()));
  // out[…, labels[…]] = 1: a scatter of ones along the last dim.
  Tensor index = labels.unsqueeze(-1);
  Tensor one = full({}, 1.0, TensorOptions(kInt64).device(labels.device()));
  backend_of(out).scatter_add(out, out.dim() - 1, index,
                              alias(one, index.shape(), Shape(index.dim(), 0), 0));
  return out;
}

// Unlike PyTorch, where padding_idx=None means none and a negative value
// counts from the end, padding_idx = -1 means none here and other negative
// values are rejected.
Tensor embedding(const Tensor& weight, const Tensor& indices, int64_t padding_idx) {
  check_defined(weight, "embedding", "weight");
  check_defined(indices, "embedding", "indices");
  NABLA_CHECK(weight.dim() == 2,
              "embedding: weight must be 2-D (num_embeddings, embedding_dim), "
              "got shape ",
              weight.shape());
  check_index_dtype(indices, "embedding", "indices");
  check_same_device(weight, indices, "embedding");
  const int64_t num = weight.size(0), width = weight.size(1);
  NABLA_CHECK(padding_idx == -1 || (padding_idx >= 0 && padding_idx < num),
              "embedding: padding_idx ", padding_idx, " must be in [0, ", num, ") or -1 for none");
  const Tensor flat = indices.reshape({-1});
  if (flat.numel() > 0) {
    const auto [lo, hi] = index_range(flat);
    NABLA_CHECK(lo >= 0 && hi < num, "embedding: index ", lo < 0 ? lo : hi, " is out of range for ",
                num, " embeddings");
  }
  Tensor rows = empty_on(weight, {flat.numel(), width});
  backend_of(weight).index_select(rows, weight, 0, flat);
  Shape shape = indices.shape();
  shape.push_back(width);
  Tensor out = rows.view(shape);
  if (auto node = record<EmbeddingBackward>({weight}, {&out})) {
    node->indices = flat;
    node->num = num;
    node->width = width;
    node->padding_idx = padding_idx;
  }
  return out;
}

}  // namespace nabla
