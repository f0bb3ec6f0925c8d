#include "backends/cuda/runtime.h"

#include <array>
#include <atomic>
#include <mutex>
#include <string>

#include "nabla/core/allocator.h"
#include "nabla/core/error.h"
#include "nabla/cuda.h"

namespace nabla::backends::cuda {
namespace {

constexpr int kMaxDevices = 16;

struct Probe {
  int count = 0;
  std::string reason;  // why count is 0
};

const Probe& probe() {
  static const Probe p = [] {
    Probe r;
    const cudaError_t status = cudaGetDeviceCount(&r.count);
    if (status != cudaSuccess) {
      r.count = 0;
      r.reason = std::string("no usable CUDA device: ") + cudaGetErrorString(status);
      cudaGetLastError();  // clear it, so it does not surface at the next launch
    } else if (r.count == 0) {
      r.reason = "no CUDA device found";
    }
    return r;
  }();
  return p;
}

// A device's stream and cuBLAS handle, made on first use.
struct PerDevice {
  std::once_flag once;
  cudaStream_t stream = nullptr;
  cublasHandle_t cublas = nullptr;
};
std::array<PerDevice, kMaxDevices> g_devices;

PerDevice& per_device(int index) {
  require_device(index);
  PerDevice& d = g_devices[static_cast<size_t>(index)];
  std::call_once(d.once, [&d, index] {
    DeviceGuard guard(index);
    NABLA_CUDA_CHECK(cudaStreamCreateWithFlags(&d.stream, cudaStreamNonBlocking));
    NABLA_CUBLAS_CHECK(cublasCreate(&d.cublas));
    NABLA_CUBLAS_CHECK(cublasSetStream(d.cublas, d.stream));
  });
  return d;
}

std::atomic<bool> g_allow_tf32{false};

}  // namespace

void fail(const char* call, const char* error, const char* file, int line) {
  NABLA_FAIL("CUDA error: ", error, " (", call, " at ", file, ":", line, ")");
}

int device_count() {
  return std::min(probe().count, kMaxDevices);
}

void require_device(int index) {
  const Probe& p = probe();
  NABLA_CHECK(p.count > 0, "CUDA: ", p.reason);
  NABLA_CHECK(index >= 0 && index < device_count(), "CUDA: device index ", index,
              " is out of range: this machine has ", device_count(), " CUDA device(s)");
}

DeviceGuard::DeviceGuard(int index) {
  NABLA_CUDA_CHECK(cudaGetDevice(&previous_));
  if (previous_ != index) NABLA_CUDA_CHECK(cudaSetDevice(index));
}

DeviceGuard::~DeviceGuard() {
  int current = previous_;
  if (cudaGetDevice(&current) == cudaSuccess && current != previous_) cudaSetDevice(previous_);
}

cudaStream_t stream(int index) {
  return per_device(index).stream;
}

cublasHandle_t cublas(int index) {
  return per_device(index).cublas;
}

bool allow_tf32() {
  return g_allow_tf32.load(std::memory_order_relaxed);
}

ErrorFlag::ErrorFlag(int device) : device_(device) {
  data_ = static_cast<long long*>(
      allocator(DeviceType::CUDA)
          .allocate(2 * sizeof(long long), Device(DeviceType::CUDA, device)));
  NABLA_CUDA_CHECK(cudaMemsetAsync(data_, 0, 2 * sizeof(long long), stream(device)));
}

ErrorFlag::~ErrorFlag() {
  allocator(DeviceType::CUDA)
      .deallocate(data_, 2 * sizeof(long long), Device(DeviceType::CUDA, device_));
}

bool ErrorFlag::raised(long long* value) {
  long long host[2] = {0, 0};
  NABLA_CUDA_CHECK(
      cudaMemcpyAsync(host, data_, sizeof host, cudaMemcpyDeviceToHost, stream(device_)));
  NABLA_CUDA_CHECK(cudaStreamSynchronize(stream(device_)));
  if (value) *value = host[1];
  return host[0] != 0;
}

}  // namespace nabla::backends::cuda

namespace nabla::cuda {

namespace impl = nabla::backends::cuda;

bool is_available() {
  return impl::device_count() > 0;
}

int device_count() {
  return impl::device_count();
}

std::string unavailable_reason() {
  return impl::probe().reason;
}

void synchronize(int device) {
  impl::require_device(device);
  impl::DeviceGuard guard(device);
  NABLA_CUDA_CHECK(cudaStreamSynchronize(impl::stream(device)));
}

void set_allow_tf32(bool allow) {
  impl::g_allow_tf32.store(allow, std::memory_order_relaxed);
}

bool allow_tf32() {
  return impl::allow_tf32();
}

}  // namespace nabla::cuda
