// Work items spread over the OpenMP pool, dynamically: a thread that the
// machine delays (other processes on the core) takes fewer items instead of
// holding up the rest.
#include <omp.h>

#include <atomic>
#include <exception>
#include <mutex>

#include "backends/cpu/cpu_backend.h"

namespace nabla::backends::cpu {

int64_t CpuBackend::workers() const {
  return omp_in_parallel() ? 1 : omp_get_max_threads();
}

void CpuBackend::parallel_for(int64_t items,
                              const std::function<void(int64_t item, int64_t worker)>& fn) {
  if (items <= 1 || workers() == 1) {
    for (int64_t i = 0; i < items; ++i) fn(i, 0);
    return;
  }
  // An exception may not leave an OpenMP region: the first one is kept and
  // rethrown after it, the items not yet started are skipped.
  std::exception_ptr error;
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
#pragma omp parallel for schedule(dynamic, 1)
  for (int64_t i = 0; i < items; ++i) {
    if (failed.load(std::memory_order_relaxed)) continue;
    try {
      fn(i, omp_get_thread_num());
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
      failed = true;
    }
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace nabla::backends::cpu
