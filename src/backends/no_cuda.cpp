// nabla::cuda where the library was built without its CUDA backend
// (CMake found no nvcc, cuBLAS or cuDNN, or NABLA_CUDA=OFF): no devices.
#include "nabla/core/error.h"
#include "nabla/cuda.h"

namespace nabla::cuda {

bool is_available() {
  return false;
}
int device_count() {
  return 0;
}
std::string unavailable_reason() {
  return "nabla was built without CUDA (configure with nvcc, cuBLAS and cuDNN present)";
}
void synchronize(int) {
  NABLA_FAIL("cuda::synchronize: ", unavailable_reason());
}
void empty_cache() {}
size_t memory_allocated(int) {
  return 0;
}
size_t max_memory_allocated(int) {
  return 0;
}
void reset_peak_memory_stats(int) {}
void set_allow_tf32(bool) {}
bool allow_tf32() {
  return false;
}

}  // namespace nabla::cuda
