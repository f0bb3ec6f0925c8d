// Datasets: indexable collections of (input, target) examples, as PyTorch's
// map-style Dataset. A DataLoader (data/loader.h) batches them.
//
// Images are kept as they are stored (u8, C×H×W) and become f32 in [0, 1]
// (torchvision's ToTensor) when an example is read, so a 60,000-image set
// costs 47 MB instead of 188 MB.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nabla/core/tensor.h"

namespace nabla::data {

// One example. input: f32, (C, H, W) for images or (F) for tabular rows.
// target: an i64 0-d tensor (a class index) or, after mixup/cutmix or for
// regression, an f32 tensor.
struct Example {
  Tensor input;
  Tensor target;
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  // The example at index in [0, size()); safe to call from several threads.
  virtual Example get(int64_t index) const = 0;
  // Class names in label order, when the set is a classification set.
  virtual std::vector<std::string> classes() const { return {}; }
  // The shape of one input, e.g. {1, 28, 28}.
  virtual Shape input_shape() const = 0;
};

// A dataset held in memory as two tensors: inputs (N, ...) and targets (N).
// u8 inputs are scaled to f32 in [0, 1] by get(); f32 inputs are returned
// as they are (views, as PyTorch's TensorDataset returns). Targets are i64
// class indices (or f32 for regression); get() returns a 0-d target.
class TensorDataset : public Dataset {
 public:
  TensorDataset(Tensor inputs, Tensor targets, std::vector<std::string> classes = {});
  int64_t size() const override;
  Example get(int64_t index) const override;
  std::vector<std::string> classes() const override { return classes_; }
  Shape input_shape() const override;
  const Tensor& inputs() const { return inputs_; }
  const Tensor& targets() const { return targets_; }

 private:
  Tensor inputs_, targets_;
  std::vector<std::string> classes_;
};

// The examples of base at the given indices, in that order (a validation
// split, a small subset for a quick run).
class Subset : public Dataset {
 public:
  Subset(std::shared_ptr<const Dataset> base, std::vector<int64_t> indices);
  int64_t size() const override { return static_cast<int64_t>(indices_.size()); }
  Example get(int64_t index) const override;
  std::vector<std::string> classes() const override { return base_->classes(); }
  Shape input_shape() const override { return base_->input_shape(); }

 private:
  std::shared_ptr<const Dataset> base_;
  std::vector<int64_t> indices_;
};

// A dataset's two halves, as the named datasets ship them.
struct Split {
  std::shared_ptr<const Dataset> train;
  std::shared_ptr<const Dataset> test;
};

}  // namespace nabla::data
