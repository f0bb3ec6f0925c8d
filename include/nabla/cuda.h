// The CUDA devices, as torch.cuda: whether there are any, how many, and
// waiting for the work queued on them. Tensors move with t.to(kCUDA) or
// t.to(Device(DeviceType::CUDA, i)); every op on CUDA tensors runs on the
// CUDA backend, asynchronously on one stream per device, so a host program
// sees results only after synchronize() or after reading them back
// (item(), to(kCPU)), which waits by itself.
//
// Where nabla was built without CUDA (no nvcc, cuBLAS or cuDNN found), or
// the machine has no GPU or driver, is_available() is false and moving a
// tensor to CUDA fails with an error that says which.
#pragma once

#include <cstddef>
#include <string>

namespace nabla::cuda {

bool is_available();
int device_count();
// Why is_available() is false ("built without CUDA", the driver's error), or "".
std::string unavailable_reason();
// Waits until every kernel and copy queued on the device has finished.
void synchronize(int device = 0);
// Gives the device memory cached by the allocator back to the driver.
void empty_cache();
// Bytes held by live tensors, and the most held at once since the last reset.
size_t memory_allocated(int device = 0);
size_t max_memory_allocated(int device = 0);
void reset_peak_memory_stats(int device = 0);

// TF32 tensor cores for f32 matrix products (cuBLAS) and convolutions:
// about 8× the f32 rate, with a 10-bit mantissa in the products. Off by
// default, as torch.backends.cuda.matmul.allow_tf32 since PyTorch 1.12.
void set_allow_tf32(bool allow);
bool allow_tf32();

}  // namespace nabla::cuda
