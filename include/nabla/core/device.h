// Where a tensor's storage lives. Every tensor carries one; ops run on the
// backend of their inputs' device and refuse to mix devices.
#pragma once

#include <ostream>
#include <string>

namespace nabla {

enum class DeviceType : uint8_t { CPU, CUDA };

struct Device {
  // Device::CPU and Device::CUDA convert to a Device, so t.to(Device::CUDA) reads as in PyTorch.
  static constexpr DeviceType CPU = DeviceType::CPU;
  static constexpr DeviceType CUDA = DeviceType::CUDA;

  constexpr Device(DeviceType type = DeviceType::CPU, int index = 0) : type(type), index(index) {}

  bool is_cpu() const { return type == DeviceType::CPU; }
  bool is_cuda() const { return type == DeviceType::CUDA; }
  std::string str() const;  // "cpu", "cuda:0"

  friend constexpr bool operator==(Device a, Device b) {
    return a.type == b.type && a.index == b.index;
  }

  DeviceType type;
  int index;
};

inline constexpr Device kCPU{DeviceType::CPU, 0};
inline constexpr Device kCUDA{DeviceType::CUDA, 0};

inline std::ostream& operator<<(std::ostream& os, Device d) {
  return os << d.str();
}

}  // namespace nabla
