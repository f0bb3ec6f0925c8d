// The CUDA runtime as the backend uses it: errors turned into nabla::Error,
// one stream and one cuBLAS handle per device, and the device a tensor is on.
// Every kernel and copy of a device is queued on its stream, in order, so
// that memory freed by one op and reused by the next needs no event: the
// caching allocator hands a block back only after the ops that used it
// were queued, and the stream runs them first.
#pragma once

#include <cublas_v2.h>
#include <cuda_runtime_api.h>

#include <cstdint>

#include "nabla/core/tensor.h"

namespace nabla::backends::cuda {

[[noreturn]] void fail(const char* call, const char* error, const char* file, int line);

#define NABLA_CUDA_CHECK(expr)                                                                     \
  do {                                                                                             \
    const cudaError_t nabla_status_ = (expr);                                                      \
    if (nabla_status_ != cudaSuccess)                                                              \
      ::nabla::backends::cuda::fail(#expr, cudaGetErrorString(nabla_status_), __FILE__, __LINE__); \
  } while (0)
#define NABLA_CUBLAS_CHECK(expr)                                                           \
  do {                                                                                     \
    const cublasStatus_t nabla_status_ = (expr);                                           \
    if (nabla_status_ != CUBLAS_STATUS_SUCCESS)                                            \
      ::nabla::backends::cuda::fail(#expr, cublasGetStatusString(nabla_status_), __FILE__, \
                                    __LINE__);                                             \
  } while (0)
// After a kernel launch: a bad configuration shows here, not at the next sync.
#define NABLA_CUDA_CHECK_LAUNCH() NABLA_CUDA_CHECK(cudaGetLastError())

// Number of devices, 0 where there is no GPU or driver (never throws).
int device_count();
// Fails unless device `index` exists, naming the reason (no driver, no GPU,
// an index past the count).
void require_device(int index);

// The device index of a CUDA tensor.
inline int device_of(const Tensor& t) {
  return t.device().index;
}

// Makes `index` the current device for the scope (kernels launch there).
class DeviceGuard {
 public:
  explicit DeviceGuard(int index);
  ~DeviceGuard();
  DeviceGuard(const DeviceGuard&) = delete;
  DeviceGuard& operator=(const DeviceGuard&) = delete;

 private:
  int previous_ = 0;
};

// The stream all of device `index`'s work runs on, and the cuBLAS handle bound to it.
cudaStream_t stream(int index);
cublasHandle_t cublas(int index);

// Whether f32 GEMMs and convolutions may use TF32 (nabla::cuda::set_allow_tf32).
bool allow_tf32();

// A flag in device memory that kernels raise on bad input (an index out of
// range) and the host reads after them: the error names what the kernel
// wrote into it. check() synchronises the stream.
class ErrorFlag {
 public:
  explicit ErrorFlag(int device);
  ~ErrorFlag();
  ErrorFlag(const ErrorFlag&) = delete;
  ErrorFlag& operator=(const ErrorFlag&) = delete;

  // Two words: [0] set to 1 by the first failing thread, [1] a value it reports.
  long long* data() const { return data_; }
  // Returns true and the reported value if a kernel raised the flag.
  bool raised(long long* value);

 private:
  int device_;
  long long* data_ = nullptr;
};

}  // namespace nabla::backends::cuda
