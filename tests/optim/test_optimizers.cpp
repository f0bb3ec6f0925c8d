// Optimizers against torch.optim: 20 steps of every optimizer and option on
// one least-squares problem must follow PyTorch's trajectory (float64); a
// state_dict saved mid-run resumes exactly; bad options are refused.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>

#include "nabla/nabla.h"
#include "optim/torch_reference.h"
#include "testing/oracle.h"

namespace nabla::optim {
namespace {

using nabla::testing::compare_values;
using nabla::testing::tensor_json;
using ::testing::HasSubstr;

// W (3, 4), b (3) fitted to y (6, 3) from x (6, 4); u (2) is a parameter the
// loss never uses, so it has no gradient and every optimizer must skip it.
struct Problem {
  Tensor W, b, u, x, y;

  static Tensor filled(const Shape& shape, const std::function<double(int)>& f,
                       bool requires_grad = false) {
    std::vector<double> v(static_cast<size_t>(numel(shape)));
    for (size_t i = 0; i < v.size(); ++i) v[i] = f(static_cast<int>(i));
    return tensor(v, shape, TensorOptions(kFloat64).requires_grad(requires_grad));
  }

  Problem() {
    W = filled(
        {3, 4}, [](int i) { return 0.5 * std::sin(i + 1.0); }, true);
    b = filled(
        {3}, [](int i) { return 0.1 * std::cos(double(i)); }, true);
    u = filled(
        {2}, [](int i) { return i == 0 ? 1.0 : -1.0; }, true);
    x = filled({6, 4}, [](int i) { return std::cos(0.7 * i + 0.3); });
    y = filled({6, 3}, [](int i) { return std::sin(1.3 * i); });
  }
  std::vector<Tensor> params() const { return {W, b, u}; }
  // Σ (x Wᵀ + b − y)²
  Tensor loss() const { return sum(square(matmul(x, W.t()) + b - y)); }
  std::vector<double> values() const {
    std::vector<double> v;
    for (const auto& p : params())
      for (double e : p.to_vector()) v.push_back(e);
    return v;
  }
  nlohmann::json json() const {
    return {{"W", tensor_json(W)},
            {"b", tensor_json(b)},
            {"u", tensor_json(u)},
            {"x", tensor_json(x)},
            {"y", tensor_json(y)}};
  }
};

using MakeOptimizer = std::function<std::unique_ptr<Optimizer>(const std::vector<Tensor>&)>;
using MakeScheduler = std::function<std::unique_ptr<LRScheduler>(Optimizer&)>;

struct Case {
  std::string name;
  std::string torch;  // lambda P: torch optimizer over [W, b, u]
  MakeOptimizer make;
  std::string torch_sched = "";  // lambda o: scheduler stepped after each step
  MakeScheduler make_sched = nullptr;
};

template <class Opt, class Options>
MakeOptimizer plain(Options options) {
  return [options](const std::vector<Tensor>& P) { return std::make_unique<Opt>(P, options); };
}

// Groups as in the torch lambdas: {W} with the defaults, {b, u} with overrides.
template <class Opt, class Options>
MakeOptimizer grouped(Options options, GroupOptions overrides) {
  return [options, overrides](const std::vector<Tensor>& P) {
    return std::make_unique<Opt>(
        std::vector<ParamGroup>{ParamGroup({P[0]}), ParamGroup({P[1], P[2]}, overrides)}, options);
  };
}

std::vector<Case> cases() {
  return {
      {"sgd", "lambda P: torch.optim.SGD(P, lr=0.01)", plain<SGD>(SGDOptions(0.01))},
      {"sgd_momentum", "lambda P: torch.optim.SGD(P, lr=0.01, momentum=0.9)",
       plain<SGD>(SGDOptions(0.01).momentum(0.9))},
      {"sgd_dampening", "lambda P: torch.optim.SGD(P, lr=0.01, momentum=0.9, dampening=0.3)",
       plain<SGD>(SGDOptions(0.01).momentum(0.9).dampening(0.3))},
      {"sgd_nesterov", "lambda P: torch.optim.SGD(P, lr=0.01, momentum=0.9, nesterov=True)",
       plain<SGD>(SGDOptions(0.01).momentum(0.9).nesterov(true))},
      {"sgd_weight_decay", "lambda P: torch.optim.SGD(P, lr=0.01, momentum=0.5, weight_decay=0.1)",
       plain<SGD>(SGDOptions(0.01).momentum(0.5).weight_decay(0.1))},
      {"sgd_groups",
       "lambda P: torch.optim.SGD([{'params': [P[0]]}, {'params': [P[1], P[2]], 'lr': 0.03, "
       "'momentum': 0.8}], lr=0.01)",
       grouped<SGD>(SGDOptions(0.01), {{"lr", 0.03}, {"momentum", 0.8}})},
      {"sgd_steplr", "lambda P: torch.optim.SGD(P, lr=0.02, momentum=0.9)",
       plain<SGD>(SGDOptions(0.02).momentum(0.9)),
       "lambda o: lr_scheduler.StepLR(o, step_size=5, gamma=0.5)",
       [](Optimizer& o) { return std::make_unique<StepLR>(o, 5, 0.5); }},
      {"sgd_cosine", "lambda P: torch.optim.SGD(P, lr=0.02, nesterov=True, momentum=0.9)",
       plain<SGD>(SGDOptions(0.02).momentum(0.9).nesterov(true)),
       "lambda o: lr_scheduler.CosineAnnealingLR(o, T_max=8, eta_min=0.001)",
       [](Optimizer& o) { return std::make_unique<CosineAnnealingLR>(o, 8, 0.001); }},

      {"adagrad", "lambda P: torch.optim.Adagrad(P, lr=0.1)", plain<Adagrad>(AdagradOptions(0.1))},
      {"adagrad_options",
       "lambda P: torch.optim.Adagrad(P, lr=0.2, lr_decay=0.05, weight_decay=0.1, "
       "initial_accumulator_value=0.5, eps=1e-6)",
       plain<Adagrad>(
           AdagradOptions(0.2).lr_decay(0.05).weight_decay(0.1).initial_accumulator_value(0.5).eps(
               1e-6))},
      {"adagrad_groups",
       "lambda P: torch.optim.Adagrad([{'params': [P[0]]}, {'params': [P[1], P[2]], 'lr': "
       "0.3, 'weight_decay': 0.2}], lr=0.1)",
       grouped<Adagrad>(AdagradOptions(0.1), {{"lr", 0.3}, {"weight_decay", 0.2}})},

      {"rmsprop", "lambda P: torch.optim.RMSprop(P, lr=0.01)",
       plain<RMSprop>(RMSpropOptions(0.01))},
      {"rmsprop_momentum", "lambda P: torch.optim.RMSprop(P, lr=0.01, momentum=0.9, alpha=0.9)",
       plain<RMSprop>(RMSpropOptions(0.01).momentum(0.9).alpha(0.9))},
      {"rmsprop_centered", "lambda P: torch.optim.RMSprop(P, lr=0.01, centered=True)",
       plain<RMSprop>(RMSpropOptions(0.01).centered(true))},
      {"rmsprop_centered_momentum_wd",
       "lambda P: torch.optim.RMSprop(P, lr=0.005, centered=True, momentum=0.5, "
       "weight_decay=0.1, eps=1e-4)",
       plain<RMSprop>(
           RMSpropOptions(0.005).centered(true).momentum(0.5).weight_decay(0.1).eps(1e-4))},
      {"rmsprop_groups",
       "lambda P: torch.optim.RMSprop([{'params': [P[0]]}, {'params': [P[1], P[2]], 'lr': "
       "0.02, 'momentum': 0.3}], lr=0.01)",
       grouped<RMSprop>(RMSpropOptions(0.01), {{"lr", 0.02}, {"momentum", 0.3}})},

      {"adadelta", "lambda P: torch.optim.Adadelta(P)", plain<Adadelta>(AdadeltaOptions())},
      {"adadelta_options",
       "lambda P: torch.optim.Adadelta(P, lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.1)",
       plain<Adadelta>(AdadeltaOptions(0.5).rho(0.8).eps(1e-5).weight_decay(0.1))},
      {"adadelta_groups",
       "lambda P: torch.optim.Adadelta([{'params': [P[0]]}, {'params': [P[1], P[2]], 'lr': "
       "2.0}])",
       grouped<Adadelta>(AdadeltaOptions(), {{"lr", 2.0}})},

      {"adam", "lambda P: torch.optim.Adam(P, lr=0.05)", plain<Adam>(AdamOptions(0.05))},
      {"adam_weight_decay", "lambda P: torch.optim.Adam(P, lr=0.05, weight_decay=0.1)",
       plain<Adam>(AdamOptions(0.05).weight_decay(0.1))},
      {"adam_amsgrad", "lambda P: torch.optim.Adam(P, lr=0.05, amsgrad=True)",
       plain<Adam>(AdamOptions(0.05).amsgrad(true))},
      {"adam_betas_eps", "lambda P: torch.optim.Adam(P, lr=0.05, betas=(0.8, 0.99), eps=1e-3)",
       plain<Adam>(AdamOptions(0.05).betas({0.8, 0.99}).eps(1e-3))},
      {"adam_groups",
       "lambda P: torch.optim.Adam([{'params': [P[0]]}, {'params': [P[1], P[2]], 'lr': 0.1, "
       "'weight_decay': 0.01}], lr=0.01)",
       grouped<Adam>(AdamOptions(0.01), {{"lr", 0.1}, {"weight_decay", 0.01}})},

      {"adamw", "lambda P: torch.optim.AdamW(P, lr=0.05)", plain<AdamW>(AdamWOptions(0.05))},
      {"adamw_amsgrad", "lambda P: torch.optim.AdamW(P, lr=0.05, weight_decay=0.1, amsgrad=True)",
       plain<AdamW>(AdamWOptions(0.05).weight_decay(0.1).amsgrad(true))},
      {"adamw_groups",
       "lambda P: torch.optim.AdamW([{'params': [P[0]]}, {'params': [P[1], P[2]], 'lr': 0.1, "
       "'weight_decay': 0.5}], lr=0.01)",
       grouped<AdamW>(AdamWOptions(0.01), {{"lr", 0.1}, {"weight_decay", 0.5}})},
      {"adamw_onecycle", "lambda P: torch.optim.AdamW(P, lr=0.05)",
       plain<AdamW>(AdamWOptions(0.05)),
       "lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.1, total_steps=20)",
       [](Optimizer& o) { return std::make_unique<OneCycleLR>(o, OneCycleLROptions(0.1, 20)); }},
  };
}

constexpr int kSteps = 20;

std::vector<std::vector<double>> run_nabla(const Case& c) {
  Problem problem;
  auto opt = c.make(problem.params());
  std::unique_ptr<LRScheduler> sched = c.make_sched ? c.make_sched(*opt) : nullptr;
  std::vector<std::vector<double>> trajectory;
  for (int k = 0; k < kSteps; ++k) {
    opt->zero_grad();
    problem.loss().backward();
    opt->step();
    if (sched) sched->step();
    trajectory.push_back(problem.values());
  }
  return trajectory;
}

TEST(Optimizers, FollowTorchTrajectories) {
  if (!nabla::testing::torch_available()) GTEST_SKIP() << "PyTorch is not available";
  nlohmann::json request;
  request["optimizers"]["problem"] = Problem().json();
  request["optimizers"]["steps"] = kSteps;
  const auto all = cases();
  for (const auto& c : all)
    request["optimizers"]["cases"].push_back(
        {{"name", c.name}, {"make", c.torch}, {"sched", c.torch_sched}});
  const auto response = nabla::testing::run_torch_reference(request)["optimizers"];

  for (const auto& c : all) {
    SCOPED_TRACE(c.name);
    const auto& answer = response.at(c.name);
    ASSERT_FALSE(answer.contains("error")) << answer["error"];
    const auto expected = answer["trajectory"].get<std::vector<std::vector<double>>>();
    const auto actual = run_nabla(c);
    ASSERT_EQ(actual.size(), expected.size());
    for (size_t k = 0; k < actual.size(); ++k) {
      const std::string diff = compare_values(actual[k], expected[k], 1e-10, 1e-5);
      EXPECT_EQ(diff, "") << "after step " << k + 1;
      if (!diff.empty()) break;
    }
    // The problem moves: a test that cannot fail would pass on a no-op step.
    EXPECT_NE(actual.back(), Problem().values());
  }
}

// 10 steps, save; 10 more. Against: restore into a fresh optimizer over
// fresh parameters holding the saved values, then the same 10 steps.
void expect_resumes_exactly(const MakeOptimizer& make, const MakeScheduler& make_sched = nullptr) {
  Problem problem;
  auto opt = make(problem.params());
  auto sched = make_sched ? make_sched(*opt) : nullptr;
  auto train = [](Problem& p, Optimizer& o, LRScheduler* s, int steps) {
    for (int k = 0; k < steps; ++k) {
      o.zero_grad();
      p.loss().backward();
      o.step();
      if (s) s->step();
    }
  };
  train(problem, *opt, sched.get(), 10);
  const StateDict saved = opt->state_dict();
  const StateDict saved_sched = sched ? sched->state_dict() : StateDict();
  Problem resumed;
  {
    NoGradGuard no_grad;
    resumed.W.copy_(problem.W);
    resumed.b.copy_(problem.b);
    resumed.u.copy_(problem.u);
  }
  train(problem, *opt, sched.get(), 10);

  auto opt2 = make(resumed.params());
  auto sched2 = make_sched ? make_sched(*opt2) : nullptr;
  opt2->load_state_dict(saved);
  if (sched2) sched2->load_state_dict(saved_sched);
  train(resumed, *opt2, sched2.get(), 10);
  EXPECT_EQ(resumed.values(), problem.values());
  if (sched) {
    EXPECT_EQ(sched2->get_last_lr(), sched->get_last_lr());
  }
}

TEST(Optimizers, StateDictResumesExactly) {
  for (const auto& c : cases()) {
    SCOPED_TRACE(c.name);
    expect_resumes_exactly(c.make, c.make_sched);
  }
}

TEST(Optimizers, StateDictNames) {
  Problem p;
  Adam adam(std::vector<ParamGroup>{ParamGroup({p.W}), ParamGroup({p.b, p.u}, {{"lr", 0.1}})},
            AdamOptions(0.01).amsgrad(true));
  p.loss().backward();
  adam.step();
  const StateDict s = adam.state_dict();
  EXPECT_THAT(s.keys(), ::testing::IsSupersetOf(
                            {"state.0.step", "state.0.exp_avg", "state.0.exp_avg_sq",
                             "state.0.max_exp_avg_sq", "state.1.exp_avg", "param_groups.0.lr",
                             "param_groups.1.lr", "param_groups.0.beta1", "param_groups.1.amsgrad",
                             "param_groups.0.params", "param_groups.1.params"}));
  EXPECT_FALSE(s.contains("state.2.step"));  // u has no gradient: no state
  EXPECT_EQ(s.at("state.1.step").dtype(), kFloat64);
  EXPECT_EQ(s.at("state.1.step").dim(), 0);
  EXPECT_EQ(s.at("state.1.step").item_double(), 1.0);
  EXPECT_EQ(s.at("param_groups.1.lr").item_double(), 0.1);
  EXPECT_EQ(s.at("param_groups.0.lr").item_double(), 0.01);
  EXPECT_EQ(s.at("param_groups.1.params").to_vector(), (std::vector<double>{1, 2}));
  // A copy, not the live buffer.
  const double before = s.at("state.0.exp_avg").to_vector()[0];
  p.W.set_grad(Tensor());
  p.b.set_grad(Tensor());
  p.loss().backward();
  adam.step();
  EXPECT_EQ(s.at("state.0.exp_avg").to_vector()[0], before);

  SGD sgd(p.params(), SGDOptions(0.1).momentum(0.9));
  p.loss().backward();
  sgd.step();
  EXPECT_TRUE(sgd.state_dict().contains("state.0.momentum_buffer"));
  EXPECT_FALSE(sgd.state_dict().contains("state.0.step"));
}

TEST(Optimizers, LoadStateDictChecksTheParameters) {
  Problem p;
  Adam adam(p.params(), AdamOptions(0.01));
  p.loss().backward();
  adam.step();
  const StateDict s = adam.state_dict();

  Problem q;
  Adam two_groups(std::vector<ParamGroup>{ParamGroup({q.W}), ParamGroup({q.b, q.u})});
  EXPECT_THAT([&] { two_groups.load_state_dict(s); },
              ::testing::ThrowsMessage<Error>(HasSubstr("parameter groups")));
  Adam fewer(std::vector<Tensor>{q.W, q.b});
  EXPECT_THAT([&] { fewer.load_state_dict(s); },
              ::testing::ThrowsMessage<Error>(HasSubstr("2 parameters, the state 3")));
  Tensor other = zeros({5}, TensorOptions(kFloat64).requires_grad());
  Adam shapes(std::vector<Tensor>{other, q.b, q.u});
  EXPECT_THAT([&] { shapes.load_state_dict(s); },
              ::testing::ThrowsMessage<Error>(HasSubstr("shape")));
  StateDict extra = s;
  extra.set("param_groups.3.lr", scalar_tensor(0.1, kFloat64));
  Adam same(q.params());
  EXPECT_THAT(
      [&] { same.load_state_dict(extra); },
      ::testing::ThrowsMessage<Error>(HasSubstr("param_groups.3.lr but the optimizer has 1")));
  StateDict bad = s;
  bad.set("param_groups.0.lr", scalar_tensor(-1.0, kFloat64));
  Adam fresh(q.params());
  EXPECT_THAT([&] { fresh.load_state_dict(bad); },
              ::testing::ThrowsMessage<Error>(HasSubstr("invalid learning rate")));
}

TEST(Optimizers, ZeroGrad) {
  Problem p;
  SGD sgd(p.params(), 0.1);
  p.loss().backward();
  ASSERT_TRUE(p.W.grad().defined());
  sgd.zero_grad(/*set_to_none=*/false);
  ASSERT_TRUE(p.W.grad().defined());
  EXPECT_EQ(p.W.grad().to_vector(), std::vector<double>(12, 0.0));
  EXPECT_FALSE(p.u.grad().defined());
  sgd.zero_grad();
  EXPECT_FALSE(p.W.grad().defined());
}

TEST(Optimizers, StepUnderGradModeLeavesNoHistory) {
  Problem p;
  Adam adam(p.params(), AdamOptions(0.1));
  p.loss().backward();
  adam.step();
  EXPECT_TRUE(p.W.is_leaf());
  EXPECT_TRUE(p.W.requires_grad());
  EXPECT_TRUE(GradMode::is_enabled());
}

TEST(Optimizers, AddParamGroup) {
  Problem p;
  SGD sgd(std::vector<Tensor>{p.W}, SGDOptions(0.1).momentum(0.9));
  sgd.add_param_group(ParamGroup({p.b}, {{"lr", 0.5}}));
  ASSERT_EQ(sgd.param_groups().size(), 2u);
  EXPECT_EQ(sgd.param_groups()[1].lr(), 0.5);
  EXPECT_EQ(sgd.param_groups()[1].get("momentum"), 0.9);
  const auto b0 = p.b.to_vector();
  p.loss().backward();
  const auto g = p.b.grad().to_vector();
  sgd.step();
  EXPECT_DOUBLE_EQ(p.b.to_vector()[0], b0[0] - 0.5 * g[0]);
  EXPECT_THAT([&] { sgd.add_param_group(ParamGroup({p.W})); },
              ::testing::ThrowsMessage<Error>(HasSubstr("more than once")));
}

template <class F>
void expect_error(F f, const std::string& what) {
  EXPECT_THAT(f, ::testing::ThrowsMessage<Error>(HasSubstr(what)));
}

TEST(Optimizers, BadInput) {
  Problem p;
  const auto P = p.params();
  expect_error([&] { SGD(P, -0.1); }, "SGD: invalid learning rate value: -0.1");
  expect_error([&] { SGD(P, SGDOptions(0.1).momentum(-0.5)); }, "invalid momentum value: -0.5");
  expect_error([&] { SGD(P, SGDOptions(0.1).weight_decay(-1)); }, "invalid weight_decay");
  expect_error([&] { SGD(P, SGDOptions(0.1).nesterov(true)); },
               "Nesterov momentum requires a momentum and zero dampening");
  expect_error([&] { SGD(P, SGDOptions(0.1).nesterov(true).momentum(0.9).dampening(0.1)); },
               "Nesterov momentum requires a momentum and zero dampening");
  expect_error([&] { Adam(P, AdamOptions().betas({1.0, 0.999})); }, "beta1");
  expect_error([&] { Adam(P, AdamOptions().betas({0.9, -0.1})); }, "beta2");
  expect_error([&] { AdamW(P, AdamWOptions().betas({0.9, 1.5})); }, "beta2");
  expect_error([&] { Adam(P, AdamOptions(-1e-3)); }, "Adam: invalid learning rate");
  expect_error([&] { Adam(P, AdamOptions().eps(-1)); }, "invalid epsilon");
  expect_error([&] { Adagrad(P, AdagradOptions().lr_decay(-1)); }, "invalid lr_decay");
  expect_error([&] { RMSprop(P, RMSpropOptions().alpha(-0.1)); }, "invalid alpha");
  expect_error([&] { RMSprop(P, RMSpropOptions().momentum(-0.1)); }, "invalid momentum");
  expect_error([&] { Adadelta(P, AdadeltaOptions().rho(1.5)); }, "invalid rho");

  Tensor frozen = zeros({3}, kFloat64);
  expect_error(
      [&] {
        SGD(std::vector<Tensor>{p.W, frozen}, 0.1);
      },
      "parameter 1 of group 0 (shape [3]) does not require grad");
  expect_error([&] { SGD(std::vector<Tensor>{p.W * 2.0}, 0.1); }, "can't optimize a non-leaf");
  expect_error([&] { SGD(std::vector<Tensor>{}, 0.1); }, "empty parameter list");
  expect_error([&] { SGD(std::vector<Tensor>{p.W, p.W}, 0.1); }, "more than once");
  expect_error(
      [&] {
        SGD(std::vector<ParamGroup>{ParamGroup({p.W}, {{"betas", 0.9}})}, 0.1);
      },
      "unknown option 'betas'");
  expect_error(
      [&] {
        SGD(std::vector<ParamGroup>{ParamGroup({p.W}, {{"lr", -2.0}})}, 0.1);
      },
      "invalid learning rate value: -2");
}

TEST(Optimizers, L1Penalty) {
  Tensor a = tensor({1.0, -2.0, 0.0, 3.0}, {2, 2}, TensorOptions(kFloat64).requires_grad());
  Tensor b = tensor({-0.5}, {1}, TensorOptions(kFloat64).requires_grad());
  Tensor penalty = l1_penalty({a, b});
  EXPECT_EQ(penalty.dim(), 0);
  EXPECT_DOUBLE_EQ(penalty.item_double(), 6.5);
  penalty.backward();
  // d|w|/dw = sign(w), 0 at 0 (as torch.abs)
  EXPECT_EQ(a.grad().to_vector(), (std::vector<double>{1, -1, 0, 1}));
  EXPECT_EQ(b.grad().to_vector(), (std::vector<double>{-1}));
  expect_error([] { l1_penalty({}); }, "l1_penalty");
}

}  // namespace
}  // namespace nabla::optim
