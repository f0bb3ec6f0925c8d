#include "nabla/models/alexnet.h"

#include "init.h"
#include "nabla/nn/activation.h"
#include "nabla/nn/conv.h"
#include "nabla/nn/dropout.h"
#include "nabla/nn/linear.h"
#include "nabla/nn/norm.h"

namespace nabla::models {

AlexNet::AlexNet(const AlexNetOptions& options_) : options(options_) {
  const bool paper = options.paper();
  // Channels of the five convolutions.
  const int64_t c1 = paper ? 96 : 64, c2 = paper ? 256 : 192, c3 = 384, c4 = paper ? 384 : 256,
                c5 = 256;
  auto relu = [] { return std::make_shared<nn::ReLU>(); };
  auto pool = [] { return std::make_shared<nn::MaxPool2d>(nn::MaxPool2dOptions(3).stride(2)); };
  auto lrn = [] {
    return std::make_shared<nn::LocalResponseNorm>(
        nn::LocalResponseNormOptions(5).alpha(5 * 1e-4).beta(0.75).k(2.0));
  };
  auto conv3x3 = [](int64_t in, int64_t out) {
    return std::make_shared<nn::Conv2d>(nn::Conv2dOptions(in, out, 3).padding(1));
  };

  features = register_module("features", std::make_shared<nn::Sequential>());
  if (options.small_input()) {
    features->push_back(conv3x3(options.in_channels(), c1));
  } else {
    features->push_back(std::make_shared<nn::Conv2d>(
        nn::Conv2dOptions(options.in_channels(), c1, 11).stride(4).padding(2)));
  }
  features->push_back(relu());
  if (paper) features->push_back(lrn());
  features->push_back(pool());
  features->push_back(std::make_shared<nn::Conv2d>(nn::Conv2dOptions(c1, c2, 5).padding(2)));
  features->push_back(relu());
  if (paper) features->push_back(lrn());
  features->push_back(pool());
  features->push_back(conv3x3(c2, c3));
  features->push_back(relu());
  features->push_back(conv3x3(c3, c4));
  features->push_back(relu());
  features->push_back(conv3x3(c4, c5));
  features->push_back(relu());
  features->push_back(pool());

  const int64_t pooled = options.small_input() ? 2 : 6;
  avgpool = register_module("avgpool", std::make_shared<nn::AdaptiveAvgPool2d>(pooled));
  const double p = options.dropout();
  classifier = register_module(
      "classifier", std::make_shared<nn::Sequential>(
                        std::make_shared<nn::Dropout>(p),
                        std::make_shared<nn::Linear>(c5 * pooled * pooled, 4096), relu(),
                        std::make_shared<nn::Dropout>(p), std::make_shared<nn::Linear>(4096, 4096),
                        relu(), std::make_shared<nn::Linear>(4096, options.num_classes())));

  if (paper) detail::init_convs_kaiming_fan_out(*this);
}

Tensor AlexNet::forward(const Tensor& x) {
  return (*classifier)((*avgpool)((*features)(x)).flatten(1));
}

NABLA_REGISTER_MODEL("alexnet",
                     "AlexNet (Krizhevsky et al. 2012): the paper's, with LRN and dropout",
                     [](const ModelConfig& c) {
                       return std::make_shared<AlexNet>(AlexNetOptions()
                                                            .in_channels(c.in_channels)
                                                            .num_classes(c.num_classes)
                                                            .small_input(detail::small_input(c)));
                     });
NABLA_REGISTER_MODEL("alexnet-torchvision", "AlexNet as torchvision.models.alexnet (no LRN)",
                     [](const ModelConfig& c) {
                       return std::make_shared<AlexNet>(AlexNetOptions()
                                                            .paper(false)
                                                            .in_channels(c.in_channels)
                                                            .num_classes(c.num_classes)
                                                            .small_input(detail::small_input(c)));
                     });

}  // namespace nabla::models
