#include "nabla/core/allocator.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <mutex>
#include <new>
#include <vector>

#include "nabla/core/error.h"

namespace nabla {
namespace {

// Caches freed CPU blocks by exact rounded size and hands them back to the
// next allocation of that size. Blocks are 64-byte aligned (one cache line,
// one AVX-512 vector). The cache is bounded so that a program whose sizes
// keep changing does not hold memory forever.
class CachingCpuAllocator final : public Allocator {
 public:
  static constexpr size_t kAlignment = 64;
  static constexpr size_t kMaxCachedBytes = size_t{2} << 30;

  ~CachingCpuAllocator() override { empty_cache(); }

  void* allocate(size_t nbytes, Device) override {
    const size_t size = round_up(nbytes);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      auto it = free_.find(size);
      if (it != free_.end() && !it->second.empty()) {
        void* p = it->second.back();
        it->second.pop_back();
        cached_bytes_ -= size;
        return p;
      }
    }
    void* p = std::aligned_alloc(kAlignment, size);
    if (!p) {
      empty_cache();
      p = std::aligned_alloc(kAlignment, size);
    }
    NABLA_CHECK(p != nullptr, "CPU allocator: out of memory allocating ", nbytes, " bytes");
    return p;
  }

  void deallocate(void* ptr, size_t nbytes, Device) override {
    if (!ptr) return;
    const size_t size = round_up(nbytes);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (cached_bytes_ + size <= kMaxCachedBytes) {
        free_[size].push_back(ptr);
        cached_bytes_ += size;
        return;
      }
    }
    std::free(ptr);
  }

  void empty_cache() override {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& [size, blocks] : free_)
      for (void* p : blocks) std::free(p);
    free_.clear();
    cached_bytes_ = 0;
  }

 private:
  static size_t round_up(size_t n) {
    n = std::max<size_t>(n, 1);
    return (n + kAlignment - 1) / kAlignment * kAlignment;
  }

  std::mutex mutex_;
  std::map<size_t, std::vector<void*>> free_;
  size_t cached_bytes_ = 0;
};

Allocator* g_allocators[2] = {nullptr, nullptr};

}  // namespace

Allocator& allocator(DeviceType type) {
  static CachingCpuAllocator cpu;
  if (type == DeviceType::CPU) return g_allocators[0] ? *g_allocators[0] : cpu;
  Allocator* a = g_allocators[static_cast<int>(type)];
  NABLA_CHECK(a != nullptr,
              "no allocator for device type CUDA: nabla was built without CUDA "
              "or no GPU is available");
  return *a;
}

void set_allocator(DeviceType type, Allocator* a) {
  g_allocators[static_cast<int>(type)] = a;
}

}  // namespace nabla
