#include "nabla/models/wide_resnet.h"

#include "init.h"
#include "nabla/core/error.h"
#include "nabla/nn/functional.h"
#include "nabla/nn/init.h"
#include "nabla/ops/elementwise.h"

namespace nabla::models {
namespace {

std::shared_ptr<nn::Conv2d> conv3x3(int64_t in, int64_t out, int64_t stride = 1) {
  return std::make_shared<nn::Conv2d>(
      nn::Conv2dOptions(in, out, 3).stride(stride).padding(1).bias(false));
}

}  // namespace

WideBasicBlock::WideBasicBlock(int64_t in_planes, int64_t planes, int64_t stride, double dropout_)
    : dropout(dropout_) {
  bn1 = register_module("bn1", std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions(in_planes)));
  conv1 = register_module("conv1", conv3x3(in_planes, planes, stride));
  bn2 = register_module("bn2", std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions(planes)));
  conv2 = register_module("conv2", conv3x3(planes, planes));
  relu = register_module("relu", std::make_shared<nn::ReLU>());
  if (stride != 1 || in_planes != planes) {
    shortcut = register_module(
        "shortcut", std::make_shared<nn::Conv2d>(
                        nn::Conv2dOptions(in_planes, planes, 1).stride(stride).bias(false)));
  }
}

Tensor WideBasicBlock::forward(const Tensor& x) {
  Tensor pre = nn::batch_norm_relu(*bn1, *relu, x);
  Tensor out = (*conv1)(pre);
  if (dropout > 0.0) out = F::dropout(out, dropout, is_training());
  out = (*conv2)(nn::batch_norm_relu(*bn2, *relu, out));
  return out + (shortcut ? (*shortcut)(pre) : x);
}

WideResNet::WideResNet(const WideResNetOptions& options_) : options(options_) {
  NABLA_CHECK(
      options.depth() >= 10 && (options.depth() - 4) % 6 == 0 && options.widen_factor() >= 1,
      "WideResNet: depth must be 6n + 4 (16, 22, 28, 40) and k ≥ 1, got depth ", options.depth(),
      ", k ", options.widen_factor());
  const int64_t n = (options.depth() - 4) / 6;
  const int64_t k = options.widen_factor();
  conv1 = register_module("conv1", conv3x3(options.in_channels(), 16));
  int64_t in_planes = 16;
  auto make_layer = [&](int64_t planes, int64_t stride) {
    auto layer = std::make_shared<nn::Sequential>();
    for (int64_t i = 0; i < n; ++i) {
      layer->push_back(std::make_shared<WideBasicBlock>(in_planes, planes, i == 0 ? stride : 1,
                                                        options.dropout()));
      in_planes = planes;
    }
    return layer;
  };
  layer1 = register_module("layer1", make_layer(16 * k, 1));
  layer2 = register_module("layer2", make_layer(32 * k, 2));
  layer3 = register_module("layer3", make_layer(64 * k, 2));
  bn = register_module("bn", std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions(in_planes)));
  relu = register_module("relu", std::make_shared<nn::ReLU>());
  avgpool = register_module("avgpool", std::make_shared<nn::AdaptiveAvgPool2d>(1));
  fc = register_module("fc", std::make_shared<nn::Linear>(in_planes, options.num_classes()));
  detail::init_convs_kaiming_fan_out(*this);
  nn::init::zeros_(fc->bias);
}

Tensor WideResNet::forward(const Tensor& x) {
  Tensor y = (*layer3)((*layer2)((*layer1)((*conv1)(x))));
  y = nn::batch_norm_relu(*bn, *relu, y);
  return (*fc)((*avgpool)(y).flatten(1));
}

std::shared_ptr<WideResNet> wide_resnet(int64_t depth, int64_t widen_factor, const ModelConfig& c,
                                        double dropout) {
  return std::make_shared<WideResNet>(WideResNetOptions(depth, widen_factor)
                                          .dropout(dropout)
                                          .in_channels(c.in_channels)
                                          .num_classes(c.num_classes));
}

NABLA_REGISTER_MODEL("wrn-16-4", "Wide ResNet WRN-16-4 (Zagoruyko & Komodakis 2016), 2.7 M",
                     [](const ModelConfig& c) { return wide_resnet(16, 4, c); });
NABLA_REGISTER_MODEL("wrn-28-10", "Wide ResNet WRN-28-10 (Zagoruyko & Komodakis 2016), 36.5 M",
                     [](const ModelConfig& c) { return wide_resnet(28, 10, c); });

}  // namespace nabla::models
