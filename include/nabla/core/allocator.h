// Device memory. Each device type has one allocator; the CPU one caches
// freed blocks by size, because fresh pages cost ~10 µs each to touch on
// our machines (PERFORMANCE.md) and a training step frees and reallocates
// the same sizes every iteration.
#pragma once

#include <cstddef>

#include "nabla/core/device.h"

namespace nabla {

class Allocator {
 public:
  virtual ~Allocator() = default;
  // device: which device of the allocator's type (CUDA's index; 0 for the CPU).
  virtual void* allocate(size_t nbytes, Device device) = 0;
  virtual void deallocate(void* ptr, size_t nbytes, Device device) = 0;
  virtual void empty_cache() {}
};

Allocator& allocator(DeviceType type);
// A backend that is built (CUDA) installs its allocator when it starts.
void set_allocator(DeviceType type, Allocator* allocator);

}  // namespace nabla
