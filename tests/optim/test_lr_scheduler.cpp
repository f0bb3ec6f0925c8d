// Learning-rate schedulers against torch.optim.lr_scheduler: the lr (and
// OneCycleLR's momentum) of two param groups over 30 steps; state_dict
// round trips; bad settings are refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <optional>

#include "nabla/nabla.h"
#include "optim/torch_reference.h"
#include "testing/oracle.h"

namespace nabla::optim {
namespace {

using nabla::testing::compare_values;
using ::testing::HasSubstr;

constexpr int kSteps = 30;
// Two groups, lr 0.1 and 0.02 (the torch side builds the same).
const char* kTorchSGD =
    "lambda P: torch.optim.SGD([{'params': [P[0]]}, {'params': [P[1]], 'lr': 0.02}], lr=0.1, "
    "momentum=0.9)";
const char* kTorchAdam =
    "lambda P: torch.optim.Adam([{'params': [P[0]]}, {'params': [P[1]], 'lr': 0.02}], lr=0.1)";
const char* kTorchAdagrad =
    "lambda P: torch.optim.Adagrad([{'params': [P[0]]}, {'params': [P[1]], 'lr': 0.02}], "
    "lr=0.1)";

struct Params {
  Tensor a = zeros({1}, TensorOptions(kFloat64).requires_grad());
  Tensor b = zeros({1}, TensorOptions(kFloat64).requires_grad());
  std::vector<ParamGroup> groups() const {
    return {ParamGroup({a}), ParamGroup({b}, {{"lr", 0.02}})};
  }
};

enum class Opt { kSGD, kAdam, kAdagrad };

std::unique_ptr<Optimizer> make_optimizer(Opt kind, const Params& p) {
  switch (kind) {
    case Opt::kSGD:
      return std::make_unique<SGD>(p.groups(), SGDOptions(0.1).momentum(0.9));
    case Opt::kAdam:
      return std::make_unique<Adam>(p.groups(), AdamOptions(0.1));
    case Opt::kAdagrad:
      return std::make_unique<Adagrad>(p.groups(), AdagradOptions(0.1));
  }
  return nullptr;
}

const char* torch_optimizer(Opt kind) {
  return kind == Opt::kSGD ? kTorchSGD : kind == Opt::kAdam ? kTorchAdam : kTorchAdagrad;
}

// A scheduler of either kind behind one step(k).
struct AnyScheduler {
  std::unique_ptr<LRScheduler> epoch;
  std::unique_ptr<ReduceLROnPlateau> plateau;
};

struct Case {
  std::string name;
  Opt opt;
  std::string torch;  // lambda o: scheduler
  std::function<AnyScheduler(Optimizer&)> make;
  std::vector<double> metrics = {};  // ReduceLROnPlateau's
};

template <class S, class... Args>
std::function<AnyScheduler(Optimizer&)> sched(Args... args) {
  return [=](Optimizer& o) { return AnyScheduler{std::make_unique<S>(o, args...), nullptr}; };
}

std::function<AnyScheduler(Optimizer&)> plateau(ReduceLROnPlateauOptions options) {
  return [=](Optimizer& o) {
    return AnyScheduler{nullptr, std::make_unique<ReduceLROnPlateau>(o, options)};
  };
}

std::vector<double> plateau_metrics() {
  // Falls, stalls, falls a little (less than the threshold), then rises.
  std::vector<double> m;
  for (int k = 0; k < kSteps; ++k) {
    if (k < 6)
      m.push_back(10.0 - k);
    else if (k < 14)
      m.push_back(5.0 - 1e-5 * k);
    else if (k < 20)
      m.push_back(4.0 - 0.01 * k);
    else
      m.push_back(4.0 + 0.2 * k);
  }
  return m;
}

std::vector<Case> cases() {
  return {
      {"step", Opt::kSGD, "lambda o: lr_scheduler.StepLR(o, step_size=7, gamma=0.5)",
       sched<StepLR>(int64_t(7), 0.5)},
      {"step_default_gamma", Opt::kSGD, "lambda o: lr_scheduler.StepLR(o, 3)",
       sched<StepLR>(int64_t(3))},
      {"multistep", Opt::kSGD,
       "lambda o: lr_scheduler.MultiStepLR(o, milestones=[5, 20, 12, 12], gamma=0.3)",
       sched<MultiStepLR>(std::vector<int64_t>{5, 20, 12, 12}, 0.3)},
      {"exponential", Opt::kSGD, "lambda o: lr_scheduler.ExponentialLR(o, gamma=0.9)",
       sched<ExponentialLR>(0.9)},
      {"cosine_restart", Opt::kSGD,
       "lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=10, eta_min=0.001)",
       sched<CosineAnnealingLR>(int64_t(10), 0.001)},
      {"cosine", Opt::kSGD, "lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=30)",
       sched<CosineAnnealingLR>(int64_t(30))},
      {"linear_warmup", Opt::kSGD, "lambda o: lr_scheduler.LinearLR(o)", sched<LinearLR>()},
      {"linear", Opt::kSGD,
       "lambda o: lr_scheduler.LinearLR(o, start_factor=0.1, end_factor=0.5, total_iters=12)",
       sched<LinearLR>(0.1, 0.5, int64_t(12))},
      {"onecycle", Opt::kSGD, "lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.5, total_steps=30)",
       sched<OneCycleLR>(OneCycleLROptions(0.5, 30))},
      {"onecycle_linear_three_phase", Opt::kSGD,
       "lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.5, total_steps=31, pct_start=0.25, "
       "anneal_strategy='linear', three_phase=True, div_factor=10, final_div_factor=100, "
       "base_momentum=0.8, max_momentum=0.9)",
       sched<OneCycleLR>(OneCycleLROptions(0.5, 31)
                             .pct_start(0.25)
                             .anneal_strategy("linear")
                             .three_phase(true)
                             .div_factor(10)
                             .final_div_factor(100)
                             .base_momentum(0.8)
                             .max_momentum(0.9))},
      {"onecycle_adam", Opt::kAdam,
       "lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.01, total_steps=30, pct_start=0.4)",
       sched<OneCycleLR>(OneCycleLROptions(0.01, 30).pct_start(0.4))},
      {"onecycle_no_momentum", Opt::kAdagrad,
       "lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.3, total_steps=40, cycle_momentum=False)",
       sched<OneCycleLR>(OneCycleLROptions(0.3, 40).cycle_momentum(false))},
      {"plateau_min", Opt::kSGD,
       "lambda o: lr_scheduler.ReduceLROnPlateau(o, factor=0.5, patience=2, cooldown=1, "
       "min_lr=0.004)",
       plateau(ReduceLROnPlateauOptions().factor(0.5).patience(2).cooldown(1).min_lr(0.004)),
       plateau_metrics()},
      {"plateau_max_abs", Opt::kSGD,
       "lambda o: lr_scheduler.ReduceLROnPlateau(o, mode='max', threshold=0.1, "
       "threshold_mode='abs', patience=3)",
       plateau(
           ReduceLROnPlateauOptions().mode("max").threshold(0.1).threshold_mode("abs").patience(3)),
       plateau_metrics()},
  };
}

struct Sequence {
  std::vector<std::vector<double>> lrs;
  std::vector<std::vector<std::optional<double>>> momenta;
};

void record(const Optimizer& opt, Sequence& s) {
  std::vector<double> lrs;
  std::vector<std::optional<double>> momenta;
  for (const auto& g : opt.param_groups()) {
    lrs.push_back(g.lr());
    if (g.contains("beta1"))
      momenta.push_back(g.get("beta1"));
    else if (g.contains("momentum"))
      momenta.push_back(g.get("momentum"));
    else
      momenta.push_back(std::nullopt);
  }
  s.lrs.push_back(lrs);
  s.momenta.push_back(momenta);
}

TEST(LRScheduler, FollowsTorch) {
  if (!nabla::testing::torch_available()) GTEST_SKIP() << "PyTorch is not available";
  const auto all = cases();
  nlohmann::json request;
  for (const auto& c : all) {
    nlohmann::json j = {
        {"name", c.name}, {"opt", torch_optimizer(c.opt)}, {"make", c.torch}, {"steps", kSteps}};
    if (!c.metrics.empty()) j["metrics"] = c.metrics;
    request["schedulers"]["cases"].push_back(j);
  }
  const auto response = nabla::testing::run_torch_reference(request)["schedulers"];

  for (const auto& c : all) {
    SCOPED_TRACE(c.name);
    const auto& answer = response.at(c.name);
    ASSERT_FALSE(answer.contains("error")) << answer["error"];
    Params p;
    auto opt = make_optimizer(c.opt, p);
    AnyScheduler s = c.make(*opt);
    Sequence seq;
    record(*opt, seq);
    for (int k = 0; k < kSteps; ++k) {
      opt->step();
      if (s.epoch)
        s.epoch->step();
      else
        s.plateau->step(c.metrics[k]);
      record(*opt, seq);
      const auto& last = s.epoch ? s.epoch->get_last_lr() : s.plateau->get_last_lr();
      EXPECT_EQ(last, seq.lrs.back());
    }
    const auto& lrs = answer["lrs"];
    const auto& momenta = answer["momenta"];
    ASSERT_EQ(lrs.size(), seq.lrs.size());
    for (size_t k = 0; k < seq.lrs.size(); ++k) {
      EXPECT_EQ(compare_values(seq.lrs[k], lrs[k].get<std::vector<double>>(), 1e-12, 1e-9), "")
          << "lr at step " << k;
      for (size_t g = 0; g < seq.momenta[k].size(); ++g) {
        if (momenta[k][g].is_null()) {
          EXPECT_FALSE(seq.momenta[k][g].has_value()) << "step " << k;
        } else {
          ASSERT_TRUE(seq.momenta[k][g].has_value()) << "step " << k;
          EXPECT_NEAR(*seq.momenta[k][g], momenta[k][g].get<double>(), 1e-12) << "step " << k;
        }
      }
    }
    // The lr changes somewhere: a scheduler that did nothing would fail.
    EXPECT_NE(seq.lrs.front(), seq.lrs.back());
  }
}

TEST(LRScheduler, StateDictResumes) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    Params p;
    auto opt = make_optimizer(c.opt, p);
    AnyScheduler s = c.make(*opt);
    auto step = [&c](AnyScheduler& sch, int k) {
      if (sch.epoch)
        sch.epoch->step();
      else
        sch.plateau->step(c.metrics[k]);
    };
    for (int k = 0; k < 12; ++k) step(s, k);
    const StateDict opt_state = opt->state_dict();
    const StateDict sched_state = s.epoch ? s.epoch->state_dict() : s.plateau->state_dict();

    // As in PyTorch: build the optimizer and scheduler, then load both states.
    Params q;
    auto opt2 = make_optimizer(c.opt, q);
    AnyScheduler s2 = c.make(*opt2);
    opt2->load_state_dict(opt_state);
    if (s2.epoch)
      s2.epoch->load_state_dict(sched_state);
    else
      s2.plateau->load_state_dict(sched_state);
    for (int k = 12; k < kSteps; ++k) {
      step(s, k);
      step(s2, k);
      Sequence a, b;
      record(*opt, a);
      record(*opt2, b);
      EXPECT_EQ(a.lrs, b.lrs) << "step " << k;
      EXPECT_EQ(a.momenta, b.momenta) << "step " << k;
    }
  }
}

TEST(LRScheduler, ResumeNeedsInitialLr) {
  Params p;
  SGD sgd(p.groups(), 0.1);
  EXPECT_THAT([&] { StepLR(sgd, 3, 0.1, /*last_epoch=*/4); },
              ::testing::ThrowsMessage<Error>(HasSubstr("initial_lr")));
  // With initial_lr present, resuming at epoch 4 continues the closed form
  // for the cosine (PyTorch's first step after a resume).
  sgd.param_groups()[0].set("initial_lr", 0.1);
  sgd.param_groups()[1].set("initial_lr", 0.02);
  CosineAnnealingLR cosine(sgd, 10, 0.0, /*last_epoch=*/4);
  EXPECT_EQ(cosine.last_epoch(), 5);
  EXPECT_NEAR(cosine.get_last_lr()[0], 0.05, 1e-15);  // ½·0.1·(1 + cos(π/2))
}

TEST(LRScheduler, BadInput) {
  Params p;
  SGD sgd(p.groups(), SGDOptions(0.1).momentum(0.9));
  Adagrad adagrad(p.groups(), 0.1);
  auto expect_error = [](auto f, const std::string& what) {
    EXPECT_THAT(f, ::testing::ThrowsMessage<Error>(HasSubstr(what)));
  };
  expect_error([&] { StepLR(sgd, 0); }, "step_size must be positive");
  expect_error([&] { CosineAnnealingLR(sgd, 0); }, "T_max must be positive");
  expect_error([&] { LinearLR(sgd, 1.5); }, "starting multiplicative factor");
  expect_error([&] { LinearLR(sgd, 0.5, -1.0); }, "ending multiplicative factor");
  expect_error([&] { OneCycleLR(sgd, OneCycleLROptions(0.1, 10).anneal_strategy("exp")); },
               "anneal_strategy must be one of 'cos' or 'linear', instead got 'exp'");
  expect_error([&] { OneCycleLR(sgd, OneCycleLROptions(0.1, 0)); }, "total_steps");
  expect_error([&] { OneCycleLR(sgd, OneCycleLROptions(0.1, 10).pct_start(1.5)); }, "pct_start");
  expect_error([&] { OneCycleLR(adagrad, OneCycleLROptions(0.1, 10)); },
               "Adagrad has no momentum to cycle");
  OneCycleLR one(sgd, OneCycleLROptions(0.1, 3));
  for (int k = 0; k < 3; ++k) one.step();
  expect_error([&] { one.step(); },
               "tried to step 5 times. The specified number of total steps is 3");
  expect_error([&] { ReduceLROnPlateau(sgd, ReduceLROnPlateauOptions().factor(1.0)); },
               "factor should be < 1.0");
  expect_error([&] { ReduceLROnPlateau(sgd, ReduceLROnPlateauOptions().mode("median")); },
               "mode 'median' is unknown");
  expect_error(
      [&] { ReduceLROnPlateau(sgd, ReduceLROnPlateauOptions().threshold_mode("relative")); },
      "threshold mode 'relative' is unknown");
}

}  // namespace
}  // namespace nabla::optim
