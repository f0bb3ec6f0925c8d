// Trains a small MLP to tell two interleaved spirals apart, printing the
// loss as it falls and the accuracy at the end.
//   ./build/examples/train_spirals [epochs]
#include <nabla/nabla.h>

#include <cstdio>
#include <cstdlib>

using namespace nabla;

int main(int argc, char** argv) {
  const int epochs = argc > 1 ? std::atoi(argv[1]) : 300;
  manual_seed(0);
  auto [x, y] = data::two_spirals(500);

  auto model = std::make_shared<nn::Sequential>();
  model->push_back(std::make_shared<nn::Linear>(2, 64));
  model->push_back(std::make_shared<nn::Tanh>());
  model->push_back(std::make_shared<nn::Linear>(64, 64));
  model->push_back(std::make_shared<nn::Tanh>());
  model->push_back(std::make_shared<nn::Linear>(64, 2));
  optim::Adam optimizer(model->parameters(), optim::AdamOptions(0.01));

  for (int epoch = 1; epoch <= epochs; ++epoch) {
    Tensor loss = cross_entropy(model->forward(x), y);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    if (epoch == 1 || epoch % 25 == 0)
      std::printf("epoch %4d  loss %.4f\n", epoch, loss.item<float>());
  }

  NoGradGuard no_grad;
  model->eval();
  const Tensor predicted = argmax(model->forward(x), 1);
  const double accuracy = mean(eq(predicted, y).to(kFloat32)).item<float>();
  std::printf("accuracy %.1f%% on %lld points\n", 100.0 * accuracy,
              static_cast<long long>(x.size(0)));
  return 0;
}
