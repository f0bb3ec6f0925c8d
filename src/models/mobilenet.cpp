#include "nabla/models/mobilenet.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "init.h"
#include "nabla/core/error.h"
#include "nabla/nn/activation.h"
#include "nabla/nn/conv.h"
#include "nabla/nn/functional.h"
#include "nabla/nn/init.h"
#include "nabla/nn/norm.h"

namespace nabla::models {
namespace {

// conv (no bias) → BN → ReLU, appended to seq.
void add_conv_bn_relu(nn::Sequential& seq, const nn::Conv2dOptions& conv) {
  seq.push_back(std::make_shared<nn::Conv2d>(nn::Conv2dOptions(conv).bias(false)));
  seq.push_back(std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions(conv.out_channels())));
  seq.push_back(std::make_shared<nn::ReLU>());
}

}  // namespace

MobileNetV1::MobileNetV1(const MobileNetV1Options& options_) : options(options_) {
  NABLA_CHECK(options.alpha() > 0.0 && options.rho() > 0.0 && options.rho() <= 1.0,
              "MobileNetV1: expected alpha > 0 and rho in (0, 1], got alpha=", options.alpha(),
              ", rho=", options.rho());
  auto width = [&](int64_t c) {
    return std::max<int64_t>(8, static_cast<int64_t>(static_cast<double>(c) * options.alpha()));
  };
  // (output channels, stride) of the 13 depthwise-separable blocks.
  const int64_t blocks[13][2] = {{64, 1},  {128, 2},  {128, 1}, {256, 2}, {256, 1},
                                 {512, 2}, {512, 1},  {512, 1}, {512, 1}, {512, 1},
                                 {512, 1}, {1024, 2}, {1024, 1}};

  features = register_module("features", std::make_shared<nn::Sequential>());
  int64_t channels = width(32);
  auto stem = std::make_shared<nn::Sequential>();
  add_conv_bn_relu(*stem, nn::Conv2dOptions(options.in_channels(), channels, 3)
                              .stride(options.small_input() ? 1 : 2)
                              .padding(1));
  features->push_back(stem);
  for (const auto& [c, stride] : blocks) {
    const int64_t out = width(c);
    auto block = std::make_shared<nn::Sequential>();
    add_conv_bn_relu(
        *block,
        nn::Conv2dOptions(channels, channels, 3).stride(stride).padding(1).groups(channels));
    add_conv_bn_relu(*block, nn::Conv2dOptions(channels, out, 1));
    features->push_back(block);
    channels = out;
  }
  avgpool = register_module("avgpool", std::make_shared<nn::AdaptiveAvgPool2d>(1));
  fc = register_module("fc", std::make_shared<nn::Linear>(channels, options.num_classes()));

  detail::init_convs_kaiming_fan_out(*this);
  nn::init::normal_(fc->weight, 0.0, 0.01);
  nn::init::zeros_(fc->bias);
}

Tensor MobileNetV1::forward(const Tensor& x) {
  Tensor y = x;
  if (options.rho() != 1.0) {
    NABLA_CHECK(x.dim() == 4, "MobileNetV1: expected (N, C, H, W) input, got ", x.shape());
    const auto h =
        std::max<int64_t>(1, std::llround(options.rho() * static_cast<double>(x.size(2))));
    const auto w =
        std::max<int64_t>(1, std::llround(options.rho() * static_cast<double>(x.size(3))));
    y = F::interpolate(x, {h, w}, {}, "bilinear", false);
  }
  return (*fc)((*avgpool)((*features)(y)).flatten(1));
}

// mobilenet-v1 (α = 1) and mobilenet-v1-0.75, -0.5, -0.25.
const bool mobilenet_registered = [] {
  for (const char* alpha : {"1.0", "0.75", "0.5", "0.25"}) {
    const std::string a = alpha;
    const std::string name = a == "1.0" ? "mobilenet-v1" : "mobilenet-v1-" + a;
    const double value = std::stod(a);
    register_model(name, "MobileNet v1 (Howard et al. 2017), width multiplier α = " + a,
                   [value](const ModelConfig& c) {
                     return std::make_shared<MobileNetV1>(MobileNetV1Options()
                                                              .alpha(value)
                                                              .in_channels(c.in_channels)
                                                              .num_classes(c.num_classes)
                                                              .small_input(detail::small_input(c)));
                   });
  }
  return true;
}();

}  // namespace nabla::models
