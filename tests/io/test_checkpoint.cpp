// A whole training checkpoint (model, optimizer, scheduler, epoch) goes
// through one safetensors file, and training resumed from it follows the
// same trajectory as training that never stopped.
#include <gtest/gtest.h>
#include <nabla/nabla.h>

#include <filesystem>

namespace nabla {
namespace {

struct TrainingRun {
  std::shared_ptr<nn::Sequential> model;
  std::unique_ptr<optim::Adam> optimizer;
  std::unique_ptr<optim::StepLR> scheduler;

  TrainingRun() {
    manual_seed(7);
    model = std::make_shared<nn::Sequential>();
    model->push_back(std::make_shared<nn::Linear>(2, 16));
    model->push_back(std::make_shared<nn::ReLU>());
    model->push_back(std::make_shared<nn::Linear>(16, 2));
    optimizer = std::make_unique<optim::Adam>(model->parameters(),
                                              optim::AdamOptions(0.01).weight_decay(1e-4));
    scheduler = std::make_unique<optim::StepLR>(*optimizer, 3, 0.5);
  }

  void epoch(const Tensor& x, const Tensor& y) {
    Tensor loss = cross_entropy(model->forward(x), y);
    optimizer->zero_grad();
    loss.backward();
    optimizer->step();
    scheduler->step();
  }

  StateDict checkpoint(int64_t epoch) const {
    StateDict state;
    state.merge(model->state_dict(), "model.");
    state.merge(optimizer->state_dict(), "optimizer.");
    state.merge(scheduler->state_dict(), "scheduler.");
    state.set("epoch", tensor(std::vector<int64_t>{epoch}, {1}));
    return state;
  }

  int64_t restore(const StateDict& state) {
    model->load_state_dict(state.sub("model."));
    optimizer->load_state_dict(state.sub("optimizer."));
    scheduler->load_state_dict(state.sub("scheduler."));
    return state.at("epoch").item<int64_t>();
  }
};

TEST(Checkpoint, ResumedTrainingMatchesUninterruptedTraining) {
  Generator gen(3);
  auto [x, y] = data::two_spirals(32, 1.0, 0.05, &gen);
  const auto path = std::filesystem::temp_directory_path() / "nabla_checkpoint_test.safetensors";

  TrainingRun straight;
  for (int e = 0; e < 10; ++e) straight.epoch(x, y);

  TrainingRun first;
  for (int e = 0; e < 5; ++e) first.epoch(x, y);
  save(first.checkpoint(5), path.string(), {{"format", "nabla-checkpoint"}});

  TrainingRun resumed;  // fresh objects, same architecture
  const int64_t start = resumed.restore(load(path.string()));
  EXPECT_EQ(start, 5);
  for (int64_t e = start; e < 10; ++e) resumed.epoch(x, y);

  const auto a = straight.model->state_dict(), b = resumed.model->state_dict();
  for (const auto& [name, t] : a)
    EXPECT_EQ(t.to_vector(), b.at(name).to_vector()) << name << " differs after resuming";
  EXPECT_EQ(straight.scheduler->get_last_lr(), resumed.scheduler->get_last_lr());
  EXPECT_EQ(load_metadata(path.string()).at("format"), "nabla-checkpoint");
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace nabla
