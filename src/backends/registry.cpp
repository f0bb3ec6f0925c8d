#include "backends/backend.h"
#include "backends/cpu/cpu_backend.h"

namespace nabla::backends {
namespace {
Backend* g_backends[2] = {nullptr, nullptr};
}

Backend& backend(Device device) {
  static cpu::CpuBackend cpu_backend;
  if (device.is_cpu()) return cpu_backend;
  Backend* b = g_backends[static_cast<int>(device.type)];
  NABLA_CHECK(b != nullptr, "device ", device,
              " is not available: nabla was built without its "
              "backend or no such device was found");
  return *b;
}

void register_backend(DeviceType type, Backend* b) {
  g_backends[static_cast<int>(type)] = b;
}

}  // namespace nabla::backends
