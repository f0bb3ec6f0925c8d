// DataLoader: order, collation, reproducibility across worker counts,
// resuming, early exit and errors from worker threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <numeric>
#include <set>
#include <vector>

#include "nabla/nabla.h"
#include "testing/errors.h"

namespace nabla::data {
namespace {

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;

// Example i: input f32 (1, 4, 4) whose pixel p is i + p/100, target i64 i.
// Counts get() calls; example `bad` throws as a corrupt record would.
class IndexDataset : public Dataset {
 public:
  explicit IndexDataset(int64_t n, int64_t bad = -1) : n_(n), bad_(bad) {}
  int64_t size() const override { return n_; }
  Example get(int64_t index) const override {
    calls.fetch_add(1);
    NABLA_CHECK(index != bad_, "corrupt record at index ", index);
    Tensor input = Tensor::empty({1, 4, 4}, kFloat32);
    float* x = input.data_ptr<float>();
    for (int p = 0; p < 16; ++p) x[p] = static_cast<float>(index) + static_cast<float>(p) / 100;
    Tensor target = Tensor::empty({}, kInt64);
    target.data_ptr<int64_t>()[0] = index;
    return {input, target};
  }
  Shape input_shape() const override { return {1, 4, 4}; }
  mutable std::atomic<int64_t> calls{0};

 private:
  int64_t n_, bad_;
};

std::shared_ptr<IndexDataset> dataset(int64_t n, int64_t bad = -1) {
  return std::make_shared<IndexDataset>(n, bad);
}

// The targets of an epoch, batch after batch.
std::vector<int64_t> epoch_targets(DataLoader& loader) {
  std::vector<int64_t> all;
  for (const Batch& b : loader)
    for (int64_t t : b.targets.to_vector_as<int64_t>()) all.push_back(t);
  return all;
}

TEST(DataLoader, EveryExampleOncePerEpochCollatedInOrder) {
  for (int workers : {0, 2}) {
    DataLoader loader(dataset(103), {.batch_size = 10, .shuffle = true, .num_workers = workers});
    EXPECT_EQ(loader.num_batches(), 11);
    int64_t expected_index = 0;
    std::vector<int64_t> seen;
    for (const Batch& b : loader) {
      EXPECT_EQ(b.index, expected_index++);
      const int64_t rows = b.index < 10 ? 10 : 3;
      ASSERT_EQ(b.inputs.shape(), (Shape{rows, 1, 4, 4}));
      ASSERT_EQ(b.targets.shape(), (Shape{rows}));
      EXPECT_EQ(b.inputs.dtype(), kFloat32);
      EXPECT_EQ(b.targets.dtype(), kInt64);
      const std::vector<int64_t> t = b.targets.to_vector_as<int64_t>();
      for (int64_t r = 0; r < rows; ++r) {
        EXPECT_FLOAT_EQ(b.inputs.at({r, 0, 0, 0}), static_cast<float>(t[r]));  // input row r
        EXPECT_FLOAT_EQ(b.inputs.at({r, 0, 3, 3}), static_cast<float>(t[r]) + 0.15f);
      }
      seen.insert(seen.end(), t.begin(), t.end());
    }
    EXPECT_EQ(expected_index, 11);
    std::vector<int64_t> sorted = seen;
    std::sort(sorted.begin(), sorted.end());
    std::vector<int64_t> all(103);
    std::iota(all.begin(), all.end(), 0);
    EXPECT_EQ(sorted, all) << workers << " workers";
    EXPECT_NE(seen, all) << "shuffled";
  }
}

TEST(DataLoader, OrderDependsOnSeedAndEpochOnly) {
  auto data = dataset(64);
  auto order = [&](uint64_t seed, int64_t epoch, bool shuffle = true) {
    DataLoader loader(data, {.batch_size = 8, .shuffle = shuffle, .num_workers = 0, .seed = seed});
    loader.set_epoch(epoch);
    return epoch_targets(loader);
  };
  EXPECT_EQ(order(1, 0), order(1, 0));
  EXPECT_EQ(order(1, 3), order(1, 3));
  EXPECT_NE(order(1, 0), order(1, 1));  // epochs differ
  EXPECT_NE(order(1, 0), order(2, 0));  // nearby seeds differ
  EXPECT_NE(order(0, 1), order(1, 0));  // (seed, epoch) is not seed + epoch
  std::vector<int64_t> identity(64);
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_EQ(order(1, 5, false), identity);
}

TEST(DataLoader, SameBatchesForAnyNumberOfWorkers) {
  auto data = dataset(50);
  auto augment = std::make_shared<Compose>(
      std::vector<TransformPtr>{random_crop(4, 1), random_horizontal_flip(), gaussian_noise(0.1)});
  auto batches = [&](int workers, int prefetch) {
    DataLoader loader(data,
                      {.batch_size = 7,
                       .shuffle = true,
                       .num_workers = workers,
                       .prefetch = prefetch,
                       .seed = 42},
                      augment);
    loader.set_epoch(2);
    std::vector<std::vector<double>> out;
    for (const Batch& b : loader) {
      out.push_back(b.inputs.to_vector());
      const std::vector<double> t = b.targets.to_vector();
      out.push_back(t);
    }
    return out;
  };
  const auto reference = batches(0, 2);
  ASSERT_EQ(reference.size(), 2u * 8);
  EXPECT_EQ(batches(1, 2), reference);
  EXPECT_EQ(batches(3, 1), reference);
  EXPECT_EQ(batches(3, 4), reference);
  EXPECT_EQ(batches(16, 2), reference);  // more workers than batches
}

TEST(DataLoader, AnExamplesAugmentationDependsOnItsIndexNotItsPosition) {
  // Shuffling and the batch size change where each example lands, not how
  // it is transformed: that depends on (seed, epoch, index) alone.
  auto data = dataset(20);
  auto per_example = [&](int64_t batch_size, bool shuffle) {
    DataLoader loader(data,
                      {.batch_size = batch_size, .shuffle = shuffle, .num_workers = 2, .seed = 3},
                      gaussian_noise(0.5));
    std::vector<std::vector<double>> by_index(20);
    for (const Batch& b : loader)
      for (int64_t r = 0; r < b.inputs.size(0); ++r)
        by_index[b.targets.to_vector_as<int64_t>()[r]] = b.inputs[r].contiguous().to_vector();
    return by_index;
  };
  const auto a = per_example(1, true), b = per_example(6, false);
  EXPECT_EQ(a, b);
  EXPECT_NE(a[0], a[1]);
}

TEST(DataLoader, BeginAtResumesMidEpoch) {
  for (int workers : {0, 2}) {
    DataLoader loader(dataset(45),
                      {.batch_size = 4, .shuffle = true, .num_workers = workers, .seed = 9},
                      random_crop(4, 2));
    loader.set_epoch(1);
    std::vector<std::vector<double>> all;
    for (const Batch& b : loader) all.push_back(b.inputs.to_vector());
    ASSERT_EQ(all.size(), 12u);
    int64_t k = 5;
    for (auto it = loader.begin_at(5); it != loader.end(); ++it, ++k) {
      EXPECT_EQ(it->index, k);
      EXPECT_EQ(it->inputs.to_vector(), all[k]) << "batch " << k << ", " << workers << " workers";
    }
    EXPECT_EQ(k, 12);
    EXPECT_TRUE(loader.begin_at(12) == loader.end());
    EXPECT_ERROR(loader.begin_at(13), "begin_at(13)", "12 batches");
  }
}

TEST(DataLoader, DropLast) {
  auto count = [](int64_t n, int64_t b, bool drop) {
    DataLoader loader(dataset(n), {.batch_size = b, .drop_last = drop, .num_workers = 1});
    int64_t batches = 0, examples = 0;
    for (const Batch& batch : loader) {
      ++batches;
      examples += batch.inputs.size(0);
      if (drop) {
        EXPECT_EQ(batch.inputs.size(0), b);
      }
    }
    EXPECT_EQ(batches, loader.num_batches());
    return std::pair{batches, examples};
  };
  EXPECT_EQ(count(103, 10, true), (std::pair<int64_t, int64_t>{10, 100}));
  EXPECT_EQ(count(103, 10, false), (std::pair<int64_t, int64_t>{11, 103}));
  EXPECT_EQ(count(100, 10, true), (std::pair<int64_t, int64_t>{10, 100}));
  EXPECT_EQ(count(7, 10, true), (std::pair<int64_t, int64_t>{0, 0}));
  EXPECT_EQ(count(7, 10, false), (std::pair<int64_t, int64_t>{1, 7}));
  EXPECT_EQ(count(0, 10, false), (std::pair<int64_t, int64_t>{0, 0}));
}

TEST(DataLoader, BreakingEarlyStopsTheWorkers) {
  auto data = dataset(100000);
  {
    DataLoader loader(data, {.batch_size = 10, .num_workers = 3, .prefetch = 2});
    int taken = 0;
    for (const Batch& b : loader) {
      (void)b;
      if (++taken == 2) break;  // the iterator's destructor joins the workers
    }
  }
  // Workers stay at most prefetch·W = 6 batches ahead of the consumer, who
  // took 2: at most 8 batches were ever read.
  EXPECT_LE(data->calls.load(), 80);
  EXPECT_GE(data->calls.load(), 20);

  // An iterator never read from, and one moved from, are destroyed cleanly.
  DataLoader loader(data, {.batch_size = 10, .num_workers = 2});
  { auto unused = loader.begin(); }
  auto a = loader.begin();
  auto b = std::move(a);
  EXPECT_EQ(b->index, 0);
  ++b;
  EXPECT_EQ(b->index, 1);
  a = std::move(b);
  EXPECT_EQ(a->index, 1);
}

TEST(DataLoader, AWorkersErrorReachesTheConsumerWithItsMessage) {
  for (int workers : {0, 1, 3}) {
    DataLoader loader(dataset(60, 37), {.batch_size = 10, .num_workers = workers});
    auto it = loader.begin();
    for (int k = 0; k < 3; ++k, ++it) EXPECT_EQ(it->index, k);  // batches before it arrive
    for (int twice = 0; twice < 2; ++twice)
      EXPECT_ERROR(*it, "DataLoader: batch 3, example 37", "corrupt record at index 37");
    ++it;  // the epoch goes on past the bad batch
    EXPECT_EQ(it->index, 4);
  }
  // In a range-for the error leaves the loop.
  DataLoader loader(dataset(60, 5), {.batch_size = 4, .shuffle = true, .num_workers = 2});
  const std::string message = testing::error_message([&] {
    for (const Batch& b : loader) (void)b;
  });
  EXPECT_THAT(message, HasSubstr("corrupt record at index 5"));
}

// Targets that are tensors, and examples that do not match.
class ShapedDataset : public Dataset {
 public:
  int64_t size() const override { return 6; }
  Example get(int64_t index) const override {
    const int64_t w = index == 4 ? 3 : 2;  // example 4 is the odd one
    Tensor input = Tensor::empty({w}, kFloat32);
    Tensor target = Tensor::empty({2, 2}, kFloat32);
    for (int64_t i = 0; i < w; ++i) input.data_ptr<float>()[i] = static_cast<float>(index);
    for (int64_t i = 0; i < 4; ++i)
      target.data_ptr<float>()[i] = static_cast<float>(index * 10 + i);
    return {input, target};
  }
  Shape input_shape() const override { return {2}; }
};

TEST(DataLoader, CollatesTensorTargetsAndNamesMismatchedExamples) {
  DataLoader loader(std::make_shared<ShapedDataset>(), {.batch_size = 3, .num_workers = 0});
  auto it = loader.begin();
  EXPECT_EQ(it->inputs.shape(), (Shape{3, 2}));
  EXPECT_EQ(it->targets.shape(), (Shape{3, 2, 2}));
  EXPECT_EQ(it->targets.dtype(), kFloat32);
  EXPECT_EQ(it->targets.at({2, 1, 0}), 22.0);
  ++it;
  EXPECT_ERROR(*it, "DataLoader: batch 1, example 4: its input is float32 [3]",
               "first example's is float32 [2]");

  // Transforms see the dataset's inputs: a 1-D input is not an image.
  DataLoader augmented(std::make_shared<ShapedDataset>(), {.batch_size = 3, .num_workers = 0},
                       random_horizontal_flip());
  EXPECT_ERROR(*augmented.begin(), "RandomHorizontalFlip", "(C, H, W)", "[2]");
}

TEST(DataLoader, RejectsBadOptions) {
  EXPECT_ERROR(DataLoader(dataset(4), {.batch_size = 0}), "batch_size must be positive");
  EXPECT_ERROR(DataLoader(dataset(4), {.num_workers = -1}), "num_workers");
  EXPECT_ERROR(DataLoader(dataset(4), {.prefetch = 0}), "prefetch");
  EXPECT_ERROR(DataLoader(nullptr, {}), "dataset is null");
  DataLoader loader(dataset(4), {.batch_size = 4});
  auto it = loader.begin();
  ++it;
  EXPECT_TRUE(it == loader.end());
  EXPECT_ERROR(*it, "past the epoch's last batch");
}

}  // namespace
}  // namespace nabla::data
