// The CUDA caching allocator. cudaMalloc and cudaFree synchronise the device
// and take tens of microseconds, more than most kernels of a training step,
// so freed blocks are kept by rounded size and handed to the next request of
// that size, as the CPU allocator does for page faults. Blocks are used by
// one stream per device (runtime.h), so a block freed on the host while
// kernels that use it are still queued can be reused at once: the next
// kernel to touch it is queued behind them.
#include "nabla/core/allocator.h"

#include <array>
#include <map>
#include <mutex>
#include <vector>

#include "backends/backend.h"
#include "backends/cuda/cuda_backend.h"
#include "backends/cuda/runtime.h"
#include "nabla/core/error.h"
#include "nabla/cuda.h"

namespace nabla::backends::cuda {
namespace {

constexpr int kMaxDevices = 16;

class CudaCachingAllocator final : public Allocator {
 public:
  // Small blocks round to 512 bytes, large ones to 2 MiB: a block of a
  // large size class serves every request that rounds to it.
  static constexpr size_t kSmall = size_t{1} << 20;
  static constexpr size_t kSmallRound = 512;
  static constexpr size_t kLargeRound = size_t{2} << 20;

  void* allocate(size_t nbytes, Device device) override {
    const int index = device.index;
    require_device(index);
    const size_t size = round_up(nbytes);
    Pool& pool = pools_[static_cast<size_t>(index)];
    {
      std::lock_guard<std::mutex> lock(pool.mutex);
      auto it = pool.free.find(size);
      if (it != pool.free.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        pool.cached -= size;
        pool.note_allocated(size);
        return p;
      }
    }
    DeviceGuard guard(index);
    void* p = nullptr;
    cudaError_t status = cudaMalloc(&p, size);
    if (status == cudaErrorMemoryAllocation) {
      cudaGetLastError();
      release_cached(index);
      status = cudaMalloc(&p, size);
    }
    if (status != cudaSuccess) {
      cudaGetLastError();
      std::lock_guard<std::mutex> lock(pool.mutex);
      NABLA_FAIL("CUDA out of memory: allocating ", nbytes, " bytes on cuda:", index, " (",
                 pool.allocated, " bytes held by tensors, ", pool.cached,
                 " cached): ", cudaGetErrorString(status));
    }
    std::lock_guard<std::mutex> lock(pool.mutex);
    pool.note_allocated(size);
    return p;
  }

  void deallocate(void* ptr, size_t nbytes, Device device) override {
    if (!ptr) return;
    const size_t size = round_up(nbytes);
    Pool& pool = pools_[static_cast<size_t>(device.index)];
    std::lock_guard<std::mutex> lock(pool.mutex);
    pool.free[size].push_back(ptr);
    pool.cached += size;
    pool.allocated -= size;
  }

  void empty_cache() override {
    for (int i = 0; i < device_count(); ++i) release_cached(i);
  }

  size_t allocated(int index) {
    Pool& pool = pools_.at(static_cast<size_t>(index));
    std::lock_guard<std::mutex> lock(pool.mutex);
    return pool.allocated;
  }
  size_t peak(int index) {
    Pool& pool = pools_.at(static_cast<size_t>(index));
    std::lock_guard<std::mutex> lock(pool.mutex);
    return pool.peak;
  }
  void reset_peak(int index) {
    Pool& pool = pools_.at(static_cast<size_t>(index));
    std::lock_guard<std::mutex> lock(pool.mutex);
    pool.peak = pool.allocated;
  }

 private:
  struct Pool {
    std::mutex mutex;
    std::map<size_t, std::vector<void*>> free;
    size_t cached = 0, allocated = 0, peak = 0;
    void note_allocated(size_t size) {
      allocated += size;
      peak = std::max(peak, allocated);
    }
  };

  static size_t round_up(size_t n) {
    n = std::max<size_t>(n, 1);
    const size_t r = n < kSmall ? kSmallRound : kLargeRound;
    return (n + r - 1) / r * r;
  }

  // The stream may still use cached blocks (a kernel queued before their
  // tensor was freed): wait for it before handing them back to the driver.
  void release_cached(int index) {
    Pool& pool = pools_[static_cast<size_t>(index)];
    std::lock_guard<std::mutex> lock(pool.mutex);
    if (pool.free.empty()) return;
    DeviceGuard guard(index);
    NABLA_CUDA_CHECK(cudaStreamSynchronize(stream(index)));
    for (auto& [size, blocks] : pool.free)
      for (void* p : blocks) cudaFree(p);
    pool.free.clear();
    pool.cached = 0;
  }

  std::array<Pool, kMaxDevices> pools_;
};

// Never destroyed: tensors that outlive main() (statics) still free into it,
// and cudaFree after the runtime has shut down would fail.
CudaCachingAllocator& caching_allocator() {
  static auto* a = new CudaCachingAllocator;
  return *a;
}

// Installs the allocator and the backend when the library is loaded. Neither
// touches the driver until first used, so a CPU-only program pays nothing.
const bool g_installed = [] {
  set_allocator(DeviceType::CUDA, &caching_allocator());
  static auto* backend = new CudaBackend;
  register_backend(DeviceType::CUDA, backend);
  return true;
}();

}  // namespace
}  // namespace nabla::backends::cuda

namespace nabla::cuda {

namespace impl = nabla::backends::cuda;

void empty_cache() {
  impl::caching_allocator().empty_cache();
}

size_t memory_allocated(int device) {
  impl::require_device(device);
  return impl::caching_allocator().allocated(device);
}

size_t max_memory_allocated(int device) {
  impl::require_device(device);
  return impl::caching_allocator().peak(device);
}

void reset_peak_memory_stats(int device) {
  impl::require_device(device);
  impl::caching_allocator().reset_peak(device);
}

}  // namespace nabla::cuda
