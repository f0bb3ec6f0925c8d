// Smoke-trains one model of every zoo family on Fashion-MNIST: a fixed
// number of Adam steps on the same batches, printing each model's mean loss
// over its first and last five steps (the loss must fall) and its speed.
//   ./build/examples/zoo_smoke [steps] [batch]
#include <nabla/nabla.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <string>
#include <vector>

using namespace nabla;

int main(int argc, char** argv) {
  const int steps = argc > 1 ? std::atoi(argv[1]) : 40;
  const int64_t batch = argc > 2 ? std::atoi(argv[2]) : 32;
  const std::vector<std::string> family_models = {
      "lenet5",   "mlp",      "alexnet",   "vgg-small-bn",    "vgg11-bn",    "resnet18",
      "resnet20", "wrn-16-4", "googlenet", "densenet-bc-100", "mobilenet-v1"};
  try {
    const data::Split split = data::load_dataset("fashion-mnist");
    std::printf("%-16s %10s %12s %12s %10s\n", "model", "params", "first loss", "last loss",
                "img/s");
    for (const std::string& name : family_models) {
      manual_seed(0);
      auto model = models::create(name, {.in_channels = 1, .image_size = 28, .num_classes = 10});
      int64_t params = 0;
      for (const Tensor& p : model->parameters()) params += p.numel();
      optim::Adam optimizer(model->parameters(), optim::AdamOptions(1e-3));
      data::DataLoader loader(split.train,
                              {.batch_size = batch, .shuffle = true, .num_workers = 0, .seed = 1});
      std::vector<double> losses;
      const auto start = std::chrono::steady_clock::now();
      for (const data::Batch& b : loader) {
        Tensor logits = (*model)(b.inputs);
        Tensor loss = cross_entropy(logits, b.targets);
        // GoogLeNet's auxiliary heads, weighted into the loss as in the paper.
        if (auto* aux = dynamic_cast<models::AuxiliaryOutputs*>(model.get()))
          for (const auto& [aux_logits, weight] : aux->auxiliary())
            loss = loss + cross_entropy(aux_logits, b.targets) * weight;
        optimizer.zero_grad();
        loss.backward();
        optimizer.step();
        losses.push_back(loss.item<double>());
        if (static_cast<int>(losses.size()) == steps) break;
      }
      const double seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      auto mean_of = [](auto first, auto last) {
        return std::accumulate(first, last, 0.0) / static_cast<double>(last - first);
      };
      std::printf("%-16s %10lld %12.4f %12.4f %10.0f\n", name.c_str(),
                  static_cast<long long>(params), mean_of(losses.begin(), losses.begin() + 5),
                  mean_of(losses.end() - 5, losses.end()),
                  static_cast<double>(steps * batch) / seconds);
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "zoo_smoke: %s\n", e.what());
    return 1;
  }
  return 0;
}
