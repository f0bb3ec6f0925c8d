// DataLoader: the epoch's order, the batches built from it (by the caller or
// by worker threads), and their delivery in order.
//
// Workers share one counter: each takes the next batch number k, builds it,
// and leaves it in slot k mod capacity of a ring of capacity = prefetch · W
// batches; a worker may take k only while k < (next batch the consumer
// takes) + capacity, so the ring never holds more, and the consumer waits
// for slot k of the batch it wants next. Batches are therefore delivered in
// order, and their contents depend on (seed, epoch) only.
#include "nabla/data/loader.h"

#include <omp.h>

#include <atomic>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

namespace nabla::data {
namespace {

// Sebastiano Vigna's splitmix64 finaliser: nearby inputs give unrelated outputs.
uint64_t splitmix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// A seed from a seed and one more number. Order-sensitive (mix(s, e) ≠
// mix(e, s)), and the outer splitmix64 makes nearby values unrelated.
uint64_t mix(uint64_t seed, uint64_t value) {
  return splitmix64(splitmix64(seed) + value);
}

// The order's generator and the examples' generators hang off (seed, epoch)
// by different last numbers: the order uses ~0, an example its index.
constexpr uint64_t kOrderStream = ~uint64_t{0};

uint64_t epoch_seed(uint64_t seed, int64_t epoch) {
  return mix(seed, static_cast<uint64_t>(epoch));
}

std::vector<int64_t> epoch_order(int64_t n, bool shuffle, uint64_t seed, int64_t epoch) {
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) order[i] = i;
  if (shuffle) {
    Generator gen(mix(epoch_seed(seed, epoch), kOrderStream));
    for (int64_t i = n - 1; i > 0; --i) std::swap(order[i], order[gen.randint(0, i + 1)]);
  }
  return order;
}

// Copies one example's tensor into row `row` of the batch tensor, which is
// allocated from the first example's shape and dtype.
void collate(Tensor& batch, const Tensor& value, int64_t row, int64_t rows, const char* what) {
  // build() prefixes these messages with the batch and the example.
  NABLA_CHECK(value.defined(), "its ", what, " is an undefined tensor");
  NABLA_CHECK(value.device().is_cpu(), "its ", what, " is on ", value.device(),
              "; datasets must return CPU tensors");
  if (row == 0) {
    Shape shape = value.shape();
    shape.insert(shape.begin(), rows);
    batch = Tensor::empty(shape, value.dtype());
  }
  const Shape first(batch.shape().begin() + 1, batch.shape().end());
  NABLA_CHECK(value.shape() == first && value.dtype() == batch.dtype(), "its ", what, " is ",
              value.dtype(), " ", value.shape(), " but the batch's first example's is ",
              batch.dtype(), " ", first);
  // contiguous() is a copy only for a strided view, which datasets rarely return.
  const Tensor src = value.is_contiguous() ? value : value.contiguous();
  const size_t bytes = static_cast<size_t>(src.numel()) * src.element_size();
  std::memcpy(static_cast<char*>(batch.raw_data()) + static_cast<size_t>(row) * bytes,
              src.raw_data(), bytes);
}

}  // namespace

struct DataLoader::Iterator::State {
  std::shared_ptr<const Dataset> dataset;
  TransformPtr transform;
  DataLoaderOptions options;
  uint64_t seed = 0;  // epoch_seed(options.seed, epoch)
  std::vector<int64_t> order;
  int64_t position = 0;  // the batch operator* returns
  int64_t end = 0;       // num_batches
  Batch current;
  bool fetched = false;  // current (or error) holds batch `position`
  std::exception_ptr error;

  // Workers (num_workers > 0).
  struct Slot {
    std::optional<Batch> batch;
    std::exception_ptr error;
    bool ready = false;
  };
  std::mutex mutex;
  std::condition_variable ready_cv;  // a slot became ready (the consumer waits)
  std::condition_variable space_cv;  // the consumer took a batch, or stop (workers wait)
  std::vector<Slot> slots;
  int64_t next_build = 0;  // the next batch number a worker takes
  int64_t next_take = 0;   // the next batch number the consumer takes
  bool stop = false;
  std::atomic<bool> stopping{false};  // stop, readable without the lock mid-batch
  std::vector<std::thread> threads;

  ~State() {
    {
      std::lock_guard<std::mutex> lock(mutex);
      stop = true;
    }
    stopping = true;
    space_cv.notify_all();
    for (std::thread& t : threads) t.join();
  }

  // Batch k: examples order[k·B, min((k+1)·B, N)), each transformed with a
  // Generator seeded by (seed, epoch, example index).
  Batch build(int64_t k) const {
    const int64_t B = options.batch_size, n = static_cast<int64_t>(order.size());
    const int64_t first = k * B, rows = std::min(B, n - first);
    Batch batch;
    batch.index = k;
    for (int64_t r = 0; r < rows; ++r) {
      // An iterator being destroyed does not wait for the rest of a batch
      // of slow examples (files to decode); the batch is dropped anyway.
      if (stopping.load(std::memory_order_relaxed)) return batch;
      const int64_t index = order[first + r];
      try {
        Example ex = dataset->get(index);
        if (transform) {
          Generator gen(mix(seed, static_cast<uint64_t>(index)));
          ex.input = (*transform)(ex.input, gen);
        }
        collate(batch.inputs, ex.input, r, rows, "input");
        collate(batch.targets, ex.target, r, rows, "target");
      } catch (const std::exception& e) {
        NABLA_FAIL("DataLoader: batch ", k, ", example ", index, ": ", e.what());
      }
    }
    return batch;
  }

  void worker() {
    // Examples are small: a worker's tensor ops must not start an OpenMP
    // team of their own beside the training step's (this sets the
    // calling thread's own thread count only).
    omp_set_num_threads(1);
    const auto capacity = static_cast<int64_t>(slots.size());
    for (;;) {
      int64_t k = 0;
      {
        std::unique_lock<std::mutex> lock(mutex);
        space_cv.wait(
            lock, [&] { return stop || next_build >= end || next_build < next_take + capacity; });
        if (stop || next_build >= end) return;
        k = next_build++;
      }
      Slot slot;
      try {
        slot.batch = build(k);
      } catch (...) {
        slot.error = std::current_exception();
      }
      slot.ready = true;
      {
        std::lock_guard<std::mutex> lock(mutex);
        slots[k % capacity] = std::move(slot);
      }
      ready_cv.notify_one();
    }
  }

  void start_workers() {
    const int64_t remaining = end - position;
    const int64_t workers = std::min<int64_t>(options.num_workers, remaining);
    if (workers <= 0) return;
    slots.resize(static_cast<size_t>(options.prefetch * options.num_workers));
    next_build = next_take = position;
    threads.reserve(static_cast<size_t>(workers));
    for (int64_t w = 0; w < workers; ++w) threads.emplace_back([this] { worker(); });
  }

  // Waits for batch `position` from the workers, or builds it here.
  Batch take() {
    if (threads.empty()) return build(position);
    Slot slot;
    {
      std::unique_lock<std::mutex> lock(mutex);
      Slot& s = slots[position % static_cast<int64_t>(slots.size())];
      ready_cv.wait(lock, [&] { return s.ready; });
      slot = std::move(s);
      s = Slot{};
      next_take = position + 1;
    }
    space_cv.notify_all();
    if (slot.error) std::rethrow_exception(slot.error);
    return std::move(*slot.batch);
  }
};

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options,
                       TransformPtr transform)
    : dataset_(std::move(dataset)), options_(options), transform_(std::move(transform)) {
  NABLA_CHECK(dataset_ != nullptr, "DataLoader: the dataset is null");
  NABLA_CHECK(options_.batch_size > 0, "DataLoader: batch_size must be positive, got ",
              options_.batch_size);
  NABLA_CHECK(options_.num_workers >= 0, "DataLoader: num_workers must be non-negative, got ",
              options_.num_workers);
  NABLA_CHECK(options_.prefetch >= 1, "DataLoader: prefetch must be at least 1, got ",
              options_.prefetch);
}

DataLoader::~DataLoader() = default;

int64_t DataLoader::num_batches() const {
  const int64_t n = dataset_->size(), b = options_.batch_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

DataLoader::Iterator DataLoader::begin_at(int64_t first_batch) {
  const int64_t batches = num_batches();
  NABLA_CHECK(first_batch >= 0 && first_batch <= batches, "DataLoader: begin_at(", first_batch,
              ") is outside the epoch's ", batches, " batches");
  auto state = std::make_unique<Iterator::State>();
  state->dataset = dataset_;
  state->transform = transform_;
  state->options = options_;
  state->seed = epoch_seed(options_.seed, epoch_);
  state->order = epoch_order(dataset_->size(), options_.shuffle, options_.seed, epoch_);
  state->position = first_batch;
  state->end = batches;
  state->start_workers();
  return Iterator(std::move(state));
}

DataLoader::Iterator DataLoader::end() {
  return Iterator(nullptr);
}

DataLoader::Iterator::Iterator(std::unique_ptr<State> state) : state_(std::move(state)) {}
DataLoader::Iterator::~Iterator() = default;
DataLoader::Iterator::Iterator(Iterator&&) noexcept = default;
DataLoader::Iterator& DataLoader::Iterator::operator=(Iterator&&) noexcept = default;

const Batch& DataLoader::Iterator::operator*() const {
  NABLA_CHECK(state_ && state_->position < state_->end,
              "DataLoader: dereferencing an iterator past the epoch's last batch");
  State& s = *state_;
  if (!s.fetched) {
    // The error is kept, so reading the batch again reports it again.
    try {
      s.current = s.take();
    } catch (...) {
      s.error = std::current_exception();
    }
    s.fetched = true;
  }
  if (s.error) std::rethrow_exception(s.error);
  return s.current;
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  NABLA_CHECK(state_ && state_->position < state_->end,
              "DataLoader: incrementing an iterator past the epoch's last batch");
  State& s = *state_;
  // A batch skipped unread still leaves the workers' ring; its error, if it
  // had one, goes with it (as without workers, where it is never built).
  if (!s.fetched && !s.threads.empty()) {
    try {
      s.take();
    } catch (...) {
    }
  }
  s.current = Batch{};
  s.error = nullptr;
  s.fetched = false;
  ++s.position;
  return *this;
}

bool DataLoader::Iterator::operator==(const Iterator& other) const {
  auto at_end = [](const Iterator& it) {
    return !it.state_ || it.state_->position >= it.state_->end;
  };
  if (at_end(*this) || at_end(other)) return at_end(*this) && at_end(other);
  return state_->position == other.state_->position;
}

}  // namespace nabla::data
