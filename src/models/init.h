// Initialisation and stem rules shared by the zoo's families (internal).
#pragma once

#include <cstdint>

#include "nabla/core/tensor.h"
#include "nabla/models/registry.h"
#include "nabla/nn/module.h"

namespace nabla::models::detail {

// Below 64×64 the ImageNet stems (7×7 or 11×11 stride 2–4 convolutions and
// an early max-pool) would shrink a 28×28 or 32×32 image to almost nothing
// before the first stage; each family then uses a 3×3 stride-1 stem (see
// its header). At 64 and above the torchvision layout is kept exactly.
constexpr int64_t kSmallInputBelow = 64;
inline bool small_input(const ModelConfig& config) {
  return config.image_size < kSmallInputBelow;
}

// N(mean, std²) restricted to [a, b]: draws outside are drawn again, as
// torch.nn.init.trunc_normal_ (which inverts the CDF instead; the law is the same).
Tensor trunc_normal_(Tensor t, double mean, double std, double a, double b);

// torchvision's ResNet/VGG/MobileNet rule for every Conv2d below root:
// weight by kaiming_normal_(mode="fan_out", nonlinearity="relu"), bias 0;
// every BatchNorm2d: γ = 1, β = 0.
void init_convs_kaiming_fan_out(nn::Module& root);

}  // namespace nabla::models::detail
