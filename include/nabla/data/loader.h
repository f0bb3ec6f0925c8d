// DataLoader: batches of a Dataset, in a seeded order, prepared by worker
// threads ahead of the training step that needs them.
//
//   data::DataLoader loader(train, {.batch_size = 128, .shuffle = true, .seed = 1},
//                           data::random_crop(28, 2));
//   for (int epoch = 0; epoch < 10; ++epoch) {
//     loader.set_epoch(epoch);
//     for (const data::Batch& batch : loader) { ... batch.inputs, batch.targets ... }
//   }
//
// Reproducibility: the order of epoch e is a permutation drawn from a
// Generator seeded with (seed, e); example i's transform draws from a
// Generator seeded with (seed, e, i). So the batches of an epoch depend on
// seed and epoch only, not on the number of workers or on timing, and a run
// can resume in the middle of an epoch (begin_at).
//
// Workers build whole batches (a shared counter hands out batch numbers)
// and stay at most prefetch · num_workers batches ahead of the consumer;
// batches are delivered in order. An exception thrown while a batch is
// built (a corrupt example, a transform refusing an input) is rethrown by
// operator* of that batch, as an Error naming the batch and the example
// and carrying the original message. Workers run the transforms' plain
// loops and start no OpenMP team of their own, so they do not compete with
// the training step's threads.
#pragma once

#include <cstdint>
#include <memory>

#include "nabla/data/dataset.h"
#include "nabla/data/transforms.h"

namespace nabla::data {

// The examples' tensors stacked along a new first dim (a memcpy each); all
// examples of a batch must have one shape and dtype.
struct Batch {
  Tensor inputs;      // f32 (B, ...) (or the inputs' dtype, e.g. i64 tokens)
  Tensor targets;     // i64 (B) for class indices, else (B, ...) of the targets' dtype
  int64_t index = 0;  // the batch's position in its epoch
};

struct DataLoaderOptions {
  int64_t batch_size = 64;
  bool shuffle = false;
  bool drop_last = false;
  // Threads that read, transform and collate batches; 0 does it in the
  // calling thread. Workers run while the model computes.
  int num_workers = 1;
  int prefetch = 2;  // batches ready ahead, per worker
  uint64_t seed = 0;
};

class DataLoader {
 public:
  DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options,
             TransformPtr transform = nullptr);
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  void set_epoch(int64_t epoch) { epoch_ = epoch; }
  int64_t epoch() const { return epoch_; }
  int64_t num_batches() const;  // per epoch
  const Dataset& dataset() const { return *dataset_; }
  const DataLoaderOptions& options() const { return options_; }

  class Iterator;
  // The epoch's batches from `first_batch` on (resuming mid-epoch).
  Iterator begin_at(int64_t first_batch);
  Iterator begin() { return begin_at(0); }
  Iterator end();

  // Input-iterator over one epoch; stopping early (break) is fine: the
  // workers are stopped and joined when the iterator is destroyed.
  class Iterator {
   public:
    const Batch& operator*() const;
    const Batch* operator->() const { return &**this; }
    Iterator& operator++();
    bool operator==(const Iterator& other) const;
    ~Iterator();
    Iterator(Iterator&&) noexcept;
    Iterator& operator=(Iterator&&) noexcept;

   private:
    friend class DataLoader;
    struct State;
    explicit Iterator(std::unique_ptr<State> state);
    std::unique_ptr<State> state_;  // null for end()
  };

 private:
  std::shared_ptr<const Dataset> dataset_;
  DataLoaderOptions options_;
  TransformPtr transform_;
  int64_t epoch_ = 0;
};

}  // namespace nabla::data
