#include "init.h"

#include <vector>

#include "nabla/autograd/grad_mode.h"
#include "nabla/core/error.h"
#include "nabla/core/generator.h"
#include "nabla/nn/conv.h"
#include "nabla/nn/init.h"
#include "nabla/nn/norm.h"

namespace nabla::models::detail {

Tensor trunc_normal_(Tensor t, double mean, double std, double a, double b) {
  NABLA_CHECK(a < b && std > 0.0, "trunc_normal_: expected a < b and std > 0, got a=", a, ", b=", b,
              ", std=", std);
  NABLA_CHECK(t.dtype() == kFloat32 && t.is_contiguous(),
              "trunc_normal_: expects a contiguous float32 tensor, got ", t.dtype());
  NoGradGuard no_grad;
  t.normal_(mean, std);
  float* p = t.data_ptr<float>();
  for (int64_t i = 0; i < t.numel(); ++i) {
    while (p[i] < a || p[i] > b) p[i] = static_cast<float>(default_generator().normal(mean, std));
  }
  t.bump_version();
  return t;
}

void init_convs_kaiming_fan_out(nn::Module& root) {
  root.apply([](nn::Module& m) {
    if (auto* conv = dynamic_cast<nn::Conv2d*>(&m)) {
      nn::init::kaiming_normal_(conv->weight, 0.0, "fan_out", "relu");
      if (conv->bias.defined()) nn::init::zeros_(conv->bias);
    } else if (auto* bn = dynamic_cast<nn::BatchNorm2d*>(&m)) {
      nn::init::ones_(bn->weight);
      nn::init::zeros_(bn->bias);
    }
  });
}

}  // namespace nabla::models::detail
