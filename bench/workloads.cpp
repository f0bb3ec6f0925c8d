// nabla's side of the side-by-side benchmark (bench/run): the workloads of
// bench/PROTOCOL.md, one (workload, mode) per process, timed as the peers
// bench/peers/torch_workloads.py and bench/peers/tinydnn.cpp time them.
//
//   ./build/bench/bench_workloads WORKLOAD MODE [--threads 2] [--blocks 5]
//       [--min-time 0.5] [--data DIR] [--epochs 2] [--seed 0] [--steps N]
//   WORKLOAD: mlp | lenet | vgg-small-bn | resnet20 | mlp-b1
//   MODE:     train | infer | accuracy
//
// Prints one JSON line (PROTOCOL.md). --steps N runs a few warm-up steps and
// then exactly N steps, untimed: a fixed amount of work for perf and callgrind.
#include <CLI/CLI.hpp>
#include <nabla/nabla.h>
#include <omp.h>
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

using namespace nabla;

namespace {

struct Args {
  std::string workload, mode;
  int threads = 2;
  int blocks = 5;
  double min_time = 0.5;
  std::string data = "/usr/share/datasets/fashion-mnist";
  int epochs = 2;
  uint64_t seed = 0;
  int64_t steps = 0;
};

constexpr double kMean = 0.2860, kStd = 0.3530;  // Fashion-MNIST's pixel statistics

// (N, 1, 28, 28) u8 → f32, normalised as the peers do.
// In place, so that peak memory is the data set's f32 copy, not four of them.
Tensor normalise(const Tensor& images) {
  Tensor x = images.to(kFloat32);
  x.mul_(1.0 / (255.0 * kStd));
  x.add_(scalar_tensor(-kMean / kStd));
  return x;
}

std::shared_ptr<nn::Module> make_mlp(const std::vector<int64_t>& sizes) {
  auto model = std::make_shared<nn::Sequential>();
  model->push_back(std::make_shared<nn::Flatten>());
  for (size_t i = 0; i + 1 < sizes.size(); ++i) {
    model->push_back(std::make_shared<nn::Linear>(sizes[i], sizes[i + 1]));
    if (i + 2 < sizes.size()) model->push_back(std::make_shared<nn::ReLU>());
  }
  return model;
}

std::shared_ptr<nn::Module> make_model(const std::string& workload) {
  if (workload == "mlp") return make_mlp({784, 256, 128, 10});
  if (workload == "mlp-b1") return make_mlp({784, 32, 10});
  if (workload == "resnet20") return models::create("resnet20", {3, 32, 10});
  if (workload == "lenet") return models::create("lenet5", {1, 28, 10});
  return models::create("vgg-small-bn", {1, 28, 10});
}

std::unique_ptr<optim::Optimizer> make_optimizer(const std::string& workload,
                                                 const nn::Module& model) {
  if (workload == "lenet")
    return std::make_unique<optim::Adam>(model.parameters(), optim::AdamOptions(1e-3));
  const double lr = workload == "resnet20" ? 0.1 : 0.01;
  return std::make_unique<optim::SGD>(model.parameters(), optim::SGDOptions(lr).momentum(0.9));
}

// The inputs and labels a mode iterates over, preloaded: Fashion-MNIST's
// training or test half, or for resnet20 a pool of 8 synthetic batches.
struct Data {
  Tensor inputs, labels;
};

Data load_data(const Args& a, bool train, int64_t batch) {
  if (a.workload == "resnet20") {
    Generator gen(a.seed);
    return {randn({8 * batch, 3, 32, 32}, {}, &gen), randint(0, 10, {8 * batch}, kInt64, &gen)};
  }
  const data::Split split = data::load_dataset(a.data);
  const auto& set = dynamic_cast<const data::TensorDataset&>(train ? *split.train : *split.test);
  return {normalise(set.inputs()), set.targets()};
}

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB
}

void print_result(const Args& a, int64_t batch, const std::vector<double>& images_per_s,
                  double accuracy, double seconds) {
  std::string rates;
  for (double r : images_per_s) rates += (rates.empty() ? "" : ", ") + std::to_string(r);
  std::string acc = accuracy < 0 ? "null" : std::to_string(accuracy);
  std::printf(
      "{\"framework\": \"nabla\", \"workload\": \"%s\", \"mode\": \"%s\", \"batch\": %lld, "
      "\"images_per_s\": [%s], \"peak_rss_mib\": %.1f, \"accuracy\": %s, \"seconds\": %.2f}\n",
      a.workload.c_str(), a.mode.c_str(), static_cast<long long>(batch), rates.c_str(),
      peak_rss_mib(), acc.c_str(), seconds);
}

using Clock = std::chrono::steady_clock;
double since(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// PROTOCOL.md's timing: warm-up (≥ 3 steps and 0.3 s), then n doubled until
// n steps take --min-time, then --blocks blocks of n steps: images/s each.
std::vector<double> time_steps(const Args& a, int64_t batch, const std::function<void()>& step) {
  if (a.steps > 0) {  // fixed work for a profiler
    for (int i = 0; i < 3; ++i) step();
    for (int64_t i = 0; i < a.steps; ++i) step();
    return {};
  }
  const auto warm = Clock::now();
  for (int i = 0; i < 3 || since(warm) < 0.3; ++i) step();
  int64_t n = 1;
  while (true) {
    const auto t = Clock::now();
    for (int64_t i = 0; i < n; ++i) step();
    if (since(t) >= a.min_time) break;
    n *= 2;
  }
  std::vector<double> rates;
  for (int b = 0; b < a.blocks; ++b) {
    const auto t = Clock::now();
    for (int64_t i = 0; i < n; ++i) step();
    rates.push_back(static_cast<double>(n * batch) / since(t));
  }
  return rates;
}

int run(const Args& a) {
  const auto start = Clock::now();
  manual_seed(a.seed);
  omp_set_num_threads(a.threads);
  auto model = make_model(a.workload);

  if (a.mode == "accuracy") {
    if (a.workload != "lenet") {
      std::fprintf(stderr, "bench_workloads: --mode accuracy is for lenet only, not '%s'\n",
                   a.workload.c_str());
      return 2;
    }
    const Data train = load_data(a, true, 128), test = load_data(a, false, 1000);
    auto opt = make_optimizer(a.workload, *model);
    Generator gen(a.seed);
    const int64_t n = train.inputs.size(0);
    const auto t = Clock::now();
    model->train();
    for (int e = 0; e < a.epochs; ++e) {
      const Tensor order = randperm(n, &gen);
      for (int64_t i = 0; i < n; i += 128) {
        const Tensor idx = order.narrow(0, i, std::min<int64_t>(128, n - i));
        opt->zero_grad();
        cross_entropy((*model)(index_select(train.inputs, 0, idx)),
                      index_select(train.labels, 0, idx))
            .backward();
        opt->step();
      }
    }
    const double train_rate = static_cast<double>(n * a.epochs) / since(t);
    model->eval();
    NoGradGuard no_grad;
    int64_t correct = 0;
    const int64_t m = test.inputs.size(0);
    for (int64_t i = 0; i < m; i += 1000) {
      const int64_t b = std::min<int64_t>(1000, m - i);
      const Tensor predicted = argmax((*model)(test.inputs.narrow(0, i, b)), 1);
      correct += sum(eq(predicted, test.labels.narrow(0, i, b))).item<int64_t>();
    }
    print_result(a, 128, {train_rate}, static_cast<double>(correct) / static_cast<double>(m),
                 since(start));
    return 0;
  }

  if (a.mode == "infer") {
    if (a.workload == "mlp-b1") {
      std::printf(
          "{\"framework\": \"nabla\", \"workload\": \"mlp-b1\", \"mode\": \"infer\", "
          "\"unsupported\": \"mlp-b1 is a training-step workload\"}\n");
      return 0;
    }
    const int64_t batch = 1000;
    const Data d = load_data(a, false, batch);
    const int64_t batches = d.inputs.size(0) / batch;
    model->eval();
    NoGradGuard no_grad;
    int64_t k = 0;
    const auto rates = time_steps(a, batch, [&] {
      const Tensor out = (*model)(d.inputs.narrow(0, (k++ % batches) * batch, batch));
      (void)out;
    });
    print_result(a, batch, rates, -1, since(start));
    return 0;
  }

  const int64_t batch = a.workload == "mlp-b1" ? 1 : 128;
  const Data d = load_data(a, true, batch);
  const int64_t batches = d.inputs.size(0) / batch;
  auto opt = make_optimizer(a.workload, *model);
  model->train();
  int64_t k = 0;
  const auto rates = time_steps(a, batch, [&] {
    const int64_t at = (k++ % batches) * batch;
    opt->zero_grad();
    cross_entropy((*model)(d.inputs.narrow(0, at, batch)), d.labels.narrow(0, at, batch))
        .backward();
    opt->step();
  });
  print_result(a, batch, rates, -1, since(start));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args a;
  CLI::App app{"nabla's side of the side-by-side benchmark (bench/PROTOCOL.md)"};
  app.add_option("workload", a.workload, "mlp | lenet | vgg-small-bn | resnet20 | mlp-b1")
      ->required()
      ->check(CLI::IsMember({"mlp", "lenet", "vgg-small-bn", "resnet20", "mlp-b1"}));
  app.add_option("mode", a.mode, "train | infer | accuracy")
      ->required()
      ->check(CLI::IsMember({"train", "infer", "accuracy"}));
  app.add_option("--threads", a.threads, "threads")->check(CLI::PositiveNumber);
  app.add_option("--blocks", a.blocks, "timed blocks")->check(CLI::PositiveNumber);
  app.add_option("--min-time", a.min_time, "seconds a timed block lasts at least");
  app.add_option("--data", a.data, "Fashion-MNIST IDX folder");
  app.add_option("--epochs", a.epochs, "epochs of the accuracy run")->check(CLI::PositiveNumber);
  app.add_option("--seed", a.seed, "seed");
  app.add_option("--steps", a.steps, "run exactly N steps untimed (for profilers)");
  CLI11_PARSE(app, argc, argv);
  try {
    return run(a);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_workloads: error: %s\n", e.what());
    return 1;
  }
}
