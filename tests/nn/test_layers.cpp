// Layers: Linear, Identity, Flatten, Dropout, Sequential. Their PyTorch
// comparisons (forward and backward) are op-table cases in
// tests/ops/cases_nn_functional.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nabla/nabla.h>

#include <cmath>

#include "nn/stats.h"
#include "testing/errors.h"

namespace nabla::nn {
namespace {

using ::nabla::testing::error_message;

using ::testing::HasSubstr;
using testing::stats_of;

double max_abs(const Tensor& t) {
  return stats_of(t).max_abs;
}

TEST(Linear, DefaultInitIsUniformWithinOneOverSqrtFanIn) {
  manual_seed(3);
  Linear lin(400, 300);
  EXPECT_EQ(lin.weight.shape(), (Shape{300, 400}));
  EXPECT_EQ(lin.bias.shape(), (Shape{300}));
  const double bound = 1.0 / std::sqrt(400.0);  // 0.05
  EXPECT_LE(max_abs(lin.weight), bound);
  EXPECT_GT(max_abs(lin.weight), 0.99 * bound);
  // U(−b, b) has standard deviation b/√3; 120000 samples pin it to ~0.3%.
  EXPECT_NEAR(stats_of(lin.weight).std, bound / std::sqrt(3.0), 0.01 * bound);
  EXPECT_NEAR(stats_of(lin.weight).mean, 0.0, 0.01 * bound);
  EXPECT_LE(max_abs(lin.bias), bound);
  EXPECT_GT(max_abs(lin.bias), 0.9 * bound);
  EXPECT_TRUE(lin.weight.requires_grad() && lin.weight.is_leaf());
}

TEST(Linear, ForwardIsXWtPlusB) {
  Linear lin(3, 2);
  Tensor x = randn({4, 3});
  Tensor y = lin(x);
  EXPECT_TRUE(allclose(y, matmul(x, lin.weight.t()) + lin.bias, 1e-5, 1e-6));
  EXPECT_EQ(lin(randn({5, 6, 3})).shape(), (Shape{5, 6, 2}));
  sum(y).backward();
  EXPECT_TRUE(allclose(lin.bias.grad(), full({2}, 4.0)));
  EXPECT_THAT(error_message([&] { lin(randn({4, 5})); }), HasSubstr("linear"));
}

TEST(IdentityAndFlatten, Shapes) {
  Tensor x = randn({2, 3, 4, 5});
  Identity id;
  EXPECT_EQ(id(x).impl(), x.impl());
  EXPECT_EQ(Flatten()(x).shape(), (Shape{2, 60}));
  EXPECT_EQ(Flatten(0, 1)(x).shape(), (Shape{6, 4, 5}));
  EXPECT_EQ(Flatten(FlattenOptions().start_dim(2))(x).shape(), (Shape{2, 3, 20}));
  EXPECT_TRUE(Flatten().named_parameters().empty());
}

TEST(Dropout, KeepsTheMeanAndDropsAFractionP) {
  manual_seed(4);
  for (double p : {0.2, 0.5, 0.8}) {
    Dropout drop(p);
    Tensor x = full({400000}, 3.0);
    Tensor y = drop(x);
    const auto s = stats_of(y);
    // Binomial: the fraction's standard deviation is √(p(1−p)/n) < 0.001.
    EXPECT_NEAR(s.zeros_fraction, p, 0.005) << "p=" << p;
    EXPECT_NEAR(s.mean, 3.0, 0.03) << "p=" << p;
    // Kept units are scaled by 1/(1 − p).
    EXPECT_NEAR(s.max, 3.0 / (1.0 - p), 1e-5) << "p=" << p;
    EXPECT_EQ(s.min, 0.0);
  }
}

TEST(Dropout, IdentityInEvalAndForPZero) {
  Tensor x = randn({100, 10});
  Dropout drop(0.5);
  drop.eval();
  EXPECT_EQ(drop(x).to_vector(), x.to_vector());
  Dropout none(0.0);
  EXPECT_EQ(none(x).to_vector(), x.to_vector());
  EXPECT_EQ(F::dropout(x, 0.5, /*training=*/false).to_vector(), x.to_vector());
}

TEST(Dropout, POneGivesZeros) {
  Tensor x = randn({50}).requires_grad_();
  Tensor y = Dropout(1.0)(x);
  EXPECT_EQ(max_abs(y), 0.0);
  sum(y).backward();
  EXPECT_EQ(max_abs(x.grad()), 0.0);
}

TEST(Dropout, GradientIsTheMaskTimesTheScale) {
  manual_seed(5);
  Tensor x = ones({1000}, kFloat64).requires_grad_();
  Tensor y = F::dropout(x, 0.3);
  sum(y).backward();
  // x is all ones, so y holds mask/(1 − p), which is also dy/dx.
  EXPECT_EQ(x.grad().to_vector(), y.to_vector());
  EXPECT_NEAR(stats_of(y).max, 1.0 / 0.7, 1e-12);
  EXPECT_EQ(stats_of(y).min, 0.0);
}

TEST(Dropout, RejectsPOutsideZeroOne) {
  EXPECT_THAT(error_message([] { Dropout(1.5); }), HasSubstr("between 0 and 1, but got 1.5"));
  EXPECT_THAT(error_message([] { F::dropout(ones({2}), -0.1); }), HasSubstr("dropout"));
  EXPECT_THAT(error_message([] { F::dropout(ones({2}, kInt64), 0.1); }),
              HasSubstr("dropout: expected a floating-point input, got int64"));
  EXPECT_EQ(Dropout().options.p(), 0.5);
}

TEST(Sequential, ChainsAndIndexes) {
  auto seq = std::make_shared<Sequential>();
  EXPECT_EQ((*seq)(ones({2})).to_vector(), ones({2}).to_vector());  // empty: identity
  auto lin = seq->push_back(std::make_shared<Linear>(3, 2));
  seq->push_back(std::make_shared<Flatten>(0));
  EXPECT_EQ(seq->size(), 2u);
  EXPECT_EQ(seq->at<Linear>(0), lin);
  Tensor x = randn({4, 3});
  EXPECT_TRUE(allclose((*seq)(x), (*lin)(x).flatten()));
  EXPECT_THAT(error_message([&] { seq->at<Linear>(1); }), HasSubstr("child 1 is a Flatten"));
  EXPECT_THAT(error_message([&] { seq->ptr(2); }), HasSubstr("index 2 out of range"));
  Sequential from_list(std::vector<std::shared_ptr<Module>>{lin, std::make_shared<Identity>()});
  EXPECT_EQ(from_list.named_children()[1].first, "1");
}

}  // namespace
}  // namespace nabla::nn
