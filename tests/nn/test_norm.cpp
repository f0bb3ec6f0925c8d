// Normalisation layers: running statistics over several training steps
// against torch.nn (run by /usr/bin/python3 through the test oracle),
// momentum=None, eval after training, num_batches_tracked, state_dict keys,
// printing, and bad input. Forward and backward of every op and layer
// against PyTorch are op-table cases in tests/ops/cases_norm.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nabla/nabla.h>

#include <cmath>
#include <functional>
#include <sstream>

#include "testing/errors.h"
#include "testing/oracle.h"

namespace nabla::nn {
namespace {

using ::nabla::testing::error_message;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::string repr_of(const Module& m) {
  std::ostringstream os;
  os << m;
  return os.str();
}

// Three training batches, each with its own mean and spread, then one eval batch.
std::vector<Tensor> batches(const Shape& shape) {
  Generator gen(7);
  std::vector<Tensor> out;
  for (int i = 0; i < 4; ++i)
    out.push_back(randn(shape, kFloat64, &gen) * (1.0 + i) + (0.5 * i - 1.0));
  return out;
}

// What the torch lambda returns for a module: the three training outputs,
// the running statistics, num_batches_tracked and the eval output, flattened.
Tensor run_steps(Module& m, const std::vector<Tensor>& x) {
  m.train();
  std::vector<Tensor> parts;
  for (int i = 0; i < 3; ++i) parts.push_back(m(x[i]).detach().reshape({-1}));
  const auto state = m.state_dict();
  parts.push_back(state.at("running_mean"));
  parts.push_back(state.at("running_var"));
  parts.push_back(state.at("num_batches_tracked").to(kFloat64).reshape({1}));
  m.eval();
  parts.push_back(m(x[3]).detach().reshape({-1}));
  return cat(parts, 0);
}

std::string torch_steps(const std::string& make) {
  return "lambda a, b, c, t: (lambda m: torch.cat([m(a).reshape(-1), m(b).reshape(-1), "
         "m(c).reshape(-1), m.running_mean, m.running_var, "
         "m.num_batches_tracked.reshape(1).to(a.dtype), m.eval()(t).reshape(-1)]))(" +
         make + ".double())";
}

TEST(NormRunningStats, MatchTorchOverSeveralSteps) {
  if (!nabla::testing::torch_available()) GTEST_SKIP() << "PyTorch is not available";
  struct Config {
    std::string name, torch_make;
    std::function<std::shared_ptr<Module>()> make;
    Shape shape;
  };
  const std::vector<Config> configs = {
      {"bn2d",
       "torch.nn.BatchNorm2d(3)",
       [] { return std::make_shared<BatchNorm2d>(3); },
       {4, 3, 2, 5}},
      {"bn2d_momentum_none_noaffine",
       "torch.nn.BatchNorm2d(3, momentum=None, affine=False)",
       [] {
         return std::make_shared<BatchNorm2d>(
             BatchNormOptions(3).momentum(std::nullopt).affine(false));
       },
       {2, 3, 3, 3}},
      {"bn1d_2d_input",
       "torch.nn.BatchNorm1d(4, momentum=0.3, eps=1e-3)",
       [] { return std::make_shared<BatchNorm1d>(BatchNormOptions(4).momentum(0.3).eps(1e-3)); },
       {6, 4}},
      {"bn1d_3d_input",
       "torch.nn.BatchNorm1d(2)",
       [] { return std::make_shared<BatchNorm1d>(2); },
       {3, 2, 5}},
      {"instancenorm2d_tracked",
       "torch.nn.InstanceNorm2d(3, track_running_stats=True)",
       [] {
         return std::make_shared<InstanceNorm2d>(InstanceNormOptions(3).track_running_stats(true));
       },
       {2, 3, 4, 4}},
  };
  std::vector<nabla::testing::OracleCase> cases;
  std::vector<Tensor> ours;
  for (const auto& c : configs) {
    const auto x = batches(c.shape);
    auto m = c.make();
    m->to(kFloat64);
    ours.push_back(run_steps(*m, x));
    cases.push_back({c.name, torch_steps(c.torch_make), x, {false, false, false, false}, {}});
  }
  const auto results = nabla::testing::run_torch(cases);
  for (size_t i = 0; i < configs.size(); ++i) {
    SCOPED_TRACE(configs[i].name);
    const auto& r = results.at(configs[i].name);
    ASSERT_EQ(r.error, "");
    EXPECT_EQ(nabla::testing::compare(ours[i], r.output, 1e-10, 1e-10), "");
  }
}

TEST(NormRunningStats, FunctionalUpdateUsesUnbiasedVariance) {
  Tensor x = tensor({1.0, 2.0, 3.0, 5.0, 4.0, 8.0}, {3, 2}, kFloat64);  // channels {1,3,4}, {2,5,8}
  Tensor rm = zeros({2}, kFloat64), rv = ones({2}, kFloat64);
  F::batch_norm(x, rm, rv, {}, {}, true, 0.5);
  // means 8/3 and 5; unbiased variances 7/3 and 9
  EXPECT_NEAR(rm.at({0}), 0.5 * 8.0 / 3.0, 1e-12);
  EXPECT_NEAR(rm.at({1}), 0.5 * 5.0, 1e-12);
  EXPECT_NEAR(rv.at({0}), 0.5 + 0.5 * 7.0 / 3.0, 1e-12);
  EXPECT_NEAR(rv.at({1}), 0.5 + 0.5 * 9.0, 1e-12);
}

TEST(NormRunningStats, MomentumNoneIsTheCumulativeAverageOfBatchMeans) {
  BatchNorm1d bn(BatchNormOptions(1).momentum(std::nullopt));
  const std::vector<std::vector<double>> steps = {{1, 3}, {10, 20, 30}, {-4, 0}};
  for (const auto& v : steps) bn(tensor(v, {static_cast<int64_t>(v.size()), 1}));
  // batch means 2, 20, −2 → their plain average
  EXPECT_NEAR(bn.running_mean.at({0}), (2.0 + 20.0 - 2.0) / 3.0, 1e-5);
  // unbiased variances 2, 100, 8
  EXPECT_NEAR(bn.running_var.at({0}), (2.0 + 100.0 + 8.0) / 3.0, 1e-4);
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 3);
}

TEST(NormRunningStats, NumBatchesTrackedCountsTrainingStepsOnly) {
  BatchNorm2d bn(2);
  EXPECT_EQ(bn.num_batches_tracked.dtype(), kInt64);
  EXPECT_EQ(bn.num_batches_tracked.dim(), 0);
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 0);
  Tensor x = randn({3, 2, 2, 2});
  bn(x);
  bn(x);
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 2);
  bn.eval();
  bn(x);
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 2);
  bn.reset_running_stats();
  EXPECT_EQ(bn.num_batches_tracked.item<int64_t>(), 0);
  EXPECT_TRUE(allclose(bn.running_var, ones({2})));
}

TEST(BatchNorm, EvalAfterTrainingUsesTheRunningStatistics) {
  BatchNorm2d bn(BatchNormOptions(2).momentum(1.0));  // running = the last batch's
  Tensor x = randn({4, 2, 3, 3}, kFloat64) * 3.0 + 2.0;
  bn.to(kFloat64);
  bn(x);
  bn.eval();
  Tensor t = randn({2, 2, 3, 3}, kFloat64);
  Tensor expected = (t - bn.running_mean.reshape({1, 2, 1, 1})) /
                    sqrt(bn.running_var.reshape({1, 2, 1, 1}) + 1e-5);
  EXPECT_TRUE(allclose(bn(t), expected, 1e-10, 1e-12));
  // The running variance is the unbiased one: n/(n − 1) times the batch's.
  EXPECT_NEAR(bn.running_var.at({1}), var(x.select(1, 1), {}, true).item<double>(), 1e-10);
}

TEST(BatchNorm, EvalWithoutRunningStatisticsUsesTheBatch) {
  BatchNorm1d bn(BatchNormOptions(3).track_running_stats(false));
  EXPECT_FALSE(bn.running_mean.defined());
  bn.eval();
  Tensor x = randn({8, 3}, kFloat64) * 2.0 + 5.0;
  bn.to(kFloat64);
  Tensor y = bn(x);
  EXPECT_TRUE(allclose(mean(y, {0}), zeros({3}, kFloat64), 0, 1e-10));
  EXPECT_TRUE(allclose(var(y, {0}, false), ones({3}, kFloat64), 1e-4, 0));
}

TEST(InstanceNorm2d, NormalisesEachSampleAndChannelInTrainingAndEval) {
  InstanceNorm2d in(2);
  Tensor x = randn({3, 2, 4, 4}, kFloat64) * 4.0 - 1.0;
  for (bool training : {true, false}) {
    in.train(training);
    Tensor y = in(x);
    EXPECT_TRUE(allclose(mean(y, {2, 3}), zeros({3, 2}, kFloat64), 0, 1e-10));
    EXPECT_TRUE(allclose(var(y, {2, 3}, false), ones({3, 2}, kFloat64), 1e-4, 0));
  }
  EXPECT_EQ(in(x.select(0, 0)).shape(), (Shape{2, 4, 4}));  // unbatched
}

// Inputs large enough for the kernels' OpenMP paths (the op-table cases are
// small): forward and gradients against the same formula composed of
// differentiable ops.
struct Grads {
  Tensor y, dx, dw, db;
};

Grads run_both(const std::function<Tensor(const Tensor&, const Tensor&, const Tensor&)>& f,
               const Shape& x_shape, int64_t features, const Tensor& dy_seed) {
  Generator gen(11);
  Tensor x = (randn(x_shape, kFloat64, &gen) * 2.0 + 0.5).requires_grad_();
  Tensor w = (randn({features}, kFloat64, &gen)).requires_grad_();
  Tensor b = (randn({features}, kFloat64, &gen)).requires_grad_();
  Tensor y = f(x, w, b);
  y.backward(dy_seed);
  return {y.detach(), x.grad(), w.grad(), b.grad()};
}

void expect_same(const Grads& fused, const Grads& composed) {
  EXPECT_TRUE(allclose(fused.y, composed.y, 1e-9, 1e-9));
  EXPECT_TRUE(allclose(fused.dx, composed.dx, 1e-9, 1e-9));
  EXPECT_TRUE(allclose(fused.dw, composed.dw, 1e-8, 1e-9));
  EXPECT_TRUE(allclose(fused.db, composed.db, 1e-8, 1e-9));
}

TEST(NormKernels, LargeInputsMatchComposedOps) {
  const Shape shape{8, 16, 24, 24};  // 73728 elements
  Tensor dy = randn(shape, kFloat64);
  auto per_channel = [](const Tensor& t) { return t.reshape({1, -1, 1, 1}); };
  // batch norm, training
  expect_same(
      run_both([](auto& x, auto& w, auto& b) { return F::batch_norm(x, {}, {}, w, b, true); },
               shape, 16, dy),
      run_both(
          [&](auto& x, auto& w, auto& b) {
            Tensor m = mean(x, {0, 2, 3}, true), v = var(x, {0, 2, 3}, false, true);
            return (x - m) / sqrt(v + 1e-5) * per_channel(w) + per_channel(b);
          },
          shape, 16, dy));
  // group norm, 4 groups
  expect_same(
      run_both([](auto& x, auto& w, auto& b) { return F::group_norm(x, 4, w, b); }, shape, 16, dy),
      run_both(
          [&](auto& x, auto& w, auto& b) {
            Tensor g = x.reshape({8, 4, -1});
            Tensor m = mean(g, {2}, true), v = var(g, {2}, false, true);
            return ((g - m) / sqrt(v + 1e-5)).reshape(shape) * per_channel(w) + per_channel(b);
          },
          shape, 16, dy));
  // layer norm over the last dim
  const Shape rows{2048, 24};
  Tensor dy_rows = randn(rows, kFloat64);
  expect_same(run_both([](auto& x, auto& w, auto& b) { return F::layer_norm(x, {24}, w, b); }, rows,
                       24, dy_rows),
              run_both(
                  [&](auto& x, auto& w, auto& b) {
                    Tensor m = mean(x, {1}, true), v = var(x, {1}, false, true);
                    return (x - m) / sqrt(v + 1e-5) * w + b;
                  },
                  rows, 24, dy_rows));
}

// The fused relu(batch_norm) on f32 inputs large enough for the vectorised
// and threaded paths, against the two ops composed in f64.
TEST(NormKernels, BatchNormReluInF32MatchesTheComposedOpsInF64) {
  const Shape shape{8, 16, 24, 24};
  Generator gen(12);
  const Tensor x64 = randn(shape, kFloat64, &gen) * 2.0 + 0.5;
  const Tensor w64 = randn({16}, kFloat64, &gen), b64 = randn({16}, kFloat64, &gen);
  const Tensor dy64 = randn(shape, kFloat64, &gen);
  auto run = [&](DType dtype, bool fused) {
    Tensor x = x64.to(dtype).requires_grad_(), w = w64.to(dtype).requires_grad_();
    Tensor b = b64.to(dtype).requires_grad_();
    Tensor y = fused ? F::batch_norm_relu(x, {}, {}, w, b, true)
                     : F::relu(F::batch_norm(x, {}, {}, w, b, true));
    y.backward(dy64.to(dtype));
    return Grads{y.detach().to(kFloat64), x.grad().to(kFloat64), w.grad().to(kFloat64),
                 b.grad().to(kFloat64)};
  };
  const Grads fused = run(kFloat32, true), composed = run(kFloat64, false);
  EXPECT_TRUE(allclose(fused.y, composed.y, 1e-4, 1e-4));
  EXPECT_TRUE(allclose(fused.dx, composed.dx, 1e-4, 1e-4));
  EXPECT_TRUE(allclose(fused.dw, composed.dw, 1e-3, 1e-2));  // sums of 4608 terms
  EXPECT_TRUE(allclose(fused.db, composed.db, 1e-3, 1e-2));
  EXPECT_GT(sum(eq(fused.y, zeros(shape, kFloat64))).item<double>(), 0);  // the ReLU cut some
}

// Sequential runs a BatchNorm followed by a ReLU as one op: the same
// outputs, gradients and running statistics as the two modules.
TEST(BatchNormRelu, SequentialMatchesTheTwoModules) {
  auto pair = [] {
    auto seq = std::make_shared<Sequential>(std::make_shared<BatchNorm2d>(BatchNormOptions(3)),
                                            std::make_shared<ReLU>());
    seq->to(kFloat64);
    Generator gen(5);
    NoGradGuard no_grad;
    seq->at<BatchNorm2d>(0)->weight.copy_(randn({3}, kFloat64, &gen));
    seq->at<BatchNorm2d>(0)->bias.copy_(randn({3}, kFloat64, &gen));
    return seq;
  };
  auto fused = pair(), apart = pair();
  EXPECT_TRUE(fuses_with_relu(*(*fused)[0], *(*fused)[1]));
  Generator gen(6);
  const Tensor x0 = randn({4, 3, 5, 5}, kFloat64, &gen), dy = randn({4, 3, 5, 5}, kFloat64, &gen);
  for (bool training : {true, false}) {
    fused->train(training);
    apart->train(training);
    Tensor xf = x0.clone().requires_grad_(), xa = x0.clone().requires_grad_();
    Tensor yf = (*fused)(xf);
    Tensor ya = (*(*apart)[1])((*(*apart)[0])(xa));  // the two modules, one by one
    EXPECT_TRUE(allclose(yf, ya, 1e-12, 1e-12)) << "training " << training;
    yf.backward(dy);
    ya.backward(dy);
    EXPECT_TRUE(allclose(xf.grad(), xa.grad(), 1e-12, 1e-12)) << "training " << training;
    auto bn_f = fused->at<BatchNorm2d>(0), bn_a = apart->at<BatchNorm2d>(0);
    if (training) {
      EXPECT_TRUE(allclose(bn_f->weight.grad(), bn_a->weight.grad(), 1e-12, 1e-12));
      EXPECT_TRUE(allclose(bn_f->bias.grad(), bn_a->bias.grad(), 1e-12, 1e-12));
    }
    EXPECT_TRUE(allclose(bn_f->running_mean, bn_a->running_mean, 1e-12, 1e-12));
    EXPECT_TRUE(allclose(bn_f->running_var, bn_a->running_var, 1e-12, 1e-12));
  }
}

// A forward hook on either module turns the fusion off: the BatchNorm's hook
// sees its own output, before the ReLU.
TEST(BatchNormRelu, HooksSeeTheBatchNormOutput) {
  Sequential seq(std::make_shared<BatchNorm1d>(BatchNormOptions(4)), std::make_shared<ReLU>());
  Tensor seen;
  seq[0]->register_forward_hook([&](Module&, const Tensor&, const Tensor& y) { seen = y; });
  EXPECT_FALSE(fuses_with_relu(*seq[0], *seq[1]));
  const Tensor y = seq(randn({8, 4}));
  ASSERT_TRUE(seen.defined());
  EXPECT_LT(min(seen).item<double>(), 0.0);  // normalised: some below zero
  EXPECT_TRUE(allclose(y, relu(seen)));
  EXPECT_FALSE(fuses_with_relu(BatchNorm2d(BatchNormOptions(2)), LeakyReLU()));
  EXPECT_FALSE(fuses_with_relu(InstanceNorm2d(2), ReLU()));
}

TEST(NormKernels, VarianceIsExactForALargeMean) {
  // Σx² − M·mean² would lose every digit of a variance of 1 at mean 1e4 in f32.
  Tensor x = randn({64, 2, 8, 8}) + 1e4;
  Tensor y = F::batch_norm(x, {}, {}, {}, {}, true);
  Tensor xd = x.to(kFloat64);
  Tensor expected = (xd - mean(xd, {0, 2, 3}, true)) / sqrt(var(xd, {0, 2, 3}, false, true) + 1e-5);
  EXPECT_TRUE(allclose(y.to(kFloat64), expected, 0, 2e-3));
}

TEST(NormStateDict, KeysMatchPyTorch) {
  auto keys = [](const Module& m) { return m.state_dict().keys(); };
  EXPECT_THAT(keys(BatchNorm2d(16)),
              ElementsAre("weight", "bias", "running_mean", "running_var", "num_batches_tracked"));
  EXPECT_THAT(keys(BatchNorm1d(BatchNormOptions(4).affine(false))),
              ElementsAre("running_mean", "running_var", "num_batches_tracked"));
  EXPECT_THAT(keys(BatchNorm2d(BatchNormOptions(3).track_running_stats(false))),
              ElementsAre("weight", "bias"));
  EXPECT_THAT(keys(InstanceNorm2d(3)), IsEmpty());
  EXPECT_THAT(keys(InstanceNorm2d(InstanceNormOptions(3).affine(true).track_running_stats(true))),
              ElementsAre("weight", "bias", "running_mean", "running_var", "num_batches_tracked"));
  EXPECT_THAT(keys(LayerNorm({10})), ElementsAre("weight", "bias"));
  EXPECT_THAT(keys(LayerNorm(LayerNormOptions({4, 5}).elementwise_affine(false))), IsEmpty());
  EXPECT_THAT(keys(GroupNorm(2, 6)), ElementsAre("weight", "bias"));
  EXPECT_THAT(keys(LocalResponseNorm(2)), IsEmpty());
  Sequential seq{std::make_shared<Linear>(3, 4), std::make_shared<BatchNorm1d>(4)};
  EXPECT_THAT(keys(seq), ElementsAre("0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                                     "1.running_var", "1.num_batches_tracked"));
  // Buffers are not parameters.
  EXPECT_EQ(BatchNorm2d(3).parameters().size(), 2u);
  EXPECT_EQ(BatchNorm2d(3).buffers().size(), 3u);
}

TEST(NormStateDict, RunningStatisticsRoundTrip) {
  BatchNorm2d a(3), b(3);
  a(randn({4, 3, 2, 2}) + 3.0);
  EXPECT_TRUE(b.load_state_dict(a.state_dict()).ok());
  EXPECT_TRUE(allclose(b.running_mean, a.running_mean));
  EXPECT_EQ(b.num_batches_tracked.item<int64_t>(), 1);
}

TEST(NormPrinting, AsPyTorch) {
  EXPECT_EQ(repr_of(BatchNorm2d(16)),
            "BatchNorm2d(16, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)");
  EXPECT_EQ(repr_of(BatchNorm1d(BatchNormOptions(4).momentum(std::nullopt).affine(false))),
            "BatchNorm1d(4, eps=1e-05, momentum=None, affine=False, track_running_stats=True)");
  EXPECT_EQ(repr_of(BatchNorm2d(BatchNormOptions(3).eps(1e-3).track_running_stats(false))),
            "BatchNorm2d(3, eps=0.001, momentum=0.1, affine=True, track_running_stats=False)");
  EXPECT_EQ(repr_of(LayerNorm({10})), "LayerNorm((10,), eps=1e-05, elementwise_affine=True)");
  EXPECT_EQ(repr_of(LayerNorm(LayerNormOptions({4, 5}).elementwise_affine(false))),
            "LayerNorm((4, 5), eps=1e-05, elementwise_affine=False)");
  EXPECT_EQ(repr_of(InstanceNorm2d(3)),
            "InstanceNorm2d(3, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)");
  EXPECT_EQ(repr_of(GroupNorm(2, 6)), "GroupNorm(2, 6, eps=1e-05, affine=True)");
  EXPECT_EQ(repr_of(LocalResponseNorm(2)), "LocalResponseNorm(2, alpha=0.0001, beta=0.75, k=1.0)");
}

TEST(NormErrors, WrongChannelCount) {
  BatchNorm2d bn(16);
  EXPECT_EQ(error_message([&] {
              bn(randn({8, 3, 32, 32}));
            }),
            "batch_norm: expected 16 channels (running_mean [16]), got input [8, 3, 32, 32]");
  BatchNorm2d untracked(BatchNormOptions(16).track_running_stats(false));
  EXPECT_EQ(error_message([&] {
              untracked(randn({2, 3, 4, 4}));
            }),
            "batch_norm: expected 16 channels (weight [16]), got input [2, 3, 4, 4]");
  EXPECT_THAT(error_message([&] {
                GroupNorm(2, 6)(randn({2, 4, 3}));
              }),
              HasSubstr("group_norm: expected 6 channels (weight [6]), got input [2, 4, 3]"));
  InstanceNorm2d in(InstanceNormOptions(3).affine(true));
  EXPECT_THAT(error_message([&] {
                in(randn({2, 4, 3, 3}));
              }),
              HasSubstr("match num_features (3), but got: 4"));
}

TEST(NormErrors, WrongRank) {
  EXPECT_THAT(error_message([&] {
                BatchNorm2d(3)(randn({2, 3, 4}));
              }),
              HasSubstr("BatchNorm2d: expected 4D input (got 3D input"));
  EXPECT_THAT(error_message([&] {
                BatchNorm1d(3)(randn({2, 3, 4, 4}));
              }),
              HasSubstr("BatchNorm1d: expected 2D or 3D input (got 4D input"));
  EXPECT_THAT(error_message([&] {
                F::local_response_norm(randn({2, 3}), 2);
              }),
              HasSubstr("local_response_norm: expected 3D or higher"));
}

TEST(NormErrors, NormalizedShapeMustMatchTrailingDims) {
  EXPECT_EQ(error_message([&] {
              F::layer_norm(randn({2, 3}), {4});
            }),
            "layer_norm: given normalized_shape=[4], expected input with shape [*, 4], but got "
            "input of size [2, 3]");
  EXPECT_THAT(error_message([&] {
                LayerNorm({3, 4})(randn({2, 4, 3}));
              }),
              HasSubstr("expected input with shape [*, 3, 4]"));
  EXPECT_THAT(error_message([&] {
                F::layer_norm(randn({2, 3}), {3}, ones({4}));
              }),
              HasSubstr("layer_norm: expected weight of shape [3], got [4]"));
}

TEST(NormErrors, ChannelsMustDivideIntoGroups) {
  EXPECT_EQ(error_message([&] {
              F::group_norm(randn({2, 6, 4}), 4);
            }),
            "group_norm: expected number of channels in input to be divisible by num_groups, but "
            "got input of shape [2, 6, 4] and num_groups=4");
  EXPECT_THAT(error_message([&] { GroupNorm(4, 6); }),
              HasSubstr("GroupNorm: num_channels (6) must be divisible by num_groups (4)"));
}

TEST(NormErrors, OneValuePerChannelInTraining) {
  BatchNorm1d bn(3);
  EXPECT_EQ(error_message([&] {
              bn(randn({1, 3}));
            }),
            "batch_norm: Expected more than 1 value per channel when training, got input size "
            "[1, 3]");
  bn.eval();
  EXPECT_EQ(bn(randn({1, 3})).shape(), (Shape{1, 3}));  // eval normalises one sample fine
  EXPECT_THAT(error_message([&] {
                F::instance_norm(randn({2, 3, 1, 1}));
              }),
              HasSubstr("Expected more than 1 spatial element when training"));
  EXPECT_THAT(error_message([&] {
                F::batch_norm(randn({4, 3}), {}, {}, {}, {}, false);
              }),
              HasSubstr("running_mean and running_var must be defined when not training"));
}

}  // namespace
}  // namespace nabla::nn
