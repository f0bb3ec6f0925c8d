#include "nabla/models/densenet.h"

#include <string>

#include "init.h"
#include "nabla/core/error.h"
#include "nabla/nn/functional.h"
#include "nabla/nn/init.h"
#include "nabla/nn/pool.h"
#include "nabla/ops/index.h"

namespace nabla::models {
namespace {

std::shared_ptr<nn::BatchNorm2d> batch_norm(int64_t channels) {
  return std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions(channels));
}

}  // namespace

DenseLayer::DenseLayer(int64_t num_input_features, int64_t growth_rate, int64_t bn_size,
                       double drop_rate_)
    : drop_rate(drop_rate_) {
  norm1 = register_module("norm1", batch_norm(num_input_features));
  relu1 = register_module("relu1", std::make_shared<nn::ReLU>());
  conv1 = register_module(
      "conv1", std::make_shared<nn::Conv2d>(
                   nn::Conv2dOptions(num_input_features, bn_size * growth_rate, 1).bias(false)));
  norm2 = register_module("norm2", batch_norm(bn_size * growth_rate));
  relu2 = register_module("relu2", std::make_shared<nn::ReLU>());
  conv2 = register_module(
      "conv2",
      std::make_shared<nn::Conv2d>(
          nn::Conv2dOptions(bn_size * growth_rate, growth_rate, 3).padding(1).bias(false)));
}

Tensor DenseLayer::forward(const Tensor& x) {
  Tensor bottleneck = (*conv1)((*relu1)((*norm1)(x)));
  Tensor y = (*conv2)((*relu2)((*norm2)(bottleneck)));
  if (drop_rate > 0.0) y = F::dropout(y, drop_rate, is_training());
  return y;
}

DenseBlock::DenseBlock(int64_t num_layers, int64_t num_input_features, int64_t bn_size,
                       int64_t growth_rate, double drop_rate) {
  for (int64_t i = 0; i < num_layers; ++i) {
    layers.push_back(
        register_module("denselayer" + std::to_string(i + 1),
                        std::make_shared<DenseLayer>(num_input_features + i * growth_rate,
                                                     growth_rate, bn_size, drop_rate)));
  }
}

Tensor DenseBlock::forward(const Tensor& x) {
  Tensor features = x;
  for (const auto& layer : layers) features = cat({features, (*layer)(features)}, 1);
  return features;
}

DenseNet::DenseNet(const DenseNetOptions& options_) : options(options_) {
  NABLA_CHECK(!options.block_config().empty() && options.growth_rate() > 0 &&
                  options.compression() > 0.0 && options.compression() <= 1.0,
              "DenseNet: expected dense blocks, a positive growth rate and compression in (0, 1]");
  const int64_t init = options.num_init_features();
  features = register_module("features", std::make_shared<NamedSequential>());
  if (options.stem() == DenseNetStem::kImageNet) {
    features->add(
        "conv0",
        std::make_shared<nn::Conv2d>(
            nn::Conv2dOptions(options.in_channels(), init, 7).stride(2).padding(3).bias(false)));
  } else {
    features->add("conv0",
                  std::make_shared<nn::Conv2d>(
                      nn::Conv2dOptions(options.in_channels(), init, 3).padding(1).bias(false)));
  }
  if (options.stem() != DenseNetStem::kCifar) {
    features->add("norm0", batch_norm(init));
    features->add("relu0", std::make_shared<nn::ReLU>());
  }
  if (options.stem() == DenseNetStem::kImageNet) {
    features->add("pool0",
                  std::make_shared<nn::MaxPool2d>(nn::MaxPool2dOptions(3).stride(2).padding(1)));
  }

  int64_t channels = init;
  const auto& blocks = options.block_config();
  for (size_t i = 0; i < blocks.size(); ++i) {
    const std::string n = std::to_string(i + 1);
    features->add("denseblock" + n,
                  std::make_shared<DenseBlock>(blocks[i], channels, options.bn_size(),
                                               options.growth_rate(), options.drop_rate()));
    channels += blocks[i] * options.growth_rate();
    if (i + 1 != blocks.size()) {
      const auto out = static_cast<int64_t>(static_cast<double>(channels) * options.compression());
      auto transition = features->add("transition" + n, std::make_shared<NamedSequential>());
      transition->add("norm", batch_norm(channels));
      transition->add("relu", std::make_shared<nn::ReLU>());
      transition->add(
          "conv", std::make_shared<nn::Conv2d>(nn::Conv2dOptions(channels, out, 1).bias(false)));
      transition->add("pool", std::make_shared<nn::AvgPool2d>(2));
      channels = out;
    }
  }
  features->add("norm" + std::to_string(blocks.size() + 1), batch_norm(channels));
  classifier =
      register_module("classifier", std::make_shared<nn::Linear>(channels, options.num_classes()));

  apply([](nn::Module& m) {
    if (auto* conv = dynamic_cast<nn::Conv2d*>(&m)) {
      nn::init::kaiming_normal_(conv->weight);
    } else if (auto* bn = dynamic_cast<nn::BatchNorm2d*>(&m)) {
      nn::init::ones_(bn->weight);
      nn::init::zeros_(bn->bias);
    } else if (auto* fc = dynamic_cast<nn::Linear*>(&m)) {
      nn::init::zeros_(fc->bias);
    }
  });
}

Tensor DenseNet::forward(const Tensor& x) {
  Tensor y = F::relu((*features)(x));
  return (*classifier)(F::adaptive_avg_pool2d(y, 1).flatten(1));
}

namespace {

std::shared_ptr<nn::Module> densenet(std::vector<int64_t> blocks, const ModelConfig& c) {
  return std::make_shared<DenseNet>(
      DenseNetOptions()
          .block_config(std::move(blocks))
          .in_channels(c.in_channels)
          .num_classes(c.num_classes)
          .stem(detail::small_input(c) ? DenseNetStem::kSmall : DenseNetStem::kImageNet));
}

}  // namespace

NABLA_REGISTER_MODEL("densenet121", "DenseNet-121 (Huang et al. 2016), torchvision's, k = 32",
                     [](const ModelConfig& c) {
                       return densenet({6, 12, 24, 16}, c);
                     });
NABLA_REGISTER_MODEL("densenet169", "DenseNet-169 (Huang et al. 2016), torchvision's, k = 32",
                     [](const ModelConfig& c) {
                       return densenet({6, 12, 32, 32}, c);
                     });
NABLA_REGISTER_MODEL("densenet-bc-100",
                     "DenseNet-BC-100 for small images (Huang et al. 2016), k = 12, 0.8 M",
                     [](const ModelConfig& c) {
                       return std::make_shared<DenseNet>(DenseNetOptions()
                                                             .growth_rate(12)
                                                             .block_config({16, 16, 16})
                                                             .num_init_features(24)
                                                             .in_channels(c.in_channels)
                                                             .num_classes(c.num_classes)
                                                             .stem(DenseNetStem::kCifar));
                     });

}  // namespace nabla::models
