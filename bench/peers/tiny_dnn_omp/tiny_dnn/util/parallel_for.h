// Stands in for tiny-dnn 1.0.0a3's tiny_dnn/util/parallel_for.h in the
// benchmark's build (bench/CMakeLists.txt puts this folder ahead of
// /usr/include): the same interface, run on OpenMP's thread pool.
//
// Why: tiny-dnn's OpenMP backend runs `#pragma omp parallel for` over i and
// calls f(blocked_range(i, i + 1)), and for_i's body opens a second
// `#pragma omp parallel for` inside, so for_i opens one (nested) parallel
// region per element: per weight in every optimizer update, per element of
// every linear_layer. On this project's 2-core machine that is ~3.5 µs a
// region: a 784-32-10 MLP took 90 ms a step at batch 1 (0.04 ms with
// CNN_SINGLE_THREAD). Even without the inner pragma, handing the kernels
// one element at a time made the 784-256-128-10 MLP train at a third of
// CNN_SINGLE_THREAD's speed on one thread. (Upstream: tiny-dnn issue #714,
// pull request #722, not merged.)
//
// Here parallel_for splits [begin, end) into one contiguous block per
// thread, as tiny-dnn's own std::thread backend does (which starts
// hardware_concurrency() new threads at every call instead), and for_i's
// body is a plain loop. tiny-dnn's kernels take any partition into blocked
// ranges (TBB's and the std::thread backend's are contiguous blocks too).
// A range of one element runs inline; a call inside a parallel region gets
// a team of one (OpenMP's default of one active level).
// The thread count is OpenMP's: omp_set_num_threads(--threads).
#pragma once
#include <omp.h>

#include <algorithm>
#include <cstddef>
#include <type_traits>

#include "tiny_dnn/config.h"
#include "tiny_dnn/util/aligned_allocator.h"
#include "tiny_dnn/util/nn_error.h"

namespace tiny_dnn {

struct blocked_range {
  typedef int const_iterator;

  blocked_range(int begin, int end) : begin_(begin), end_(end) {}
  blocked_range(size_t begin, size_t end)
      : begin_(static_cast<int>(begin)), end_(static_cast<int>(end)) {}

  const_iterator begin() const { return begin_; }
  const_iterator end() const { return end_; }

 private:
  int begin_;
  int end_;
};

template <typename Func>
void xparallel_for(size_t begin, size_t end, const Func& f) {
  f(blocked_range(begin, end));
}

// Thread t of T gets [begin + t·c, begin + (t+1)·c) ∩ [begin, end), c = ⌈n / T⌉.
template <typename Func>
void parallel_for(int begin, int end, const Func& f, int /*grainsize*/) {
  const int n = end - begin;
#pragma omp parallel if (n > 1)
  {
    const int threads = omp_get_num_threads(), t = omp_get_thread_num();
    const int chunk = (n + threads - 1) / threads;
    const int b = begin + std::min(n, t * chunk), e = begin + std::min(n, (t + 1) * chunk);
    if (b < e) f(blocked_range(b, e));
  }
}

// From here on as in tiny-dnn, less the inner pragma of for_i.
template <typename T, typename U>
bool value_representation(U const& value) {
  return static_cast<U>(static_cast<T>(value)) == value;
}

template <typename T, typename Func>
inline void for_(std::true_type, bool parallelize, int begin, T end, Func f, int grainsize = 100) {
  parallelize = parallelize && value_representation<int>(end);
  parallelize ? parallel_for(begin, static_cast<int>(end), f, grainsize)
              : xparallel_for(begin, static_cast<int>(end), f);
}

template <typename T, typename Func>
inline void for_(std::false_type, bool parallelize, int begin, T end, Func f, int grainsize = 100) {
  parallelize ? parallel_for(begin, static_cast<int>(end), f, grainsize)
              : xparallel_for(begin, end, f);
}

template <typename T, typename Func>
inline void for_(bool parallelize, int begin, T end, Func f, int grainsize = 100) {
  static_assert(std::is_integral<T>::value, "end must be integral type");
  for_(typename std::is_unsigned<T>::type(), parallelize, begin, end, f, grainsize);
}

template <typename T, typename Func>
void for_i(bool parallelize, T size, Func f, int grainsize = 100) {
  for_(
      parallelize, 0, size,
      [&](const blocked_range& r) {
        for (int i = r.begin(); i < r.end(); i++) f(i);
      },
      grainsize);
}

template <typename T, typename Func>
void for_i(T size, Func f, int grainsize = 100) {
  for_i(true, size, f, grainsize);
}

}  // namespace tiny_dnn
