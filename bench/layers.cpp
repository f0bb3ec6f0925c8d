// nabla's side of the vision-layer benchmark: forward + backward of one conv,
// pooling or batch-norm layer at LeNet, VGG-small and ResNet-18 shapes, the
// workloads bench/layers_torch.py times. One step: clear the gradients of
// the input and the parameters, y = layer(x), sum(y).backward().
//   ./build/bench/bench_layers WORKLOAD [STEPS]
// With STEPS, runs 3 warm-up steps and then exactly STEPS steps, untimed: a
// fixed amount of work for profilers (valgrind --tool=callgrind, perf).
// Prints one JSON line: {"workload", "ms_per_step"}.
#include <nabla/nabla.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <vector>

using namespace nabla;

namespace {

struct Workload {
  const char* name;
  Shape input;
  std::function<std::shared_ptr<nn::Module>()> layer;
};

// Same names, shapes and batches as WORKLOADS in bench/layers_torch.py. The
// ResNet-18 convolutions on 32×32 run at batch 32 (at 128 one step of
// conv3x3 takes ≈ 0.2 s, too long for short timed blocks).
std::vector<Workload> workloads() {
  using nn::Conv2dOptions;
  auto conv = [](Conv2dOptions o) { return [o] { return std::make_shared<nn::Conv2d>(o); }; };
  auto maxpool2 = [] { return std::make_shared<nn::MaxPool2d>(2); };
  return {
      {"lenet_conv1", {128, 1, 28, 28}, conv(Conv2dOptions(1, 6, 5).padding(2))},
      {"lenet_pool1", {128, 6, 28, 28}, maxpool2},
      {"lenet_conv2", {128, 6, 14, 14}, conv(Conv2dOptions(6, 16, 5))},
      {"lenet_pool2", {128, 16, 10, 10}, maxpool2},
      {"vgg_conv", {128, 64, 14, 14}, conv(Conv2dOptions(64, 64, 3).padding(1))},
      {"vgg_pool", {128, 64, 14, 14}, maxpool2},
      {"vgg_bn",
       {128, 64, 14, 14},
       [] { return std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions(64)); }},
      {"resnet_conv3x3", {32, 64, 32, 32}, conv(Conv2dOptions(64, 64, 3).padding(1).bias(false))},
      {"resnet_conv_s2",
       {32, 64, 32, 32},
       conv(Conv2dOptions(64, 128, 3).stride(2).padding(1).bias(false))},
      {"resnet_1x1_s2", {32, 64, 32, 32}, conv(Conv2dOptions(64, 128, 1).stride(2).bias(false))},
      {"resnet_avgpool",
       {128, 512, 4, 4},
       [] { return std::make_shared<nn::AdaptiveAvgPool2d>(1); }},
      // ResNet-20's three stages (CIFAR, batch 128): 16, 32 and 64 channels
      {"resnet20_conv16", {128, 16, 32, 32}, conv(Conv2dOptions(16, 16, 3).padding(1).bias(false))},
      {"resnet20_conv32", {128, 32, 16, 16}, conv(Conv2dOptions(32, 32, 3).padding(1).bias(false))},
      {"resnet20_conv64", {128, 64, 8, 8}, conv(Conv2dOptions(64, 64, 3).padding(1).bias(false))},
      {"resnet20_bn16",
       {128, 16, 32, 32},
       [] { return std::make_shared<nn::BatchNorm2d>(nn::BatchNormOptions(16)); }},
  };
}

}  // namespace

int main(int argc, char** argv) {
  const std::string name = argc > 1 ? argv[1] : "lenet_conv1";
  const std::vector<Workload> all = workloads();
  const auto it =
      std::find_if(all.begin(), all.end(), [&](const Workload& w) { return w.name == name; });
  if (it == all.end()) {
    std::string names;
    for (const Workload& w : all) names += std::string(names.empty() ? "" : " | ") + w.name;
    std::fprintf(stderr, "unknown workload '%s' (%s)\n", name.c_str(), names.c_str());
    return 2;
  }
  manual_seed(0);
  const std::shared_ptr<nn::Module> layer = it->layer();
  Tensor x = randn(it->input);
  x.requires_grad_();

  auto step = [&] {
    layer->zero_grad();
    x.set_grad(Tensor());
    sum(layer->forward(x)).backward();
  };
  using clock = std::chrono::steady_clock;
  auto seconds = [](clock::time_point a) {
    return std::chrono::duration<double>(clock::now() - a).count();
  };
  if (argc > 2) {
    for (int i = 0; i < 3; ++i) step();
    const long steps = std::stol(argv[2]);
    for (long i = 0; i < steps; ++i) step();
    return 0;
  }
  // Warm-up of at least 3 steps and 0.1 s (the caching allocator fills,
  // pages are touched); then 5 timed blocks of about 0.2 s, the median
  // block is reported.
  int64_t warm = 0;
  const auto t0 = clock::now();
  while (warm < 3 || seconds(t0) < 0.1) {
    step();
    ++warm;
  }
  const double per_step = seconds(t0) / static_cast<double>(warm);
  const auto n = std::max<int64_t>(1, std::llround(0.2 / per_step));
  std::vector<double> blocks;
  for (int b = 0; b < 5; ++b) {
    const auto t = clock::now();
    for (int64_t i = 0; i < n; ++i) step();
    blocks.push_back(seconds(t) / static_cast<double>(n));
  }
  std::sort(blocks.begin(), blocks.end());
  const double s = blocks[blocks.size() / 2];
  std::printf("{\"workload\": \"%s\", \"ms_per_step\": %.4f}\n", name.c_str(), s * 1e3);
  return 0;
}
