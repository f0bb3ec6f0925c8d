#include "nabla/data/dataset.h"

#include <cstring>

namespace nabla::data {

TensorDataset::TensorDataset(Tensor inputs, Tensor targets, std::vector<std::string> classes)
    : classes_(std::move(classes)) {
  NABLA_CHECK(inputs.defined() && targets.defined(),
              "TensorDataset: inputs and targets must be defined tensors");
  NABLA_CHECK(inputs.dim() >= 1, "TensorDataset: inputs must be (N, ...), got a 0-d tensor");
  NABLA_CHECK(targets.dim() == 1, "TensorDataset: targets must be 1-D (N), got shape ",
              targets.shape());
  NABLA_CHECK(inputs.size(0) == targets.size(0), "TensorDataset: inputs ", inputs.shape(),
              " and targets ", targets.shape(), " hold different numbers of examples (",
              inputs.size(0), " and ", targets.size(0), ")");
  // Examples are read by offset from worker threads, so both are kept
  // contiguous, on the CPU, without autograd history.
  inputs_ = inputs.detach().cpu().contiguous();
  targets_ = targets.detach().cpu().contiguous();
  if (!classes_.empty() && targets_.dtype() == kInt64) {
    const int64_t* t = targets_.data_ptr<int64_t>();
    const auto n_classes = static_cast<int64_t>(classes_.size());
    for (int64_t i = 0; i < targets_.numel(); ++i)
      NABLA_CHECK(t[i] >= 0 && t[i] < n_classes, "TensorDataset: target ", t[i], " of example ", i,
                  " is not a class index in [0, ", n_classes, ")");
  }
}

int64_t TensorDataset::size() const {
  return inputs_.size(0);
}

Shape TensorDataset::input_shape() const {
  return Shape(inputs_.shape().begin() + 1, inputs_.shape().end());
}

Example TensorDataset::get(int64_t index) const {
  NABLA_CHECK(index >= 0 && index < size(), "TensorDataset::get: index ", index,
              " is out of range for a dataset of ", size(), " examples");
  const Shape& full = inputs_.shape();
  const Shape shape(full.begin() + 1, full.end());
  const int64_t per_example = numel(shape);
  // The target is a 0-d view, as PyTorch's TensorDataset returns targets[i].
  Tensor target = alias(targets_, {}, {}, targets_.storage_offset() + index);
  if (inputs_.dtype() != kUInt8) {
    const Shape strides(inputs_.strides().begin() + 1, inputs_.strides().end());
    return {alias(inputs_, shape, strides, inputs_.storage_offset() + index * per_example),
            std::move(target)};
  }
  // torchvision's ToTensor: x / 255 (a division, not a multiplication by
  // 1/255, so the values match PyTorch's bit for bit).
  Tensor input = Tensor::empty(shape, kFloat32);
  const uint8_t* src = inputs_.data_ptr<uint8_t>() + index * per_example;
  float* dst = input.data_ptr<float>();
  for (int64_t i = 0; i < per_example; ++i) dst[i] = static_cast<float>(src[i]) / 255.0f;
  return {std::move(input), std::move(target)};
}

Subset::Subset(std::shared_ptr<const Dataset> base, std::vector<int64_t> indices)
    : base_(std::move(base)), indices_(std::move(indices)) {
  NABLA_CHECK(base_ != nullptr, "Subset: the base dataset is null");
  const int64_t n = base_->size();
  for (size_t i = 0; i < indices_.size(); ++i)
    NABLA_CHECK(indices_[i] >= 0 && indices_[i] < n, "Subset: index ", indices_[i], " (position ",
                i, ") is out of range for a dataset of ", n, " examples");
}

Example Subset::get(int64_t index) const {
  NABLA_CHECK(index >= 0 && index < size(), "Subset::get: index ", index,
              " is out of range for a subset of ", size(), " examples");
  return base_->get(indices_[static_cast<size_t>(index)]);
}

}  // namespace nabla::data
