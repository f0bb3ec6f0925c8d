#include "nabla/models/resnet.h"

#include <string>

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

std::shared_ptr<nn::Conv2d> conv1x1(int64_t in, int64_t out, int64_t stride = 1) {
  return std::make_shared<nn::Conv2d>(nn::Conv2dOptions(in, out, 1).stride(stride).bias(false));
}

std::shared_ptr<nn::BatchNorm2d> batch_norm(int64_t channels) {
  return std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions(channels));
}

// Sequential(conv1x1/stride, BatchNorm2d): the projection shortcut.
std::shared_ptr<nn::Sequential> projection(int64_t in, int64_t out, int64_t stride) {
  return std::make_shared<nn::Sequential>(conv1x1(in, out, stride), batch_norm(out));
}

}  // namespace

// ---- blocks

BasicBlock::BasicBlock(int64_t inplanes, int64_t planes, int64_t stride,
                       std::shared_ptr<nn::Module> downsample_) {
  conv1 = register_module("conv1", conv3x3(inplanes, planes, stride));
  bn1 = register_module("bn1", batch_norm(planes));
  relu = register_module("relu", std::make_shared<nn::ReLU>());
  conv2 = register_module("conv2", conv3x3(planes, planes));
  bn2 = register_module("bn2", batch_norm(planes));
  if (downsample_) downsample = register_module("downsample", downsample_);
}

Tensor BasicBlock::forward(const Tensor& x) {
  Tensor out = nn::batch_norm_relu(*bn1, *relu, (*conv1)(x));
  out = (*bn2)((*conv2)(out));
  Tensor identity = downsample ? (*downsample)(x) : x;
  return (*relu)(out + identity);
}

Bottleneck::Bottleneck(int64_t inplanes, int64_t planes, int64_t stride,
                       std::shared_ptr<nn::Module> downsample_) {
  conv1 = register_module("conv1", conv1x1(inplanes, planes));
  bn1 = register_module("bn1", batch_norm(planes));
  conv2 = register_module("conv2", conv3x3(planes, planes, stride));
  bn2 = register_module("bn2", batch_norm(planes));
  conv3 = register_module("conv3", conv1x1(planes, planes * kExpansion));
  bn3 = register_module("bn3", batch_norm(planes * kExpansion));
  relu = register_module("relu", std::make_shared<nn::ReLU>());
  if (downsample_) downsample = register_module("downsample", downsample_);
}

Tensor Bottleneck::forward(const Tensor& x) {
  Tensor out = nn::batch_norm_relu(*bn1, *relu, (*conv1)(x));
  out = nn::batch_norm_relu(*bn2, *relu, (*conv2)(out));
  out = (*bn3)((*conv3)(out));
  Tensor identity = downsample ? (*downsample)(x) : x;
  return (*relu)(out + identity);
}

// ---- ImageNet ResNet

ResNet::ResNet(const ResNetOptions& options_) : options(options_) {
  NABLA_CHECK(options.layers().size() == 4, "ResNet: expected 4 stage depths, got ",
              options.layers().size());
  for (int64_t n : options.layers()) NABLA_CHECK(n > 0, "ResNet: stage depths must be positive");
  const bool basic = options.block() == ResNetBlock::kBasic;
  const int64_t expansion = basic ? BasicBlock::kExpansion : Bottleneck::kExpansion;

  if (options.small_input()) {
    conv1 = register_module("conv1", conv3x3(options.in_channels(), 64));
  } else {
    conv1 = register_module(
        "conv1",
        std::make_shared<nn::Conv2d>(
            nn::Conv2dOptions(options.in_channels(), 64, 7).stride(2).padding(3).bias(false)));
  }
  bn1 = register_module("bn1", batch_norm(64));
  relu = register_module("relu", std::make_shared<nn::ReLU>());
  if (!options.small_input()) {
    maxpool = register_module(
        "maxpool", std::make_shared<nn::MaxPool2d>(nn::MaxPool2dOptions(3).stride(2).padding(1)));
  }

  int64_t inplanes = 64;
  auto make_layer = [&](int64_t planes, int64_t blocks, int64_t stride) {
    auto layer = std::make_shared<nn::Sequential>();
    for (int64_t i = 0; i < blocks; ++i) {
      const int64_t s = i == 0 ? stride : 1;
      std::shared_ptr<nn::Module> down;
      if (i == 0 && (stride != 1 || inplanes != planes * expansion)) {
        down = projection(inplanes, planes * expansion, stride);
      }
      if (basic) {
        layer->push_back(std::make_shared<BasicBlock>(inplanes, planes, s, down));
      } else {
        layer->push_back(std::make_shared<Bottleneck>(inplanes, planes, s, down));
      }
      inplanes = planes * expansion;
    }
    return layer;
  };
  layer1 = register_module("layer1", make_layer(64, options.layers()[0], 1));
  layer2 = register_module("layer2", make_layer(128, options.layers()[1], 2));
  layer3 = register_module("layer3", make_layer(256, options.layers()[2], 2));
  layer4 = register_module("layer4", make_layer(512, options.layers()[3], 2));
  avgpool = register_module("avgpool", std::make_shared<nn::AdaptiveAvgPool2d>(1));
  fc = register_module("fc", std::make_shared<nn::Linear>(512 * expansion, options.num_classes()));

  detail::init_convs_kaiming_fan_out(*this);
  if (options.zero_init_residual()) {
    apply([](nn::Module& m) {
      if (auto* b = dynamic_cast<Bottleneck*>(&m)) nn::init::zeros_(b->bn3->weight);
      if (auto* b = dynamic_cast<BasicBlock*>(&m)) nn::init::zeros_(b->bn2->weight);
    });
  }
}

Tensor ResNet::forward(const Tensor& x) {
  Tensor y = nn::batch_norm_relu(*bn1, *relu, (*conv1)(x));
  if (maxpool) y = (*maxpool)(y);
  y = (*layer4)((*layer3)((*layer2)((*layer1)(y))));
  return (*fc)((*avgpool)(y).flatten(1));
}

namespace {

std::shared_ptr<ResNet> make_resnet(ResNetBlock block, std::vector<int64_t> layers,
                                    const ModelConfig& config) {
  return std::make_shared<ResNet>(ResNetOptions(block, std::move(layers))
                                      .in_channels(config.in_channels)
                                      .num_classes(config.num_classes)
                                      .small_input(detail::small_input(config)));
}

}  // namespace

std::shared_ptr<ResNet> resnet18(const ModelConfig& c) {
  return make_resnet(ResNetBlock::kBasic, {2, 2, 2, 2}, c);
}
std::shared_ptr<ResNet> resnet34(const ModelConfig& c) {
  return make_resnet(ResNetBlock::kBasic, {3, 4, 6, 3}, c);
}
std::shared_ptr<ResNet> resnet50(const ModelConfig& c) {
  return make_resnet(ResNetBlock::kBottleneck, {3, 4, 6, 3}, c);
}
std::shared_ptr<ResNet> resnet101(const ModelConfig& c) {
  return make_resnet(ResNetBlock::kBottleneck, {3, 4, 23, 3}, c);
}
std::shared_ptr<ResNet> resnet152(const ModelConfig& c) {
  return make_resnet(ResNetBlock::kBottleneck, {3, 8, 36, 3}, c);
}

// ---- CIFAR ResNet

CifarBasicBlock::CifarBasicBlock(int64_t inplanes, int64_t planes, int64_t stride,
                                 ShortcutOption shortcut)
    : stride_(stride), pad_channels_(0) {
  conv1 = register_module("conv1", conv3x3(inplanes, planes, stride));
  bn1 = register_module("bn1", batch_norm(planes));
  relu = register_module("relu", std::make_shared<nn::ReLU>());
  conv2 = register_module("conv2", conv3x3(planes, planes));
  bn2 = register_module("bn2", batch_norm(planes));
  if (stride != 1 || inplanes != planes) {
    if (shortcut == ShortcutOption::kB) {
      downsample = register_module("downsample", projection(inplanes, planes, stride));
    } else {
      NABLA_CHECK(planes >= inplanes && (planes - inplanes) % 2 == 0,
                  "CifarBasicBlock: option A pads channels evenly, cannot go from ", inplanes,
                  " to ", planes);
      pad_channels_ = (planes - inplanes) / 2;
    }
  }
}

Tensor CifarBasicBlock::forward(const Tensor& x) {
  Tensor out = nn::batch_norm_relu(*bn1, *relu, (*conv1)(x));
  out = (*bn2)((*conv2)(out));
  Tensor identity = x;
  if (downsample) {
    identity = (*downsample)(x);
  } else if (stride_ != 1 || pad_channels_ != 0) {
    // Option A: keep every stride-th pixel, add zero channels on both sides.
    identity = x.slice(2, 0, x.size(2), stride_).slice(3, 0, x.size(3), stride_);
    identity = F::pad(identity, {0, 0, 0, 0, pad_channels_, pad_channels_});
  }
  return (*relu)(out + identity);
}

CifarResNet::CifarResNet(const CifarResNetOptions& options_) : options(options_) {
  NABLA_CHECK(options.depth() >= 8 && (options.depth() - 2) % 6 == 0,
              "CifarResNet: depth must be 6n + 2 (20, 32, 44, 56, 110), got ", options.depth());
  const int64_t n = (options.depth() - 2) / 6;
  conv1 = register_module("conv1", conv3x3(options.in_channels(), 16));
  bn1 = register_module("bn1", batch_norm(16));
  relu = register_module("relu", std::make_shared<nn::ReLU>());
  int64_t inplanes = 16;
  auto make_layer = [&](int64_t planes, int64_t stride) {
    auto layer = std::make_shared<nn::Sequential>();
    for (int64_t i = 0; i < n; ++i) {
      layer->push_back(std::make_shared<CifarBasicBlock>(inplanes, planes, i == 0 ? stride : 1,
                                                         options.shortcut()));
      inplanes = planes;
    }
    return layer;
  };
  layer1 = register_module("layer1", make_layer(16, 1));
  layer2 = register_module("layer2", make_layer(32, 2));
  layer3 = register_module("layer3", make_layer(64, 2));
  avgpool = register_module("avgpool", std::make_shared<nn::AdaptiveAvgPool2d>(1));
  fc = register_module("fc", std::make_shared<nn::Linear>(64, options.num_classes()));
  detail::init_convs_kaiming_fan_out(*this);
}

Tensor CifarResNet::forward(const Tensor& x) {
  Tensor y = nn::batch_norm_relu(*bn1, *relu, (*conv1)(x));
  y = (*layer3)((*layer2)((*layer1)(y)));
  return (*fc)((*avgpool)(y).flatten(1));
}

// ---- registry

namespace {

std::shared_ptr<nn::Module> cifar_resnet(int64_t depth, const ModelConfig& c) {
  return std::make_shared<CifarResNet>(
      CifarResNetOptions(depth).in_channels(c.in_channels).num_classes(c.num_classes));
}

}  // namespace

NABLA_REGISTER_MODEL("resnet18", "ResNet-18 (He et al. 2015), torchvision's layout and names",
                     [](const ModelConfig& c) { return resnet18(c); });
NABLA_REGISTER_MODEL("resnet34", "ResNet-34 (He et al. 2015), torchvision's layout and names",
                     [](const ModelConfig& c) { return resnet34(c); });
NABLA_REGISTER_MODEL("resnet50", "ResNet-50, bottleneck blocks, torchvision's layout and names",
                     [](const ModelConfig& c) { return resnet50(c); });
NABLA_REGISTER_MODEL("resnet101", "ResNet-101, bottleneck blocks, torchvision's layout and names",
                     [](const ModelConfig& c) { return resnet101(c); });
NABLA_REGISTER_MODEL("resnet152", "ResNet-152, bottleneck blocks, torchvision's layout and names",
                     [](const ModelConfig& c) { return resnet152(c); });
NABLA_REGISTER_MODEL("resnet20",
                     "CIFAR ResNet-20 (He et al. 2015 §4.2), option A shortcuts, 0.27 M",
                     [](const ModelConfig& c) { return cifar_resnet(20, c); });
NABLA_REGISTER_MODEL("resnet32", "CIFAR ResNet-32, option A shortcuts, 0.46 M",
                     [](const ModelConfig& c) { return cifar_resnet(32, c); });
NABLA_REGISTER_MODEL("resnet56", "CIFAR ResNet-56, option A shortcuts, 0.85 M",
                     [](const ModelConfig& c) { return cifar_resnet(56, c); });

}  // namespace nabla::models
