// End to end: a small MLP learns two spirals with Adam inside the tests.
#include <gtest/gtest.h>
#include <nabla/nabla.h>

namespace nabla {
namespace {

TEST(TrainMlp, TwoSpiralsReach95Percent) {
  manual_seed(0);
  auto [x, y] = data::two_spirals(200);
  auto model = std::make_shared<nn::Sequential>();
  model->push_back(std::make_shared<nn::Linear>(2, 64));
  model->push_back(std::make_shared<nn::Tanh>());
  model->push_back(std::make_shared<nn::Linear>(64, 64));
  model->push_back(std::make_shared<nn::Tanh>());
  model->push_back(std::make_shared<nn::Linear>(64, 2));
  optim::Adam optimizer(model->parameters(), optim::AdamOptions(0.01));

  double first_loss = 0, last_loss = 0;
  for (int epoch = 0; epoch < 300; ++epoch) {
    Tensor loss = cross_entropy(model->forward(x), y);
    optimizer.zero_grad();
    loss.backward();
    optimizer.step();
    (epoch == 0 ? first_loss : last_loss) = loss.item<double>();
  }
  NoGradGuard no_grad;
  const double accuracy = mean(eq(argmax(model->forward(x), 1), y).to(kFloat32)).item<double>();
  EXPECT_GE(accuracy, 0.95) << "loss went from " << first_loss << " to " << last_loss;
  EXPECT_LT(last_loss, 0.2 * first_loss);
}

}  // namespace
}  // namespace nabla
