#include "nabla/core/storage.h"

#include "nabla/core/allocator.h"

namespace nabla {

Storage::Storage(size_t nbytes, Device device)
    : data_(allocator(device.type).allocate(nbytes, device)), nbytes_(nbytes), device_(device) {}

Storage::~Storage() {
  allocator(device_.type).deallocate(data_, nbytes_, device_);
}

}  // namespace nabla
