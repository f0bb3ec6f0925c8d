// Pooling modules and functions: shapes, printing, the seeds' worked example,
// SegNet's pool → unpool round trip, NaN and ties, and bad input. Forward
// and backward against PyTorch are op-table cases in tests/ops/cases_pool.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nabla/nabla.h>

#include <cmath>
#include <limits>
#include <sstream>

#include "testing/errors.h"

namespace nabla::nn {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

std::vector<int64_t> as_int(const Tensor& t) {
  return t.to_vector_as<int64_t>();
}

std::string printed(const Module& m) {
  std::ostringstream os;
  os << m;
  return os.str();
}

// The seed's 4×4 example (lecture notes 003, 1.5 プーリング). Both of its
// renderings pool this same X; the second prints [[6, 8], [14, 16]], an
// erratum: the bottom-left window {16, 15, 12, 11} has maximum 16 and the
// bottom-right {14, 13, 10, 9} has 14.
Tensor seed_x() {
  return tensor({1, 2, 3, 4, 5, 6, 7, 8, 16, 15, 14, 13, 12, 11, 10, 9}, {1, 1, 4, 4});
}

TEST(MaxPool2d, SeedWorkedExample) {
  MaxPool2d pool(2);
  auto [y, indices] = pool.forward_with_indices(seed_x());
  EXPECT_EQ(y.shape(), (Shape{1, 1, 2, 2}));
  EXPECT_THAT(y.to_vector(), ElementsAre(6, 8, 16, 14));
  EXPECT_THAT(as_int(indices), ElementsAre(5, 7, 8, 10));  // (1,1) (1,3) (2,0) (2,2)
}

// The seed's backward (003, 2.3): dY lands on the maxima x₁₁, x₁₃, x₂₀, x₂₂,
// which are exactly where the worked example's maxima lie; zeros elsewhere.
TEST(MaxPool2d, SeedBackwardRoutesToTheMaxima) {
  Tensor x = seed_x().requires_grad_(true);
  Tensor y = F::max_pool2d(x, 2);
  y.backward(tensor({1, 2, 3, 4}, {1, 1, 2, 2}));
  EXPECT_THAT(x.grad().to_vector(), ElementsAre(0, 0, 0, 0,  //
                                                0, 1, 0, 2,  //
                                                3, 0, 4, 0,  //
                                                0, 0, 0, 0));
}

TEST(MaxPool2d, TiesGoToTheFirstMaximum) {
  Tensor x = ones({1, 1, 2, 4}).requires_grad_(true);
  auto [y, indices] = F::max_pool2d_with_indices(x, 2);
  EXPECT_THAT(as_int(indices), ElementsAre(0, 2));
  sum(y).backward();
  EXPECT_THAT(x.grad().to_vector(), ElementsAre(1, 0, 1, 0, 0, 0, 0, 0));
}

TEST(MaxPool2d, NanPropagatesAndIsPointedAt) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  Tensor x = tensor({1, nan, -inf, -inf, 3, 2, -inf, -inf}, {1, 1, 2, 4});
  auto [y, indices] = F::max_pool2d_with_indices(x, 2);
  EXPECT_TRUE(std::isnan(y.at({0, 0, 0, 0})));
  EXPECT_EQ(y.at({0, 0, 0, 1}), -inf);
  EXPECT_THAT(as_int(indices), ElementsAre(1, 2));  // the NaN; the first of equal −∞
  auto [ay, aindices] = F::adaptive_max_pool2d_with_indices(x, 1);
  EXPECT_TRUE(std::isnan(ay.item<double>()));
  EXPECT_EQ(aindices.item<int64_t>(), 1);
}

TEST(MaxPool2d, ShapesWithPaddingDilationAndCeilMode) {
  Tensor x = randn({2, 3, 9, 8});
  EXPECT_EQ(MaxPool2d(2)(x).shape(), (Shape{2, 3, 4, 4}));
  EXPECT_EQ(MaxPool2d(MaxPool2dOptions(2).ceil_mode(true))(x).shape(), (Shape{2, 3, 5, 4}));
  EXPECT_EQ(MaxPool2d(MaxPool2dOptions(3).stride(1).padding(1))(x).shape(), (Shape{2, 3, 9, 8}));
  EXPECT_EQ(MaxPool2d(MaxPool2dOptions(3).stride(1).dilation(2))(x).shape(), (Shape{2, 3, 5, 4}));
  EXPECT_EQ(MaxPool2d(MaxPool2dOptions({3, 2}).stride({2, 1}))(x).shape(), (Shape{2, 3, 4, 7}));
  // ceil_mode drops a last window that would start in the right padding:
  // ⌈(5 + 2 − 2)/2⌉ + 1 = 4, but window 3 starts at 6 − 1 = 5 ≥ 5.
  EXPECT_EQ(F::max_pool2d(randn({1, 1, 5, 5}), 2, 2, 1, 1, true).shape(), (Shape{1, 1, 3, 3}));
  EXPECT_EQ(pool_output_size(5, 2, 2, 1, 1, true), 3);
  EXPECT_EQ(pool_output_size(6, 3, 2, 0, 1, true), 3);
  EXPECT_EQ(pool_output_size(6, 3, 2, 0, 1, false), 2);
}

TEST(MaxPool2d, UnbatchedMatchesBatched) {
  Tensor x = randn({3, 6, 5});
  auto [y, i] = F::max_pool2d_with_indices(x, 3, 2, 1);
  auto [yb, ib] = F::max_pool2d_with_indices(x.unsqueeze(0), 3, 2, 1);
  EXPECT_EQ(y.shape(), (Shape{3, 3, 3}));
  EXPECT_EQ(y.to_vector(), yb.to_vector());
  EXPECT_EQ(as_int(i), as_int(ib));
}

// Large inputs run on threads (planes split over OpenMP); each plane alone
// is small enough to run on one. Both must agree.
TEST(MaxPool2d, ThreadedPlanesMatchOnePlaneAtATime) {
  Tensor x = randn({4, 8, 32, 32}).requires_grad_(true);
  auto [y, indices] = F::max_pool2d_with_indices(x, 3, 2, 1);
  Tensor dy = randn(y.shape());
  y.backward(dy);
  for (int64_t n = 0; n < 4; ++n)
    for (int64_t c = 0; c < 8; ++c) {
      Tensor plane = x.detach().select(0, n).select(0, c).unsqueeze(0).requires_grad_(true);
      auto [yp, ip] = F::max_pool2d_with_indices(plane, 3, 2, 1);
      ASSERT_EQ(yp.to_vector(), y.select(0, n).select(0, c).unsqueeze(0).to_vector());
      ASSERT_EQ(as_int(ip), as_int(indices.select(0, n).select(0, c).unsqueeze(0)));
      yp.backward(dy.select(0, n).select(0, c).unsqueeze(0));
      ASSERT_EQ(plane.grad().to_vector(),
                x.grad().select(0, n).select(0, c).unsqueeze(0).to_vector());
    }
}

// SegNet: the encoder keeps only the max-pooling indices; the decoder puts
// each pooled value back at the position it came from, zeros elsewhere.
TEST(MaxUnpool2d, SegNetRoundTripPutsValuesBackInPlace) {
  Generator gen(7);
  Tensor x = (randperm(2 * 3 * 6 * 8, &gen).to(kFloat32) + 1.0).reshape({2, 3, 6, 8});
  MaxPool2d pool(MaxPool2dOptions(2).return_indices(true));
  MaxUnpool2d unpool(2);
  auto [pooled, indices] = pool.forward_with_indices(x);
  Tensor up = unpool.forward(pooled, indices);
  ASSERT_EQ(up.shape(), x.shape());
  const std::vector<double> xv = x.to_vector(), uv = up.to_vector();
  for (int64_t plane = 0; plane < 6; ++plane)
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t j = 0; j < 4; ++j) {
        double window_max = 0;
        int nonzero = 0;
        for (int64_t a = 0; a < 2; ++a)
          for (int64_t b = 0; b < 2; ++b) {
            const int64_t k = plane * 48 + (2 * i + a) * 8 + (2 * j + b);
            window_max = std::max(window_max, xv[k]);
            if (uv[k] != 0) {
              ++nonzero;
              EXPECT_EQ(uv[k], xv[k]) << "value moved at " << k;
            }
          }
        EXPECT_EQ(nonzero, 1);
        const std::vector<double> pv = pooled.to_vector();
        EXPECT_EQ(pv[plane * 12 + i * 4 + j], window_max);
      }
  // Pooling the unpooled map again gives the same values and indices.
  auto [again, again_indices] = pool.forward_with_indices(up);
  EXPECT_EQ(again.to_vector(), pooled.to_vector());
  EXPECT_EQ(as_int(again_indices), as_int(indices));
}

TEST(MaxUnpool2d, GradientGathersAtTheIndices) {
  Tensor v = tensor({1, 2, 3, 4}, {1, 1, 2, 2}).requires_grad_(true);
  Tensor indices = tensor(std::vector<int64_t>{0, 3, 13, 14}, {1, 1, 2, 2});
  Tensor y = F::max_unpool2d(v, indices, 2);
  EXPECT_THAT(y.to_vector(), ElementsAre(1, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 4, 0));
  Tensor dy = arange(16.0, kFloat32).reshape({1, 1, 4, 4});
  y.backward(dy);
  EXPECT_THAT(v.grad().to_vector(), ElementsAre(0, 3, 13, 14));
}

// Pooling 5×7 by 2 gives 2×3, which unpools to 4×6 by default: indices
// into the 5×7 plane need output_size to put them back.
TEST(MaxUnpool2d, OutputSizeRecoversAnOddInput) {
  Tensor x = abs(randn({1, 2, 5, 7})) + 1.0;  // positive: the zeros unpool adds are never a max
  auto [p, i] = F::max_pool2d_with_indices(x, 2);
  Tensor up = MaxUnpool2d(2).forward(p, i, Size2{5, 7});
  EXPECT_EQ(up.shape(), (Shape{1, 2, 5, 7}));
  EXPECT_EQ(F::max_pool2d(up, 2).to_vector(), p.to_vector());
  EXPECT_EQ(F::max_unpool2d(F::max_pool2d(randn({1, 2, 4, 6}), 2), zeros({1, 2, 2, 3}, kInt64), 2)
                .shape(),
            (Shape{1, 2, 4, 6}));
}

TEST(AvgPool2d, CountIncludePadAndDivisorOverride) {
  Tensor x = ones({1, 1, 3, 3});
  // Corner window of k3 s1 p1 holds 4 ones among 9 positions.
  EXPECT_NEAR(F::avg_pool2d(x, 3, 1, 1).at({0, 0, 0, 0}), 4.0 / 9.0, 1e-7);
  EXPECT_NEAR(F::avg_pool2d(x, 3, 1, 1, false, false).at({0, 0, 0, 0}), 1.0, 1e-7);
  EXPECT_NEAR(F::avg_pool2d(x, 3, 1, 1, false, true, 2).at({0, 0, 0, 0}), 2.0, 1e-7);
  // Any non-zero divisor is taken as given, a negative one too (as PyTorch).
  EXPECT_NEAR(F::avg_pool2d(x, 3, 1, 1, false, true, -2).at({0, 0, 0, 0}), -2.0, 1e-7);
  EXPECT_EQ(AvgPool2d(AvgPool2dOptions(2).ceil_mode(true))(randn({2, 3, 5, 4})).shape(),
            (Shape{2, 3, 3, 2}));
  Tensor g = ones({1, 1, 4, 4}).requires_grad_(true);
  sum(F::avg_pool2d(g, 2)).backward();
  EXPECT_THAT(g.grad().to_vector(), ::testing::Each(0.25));
}

TEST(AdaptivePool, GlobalPoolingIsTheMeanOrMaxOfEachPlane) {
  Tensor x = randn({2, 3, 5, 7});
  Tensor avg = AdaptiveAvgPool2d(1)(x);
  EXPECT_EQ(avg.shape(), (Shape{2, 3, 1, 1}));
  const std::vector<double> want = mean(x, {2, 3}).to_vector(), got = avg.to_vector();
  for (size_t k = 0; k < want.size(); ++k) EXPECT_NEAR(got[k], want[k], 1e-6);
  EXPECT_EQ(AdaptiveMaxPool2d(1)(x).flatten().to_vector(), amax(x, {2, 3}).flatten().to_vector());
  EXPECT_EQ(AdaptiveAvgPool2d({5, 7})(randn({3, 10, 9})).shape(), (Shape{3, 5, 7}));
  EXPECT_EQ(AdaptiveAvgPool1d(4)(randn({2, 3, 9})).shape(), (Shape{2, 3, 4}));
}

// Windows [⌊i·H/OH⌋, ⌈(i+1)·H/OH⌉): for H = 5, OH = 3 they are [0, 2), [1, 4), [3, 5).
TEST(AdaptivePool, UnevenWindowsOverlap) {
  Tensor x = tensor({1, 2, 3, 4, 5}, {1, 1, 5});
  EXPECT_THAT(F::adaptive_avg_pool1d(x, 3).to_vector(), ElementsAre(1.5, 3, 4.5));
  EXPECT_THAT(F::adaptive_max_pool2d(x.unsqueeze(3), {3, 1}).to_vector(), ElementsAre(2, 4, 5));
}

TEST(Pool1d, ShapesAndIndices) {
  Tensor x = tensor({3, 1, 4, 1, 5, 9, 2}, {1, 1, 7});
  auto [y, i] = F::max_pool1d_with_indices(x, 2);
  EXPECT_THAT(y.to_vector(), ElementsAre(3, 4, 9));
  EXPECT_THAT(as_int(i), ElementsAre(0, 2, 5));
  EXPECT_EQ(MaxPool1d(MaxPool1dOptions(3).stride(1).padding(1))(randn({4, 7})).shape(),
            (Shape{4, 7}));
  EXPECT_EQ(AvgPool1d(3)(randn({2, 3, 10})).shape(), (Shape{2, 3, 3}));
}

TEST(PoolModules, PrintAsPyTorch) {
  EXPECT_EQ(printed(MaxPool2d(2)),
            "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
  EXPECT_EQ(
      printed(MaxPool2d(MaxPool2dOptions({2, 3}).stride(1).padding(1).dilation(2).ceil_mode(true))),
      "MaxPool2d(kernel_size=(2, 3), stride=1, padding=1, dilation=2, ceil_mode=True)");
  EXPECT_EQ(printed(MaxPool1d(3)),
            "MaxPool1d(kernel_size=3, stride=3, padding=0, dilation=1, ceil_mode=False)");
  EXPECT_EQ(printed(AvgPool2d(2)), "AvgPool2d(kernel_size=2, stride=2, padding=0)");
  EXPECT_EQ(printed(AvgPool1d(3)), "AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))");
  EXPECT_EQ(printed(MaxUnpool2d(2)),
            "MaxUnpool2d(kernel_size=(2, 2), stride=(2, 2), padding=(0, 0))");
  EXPECT_EQ(printed(AdaptiveAvgPool2d({5, 7})), "AdaptiveAvgPool2d(output_size=(5, 7))");
  EXPECT_EQ(printed(AdaptiveAvgPool2d(1)), "AdaptiveAvgPool2d(output_size=1)");
  EXPECT_EQ(printed(AdaptiveMaxPool2d(3)), "AdaptiveMaxPool2d(output_size=3)");
  EXPECT_EQ(printed(AdaptiveAvgPool1d(5)), "AdaptiveAvgPool1d(output_size=5)");
  EXPECT_TRUE(MaxPool2d(2).parameters().empty());
}

TEST(PoolErrors, KernelLargerThanThePaddedInput) {
  Tensor x = randn({1, 1, 4, 4});
  EXPECT_ERROR(F::max_pool2d(x, 5), "max_pool2d", "too small", "input [1, 1, 4, 4]",
               "kernel_size=5", "stride=5", "padding=0", "dilation=1");
  EXPECT_ERROR(F::max_pool2d(x, 2, 1, 0, 4), "max_pool2d", "too small", "dilation=4");
  EXPECT_ERROR(F::avg_pool2d(x, {5, 2}), "avg_pool2d", "too small", "input [1, 1, 4, 4]",
               "kernel_size=(5, 2)");
  EXPECT_ERROR(F::max_pool1d(randn({2, 3, 5}), 9), "max_pool1d", "too small", "input [2, 3, 5]",
               "kernel_size=9");
  EXPECT_ERROR(F::avg_pool1d(randn({3, 2}), 3), "avg_pool1d", "input [3, 2]", "kernel_size=3");
}

TEST(PoolErrors, PaddingOverHalfTheKernel) {
  Tensor x = randn({1, 1, 6, 6});
  EXPECT_ERROR(F::max_pool2d(x, 3, 1, 2), "max_pool2d", "at most half of kernel_size",
               "input [1, 1, 6, 6]", "kernel_size=3", "padding=2");
  EXPECT_ERROR(F::avg_pool2d(x, 2, 1, 2), "avg_pool2d", "at most half", "padding=2");
  EXPECT_ERROR(F::max_pool1d(randn({1, 6}), 2, 1, 2), "max_pool1d", "at most half", "padding=2");
  EXPECT_ERROR(F::max_pool2d(x, 2, 1, -1), "max_pool2d", "padding=-1");
}

TEST(PoolErrors, NonPositiveSizes) {
  Tensor x = randn({1, 1, 6, 6});
  EXPECT_ERROR(F::max_pool2d(x, 0), "max_pool2d", "kernel_size must be greater than zero");
  EXPECT_ERROR(F::max_pool2d(x, 2, 0), "max_pool2d", "stride must be greater than zero",
               "stride=0");
  EXPECT_ERROR(F::avg_pool2d(x, 2, 2, 0, false, true, 0), "avg_pool2d", "divisor_override");
  EXPECT_ERROR(F::adaptive_avg_pool2d(x, 0), "adaptive_avg_pool2d", "output_size", "got 0",
               "[1, 1, 6, 6]");
  EXPECT_ERROR(F::adaptive_max_pool2d(x, {2, -1}), "adaptive_max_pool2d", "(2, -1)");
  EXPECT_ERROR(F::adaptive_avg_pool1d(randn({2, 5}), 0), "adaptive_avg_pool1d", "[2, 5]");
}

TEST(PoolErrors, WrongRankOrDtype) {
  EXPECT_ERROR(F::max_pool2d(randn({4, 4}), 2), "max_pool2d", "3-D", "4-D", "[4, 4]");
  EXPECT_ERROR(F::avg_pool2d(randn({1, 1, 1, 4, 4}), 2), "avg_pool2d", "[1, 1, 1, 4, 4]");
  EXPECT_ERROR(F::max_pool1d(randn({1, 2, 4, 4}), 2), "max_pool1d", "2-D", "3-D", "[1, 2, 4, 4]");
  EXPECT_ERROR(F::adaptive_avg_pool2d(randn({5}), 1), "adaptive_avg_pool2d", "[5]");
  EXPECT_ERROR(F::max_pool2d(randn({1, 0, 4, 4}), 2), "max_pool2d", "non-empty", "[1, 0, 4, 4]");
  EXPECT_ERROR(F::max_pool2d(zeros({1, 1, 4, 4}, kInt64), 2), "max_pool2d", "floating");
}

TEST(PoolErrors, UnpoolChecksIndicesAndOutputSize) {
  Tensor x = randn({1, 1, 2, 2});
  Tensor bad = tensor(std::vector<int64_t>{0, 1, 2, 16}, {1, 1, 2, 2});
  EXPECT_ERROR(F::max_unpool2d(x, bad, 2), "max_unpool2d", "invalid max index 16", "4x4");
  Tensor ok = tensor(std::vector<int64_t>{0, 3, 8, 11}, {1, 1, 2, 2});
  EXPECT_ERROR(F::max_unpool2d(x, ok, 2, std::nullopt, 0, Size2{6, 4}), "max_unpool2d",
               "output_size (6, 4)", "within stride of 4");
  EXPECT_ERROR(F::max_unpool2d(x, ok.to(kFloat32), 2), "max_unpool2d", "int64");
  EXPECT_ERROR(F::max_unpool2d(x, ok.reshape({1, 1, 4}), 2), "max_unpool2d", "[1, 1, 4]",
               "[1, 1, 2, 2]");
}

}  // namespace
}  // namespace nabla::nn
