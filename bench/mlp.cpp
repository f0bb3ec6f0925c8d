// nabla's side of the MLP benchmark: training steps (forward, cross-entropy,
// backward, SGD with momentum) of the workloads bench/mlp_torch.py times.
//   ./build/bench/bench_mlp mlp128 | mlp1 [STEPS]
// With STEPS, runs 5 warm-up steps and then exactly STEPS steps, untimed: a
// fixed amount of work for profilers (valgrind --tool=callgrind, perf).
// Prints one JSON line: {"workload", "steps_per_s", "ms_per_step"}.
#include <nabla/nabla.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

using namespace nabla;

int main(int argc, char** argv) {
  const std::string name = argc > 1 ? argv[1] : "mlp128";
  std::vector<int64_t> sizes;
  int64_t batch = 0;
  if (name == "mlp128") {
    sizes = {784, 256, 128, 10};
    batch = 128;
  } else if (name == "mlp1") {
    sizes = {784, 32, 10};
    batch = 1;
  } else {
    std::fprintf(stderr, "unknown workload '%s' (mlp128 | mlp1)\n", name.c_str());
    return 2;
  }
  manual_seed(0);
  auto model = std::make_shared<nn::Sequential>();
  for (size_t i = 0; i + 1 < sizes.size(); ++i) {
    model->push_back(std::make_shared<nn::Linear>(sizes[i], sizes[i + 1]));
    if (i + 2 < sizes.size()) model->push_back(std::make_shared<nn::ReLU>());
  }
  optim::SGD opt(model->parameters(), optim::SGDOptions(0.01).momentum(0.9));
  const Tensor x = randn({batch, sizes[0]});
  const Tensor y = randint(0, sizes.back(), {batch});

  auto step = [&] {
    opt.zero_grad();
    Tensor loss = cross_entropy(model->forward(x), y);
    loss.backward();
    opt.step();
  };
  using clock = std::chrono::steady_clock;
  auto seconds = [](clock::time_point a) {
    return std::chrono::duration<double>(clock::now() - a).count();
  };
  if (argc > 2) {
    for (int i = 0; i < 5; ++i) step();
    const long steps = std::stol(argv[2]);
    for (long i = 0; i < steps; ++i) step();
    return 0;
  }
  for (int i = 0; i < 50; ++i) step();
  // Timed blocks of about 0.3 s; the median block is reported.
  int64_t n = 10;
  while (true) {
    const auto t = clock::now();
    for (int64_t i = 0; i < n; ++i) step();
    if (seconds(t) > 0.3) break;
    n *= 2;
  }
  std::vector<double> blocks;
  for (int b = 0; b < 7; ++b) {
    const auto t = clock::now();
    for (int64_t i = 0; i < n; ++i) step();
    blocks.push_back(seconds(t) / static_cast<double>(n));
  }
  std::sort(blocks.begin(), blocks.end());
  const double s = blocks[blocks.size() / 2];
  std::printf("{\"workload\": \"%s\", \"steps_per_s\": %.1f, \"ms_per_step\": %.4f}\n",
              name.c_str(), 1.0 / s, s * 1e3);
  return 0;
}
