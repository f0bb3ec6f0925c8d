// tiny-dnn's side of the side-by-side benchmark (bench/run, bench/PROTOCOL.md):
// the protocol's workloads in tiny-dnn 1.0.0a3 (Debian's header-only
// package), one (workload, mode) per process, timed as nabla's
// bench/workloads.cpp and bench/peers/torch_workloads.py time theirs.
//
//   ./build/bench/bench_tinydnn WORKLOAD MODE [--threads 2] [--blocks 5]
//       [--min-time 0.5] [--data DIR] [--epochs 2] [--seed 0] [--steps N]
//   WORKLOAD: mlp | lenet | vgg-small-bn | resnet20 | mlp-b1
//   MODE:     train | infer | accuracy
//
// Prints one JSON line (PROTOCOL.md). --steps N runs 3 warm-up steps and
// then exactly N steps, untimed: a fixed amount of work for profilers.
//
// How the workloads map onto tiny-dnn, and where they differ from PyTorch's:
// - Cross-entropy: the last layer is fully_connected_layer<softmax>, trained
//   with cross_entropy_multiclass (E = -Σ t log y, t one-hot). Through the
//   softmax's Jacobian its gradient -t/y becomes y - t, the gradient of
//   PyTorch's cross_entropy on the logits. Inference outputs probabilities
//   (one 10-wide softmax more than PyTorch's logits).
// - Gradients are batch means, as PyTorch's: layer::update_weight sums the
//   per-sample gradients and divides by the batch size.
// - Initialisation: weight_init::lecun for weights and biases,
//   U(-1/√fan_in, 1/√fan_in), PyTorch's default for Linear and Conv2d.
// - vgg-small-bn: tiny-dnn's batch_normalization_layer normalises only, it
//   has no affine γ, β (PyTorch's BatchNorm2d has); its running statistics
//   use momentum 0.9 here (PyTorch's 0.1 in the other convention); it divides
//   the batch variance by N-1 (PyTorch by N; N = 128·28·28 or 128·14·14).
//   ReLU after BN is a linear_layer<relu> (h(1·x + 0)). Dropout is
//   tiny-dnn's dropout_layer with its backward fixed (Dropout below).
// - resnet20: unsupported (kResnetUnsupported says why).
// - Optimizers: see Momentum and Adam below.
// - Threads: --threads through omp_set_num_threads, on OpenMP's pool as
//   peers/tiny_dnn_omp/tiny_dnn/util/parallel_for.h runs it (which says why
//   not on tiny-dnn's own OpenMP parallel_for).
#include <omp.h>
#include <sys/resource.h>
#include <tiny_dnn/tiny_dnn.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <functional>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

namespace td = tiny_dnn;

namespace {

constexpr const char* kProg = "bench_tinydnn";
constexpr double kMean = 0.2860, kStd = 0.3530;  // Fashion-MNIST's pixel statistics

constexpr const char* kResnetUnsupported =
    "residual blocks need tiny-dnn's network<graph>, and in 1.0.0a3 a tensor read by two layers "
    "does not get the sum of their gradients (elementwise_add_layer and a padded "
    "convolution_layer each overwrite the shared gradient), so the shortcut or the branch "
    "would lose its gradient; nor has it a layer for option-A shortcuts (x[:, :, ::2, ::2] "
    "with zero-padded channels)";

struct Args {
  std::string workload, mode;
  int threads = 2;
  int blocks = 5;
  double min_time = 0.5;
  std::string data = "/usr/share/datasets/fashion-mnist";
  int epochs = 2;
  unsigned seed = 0;
  long steps = 0;
};

[[noreturn]] void bad_argument(const std::string& message) {
  std::fprintf(stderr, "%s: error: %s\n", kProg, message.c_str());
  std::exit(2);
}

template <typename T>
T parse_number(const std::string& name, const std::string& text, bool positive) {
  size_t used = 0;
  T value{};
  try {
    if constexpr (std::is_floating_point_v<T>) {
      value = static_cast<T>(std::stod(text, &used));
    } else {
      value = static_cast<T>(std::stol(text, &used));
    }
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size())
    bad_argument("argument " + name + ": '" + text + "' is not a number");
  if (positive ? !(value > 0) : value < 0)
    bad_argument("argument " + name + ": '" + text + "' must be " +
                 (positive ? "positive" : "non-negative"));
  return value;
}

Args parse_args(int argc, char** argv) {
  Args a;
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i], value;
    if (arg.rfind("--", 0) != 0) {
      positional.push_back(arg);
      continue;
    }
    if (const size_t eq = arg.find('='); eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      bad_argument("argument " + arg + ": expected a value");
    }
    if (arg == "--threads") {
      a.threads = parse_number<int>(arg, value, true);
    } else if (arg == "--blocks") {
      a.blocks = parse_number<int>(arg, value, true);
    } else if (arg == "--min-time") {
      a.min_time = parse_number<double>(arg, value, false);
    } else if (arg == "--data") {
      a.data = value;
    } else if (arg == "--epochs") {
      a.epochs = parse_number<int>(arg, value, true);
    } else if (arg == "--seed") {
      a.seed = parse_number<unsigned>(arg, value, false);
    } else if (arg == "--steps") {
      a.steps = parse_number<long>(arg, value, true);
    } else {
      bad_argument("unknown argument " + arg);
    }
  }
  if (positional.size() != 2)
    bad_argument("the arguments WORKLOAD and MODE are required (and nothing else positional)");
  a.workload = positional[0];
  a.mode = positional[1];
  const std::vector<std::string> workloads = {"mlp", "lenet", "vgg-small-bn", "resnet20", "mlp-b1"};
  if (std::find(workloads.begin(), workloads.end(), a.workload) == workloads.end())
    bad_argument("argument WORKLOAD: '" + a.workload +
                 "' is not one of mlp, lenet, vgg-small-bn, resnet20, mlp-b1");
  if (a.mode != "train" && a.mode != "infer" && a.mode != "accuracy")
    bad_argument("argument MODE: '" + a.mode + "' is not one of train, infer, accuracy");
  if (a.mode == "accuracy" && a.workload != "lenet")
    bad_argument("argument MODE: accuracy is for lenet only, not '" + a.workload + "'");
  return a;
}

// ---- data: Fashion-MNIST's gzipped IDX files, read with zlib (tiny-dnn's
// parse_mnist_images reads uncompressed files only).

std::vector<uint8_t> read_gz(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) throw std::runtime_error("cannot open " + path);
  std::vector<uint8_t> bytes;
  std::vector<uint8_t> chunk(1 << 20);
  while (true) {
    const int got = gzread(f, chunk.data(), static_cast<unsigned>(chunk.size()));
    if (got < 0) {
      int code = 0;
      const std::string why = gzerror(f, &code);
      gzclose(f);
      throw std::runtime_error(path + ": " + why);
    }
    if (got == 0) break;
    bytes.insert(bytes.end(), chunk.begin(), chunk.begin() + got);
  }
  gzclose(f);
  return bytes;
}

uint32_t big_endian(const std::vector<uint8_t>& b, size_t at) {
  return uint32_t{b[at]} << 24 | uint32_t{b[at + 1]} << 16 | uint32_t{b[at + 2]} << 8 |
         uint32_t{b[at + 3]};
}

struct Split {
  std::vector<td::vec_t> images;  // 784 floats each, (x/255 - mean)/std
  std::vector<td::label_t> labels;
};

// prefix: "train" or "t10k".
Split load_split(const std::string& dir, const std::string& prefix) {
  const std::string image_path = dir + "/" + prefix + "-images-idx3-ubyte.gz";
  const std::string label_path = dir + "/" + prefix + "-labels-idx1-ubyte.gz";
  const std::vector<uint8_t> im = read_gz(image_path), lb = read_gz(label_path);
  if (im.size() < 16 || big_endian(im, 0) != 0x803)
    throw std::runtime_error(image_path + ": not an IDX image file (expected magic 0x00000803)");
  const size_t n = big_endian(im, 4), rows = big_endian(im, 8), cols = big_endian(im, 12);
  if (rows != 28 || cols != 28)
    throw std::runtime_error(image_path + ": images are " + std::to_string(rows) + "x" +
                             std::to_string(cols) + ", expected 28x28");
  if (im.size() != 16 + n * 784)
    throw std::runtime_error(image_path + ": " + std::to_string(im.size()) + " bytes, expected " +
                             std::to_string(16 + n * 784) + " for " + std::to_string(n) +
                             " images");
  if (lb.size() < 8 || big_endian(lb, 0) != 0x801)
    throw std::runtime_error(label_path + ": not an IDX label file (expected magic 0x00000801)");
  if (big_endian(lb, 4) != n || lb.size() != 8 + n)
    throw std::runtime_error(label_path + ": " + std::to_string(big_endian(lb, 4)) + " labels in " +
                             std::to_string(lb.size()) + " bytes, expected " + std::to_string(n) +
                             " labels as in " + image_path);
  Split s;
  s.images.reserve(n);
  s.labels.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    td::vec_t x(784);
    for (size_t j = 0; j < 784; ++j)
      x[j] = static_cast<float>((im[16 + i * 784 + j] / 255.0 - kMean) / kStd);
    s.images.push_back(std::move(x));
    if (lb[8 + i] > 9)
      throw std::runtime_error(label_path + ": label " + std::to_string(lb[8 + i]) + " at offset " +
                               std::to_string(8 + i) + ", expected 0..9");
    s.labels.push_back(lb[8 + i]);
  }
  return s;
}

// Consecutive batches of `batch` samples for net.predict (a sample is a
// tensor_t of one channel); a last partial batch is kept.
std::vector<std::vector<td::tensor_t>> predict_batches(std::vector<td::vec_t>& images,
                                                       size_t batch) {
  std::vector<std::vector<td::tensor_t>> batches;
  for (size_t i = 0; i < images.size(); i += batch) {
    std::vector<td::tensor_t> b;
    for (size_t j = i; j < std::min(images.size(), i + batch); ++j)
      b.push_back(td::tensor_t{std::move(images[j])});
    batches.push_back(std::move(b));
  }
  images.clear();
  return batches;
}

// ---- layers and optimizers

// tiny-dnn 1.0.0a3's dropout_layer::back_propagation loops over the batch
// size instead of the features (for 256 features at batch 128 only the first
// 128 get a gradient) and leaves out the forward pass's scale 1/(1-p).
// This is its backward as it should be: dx = mask · dy / (1-p).
// (Its forward keeps a unit with probability p and scales by 1/(1-p): the
// same as PyTorch's at p = 0.5 only, the rate used here.)
class Dropout : public td::dropout_layer {
 public:
  using td::dropout_layer::dropout_layer;

  void back_propagation(const std::vector<td::tensor_t*>& in_data,
                        const std::vector<td::tensor_t*>& out_data,
                        std::vector<td::tensor_t*>& out_grad,
                        std::vector<td::tensor_t*>& in_grad) override {
    td::tensor_t& dx = *in_grad[0];
    const td::tensor_t& dy = *out_grad[0];
    const float scale = 1.0f / (1.0f - dropout_rate());
    for (size_t s = 0; s < dx.size(); ++s) {
      const std::vector<uint8_t>& mask = get_mask(static_cast<td::serial_size_t>(s));
      for (size_t i = 0; i < dy[s].size(); ++i) dx[s][i] = mask[i] * scale * dy[s][i];
    }
  }
};

// SGD with momentum, tiny_dnn::momentum: V = mu V - alpha g, W += V. With a
// constant learning rate this is PyTorch's b = mu b + g, W -= lr b (V = -lr b).
// network::fit (which train calls) calls optimizer.reset() at every call,
// dropping the velocities; each timed step is one train call, so reset does
// nothing here: the velocities live across steps, as PyTorch's do.
struct Momentum : td::momentum {
  Momentum(float lr, float momentum) {
    alpha = lr;
    mu = momentum;
  }
  void reset() override {}
};

// Adam as PyTorch's (lr 1e-3, betas 0.9/0.999, eps 1e-8):
//   m = b1 m + (1-b1) g,  v = b2 v + (1-b2) g²,
//   W -= lr · (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps),  t = this parameter's step.
// tiny_dnn::adam has the same loops and costs, but in 1.0.0a3 it advances its
// b1^t, b2^t once per update() call, i.e. once per parameter tensor (10 times
// a LeNet step, from b1² at the first call), so its bias corrections run ten
// times ahead of the step count: its steps come out 0.5 times PyTorch's at
// the first step, up to 2.8 times at step 50, still 1.6 times at step 469
// (one epoch); and it puts eps inside the sqrt. Like Momentum, reset does
// nothing so that the moments live across train calls.
struct Adam : td::stateful_optimizer<2> {
  float alpha = 1e-3f, b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
  std::unordered_map<const td::vec_t*, int64_t> step;

  void reset() override {}
  void update(const td::vec_t& dW, td::vec_t& W, bool parallelize) override {
    td::vec_t& m = get<0>(W);
    td::vec_t& v = get<1>(W);
    const int64_t t = ++step[&W];
    const float c1 = 1.0f - std::pow(b1, static_cast<float>(t));
    const float c2 = 1.0f - std::pow(b2, static_cast<float>(t));
    td::for_i(parallelize, static_cast<int>(W.size()), [&](int i) {
      m[i] = b1 * m[i] + (1.0f - b1) * dW[i];
      v[i] = b2 * v[i] + (1.0f - b2) * dW[i] * dW[i];
      W[i] -= alpha * (m[i] / c1) / (std::sqrt(v[i] / c2) + eps);
    });
  }
};

using Net = td::network<td::sequential>;
using td::activation::identity;
using td::activation::relu;
using td::activation::softmax;
template <typename A>
using Fc = td::fully_connected_layer<A>;
template <typename A>
using Conv = td::convolutional_layer<A>;
using MaxPool = td::max_pooling_layer<identity>;

// [Conv3×3 pad 1 (bias) → BatchNorm → ReLU] on side×side images.
void conv_bn_relu(Net& net, td::serial_size_t side, td::serial_size_t in, td::serial_size_t out) {
  const td::serial_size_t area = side * side;
  net << Conv<identity>(side, side, 3, in, out, td::padding::same)
      << td::batch_normalization_layer(area, out, 1e-5f, 0.9f)
      << td::linear_layer<relu>(area * out);
}

void build(Net& net, const std::string& workload) {
  if (workload == "mlp") {
    net << Fc<relu>(784, 256) << Fc<relu>(256, 128) << Fc<softmax>(128, 10);
  } else if (workload == "mlp-b1") {
    net << Fc<relu>(784, 32) << Fc<softmax>(32, 10);
  } else if (workload == "lenet") {
    net << Conv<relu>(28, 28, 5, 1, 6, td::padding::same)         // 28→28, as PyTorch's padding 2
        << MaxPool(28, 28, 6, 2) << Conv<relu>(14, 14, 5, 6, 16)  // 14→10
        << MaxPool(10, 10, 16, 2) << Fc<relu>(400, 120) << Fc<relu>(120, 84) << Fc<softmax>(84, 10);
  } else {  // vgg-small-bn
    conv_bn_relu(net, 28, 1, 32);
    conv_bn_relu(net, 28, 32, 32);
    net << MaxPool(28, 28, 32, 2);
    conv_bn_relu(net, 14, 32, 64);
    conv_bn_relu(net, 14, 64, 64);
    net << MaxPool(14, 14, 64, 2) << Fc<relu>(64 * 7 * 7, 256) << Dropout(256, 0.5f)
        << Fc<softmax>(256, 10);
  }
}

// One training call of tiny-dnn over `images` (one epoch at `batch`).
using TrainFn = std::function<void(const std::vector<td::vec_t>& images,
                                   const std::vector<td::label_t>& labels, size_t batch)>;

TrainFn make_trainer(Net& net, const std::string& workload) {
  if (workload == "lenet") {
    auto opt = std::make_shared<Adam>();
    return [&net, opt](const auto& images, const auto& labels, size_t batch) {
      net.train<td::cross_entropy_multiclass>(*opt, images, labels, batch, 1);
    };
  }
  auto opt = std::make_shared<Momentum>(0.01f, 0.9f);
  return [&net, opt](const auto& images, const auto& labels, size_t batch) {
    net.train<td::cross_entropy_multiclass>(*opt, images, labels, batch, 1);
  };
}

// ---- timing and output

double peak_rss_mib() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_maxrss) / 1024.0;  // ru_maxrss is in KiB
}

void print_result(const Args& a, int64_t batch, const std::vector<double>& images_per_s,
                  double accuracy, double seconds) {
  std::string rates, acc = "null";
  char buf[64];
  for (double r : images_per_s) {
    std::snprintf(buf, sizeof buf, "%.1f", r);
    rates += (rates.empty() ? "" : ", ") + std::string(buf);
  }
  if (accuracy >= 0) {
    std::snprintf(buf, sizeof buf, "%.4f", accuracy);
    acc = buf;
  }
  std::printf(
      "{\"framework\": \"tiny-dnn\", \"workload\": \"%s\", \"mode\": \"%s\", \"batch\": %lld, "
      "\"images_per_s\": [%s], \"peak_rss_mib\": %.1f, \"accuracy\": %s, \"seconds\": %.2f}\n",
      a.workload.c_str(), a.mode.c_str(), static_cast<long long>(batch), rates.c_str(),
      peak_rss_mib(), acc.c_str(), seconds);
}

void print_unsupported(const Args& a, const std::string& why) {
  std::printf(
      "{\"framework\": \"tiny-dnn\", \"workload\": \"%s\", \"mode\": \"%s\", "
      "\"unsupported\": \"%s\"}\n",
      a.workload.c_str(), a.mode.c_str(), why.c_str());
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
    for (long i = 0; i < a.steps; ++i) step();
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

// Predicted class of each output of net.predict (probabilities, one channel).
size_t count_correct(const std::vector<td::tensor_t>& out, const std::vector<td::label_t>& labels,
                     size_t first) {
  size_t correct = 0;
  for (size_t s = 0; s < out.size(); ++s) {
    const td::vec_t& p = out[s][0];
    const auto best = std::max_element(p.begin(), p.end()) - p.begin();
    correct += static_cast<size_t>(best) == labels[first + s];
  }
  return correct;
}

int run(const Args& a) {
  const auto start = Clock::now();
  if (a.workload == "resnet20") {
    print_unsupported(a, kResnetUnsupported);
    return 0;
  }
  if (a.mode == "infer" && a.workload == "mlp-b1") {
    print_unsupported(a, "mlp-b1 is a training-step workload");
    return 0;
  }
  omp_set_num_threads(a.threads);
  Net net;
  build(net, a.workload);
  net.weight_init(td::weight_init::lecun()).bias_init(td::weight_init::lecun());
  td::set_random_seed(a.seed);
  net.init_weight();

  if (a.mode == "accuracy") {
    // tiny-dnn's own training loop: one net.train call per epoch (one epoch
    // each, batch 128, the last partial batch kept), reshuffled in between by
    // the seed. The timed part is the epochs (shuffles included); each train
    // call also copies the training set into tiny-dnn's tensors.
    Split train = load_split(a.data, "train");
    Split test = load_split(a.data, "t10k");
    const std::vector<td::label_t> test_labels = test.labels;
    const auto test_batches = predict_batches(test.images, 1000);
    TrainFn train_epoch = make_trainer(net, a.workload);
    std::mt19937_64 gen(a.seed);
    const size_t n = train.images.size();
    std::vector<size_t> order(n);
    const auto t = Clock::now();
    for (int e = 0; e < a.epochs; ++e) {
      std::iota(order.begin(), order.end(), size_t{0});
      std::shuffle(order.begin(), order.end(), gen);
      Split shuffled;
      shuffled.images.reserve(n);
      shuffled.labels.reserve(n);
      for (size_t i : order) {
        shuffled.images.push_back(std::move(train.images[i]));
        shuffled.labels.push_back(train.labels[i]);
      }
      train = std::move(shuffled);
      train_epoch(train.images, train.labels, 128);
    }
    const double train_rate = static_cast<double>(n) * a.epochs / since(t);
    net.set_netphase(td::net_phase::test);
    size_t correct = 0, first = 0;
    for (const auto& b : test_batches) {
      correct += count_correct(net.predict(b), test_labels, first);
      first += b.size();
    }
    print_result(a, 128, {train_rate},
                 static_cast<double>(correct) / static_cast<double>(test_labels.size()),
                 since(start));
    return 0;
  }

  if (a.mode == "infer") {
    // One step: net.predict on a batch of 1000 test images, the network in
    // its test phase (BN's running statistics, no dropout). predict over a
    // std::vector<tensor_t> is tiny-dnn's batched forward: each layer runs
    // once over the batch, its kernels parallel over the samples. On one
    // thread it is as fast as the per-image predict(vec_t) that net.test
    // uses (tiny-dnn has no batched GEMM), but only it can use the threads.
    // tiny-dnn sizes every per-sample buffer to the batch, per-sample weight
    // gradients included, even here: VGG-small peaks near 7 GB at 1000.
    const int64_t batch = 1000;
    Split test = load_split(a.data, "t10k");
    const size_t batches = test.images.size() / batch;
    auto data = predict_batches(test.images, batch);
    net.set_netphase(td::net_phase::test);
    size_t k = 0;
    const auto rates = time_steps(a, batch, [&] {
      const std::vector<td::tensor_t> out = net.predict(data[k++ % batches]);
      (void)out;
    });
    print_result(a, batch, rates, -1, since(start));
    return 0;
  }

  // train. One step: net.train<cross_entropy_multiclass>(opt, images, labels,
  // batch, 1 epoch) over one preloaded batch, i.e. tiny-dnn's own training
  // call doing one step: it copies the batch into its input tensors and the
  // labels into one-hot targets, runs forward, the loss gradient and
  // backward, the optimizer over every parameter and BN's running
  // statistics. One train call over the whole set does the same work per
  // batch (it copies the set once up front) but gives no way to time n
  // batches. Batches are consecutive in the training set and wrap around
  // after its last full batch (468 of 128, 60000 of 1).
  const int64_t batch = a.workload == "mlp-b1" ? 1 : 128;
  Split train = load_split(a.data, "train");
  const size_t batches = train.images.size() / static_cast<size_t>(batch);
  std::vector<Split> data(batches);
  for (size_t b = 0; b < batches; ++b) {
    for (size_t j = b * batch; j < (b + 1) * batch; ++j) {
      data[b].images.push_back(std::move(train.images[j]));
      data[b].labels.push_back(train.labels[j]);
    }
  }
  train = Split{};
  TrainFn train_step = make_trainer(net, a.workload);
  size_t k = 0;
  const auto rates = time_steps(a, batch, [&] {
    const Split& d = data[k++ % batches];
    train_step(d.images, d.labels, static_cast<size_t>(batch));
  });
  print_result(a, batch, rates, -1, since(start));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const Args a = parse_args(argc, argv);
  try {
    return run(a);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", kProg, e.what());
    return 1;
  }
}
