#include "nabla/models/googlenet.h"

#include "init.h"
#include "nabla/nn/functional.h"
#include "nabla/nn/init.h"
#include "nabla/ops/index.h"

namespace nabla::models {
namespace {

std::shared_ptr<BasicConv2d> basic_conv(int64_t in, int64_t out, int64_t kernel, int64_t stride = 1,
                                        int64_t padding = 0) {
  return std::make_shared<BasicConv2d>(
      nn::Conv2dOptions(in, out, kernel).stride(stride).padding(padding));
}

std::shared_ptr<nn::MaxPool2d> ceil_pool(int64_t kernel, int64_t stride, int64_t padding = 0) {
  return std::make_shared<nn::MaxPool2d>(
      nn::MaxPool2dOptions(kernel).stride(stride).padding(padding).ceil_mode(true));
}

}  // namespace

BasicConv2d::BasicConv2d(const nn::Conv2dOptions& options) {
  conv =
      register_module("conv", std::make_shared<nn::Conv2d>(nn::Conv2dOptions(options).bias(false)));
  bn = register_module("bn", std::make_shared<nn::BatchNorm2d>(
                                 nn::BatchNormOptions(options.out_channels()).eps(0.001)));
}

Tensor BasicConv2d::forward(const Tensor& x) {
  return F::relu((*bn)((*conv)(x)));
}

Inception::Inception(int64_t in_channels, int64_t ch1x1, int64_t ch3x3red, int64_t ch3x3,
                     int64_t ch5x5red, int64_t ch5x5, int64_t pool_proj) {
  branch1 = register_module("branch1", basic_conv(in_channels, ch1x1, 1));
  branch2 = register_module("branch2",
                            std::make_shared<nn::Sequential>(basic_conv(in_channels, ch3x3red, 1),
                                                             basic_conv(ch3x3red, ch3x3, 3, 1, 1)));
  // torchvision's 3×3 where the paper has 5×5 (see the header).
  branch3 = register_module("branch3",
                            std::make_shared<nn::Sequential>(basic_conv(in_channels, ch5x5red, 1),
                                                             basic_conv(ch5x5red, ch5x5, 3, 1, 1)));
  branch4 = register_module(
      "branch4",
      std::make_shared<nn::Sequential>(ceil_pool(3, 1, 1), basic_conv(in_channels, pool_proj, 1)));
}

Tensor Inception::forward(const Tensor& x) {
  return cat({(*branch1)(x), (*branch2)(x), (*branch3)(x), (*branch4)(x)}, 1);
}

InceptionAux::InceptionAux(int64_t in_channels, int64_t num_classes, double p) {
  conv = register_module("conv", basic_conv(in_channels, 128, 1));
  fc1 = register_module("fc1", std::make_shared<nn::Linear>(2048, 1024));
  fc2 = register_module("fc2", std::make_shared<nn::Linear>(1024, num_classes));
  dropout = register_module("dropout", std::make_shared<nn::Dropout>(p));
}

Tensor InceptionAux::forward(const Tensor& x) {
  Tensor y = (*conv)(F::adaptive_avg_pool2d(x, 4)).flatten(1);
  return (*fc2)((*dropout)(F::relu((*fc1)(y))));
}

GoogLeNet::GoogLeNet(const GoogLeNetOptions& options_) : options(options_) {
  if (options.small_input()) {
    conv1 = register_module("conv1", basic_conv(options.in_channels(), 64, 3, 1, 1));
  } else {
    conv1 = register_module("conv1", basic_conv(options.in_channels(), 64, 7, 2, 3));
    maxpool1 = register_module("maxpool1", ceil_pool(3, 2));
  }
  conv2 = register_module("conv2", basic_conv(64, 64, 1));
  conv3 = register_module("conv3", basic_conv(64, 192, 3, 1, 1));
  maxpool2 = register_module("maxpool2", ceil_pool(3, 2));

  auto inception = [](int64_t in, int64_t a, int64_t b, int64_t c, int64_t d, int64_t e,
                      int64_t f) { return std::make_shared<Inception>(in, a, b, c, d, e, f); };
  inception3a = register_module("inception3a", inception(192, 64, 96, 128, 16, 32, 32));
  inception3b = register_module("inception3b", inception(256, 128, 128, 192, 32, 96, 64));
  maxpool3 = register_module("maxpool3", ceil_pool(3, 2));
  inception4a = register_module("inception4a", inception(480, 192, 96, 208, 16, 48, 64));
  inception4b = register_module("inception4b", inception(512, 160, 112, 224, 24, 64, 64));
  inception4c = register_module("inception4c", inception(512, 128, 128, 256, 24, 64, 64));
  inception4d = register_module("inception4d", inception(512, 112, 144, 288, 32, 64, 64));
  inception4e = register_module("inception4e", inception(528, 256, 160, 320, 32, 128, 128));
  maxpool4 = register_module("maxpool4", ceil_pool(2, 2));
  inception5a = register_module("inception5a", inception(832, 256, 160, 320, 32, 128, 128));
  inception5b = register_module("inception5b", inception(832, 384, 192, 384, 48, 128, 128));

  if (options.aux_logits()) {
    const int64_t k = options.num_classes();
    aux1 = register_module("aux1", std::make_shared<InceptionAux>(512, k, options.dropout_aux()));
    aux2 = register_module("aux2", std::make_shared<InceptionAux>(528, k, options.dropout_aux()));
  }
  avgpool = register_module("avgpool", std::make_shared<nn::AdaptiveAvgPool2d>(1));
  dropout = register_module("dropout", std::make_shared<nn::Dropout>(options.dropout()));
  fc = register_module("fc", std::make_shared<nn::Linear>(1024, options.num_classes()));

  apply([](nn::Module& m) {
    if (auto* conv = dynamic_cast<nn::Conv2d*>(&m)) {
      detail::trunc_normal_(conv->weight, 0.0, 0.01, -2.0, 2.0);
    } else if (auto* linear = dynamic_cast<nn::Linear*>(&m)) {
      detail::trunc_normal_(linear->weight, 0.0, 0.01, -2.0, 2.0);
    } else if (auto* bn = dynamic_cast<nn::BatchNorm2d*>(&m)) {
      nn::init::ones_(bn->weight);
      nn::init::zeros_(bn->bias);
    }
  });
}

Tensor GoogLeNet::forward(const Tensor& x) {
  aux1_logits_ = Tensor();
  aux2_logits_ = Tensor();
  const bool run_aux = is_training() && options.aux_logits();

  Tensor y = (*conv1)(x);
  if (maxpool1) y = (*maxpool1)(y);
  y = (*maxpool2)((*conv3)((*conv2)(y)));
  y = (*maxpool3)((*inception3b)((*inception3a)(y)));
  y = (*inception4a)(y);
  if (run_aux) aux1_logits_ = (*aux1)(y);
  y = (*inception4d)((*inception4c)((*inception4b)(y)));
  if (run_aux) aux2_logits_ = (*aux2)(y);
  y = (*maxpool4)((*inception4e)(y));
  y = (*inception5b)((*inception5a)(y));
  return (*fc)((*dropout)((*avgpool)(y).flatten(1)));
}

std::vector<std::pair<Tensor, double>> GoogLeNet::auxiliary() const {
  std::vector<std::pair<Tensor, double>> out;
  if (aux1_logits_.defined()) out.emplace_back(aux1_logits_, options.aux_weight());
  if (aux2_logits_.defined()) out.emplace_back(aux2_logits_, options.aux_weight());
  return out;
}

NABLA_REGISTER_MODEL(
    "googlenet", "GoogLeNet / Inception v1 (Szegedy et al. 2014), torchvision's, with aux1/aux2",
    [](const ModelConfig& c) {
      return std::make_shared<GoogLeNet>(GoogLeNetOptions()
                                             .in_channels(c.in_channels)
                                             .num_classes(c.num_classes)
                                             .small_input(detail::small_input(c)));
    });

}  // namespace nabla::models
