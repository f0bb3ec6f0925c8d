// Bad arguments to losses and activations give errors that name the op and
// the values involved; extreme inputs give finite results.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nabla/nabla.h>

#include <cmath>
#include <functional>

#include "testing/errors.h"

namespace nabla {
namespace {

using ::nabla::testing::error_message;

using ::testing::AllOf;
using ::testing::HasSubstr;

bool all_finite(const Tensor& t) {
  for (double v : t.to_vector())
    if (!std::isfinite(v)) return false;
  return true;
}

TEST(LossErrors, BadReductionIsNamed) {
  Tensor a = randn({3, 4}), b = randn({3, 4}), p = rand({3, 4});
  Tensor t = tensor(std::vector<int64_t>{0, 1, 2});
  const std::vector<std::pair<const char*, std::function<void()>>> calls = {
      {"mse_loss", [&] { mse_loss(a, b, "avg"); }},
      {"l1_loss", [&] { l1_loss(a, b, "avg"); }},
      {"smooth_l1_loss", [&] { smooth_l1_loss(a, b, "avg"); }},
      {"nll_loss", [&] { nll_loss(a, t, {}, -100, "avg"); }},
      {"cross_entropy", [&] { cross_entropy(a, t, {}, -100, "avg"); }},
      {"binary_cross_entropy", [&] { binary_cross_entropy(p, p, {}, "avg"); }},
      {"binary_cross_entropy_with_logits",
       [&] { binary_cross_entropy_with_logits(a, p, {}, "avg"); }},
      {"kl_div", [&] { kl_div(a, p, "avg"); }},
  };
  for (const auto& [name, call] : calls)
    EXPECT_THAT(error_message(call), AllOf(HasSubstr(name), HasSubstr("'avg'"))) << name;
}

TEST(LossErrors, BatchmeanIsKlDivsAlone) {
  Tensor a = randn({3, 4}), p = rand({3, 4});
  EXPECT_THAT(error_message([&] { mse_loss(a, p, "batchmean"); }), HasSubstr("'batchmean'"));
  Tensor loss = kl_div(a, p, "batchmean");
  EXPECT_NEAR(loss.item<float>(), sum(kl_div(a, p, "none")).item<float>() / 3, 1e-5);
}

TEST(LossErrors, TargetShapeMismatchNamesBothShapes) {
  EXPECT_THAT(error_message([] {
                mse_loss(randn({3, 4}), randn({4, 3}));
              }),
              AllOf(HasSubstr("mse_loss"), HasSubstr("[4, 3]"), HasSubstr("[3, 4]")));
  EXPECT_THAT(error_message([] {
                l1_loss(randn({3, 1}), randn({3}));
              }),
              AllOf(HasSubstr("l1_loss"), HasSubstr("[3]"), HasSubstr("[3, 1]")));
  EXPECT_THAT(error_message([] {
                nll_loss(randn({3, 5}), tensor(std::vector<int64_t>{0, 1, 2, 3}));
              }),
              AllOf(HasSubstr("nll_loss"), HasSubstr("[4]"), HasSubstr("[3, 5]")));
  EXPECT_THAT(error_message([] {
                cross_entropy(randn({2, 5, 3}), randint(0, 5, {2, 4}));
              }),
              AllOf(HasSubstr("cross_entropy"), HasSubstr("[2, 4]"), HasSubstr("[2, 5, 3]")));
  EXPECT_THAT(error_message([] {
                cross_entropy(randn({3, 5}), rand({3, 4}));
              }),
              AllOf(HasSubstr("cross_entropy"), HasSubstr("[3, 4]"), HasSubstr("[3, 5]")));
  EXPECT_THAT(error_message([] {
                binary_cross_entropy(rand({2, 3}), rand({3, 2}));
              }),
              AllOf(HasSubstr("binary_cross_entropy"), HasSubstr("[3, 2]"), HasSubstr("[2, 3]")));
}

TEST(LossErrors, ClassIndexOutOfRange) {
  Tensor x = randn({3, 5});
  EXPECT_THAT(error_message([&] {
                nll_loss(x, tensor(std::vector<int64_t>{0, 7, 2}));
              }),
              AllOf(HasSubstr("nll_loss"), HasSubstr("target 7"), HasSubstr("5 classes")));
  EXPECT_THAT(error_message([&] {
                cross_entropy(x, tensor(std::vector<int64_t>{0, -1, 2}));
              }),
              AllOf(HasSubstr("cross_entropy"), HasSubstr("target -1")));
  // A large batch takes the threaded loop; the error still comes out whole.
  Tensor big = full({50000}, 1, kInt64);
  Tensor bad = tensor(std::vector<int64_t>{9});
  big.narrow(0, 41234, 1).copy_(bad);
  EXPECT_THAT(error_message([&] { cross_entropy(randn({50000, 5}), big); }), HasSubstr("target 9"));
}

TEST(LossErrors, BadTargetsAndWeights) {
  Tensor x = randn({3, 5});
  EXPECT_THAT(error_message([&] { nll_loss(x, rand({3})); }),
              AllOf(HasSubstr("nll_loss"), HasSubstr("int64"), HasSubstr("float32")));
  Tensor t = tensor(std::vector<int64_t>{0, 1, 2});
  EXPECT_THAT(error_message([&] { nll_loss(x, t, ones({4})); }),
              AllOf(HasSubstr("nll_loss"), HasSubstr("5"), HasSubstr("[4]")));
  EXPECT_THAT(error_message([&] { cross_entropy(x, t, {}, -100, "mean", 1.5); }),
              AllOf(HasSubstr("label_smoothing"), HasSubstr("1.5")));
  EXPECT_THAT(error_message([&] {
                binary_cross_entropy(rand({3, 4}), rand({3, 4}), ones({3}));
              }),
              AllOf(HasSubstr("weight"), HasSubstr("[3]"), HasSubstr("[3, 4]")));
  EXPECT_THAT(error_message([&] { smooth_l1_loss(x, x, "mean", -1.0); }), HasSubstr("beta"));
  EXPECT_THAT(error_message([&] { gelu(x, "fast"); }),
              AllOf(HasSubstr("gelu"), HasSubstr("'fast'")));
  EXPECT_THAT(error_message([&] { softmax(x, 2); }), HasSubstr("softmax"));
  EXPECT_THAT(error_message([] { relu(tensor(std::vector<int64_t>{1, -2})); }), HasSubstr("relu"));
}

TEST(LossErrors, AllTargetsIgnoredGivesNanMean) {
  // As PyTorch: the mean over no targets is 0/0.
  Tensor t = full({3}, -100, kInt64);
  EXPECT_TRUE(std::isnan(nll_loss(randn({3, 4}), t).item<float>()));
  EXPECT_EQ(nll_loss(randn({3, 4}), t, {}, -100, "sum").item<float>(), 0.0f);
}

TEST(SoftmaxExtremes, LargeMagnitudeIsFinite) {
  for (double scale : {1000.0, -1000.0, 1e30}) {
    Tensor x = (tensor({1.0, 2.0, 0.0, -1.0}, {2, 2}) * scale).requires_grad_(true);
    Tensor y = softmax(x, 1);
    Tensor ly = log_softmax(x, 1);
    EXPECT_TRUE(all_finite(y)) << scale << ": " << y;
    EXPECT_TRUE(all_finite(ly)) << scale << ": " << ly;
    sum(y * tensor({1.0, 2.0, 3.0, 4.0}, {2, 2}) + ly).backward();
    EXPECT_TRUE(all_finite(x.grad())) << scale << ": " << x.grad();
  }
  // x − max: [1000, 1001] is [0, 1] shifted, whose softmax is known.
  Tensor y = softmax(tensor({1000.0, 1001.0}), 0);
  EXPECT_NEAR(y.at({1}), 1.0 / (1.0 + std::exp(-1.0)), 1e-6);
  Tensor ly = log_softmax(tensor({1000.0, 1001.0}), 0);
  EXPECT_NEAR(ly.at({0}), -std::log1p(std::exp(1.0)), 1e-5);
}

TEST(SoftmaxExtremes, SaturatedLossesAreFinite) {
  // Probabilities of exactly 0 and 1: logs clamp at −100, gradients stay finite.
  Tensor p = tensor({0.0, 1.0, 0.0, 1.0}).requires_grad_(true);
  Tensor t = tensor({1.0, 0.0, 0.0, 1.0});
  Tensor loss = binary_cross_entropy(p, t, {}, "sum");
  EXPECT_NEAR(loss.item<float>(), 200.0f, 1e-3);
  loss.backward();
  EXPECT_TRUE(all_finite(p.grad())) << p.grad();
  // Logits of ±100: the stable form neither overflows nor loses the loss.
  Tensor z = tensor({100.0, -100.0, 100.0}).requires_grad_(true);
  Tensor loss2 = binary_cross_entropy_with_logits(z, tensor({0.0, 1.0, 1.0}), {}, "none");
  EXPECT_NEAR(loss2.at({0}), 100.0, 1e-4);
  EXPECT_NEAR(loss2.at({1}), 100.0, 1e-4);
  EXPECT_NEAR(loss2.at({2}), 0.0, 1e-6);
  sum(loss2).backward();
  EXPECT_TRUE(all_finite(z.grad())) << z.grad();
  // Cross-entropy on huge logits.
  Tensor logits = tensor({1e4, -1e4, 0.0, 3e4, 2e4, -5e4}, {2, 3});
  EXPECT_TRUE(
      all_finite(cross_entropy(logits, tensor(std::vector<int64_t>{1, 0}), {}, -100, "none")));
}

// Rows are independent: a large softmax (threaded) equals, row by row, the
// softmax of each row alone (one thread), exactly.
TEST(SoftmaxExtremes, ThreadedRowsMatchSingleRows) {
  Tensor x = randn({64, 1024}, kFloat64).requires_grad_(true);
  Tensor g = randn({64, 1024}, kFloat64);
  for (bool log : {false, true}) {
    for (int64_t dim : {1, 0}) {
      // dim 0 of the transposed view: strided rows.
      Tensor xv = dim == 1 ? x : x.t();
      Tensor gv = dim == 1 ? g : g.t();
      Tensor y = log ? log_softmax(xv, dim) : softmax(xv, dim);
      Tensor dx = autograd::grad({y}, {x}, {gv})[0];
      for (int64_t r : {0, 17, 63}) {
        Tensor xr = x.narrow(0, r, 1).detach().requires_grad_(true);
        Tensor xrv = dim == 1 ? xr : xr.t();
        Tensor yr = log ? log_softmax(xrv, dim) : softmax(xrv, dim);
        Tensor dxr =
            autograd::grad({yr}, {xr}, {dim == 1 ? g.narrow(0, r, 1) : g.narrow(0, r, 1).t()})[0];
        Tensor y_row = dim == 1 ? y.narrow(0, r, 1) : y.narrow(1, r, 1).t();
        EXPECT_EQ(y_row.to_vector(), (dim == 1 ? yr : yr.t()).to_vector()) << log << dim << r;
        EXPECT_EQ(dx.narrow(0, r, 1).to_vector(), dxr.to_vector()) << log << dim << r;
      }
    }
  }
}

}  // namespace
}  // namespace nabla
