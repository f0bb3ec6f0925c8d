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

// ---- every max-pooling kernel against one naive reference
//
// 2×2 stride-2 windows over row-contiguous input have vector kernels of their
// own, the windows that tile the input (stride = kernel) a one-pass backward,
// and autograd keeps uint8 taps, not int64 positions, unless the caller asks
// for the indices. All must give exactly what this loop gives: values and
// indices bit for bit, gradients exactly (dy holds small integers, so sums of
// overlapping windows are exact in float too).

struct PoolCase {
  Shape shape;  // (N, C, H, W)
  int64_t kernel, stride, padding, dilation;
  bool ceil_mode;
};

struct Reference {
  std::vector<double> y, dx;
  std::vector<int64_t> indices;
};

// The first maximum of each window in scan order, or the last NaN; dx[index]
// += dy in output order.
Reference reference_max_pool(const std::vector<double>& x, const PoolCase& c,
                             const std::vector<double>& dy, int64_t OH, int64_t OW) {
  const int64_t planes = c.shape[0] * c.shape[1], H = c.shape[2], W = c.shape[3];
  Reference r;
  r.dx.assign(x.size(), 0.0);
  for (int64_t p = 0; p < planes; ++p)
    for (int64_t i = 0; i < OH; ++i)
      for (int64_t j = 0; j < OW; ++j) {
        double best = -std::numeric_limits<double>::infinity();
        int64_t best_at = -1;
        for (int64_t a = 0; a < c.kernel; ++a)
          for (int64_t b = 0; b < c.kernel; ++b) {
            const int64_t h = i * c.stride - c.padding + a * c.dilation;
            const int64_t w = j * c.stride - c.padding + b * c.dilation;
            if (h < 0 || h >= H || w < 0 || w >= W) continue;
            const double v = x[static_cast<size_t>(p * H * W + h * W + w)];
            if (best_at < 0) best_at = h * W + w;  // all −∞: the first position
            if (v > best || std::isnan(v)) {
              best = v;
              best_at = h * W + w;
            }
          }
        r.y.push_back(best);
        r.indices.push_back(best_at);
        r.dx[static_cast<size_t>(p * H * W + best_at)] +=
            dy[static_cast<size_t>((p * OH + i) * OW + j)];
      }
  return r;
}

// Equal as bit patterns up to NaN payloads: NaN matches NaN, −0 only −0.
void expect_same_values(const std::vector<double>& actual, const std::vector<double>& expected,
                        const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  for (size_t k = 0; k < actual.size(); ++k) {
    const double a = actual[k], e = expected[k];
    const bool same =
        (std::isnan(a) && std::isnan(e)) || (a == e && std::signbit(a) == std::signbit(e));
    ASSERT_TRUE(same) << what << " element " << k << ": " << a << ", expected " << e;
  }
}

TEST(MaxPool2d, EveryKernelMatchesTheNaiveLoop) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  // Few distinct values: many ties, ±0, ±∞ and NaN.
  const std::vector<double> pool_of_values{-1, 0, -0.0, 1, 2, 2, 1, -inf, inf, nan, 3, -2};
  const std::vector<PoolCase> cases{
      {{2, 3, 6, 6}, 2, 2, 0, 1, false},    // rows of 3 windows: scalar
      {{1, 2, 7, 9}, 2, 2, 0, 1, false},    // 4 (4-lane), odd sizes dropped
      {{1, 2, 7, 9}, 2, 2, 0, 1, true},     // ceil_mode: clipped last row, column
      {{2, 1, 9, 17}, 2, 2, 0, 1, true},    // 8 + overlapping 8-lane step
      {{1, 1, 4, 30}, 2, 2, 0, 1, false},   // 15: 8 + overlap
      {{2, 2, 10, 22}, 2, 2, 0, 1, false},  // 11
      {{1, 1, 2, 2}, 2, 2, 0, 1, false},    // one window
      {{1, 2, 5, 3}, 2, 2, 0, 1, true},     // 2 windows, the second clipped
      {{1, 1, 1, 9}, 2, 2, 0, 1, true},     // one input row: only clipped windows
      {{2, 1, 3, 1}, 2, 2, 0, 1, true},     // one input column
      {{1, 2, 7, 10}, 2, 2, 1, 1, true},    // padding: general kernel, tiled backward
      {{1, 2, 8, 9}, 3, 3, 0, 1, true},     // tiles of 3
      {{2, 2, 7, 8}, 3, 2, 1, 1, false},    // overlapping windows, too narrow for vectors
      {{1, 2, 9, 40}, 3, 2, 1, 1, false},   // interior of 19 windows: 8-lane steps
      {{1, 2, 9, 12}, 3, 2, 1, 1, true},    // interior of 5: 4-lane steps
      {{1, 1, 6, 13}, 3, 1, 1, 1, false},   // stride 1
      {{2, 1, 7, 17}, 2, 1, 0, 1, true},    // 2×2 of stride 1
      {{1, 2, 11, 40}, 3, 3, 0, 1, true},   // stride 3: one load a lane
      {{1, 1, 9, 30}, 3, 2, 1, 2, false},   // dilation 2
      {{1, 1, 12, 41}, 5, 2, 2, 1, true},   // 25 taps
      {{1, 2, 9, 8}, 3, 2, 1, 2, true},     // dilation
      {{1, 1, 6, 7}, 2, 1, 0, 2, false},
  };
  Generator gen(3);
  for (const PoolCase& c : cases)
    for (DType dtype : {kFloat32, kFloat64})
      for (bool strided : {false, true}) {
        SCOPED_TRACE(detail::concat(c.shape, " k", c.kernel, " s", c.stride, " p", c.padding, " d",
                                    c.dilation, c.ceil_mode ? " ceil " : " ", dtype,
                                    strided ? " column-strided" : ""));
        const int64_t count = numel(c.shape);
        const Tensor picks =
            randint(0, static_cast<int64_t>(pool_of_values.size()), {count}, kInt64, &gen);
        std::vector<double> xs;
        for (int64_t k : picks.to_vector_as<int64_t>()) xs.push_back(pool_of_values[size_t(k)]);
        // Column-strided: the same values through a transposed view (x.stride(3) ≠ 1
        // takes the general kernel).
        Tensor x = tensor(xs, c.shape, dtype);
        if (strided) x = x.transpose(2, 3).contiguous().transpose(2, 3);
        const int64_t OH =
            pool_output_size(c.shape[2], c.kernel, c.stride, c.padding, c.dilation, c.ceil_mode);
        const int64_t OW =
            pool_output_size(c.shape[3], c.kernel, c.stride, c.padding, c.dilation, c.ceil_mode);
        const Shape out_shape{c.shape[0], c.shape[1], OH, OW};
        const Tensor dy = randint(-4, 5, out_shape, dtype, &gen);
        const Reference ref = reference_max_pool(xs, c, dy.to_vector(), OH, OW);
        auto pool = [&](const Tensor& input) {
          return F::max_pool2d_with_indices(input, c.kernel, c.stride, c.padding, c.dilation,
                                            c.ceil_mode);
        };

        // return_indices: int64 positions, saved for the backward.
        Tensor xa = x.detach().requires_grad_(true);
        auto [ya, ia] = pool(xa);
        ya.backward(dy);
        expect_same_values(ya.to_vector(), ref.y, "values");
        EXPECT_EQ(as_int(ia), ref.indices);
        expect_same_values(xa.grad().to_vector(), ref.dx, "dx from int64 indices");

        // Values only: autograd keeps uint8 taps. dy also as a transposed view.
        for (bool strided_dy : {false, true}) {
          Tensor xb = x.detach().requires_grad_(true);
          Tensor yb = F::max_pool2d(xb, c.kernel, c.stride, c.padding, c.dilation, c.ceil_mode);
          yb.backward(strided_dy ? dy.transpose(2, 3).contiguous().transpose(2, 3) : dy);
          expect_same_values(yb.to_vector(), ref.y, "values");
          expect_same_values(xb.grad().to_vector(), ref.dx, "dx from taps");
        }

        // Inference: no indices at all.
        NoGradGuard no_grad;
        expect_same_values(
            F::max_pool2d(x, c.kernel, c.stride, c.padding, c.dilation, c.ceil_mode).to_vector(),
            ref.y, "values without autograd");
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
