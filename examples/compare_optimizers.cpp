// The seed report's optimizer comparison: the same network, data and
// initial weights trained with SGD, Momentum, AdaGrad, RMSprop, Adadelta and
// Adam, each with its textbook hyperparameters, and their loss curves drawn
// in one plot (train loss per iteration, test loss per epoch).
//   ./build/examples/compare_optimizers [--data mnist] [--epochs 10] [--out optimizers.png]
#include <nabla/nabla.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <memory>
#include <string>
#include <vector>

using namespace nabla;

namespace {

struct Candidate {
  std::string name;
  std::function<std::unique_ptr<optim::Optimizer>(std::vector<Tensor>)> make;
};

// The textbook's values (lr 0.01 for the first four, Adam's 0.001) and
// Adadelta's own (lr 1.0, ρ 0.95, as Zeiler's paper).
std::vector<Candidate> candidates() {
  using P = std::vector<Tensor>;
  return {
      {"SGD", [](P p) { return std::make_unique<optim::SGD>(p, optim::SGDOptions(0.01)); }},
      {"Momentum",
       [](P p) { return std::make_unique<optim::SGD>(p, optim::SGDOptions(0.01).momentum(0.9)); }},
      {"AdaGrad",
       [](P p) { return std::make_unique<optim::Adagrad>(p, optim::AdagradOptions(0.01)); }},
      {"RMSprop",
       [](P p) { return std::make_unique<optim::RMSprop>(p, optim::RMSpropOptions(0.01)); }},
      {"Adadelta",
       [](P p) {
         return std::make_unique<optim::Adadelta>(p, optim::AdadeltaOptions(1.0).rho(0.95));
       }},
      {"Adam", [](P p) { return std::make_unique<optim::Adam>(p, optim::AdamOptions(0.001)); }},
  };
}

// The textbook's five-layer MLP: 784-100-100-100-100-10 with ReLU, He
// initialised as the textbook does (PyTorch's default init starts plain SGD
// so small that it barely moves in ten epochs).
std::shared_ptr<nn::Sequential> make_net(int64_t inputs, int64_t classes) {
  auto net = std::make_shared<nn::Sequential>(std::make_shared<nn::Flatten>());
  int64_t width = inputs;
  for (int i = 0; i < 4; ++i) {
    auto linear = net->push_back(std::make_shared<nn::Linear>(width, 100));
    nn::init::kaiming_normal_(linear->weight);
    nn::init::zeros_(linear->bias);
    net->push_back(std::make_shared<nn::ReLU>());
    width = 100;
  }
  net->push_back(std::make_shared<nn::Linear>(width, classes));
  return net;
}

double test_loss(nn::Module& net, data::DataLoader& loader) {
  NoGradGuard no_grad;
  net.eval();
  double sum = 0;
  int64_t n = 0;
  for (const data::Batch& batch : loader) {
    sum += cross_entropy(net(batch.inputs), batch.targets).item<float>() * batch.inputs.size(0);
    n += batch.inputs.size(0);
  }
  net.train();
  return sum / static_cast<double>(n);
}

}  // namespace

int main(int argc, char** argv) {
  std::string dataset = "mnist", out = "optimizers.png";
  int epochs = 10;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!std::strcmp(argv[i], "--data"))
      dataset = argv[i + 1];
    else if (!std::strcmp(argv[i], "--epochs"))
      epochs = std::atoi(argv[i + 1]);
    else if (!std::strcmp(argv[i], "--out"))
      out = argv[i + 1];
  }
  try {
    const data::Split split = data::load_dataset(dataset);
    const Shape shape = split.train->input_shape();
    const int64_t inputs = shape[0] * shape[1] * shape[2];
    const auto classes = static_cast<int64_t>(split.train->classes().size());

    manual_seed(0);
    auto reference = make_net(inputs, classes);
    const StateDict initial = reference->state_dict();

    Chart train_chart{"train loss", "iteration", "cross-entropy", {}, true};
    Chart test_chart{"test loss", "epoch", "cross-entropy", {}, true};
    for (const Candidate& candidate : candidates()) {
      auto net = make_net(inputs, classes);
      net->load_state_dict(initial);  // every optimizer starts from the same weights
      auto optimizer = candidate.make(net->parameters());
      // The same batches in the same order for every optimizer.
      data::DataLoader train(split.train, {.batch_size = 128, .shuffle = true, .seed = 1});
      data::DataLoader test(split.test, {.batch_size = 1000});

      Series train_series{candidate.name, {}, {}}, test_series{candidate.name, {}, {}};
      test_series.x.push_back(0);
      test_series.y.push_back(test_loss(*net, test));
      int64_t iteration = 0;
      for (int epoch = 1; epoch <= epochs; ++epoch) {
        train.set_epoch(epoch);
        for (const data::Batch& batch : train) {
          Tensor loss = cross_entropy((*net)(batch.inputs), batch.targets);
          optimizer->zero_grad();
          loss.backward();
          optimizer->step();
          train_series.x.push_back(static_cast<double>(++iteration));
          train_series.y.push_back(loss.item<float>());
        }
        test_series.x.push_back(epoch);
        test_series.y.push_back(test_loss(*net, test));
      }
      std::printf("%-9s train loss %.4f  test loss %.4f\n", candidate.name.c_str(),
                  train_series.y.back(), test_series.y.back());
      train_chart.series.push_back(std::move(train_series));
      test_chart.series.push_back(std::move(test_series));
    }
    save_plot({train_chart, test_chart}, out);
    std::printf("wrote %s\n", out.c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "compare_optimizers: %s\n", e.what());
    return 1;
  }
  return 0;
}
