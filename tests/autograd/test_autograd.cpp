// The autograd engine: accumulation, graph release, in-place checks, grad
// mode, hooks, autograd::grad, graphs that change per step, a hand-unrolled
// RNN that trains, and very deep graphs.
#include <gtest/gtest.h>

#include <cmath>

#include "nabla/nabla.h"
#include "testing/errors.h"

namespace nabla {
namespace {

using ::testing::ElementsAre;

Tensor leaf(std::initializer_list<double> values, const Shape& shape = {}) {
  return tensor(values, shape, TensorOptions().requires_grad());
}

TEST(Autograd, GradientsAccumulateOverBackwardCalls) {
  Tensor x = leaf({1, 2, 3});
  sum(x * x).backward();
  EXPECT_THAT(x.grad().to_vector(), ElementsAre(2, 4, 6));
  sum(x * x).backward();
  EXPECT_THAT(x.grad().to_vector(), ElementsAre(4, 8, 12));
  sum(x * 3.0).backward();
  EXPECT_THAT(x.grad().to_vector(), ElementsAre(7, 11, 15));
}

TEST(Autograd, ZeroGradBySettingAnUndefinedGrad) {
  Tensor x = leaf({1, 2});
  sum(x * x).backward();
  Tensor old = x.grad();
  x.set_grad(Tensor());
  EXPECT_FALSE(x.grad().defined());
  sum(x * 5.0).backward();
  EXPECT_THAT(x.grad().to_vector(), ElementsAre(5, 5));
  EXPECT_THAT(old.to_vector(), ElementsAre(2, 4));  // a fresh buffer, not the old one
}

TEST(Autograd, LeafGradIsNotAliasedWithOtherGradients) {
  // a + b hands the same gradient to both leaves; accumulating into one must
  // not change the other.
  Tensor a = leaf({1, 1}), b = leaf({2, 2});
  sum(a + b).backward();
  sum(a * 3.0).backward();
  EXPECT_THAT(a.grad().to_vector(), ElementsAre(4, 4));
  EXPECT_THAT(b.grad().to_vector(), ElementsAre(1, 1));
}

TEST(Autograd, AGradientPassedOnAsAViewBecomesALeafGradOnlyWhenNothingElseHoldsIt) {
  // With one row, linear's bias gradient is dy viewed as (out). The leaf may
  // take that buffer once the engine has released dy, but never a buffer the
  // caller still holds.
  Tensor x = leaf({1, 2}, {1, 2}), w = leaf({1, 2, 3, 4}, {2, 2}), bias = leaf({0, 0});
  Tensor g = tensor({1.0, 2.0}, {1, 2});
  linear(x, w, bias).backward(g);
  EXPECT_THAT(bias.grad().to_vector(), ElementsAre(1, 2));
  {
    NoGradGuard no_grad;
    bias.grad().add_(ones({2}));
  }
  EXPECT_THAT(g.to_vector(), ElementsAre(1, 2));  // the caller's gradient is untouched

  bias.set_grad(Tensor());
  sum(linear(x, w, bias) * 3.0).backward();  // dy = 3: a buffer nothing else holds
  sum(x * 5.0).backward();
  EXPECT_THAT(bias.grad().to_vector(), ElementsAre(3, 3));
  EXPECT_THAT(x.grad().to_vector(), ElementsAre(1 * 1 + 2 * 3 + 12 + 5, 1 * 2 + 2 * 4 + 18 + 5));
}

TEST(Autograd, BroadcastGradientsAreSummedBack) {
  Tensor x = leaf({1, 2, 3});
  Tensor y = leaf({1, 2}, {2, 1});
  sum(x * y).backward();
  EXPECT_THAT(x.grad().to_vector(), ElementsAre(3, 3, 3));
  EXPECT_THAT(y.grad().to_vector(), ElementsAre(6, 6));
}

TEST(Autograd, BackwardOnNonScalarNeedsAGradient) {
  Tensor x = leaf({1, 2, 3});
  Tensor y = x * 2.0;
  EXPECT_ERROR(y.backward(), "backward", "implicit", "one-element", "[3]");
  EXPECT_ERROR(y.backward(ones({2})), "backward", "[2]", "[3]");
  y.backward(tensor({1, 10, 100}));
  EXPECT_THAT(x.grad().to_vector(), ElementsAre(2, 20, 200));
}

TEST(Autograd, BackwardWithoutGradientFails) {
  Tensor x = tensor({1, 2});
  EXPECT_ERROR(sum(x).backward(), "backward", "does not require grad");
}

TEST(Autograd, SecondBackwardThroughFreedGraphFails) {
  Tensor x = leaf({1, 2});
  Tensor y = sum(x * x);
  y.backward();
  EXPECT_ERROR(y.backward(), "MulBackward", "second time", "retain_graph=true");
  EXPECT_THAT(x.grad().to_vector(), ElementsAre(2, 4));
}

TEST(Autograd, RetainGraphAllowsASecondBackward) {
  Tensor x = leaf({1, 2});
  Tensor y = sum(exp(x) * x);
  y.backward({}, /*retain_graph=*/true);
  const auto first = x.grad().to_vector();
  y.backward({}, true);
  y.backward();  // the last one may free the graph
  for (int i = 0; i < 2; ++i) EXPECT_DOUBLE_EQ(x.grad().to_vector()[i], 3 * first[i]);
  EXPECT_ERROR(y.backward(), "second time");
}

TEST(Autograd, NodesWithoutSavedTensorsMayRunTwice) {
  // As in PyTorch: only saved tensors are freed, so a graph of additions can
  // be walked again.
  Tensor x = leaf({1, 2});
  Tensor y = sum(x + x);
  y.backward();
  y.backward();
  EXPECT_THAT(x.grad().to_vector(), ElementsAre(4, 4));
}

TEST(Autograd, SavedOutputModifiedInPlaceIsReported) {
  Tensor x = leaf({0, 1, 2, 3, 4, 5}, {2, 3});
  Tensor y = exp(x);  // saves y for dy/dx = y
  Tensor loss = sum(y);
  {
    NoGradGuard no_grad;
    y.mul_(2.0);
  }
  EXPECT_ERROR(loss.backward(), "UnaryBackward", "modified by an in-place operation", "[2, 3]",
               "version 1", "expected version 0");
}

TEST(Autograd, SavedInputModifiedInPlaceIsReported) {
  Tensor w = leaf({1, 2, 3});
  Tensor a = w * 2.0;  // a non-leaf
  Tensor b = a * w;    // saves a and w
  {
    NoGradGuard no_grad;
    a.mul_(3.0);
    a.add_(ones({3}));
  }
  EXPECT_ERROR(sum(b).backward(), "MulBackward", "[3]", "version 2", "expected version 0");
}

TEST(Autograd, InPlaceChangeOfAnUnsavedTensorIsFine) {
  Tensor x = leaf({1, 2});
  Tensor a = x * 2.0;
  Tensor b = a + 1.0;  // saves nothing
  {
    NoGradGuard no_grad;
    a.fill_(100);
  }
  sum(b).backward();
  EXPECT_THAT(x.grad().to_vector(), ElementsAre(2, 2));
}

TEST(Autograd, NoGradGuardStopsRecordingAndNests) {
  Tensor x = leaf({1, 2});
  EXPECT_TRUE(GradMode::is_enabled());
  {
    NoGradGuard outer;
    EXPECT_FALSE(GradMode::is_enabled());
    Tensor y = x * 2.0;
    EXPECT_FALSE(y.requires_grad());
    EXPECT_EQ(y.grad_fn(), nullptr);
    {
      NoGradGuard inner;
      EXPECT_FALSE(GradMode::is_enabled());
    }
    EXPECT_FALSE(GradMode::is_enabled());
    {
      EnableGradGuard enable;
      EXPECT_TRUE(GradMode::is_enabled());
      EXPECT_TRUE((x * 2.0).requires_grad());
    }
    EXPECT_FALSE(GradMode::is_enabled());
  }
  EXPECT_TRUE(GradMode::is_enabled());
  Tensor z = x * 2.0;
  EXPECT_TRUE(z.requires_grad());
  EXPECT_NE(z.grad_fn(), nullptr);
  EXPECT_EQ(z.grad_fn()->name(), "MulScalarBackward");
}

TEST(Autograd, GradModeIsRestoredWhenAnErrorUnwinds) {
  try {
    NoGradGuard no_grad;
    throw Error("boom");
  } catch (const Error&) {
  }
  EXPECT_TRUE(GradMode::is_enabled());
}

TEST(Autograd, DetachSharesStorageWithoutHistory) {
  Tensor x = leaf({1, 2});
  Tensor y = x * 3.0;
  Tensor d = y.detach();
  EXPECT_EQ(d.storage(), y.storage());
  EXPECT_FALSE(d.requires_grad());
  EXPECT_EQ(d.grad_fn(), nullptr);
  EXPECT_TRUE(d.is_leaf());
  d.fill_(7);
  EXPECT_THAT(y.to_vector(), ElementsAre(7, 7));
  EXPECT_EQ(y.version(), d.version());

  Tensor e = x * 3.0;
  e.detach_();
  EXPECT_FALSE(e.requires_grad());
  EXPECT_TRUE(e.is_leaf());
}

TEST(Autograd, RequiresGradRules) {
  Tensor i = tensor(std::vector<int64_t>{1, 2});
  EXPECT_ERROR(i.requires_grad_(), "requires_grad_", "floating-point", "int64");
  EXPECT_ERROR(zeros({2}, kUInt8).requires_grad_(), "uint8");
  i.requires_grad_(false);  // turning it off is always allowed on a leaf
  Tensor x = leaf({1});
  Tensor y = x * 2.0;
  EXPECT_ERROR(y.requires_grad_(false), "requires_grad_", "non-leaf", "detach()");
  EXPECT_FALSE(y.is_leaf());
  EXPECT_TRUE(x.is_leaf());
  // Integer results of a graph carry no gradient.
  EXPECT_FALSE(gt(x, 0.0).requires_grad());
}

TEST(Autograd, RetainGradKeepsANonLeafGradient) {
  Tensor x = leaf({1, 2});
  Tensor h = x * 2.0;
  Tensor k = x * 3.0;
  h.retain_grad();
  sum(h * h + k).backward();
  EXPECT_THAT(h.grad().to_vector(), ElementsAre(4, 8));  // 2h
  EXPECT_FALSE(k.grad().defined());
  EXPECT_THAT(x.grad().to_vector(), ElementsAre(11, 19));  // 2h·2 + 3
  // A second backward accumulates into the retained gradient too.
  sum(h * 1.0).backward();
  EXPECT_THAT(h.grad().to_vector(), ElementsAre(5, 9));
  EXPECT_ERROR(tensor({1}).retain_grad(), "retain_grad", "does not require grad");
}

TEST(Autograd, PostAccumulateHooksFireOncePerLeafPerBackward) {
  Tensor x = leaf({1, 2});
  Tensor w = leaf({3});
  int x_calls = 0, w_calls = 0;
  std::vector<double> x_seen;
  x.register_post_accumulate_grad_hook([&](Tensor& t) {
    ++x_calls;
    x_seen = t.grad().to_vector();
  });
  w.register_post_accumulate_grad_hook([&](Tensor&) { ++w_calls; });
  // x reaches the loss along three paths; its hook sees the sum of them.
  Tensor loss = sum(x * x * w + x + x * w);
  loss.backward();
  EXPECT_EQ(x_calls, 1);
  EXPECT_EQ(w_calls, 1);
  EXPECT_THAT(x_seen, ElementsAre(2 * 1 * 3 + 1 + 3, 2 * 2 * 3 + 1 + 3));
  sum(x).backward();
  EXPECT_EQ(x_calls, 2);
  EXPECT_EQ(w_calls, 1);
  EXPECT_THAT(x_seen, ElementsAre(11, 17));  // accumulated
  EXPECT_ERROR(tensor({1}).register_post_accumulate_grad_hook([](Tensor&) {}),
               "register_post_accumulate_grad_hook");
  EXPECT_ERROR((x * 2.0).register_post_accumulate_grad_hook([](Tensor&) {}), "leaf");
}

TEST(Autograd, GradReturnsGradientsWithoutTouchingDotGrad) {
  Tensor x = leaf({1, 2});
  Tensor w = leaf({3, 4});
  Tensor h = x * w;  // a non-leaf input
  Tensor y = sum(h * h);
  auto g = autograd::grad({y}, {x, h, w}, {}, /*retain_graph=*/true);
  ASSERT_EQ(g.size(), 3u);
  EXPECT_THAT(g[0].to_vector(), ElementsAre(2 * 3 * 3 * 1, 2 * 4 * 4 * 2));  // 2·w²·x
  EXPECT_THAT(g[1].to_vector(), ElementsAre(6, 16));                         // 2h
  EXPECT_THAT(g[2].to_vector(), ElementsAre(2 * 1 * 1 * 3, 2 * 2 * 2 * 4));  // 2·x²·w
  EXPECT_FALSE(x.grad().defined());
  EXPECT_FALSE(w.grad().defined());
  // The graph was retained: backward still works and fills .grad().
  y.backward();
  EXPECT_THAT(x.grad().to_vector(), ElementsAre(18, 64));
}

TEST(Autograd, GradWithExplicitOutputGradientsAndUnusedInputs) {
  Tensor x = leaf({1, 2});
  Tensor unused = leaf({5});
  Tensor y = x * x;
  auto g = autograd::grad({y}, {x}, {tensor({1, 10})}, true);
  EXPECT_THAT(g[0].to_vector(), ElementsAre(2, 40));
  EXPECT_ERROR(autograd::grad({sum(y)}, {x, unused}, {}, true), "autograd::grad", "input 1",
               "allow_unused");
  auto h = autograd::grad({sum(y)}, {x, unused}, {}, true, /*allow_unused=*/true);
  EXPECT_TRUE(h[0].defined());
  EXPECT_FALSE(h[1].defined());
  EXPECT_ERROR(autograd::grad({y}, {x}), "autograd::grad", "one-element", "[2]");
}

TEST(Autograd, DiamondGraphsAccumulate) {
  Tensor x = leaf({1, 2});
  Tensor a = x * 2.0;
  Tensor b = a * a;    // uses a twice
  Tensor c = a * 3.0;  // and a third time
  sum(b + c).backward();
  // d/dx (4x² + 6x) = 8x + 6
  EXPECT_THAT(x.grad().to_vector(), ElementsAre(14, 22));

  Tensor y = leaf({3});
  sum(y * y * y).backward();  // y used three times along two nodes
  EXPECT_THAT(y.grad().to_vector(), ElementsAre(27));
}

TEST(Autograd, GraphsThatDifferPerStep) {
  // A loop whose length depends on the data: double until the sum passes 10.
  for (double start : {0.5, 3.0, 7.0}) {
    Tensor x = leaf({start});
    Tensor y = x;
    int doublings = 0;
    while (y.item<double>() < 10) {
      y = y * 2.0;
      ++doublings;
    }
    y.backward();
    EXPECT_EQ(x.grad().item<double>(), std::pow(2.0, doublings)) << start;
  }
  // A branch on the data.
  for (double v : {-2.0, 3.0}) {
    Tensor x = leaf({v});
    Tensor y = v > 0 ? x * x : exp(x);
    y.backward();
    const double expected = v > 0 ? 2 * v : std::exp(v);
    EXPECT_NEAR(x.grad().item<double>(), expected, 1e-6) << v;
  }
}

// tanh from exp (the activations are another module's): 1 − 2/(e^{2a} + 1),
// which saturates to ±1 instead of producing inf/inf.
Tensor tanh_by_exp(const Tensor& a) {
  return 1.0 - 2.0 / (exp(a * 2.0) + 1.0);
}

TEST(Autograd, HandUnrolledRnnTrains) {
  // An Elman RNN, h_t = tanh(x_t W_x + h_{t−1} W_h + b), reads a sequence of
  // T numbers and predicts their sum from h_T through a linear read-out.
  const int64_t N = 64, T = 5, H = 8;
  Generator gen(123);
  Tensor xs = rand({N, T}, {}, &gen) - 0.5;
  Tensor target = sum(xs, {1}, true);  // (N, 1)

  auto param = [&](const Shape& shape, double scale) {
    Tensor p = randn(shape, {}, &gen) * scale;
    return p.requires_grad_();
  };
  Tensor Wx = param({1, H}, 0.5), Wh = param({H, H}, 0.3), b = param({H}, 0.0);
  Tensor Wo = param({H, 1}, 0.5), bo = param({1}, 0.0);
  std::vector<Tensor> params = {Wx, Wh, b, Wo, bo};

  auto loss_fn = [&] {
    Tensor h = zeros({N, H});
    for (int64_t t = 0; t < T; ++t) {
      Tensor x_t = xs.narrow(1, t, 1);  // (N, 1)
      h = tanh_by_exp(matmul(x_t, Wx) + matmul(h, Wh) + b);
    }
    Tensor y = matmul(h, Wo) + bo;
    Tensor d = y - target;
    return mean(d * d);
  };

  const double lr = 0.1;
  double initial = 0, final_loss = 0;
  for (int step = 0; step < 400; ++step) {
    Tensor loss = loss_fn();
    if (step == 0) initial = loss.item<double>();
    final_loss = loss.item<double>();
    for (Tensor& p : params) p.set_grad(Tensor());
    loss.backward();
    NoGradGuard no_grad;
    for (Tensor& p : params) p.sub_(p.grad() * lr);
  }
  // Against the best constant prediction (the target's variance, about
  // 5/12), not the initial loss, which depends on the draw of the weights.
  const double baseline = mean(square(target - mean(target))).item<double>();
  EXPECT_TRUE(std::isfinite(final_loss));
  EXPECT_LT(final_loss, 0.1 * baseline)
      << "initial " << initial << ", final " << final_loss << ", baseline " << baseline;
}

TEST(Autograd, DeepChainsNeitherOverflowInBackwardNorInDestruction) {
  for (int64_t depth : {10000, 200000}) {
    Tensor x = leaf({1});
    {
      Tensor y = x;
      for (int64_t i = 0; i < depth; ++i) y = y + x;
      y.backward();
      EXPECT_EQ(x.grad().item<double>(), static_cast<double>(depth + 1));
    }  // the graph of depth nodes is released here
    x.set_grad(Tensor());
    {
      Tensor y = x;
      for (int64_t i = 0; i < depth; ++i) y = y * 1.0;
    }  // released without a backward
  }
}

}  // namespace
}  // namespace nabla
