#include "nabla/models/vgg.h"

#include <string>

#include "init.h"
#include "nabla/core/error.h"
#include "nabla/nn/activation.h"
#include "nabla/nn/conv.h"
#include "nabla/nn/dropout.h"
#include "nabla/nn/init.h"
#include "nabla/nn/linear.h"
#include "nabla/nn/norm.h"

namespace nabla::models {
namespace {

constexpr int64_t M = kVGGPool;

// Appends conv3×3 (pad 1) → [BatchNorm2d] → ReLU.
void add_conv(nn::Sequential& seq, int64_t in, int64_t out, bool batch_norm) {
  seq.push_back(std::make_shared<nn::Conv2d>(nn::Conv2dOptions(in, out, 3).padding(1)));
  if (batch_norm) seq.push_back(std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions(out)));
  seq.push_back(std::make_shared<nn::ReLU>());
}

// torchvision's VGG init: He for convolutions, N(0, 0.01) for linear layers.
void init_vgg(nn::Module& root) {
  detail::init_convs_kaiming_fan_out(root);
  root.apply([](nn::Module& m) {
    if (auto* fc = dynamic_cast<nn::Linear*>(&m)) {
      nn::init::normal_(fc->weight, 0.0, 0.01);
      nn::init::zeros_(fc->bias);
    }
  });
}

}  // namespace

std::vector<int64_t> vgg_config(int depth) {
  switch (depth) {
    case 11:
      return {64, M, 128, M, 256, 256, M, 512, 512, M, 512, 512, M};
    case 13:
      return {64, 64, M, 128, 128, M, 256, 256, M, 512, 512, M, 512, 512, M};
    case 16:
      return {64, 64, M, 128, 128, M, 256, 256, 256, M, 512, 512, 512, M, 512, 512, 512, M};
    case 19:
      return {64,  64,  M,   128, 128, M,   256, 256, 256, 256, M,
              512, 512, 512, 512, M,   512, 512, 512, 512, M};
    default:
      NABLA_FAIL("vgg: depth must be 11, 13, 16 or 19, got ", depth);
  }
}

VGG::VGG(const VGGOptions& options_) : options(options_) {
  features = register_module("features", std::make_shared<nn::Sequential>());
  int64_t channels = options.in_channels();
  int64_t size = options.image_size();
  for (int64_t v : options.config()) {
    if (v == kVGGPool) {
      if (size / 2 >= 1) {
        features->push_back(std::make_shared<nn::MaxPool2d>(2));
        size /= 2;
      } else {
        features->push_back(std::make_shared<nn::Identity>());  // see the header: small inputs
      }
    } else {
      add_conv(*features, channels, v, options.batch_norm());
      channels = v;
    }
  }
  const bool small = options.small_input();
  const int64_t pooled = small ? 1 : 7, hidden = small ? 512 : 4096;
  avgpool = register_module("avgpool", std::make_shared<nn::AdaptiveAvgPool2d>(pooled));
  const double p = options.dropout();
  classifier = register_module(
      "classifier", std::make_shared<nn::Sequential>(
                        std::make_shared<nn::Linear>(channels * pooled * pooled, hidden),
                        std::make_shared<nn::ReLU>(), std::make_shared<nn::Dropout>(p),
                        std::make_shared<nn::Linear>(hidden, hidden), std::make_shared<nn::ReLU>(),
                        std::make_shared<nn::Dropout>(p),
                        std::make_shared<nn::Linear>(hidden, options.num_classes())));
  init_vgg(*this);
}

Tensor VGG::forward(const Tensor& x) {
  return (*classifier)((*avgpool)((*features)(x)).flatten(1));
}

std::shared_ptr<VGG> vgg(int depth, bool batch_norm, const ModelConfig& c) {
  return std::make_shared<VGG>(VGGOptions(vgg_config(depth))
                                   .batch_norm(batch_norm)
                                   .in_channels(c.in_channels)
                                   .num_classes(c.num_classes)
                                   .image_size(c.image_size)
                                   .small_input(detail::small_input(c)));
}

VGGSmall::VGGSmall(const VGGSmallOptions& options_) : options(options_) {
  NABLA_CHECK(options.image_size() >= 4 && options.image_size() % 4 == 0,
              "vgg-small: image_size must be a multiple of 4, got ", options.image_size());
  const bool bn = options.batch_norm();
  features = register_module("features", std::make_shared<nn::Sequential>());
  add_conv(*features, options.in_channels(), 32, bn);
  add_conv(*features, 32, 32, bn);
  features->push_back(std::make_shared<nn::MaxPool2d>(2));
  add_conv(*features, 32, 64, bn);
  add_conv(*features, 64, 64, bn);
  features->push_back(std::make_shared<nn::MaxPool2d>(2));
  const int64_t side = options.image_size() / 4;
  classifier = register_module(
      "classifier",
      std::make_shared<nn::Sequential>(std::make_shared<nn::Linear>(64 * side * side, 256),
                                       std::make_shared<nn::ReLU>(),
                                       std::make_shared<nn::Dropout>(options.dropout()),
                                       std::make_shared<nn::Linear>(256, options.num_classes())));
  detail::init_convs_kaiming_fan_out(*this);
}

Tensor VGGSmall::forward(const Tensor& x) {
  return (*classifier)((*features)(x).flatten(1));
}

// ---- registry

// vgg11 ... vgg19 and vgg11-bn ... vgg19-bn.
const bool vgg_registered = [] {
  for (int depth : {11, 13, 16, 19}) {
    const std::string d = std::to_string(depth);
    register_model("vgg" + d, "VGG-" + d + " (Simonyan & Zisserman 2014), torchvision's layout",
                   [depth](const ModelConfig& c) { return vgg(depth, false, c); });
    register_model("vgg" + d + "-bn", "VGG-" + d + " with BatchNorm, torchvision's layout",
                   [depth](const ModelConfig& c) { return vgg(depth, true, c); });
  }
  return true;
}();

NABLA_REGISTER_MODEL("vgg-small",
                     "small VGG-style net for 28×28: conv 32, 32, pool, 64, 64, pool, fc256, fc",
                     [](const ModelConfig& c) {
                       return std::make_shared<VGGSmall>(VGGSmallOptions()
                                                             .in_channels(c.in_channels)
                                                             .num_classes(c.num_classes)
                                                             .image_size(c.image_size));
                     });
NABLA_REGISTER_MODEL("vgg-small-bn", "vgg-small with BatchNorm after each convolution",
                     [](const ModelConfig& c) {
                       return std::make_shared<VGGSmall>(VGGSmallOptions()
                                                             .batch_norm(true)
                                                             .in_channels(c.in_channels)
                                                             .num_classes(c.num_classes)
                                                             .image_size(c.image_size));
                     });

}  // namespace nabla::models
