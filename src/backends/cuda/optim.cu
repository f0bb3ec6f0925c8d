// Optimizer steps as one kernel per parameter tensor: each element of the
// parameter and of its state is read and written once, where the composed
// elementwise ops would launch four to seven kernels and pass over memory as
// many times. The formulas are Backend::sgd_step's and adam_step's, in the
// parameter's dtype, as the CPU's fused loop and the composed ops compute them.
#include <cmath>

#include "backends/cuda/common.cuh"
#include "backends/cuda/cuda_backend.h"

namespace nabla::backends::cuda {
namespace {

// Whether the kernels take these tensors: CUDA, contiguous, one floating
// dtype and size (undefined ones are skipped: amsgrad's vmax).
bool fusable(std::initializer_list<const Tensor*> ts) {
  const Tensor& first = **ts.begin();
  for (const Tensor* t : ts) {
    if (!t->defined()) continue;
    if (!t->device().is_cuda() || t->device() != first.device() || !t->is_contiguous() ||
        t->dtype() != first.dtype() || t->numel() != first.numel() || !t->is_floating_point())
      return false;
  }
  return true;
}

}  // namespace

bool CudaBackend::sgd_step(const Tensor& p, const Tensor& grad, const Tensor& buf, double lr,
                           double momentum, double dampening, double weight_decay, bool nesterov,
                           bool first_step) {
  if (!fusable({&p, &grad, &buf})) return false;
  const int device = device_of(p);
  DeviceGuard guard(device);
  NABLA_DISPATCH_FLOATING(p.dtype(), "sgd_step", [&] {
    using T = scalar_t;
    T* pp = ptr<T>(p);
    const T* g = ptr<T>(grad);
    T* b = ptr<T>(buf);
    const T eta = T(lr), mu = T(momentum), damp = T(dampening), wd = T(weight_decay);
    launch_n(device, p.numel(), [=] __device__(int64_t i) {
      const T d = g[i] + wd * pp[i];
      const T v = first_step ? d : mu * b[i] + (T(1) - damp) * d;
      b[i] = v;
      pp[i] -= eta * (nesterov ? d + mu * v : v);
    });
  });
  return true;
}

bool CudaBackend::adam_step(const Tensor& p, const Tensor& grad, const Tensor& m, const Tensor& v,
                            const Tensor& vmax, double lr, double beta1, double beta2, double eps,
                            int64_t step) {
  if (!fusable({&p, &grad, &m, &v, &vmax})) return false;
  const int device = device_of(p);
  DeviceGuard guard(device);
  const double bias_correction1 = 1.0 - std::pow(beta1, double(step));
  const double bias_correction2 = 1.0 - std::pow(beta2, double(step));
  NABLA_DISPATCH_FLOATING(p.dtype(), "adam_step", [&] {
    using T = scalar_t;
    T* pp = ptr<T>(p);
    const T* g = ptr<T>(grad);
    T* mp = ptr<T>(m);
    T* vp = ptr<T>(v);
    T* vm = vmax.defined() ? ptr<T>(vmax) : nullptr;
    const T b1 = T(beta1), b2 = T(beta2), e = T(eps);
    const T step_size = T(lr / bias_correction1);
    const T inv_root_bc2 = T(1.0 / std::sqrt(bias_correction2));
    launch_n(device, p.numel(), [=] __device__(int64_t i) {
      const T gi = g[i];
      const T mi = mp[i] * b1 + (T(1) - b1) * gi;
      const T vi = vp[i] * b2 + (T(1) - b2) * (gi * gi);
      mp[i] = mi;
      vp[i] = vi;
      T vhat = vi;
      if (vm) {
        vhat = vm[i] > vi || vm[i] != vm[i] ? vm[i] : vi;  // max, NaN kept
        vm[i] = vhat;
      }
      pp[i] -= step_size * (mi / (sqrt(vhat) * inv_root_bc2 + e));
    });
  });
  return true;
}

}  // namespace nabla::backends::cuda
