// Vision layers: printing, Dropout2d's channel mask, known values of the
// resampling ops, large (multi-threaded) inputs, and bad input. Forward and
// backward against PyTorch are op-table cases in tests/ops/cases_vision.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nabla/nabla.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "nn/stats.h"
#include "testing/errors.h"

namespace nabla::nn {
namespace {

using ::nabla::testing::error_message;

using ::testing::ElementsAreArray;
using ::testing::HasSubstr;
using testing::stats_of;

TEST(VisionModules, PrintAsPyTorch) {
  EXPECT_EQ(Upsample(UpsampleOptions().scale_factor({2})).repr(),
            "Upsample(scale_factor=2.0, mode=nearest)");
  EXPECT_EQ(Upsample(UpsampleOptions().size({3, 4}).mode("bilinear").align_corners(true)).repr(),
            "Upsample(size=(3, 4), mode=bilinear)");
  EXPECT_EQ(Upsample(UpsampleOptions().size({5})).repr(), "Upsample(size=5, mode=nearest)");
  EXPECT_EQ(Upsample(UpsampleOptions().scale_factor({1.5, 2})).repr(),
            "Upsample(scale_factor=(1.5, 2.0), mode=nearest)");
  EXPECT_EQ(PixelShuffle(2).repr(), "PixelShuffle(upscale_factor=2)");
  EXPECT_EQ(PixelUnshuffle(3).repr(), "PixelUnshuffle(downscale_factor=3)");
  EXPECT_EQ(ChannelShuffle(3).repr(), "ChannelShuffle(groups=3)");
  EXPECT_EQ(ZeroPad2d(2).repr(), "ZeroPad2d((2, 2, 2, 2))");
  EXPECT_EQ(ZeroPad2d({1, 2, 3, 4}).repr(), "ZeroPad2d((1, 2, 3, 4))");
  EXPECT_EQ(ConstantPad2d(1, 3.5).repr(), "ConstantPad2d(padding=(1, 1, 1, 1), value=3.5)");
  EXPECT_EQ(ReflectionPad2d({1, 0, 2, 0}).repr(), "ReflectionPad2d((1, 0, 2, 0))");
  EXPECT_EQ(ReplicationPad2d(1).repr(), "ReplicationPad2d((1, 1, 1, 1))");
  EXPECT_EQ(Dropout2d(0.25).repr(), "Dropout2d(p=0.25)");
  EXPECT_TRUE(Upsample(UpsampleOptions().size({2})).named_parameters().empty());
}

TEST(VisionModules, InsideSequential) {
  Sequential net{std::make_shared<ReflectionPad2d>(1), std::make_shared<PixelShuffle>(2),
                 std::make_shared<Upsample>(UpsampleOptions().scale_factor({0.5}))};
  EXPECT_EQ(net(randn({2, 8, 3, 4})).shape(), (Shape{2, 2, 5, 6}));
  EXPECT_THAT(net.repr(), HasSubstr("(0): ReflectionPad2d((1, 1, 1, 1))"));
}

TEST(Dropout2d, ZeroesWholeChannelsWithProbabilityP) {
  manual_seed(11);
  const int64_t n = 20, c = 1000, h = 3, w = 4;
  for (double p : {0.2, 0.5, 0.8}) {
    Dropout2d drop(p);
    Tensor x = full({n, c, h, w}, 2.0).requires_grad_();
    Tensor y = drop(x);
    const std::vector<double> v = y.to_vector();
    const double kept = 2.0 / (1.0 - p);
    int64_t dropped = 0;
    for (int64_t ch = 0; ch < n * c; ++ch) {
      const double first = v[ch * h * w];
      ASSERT_TRUE(first == 0.0 || std::fabs(first - kept) < 1e-5) << first;
      for (int64_t k = 1; k < h * w; ++k) ASSERT_EQ(v[ch * h * w + k], first) << "channel " << ch;
      dropped += first == 0.0;
    }
    // 20000 channels: the fraction's standard deviation is √(p(1−p)/20000) ≤ 0.0036.
    EXPECT_NEAR(static_cast<double>(dropped) / (n * c), p, 0.015) << "p=" << p;
    // The gradient is the same mask and scale: dy/dx = y/x.
    sum(y).backward();
    EXPECT_TRUE(allclose(x.grad() * 2.0, y.detach())) << "p=" << p;
  }
}

TEST(Dropout2d, EvalAndEdgeProbabilities) {
  Tensor x = randn({2, 3, 4, 4});
  Dropout2d drop(0.5);
  drop.eval();
  EXPECT_EQ(drop(x).impl(), x.impl());
  EXPECT_EQ(F::dropout2d(x, 0.0).impl(), x.impl());
  EXPECT_EQ(stats_of(F::dropout2d(x, 1.0)).max_abs, 0.0);
}

TEST(Dropout2d, ThreeDimensionalInputIsNCL) {
  // PyTorch 1.13 reads 3-D input as (N, C, L): one mask entry per (n, c).
  manual_seed(5);
  Tensor y = F::dropout2d(ones({40, 50, 6}), 0.5);
  const std::vector<double> v = y.to_vector();
  int64_t dropped = 0;
  for (int64_t row = 0; row < 40 * 50; ++row) {
    for (int64_t k = 1; k < 6; ++k) ASSERT_EQ(v[row * 6 + k], v[row * 6]);
    dropped += v[row * 6] == 0.0;
  }
  EXPECT_NEAR(dropped / 2000.0, 0.5, 0.05);
}

TEST(VisionOps, KnownValues) {
  Tensor row = tensor({1, 2, 3, 4}, {1, 1, 4});
  EXPECT_THAT(F::pad(row, {2, 1}, "reflect").to_vector(), ElementsAreArray({3, 2, 1, 2, 3, 4, 3}));
  EXPECT_THAT(F::pad(row, {2, 1}, "replicate").to_vector(),
              ElementsAreArray({1, 1, 1, 2, 3, 4, 4}));
  EXPECT_THAT(F::pad(row, {-1, 1}, "constant", 9).to_vector(), ElementsAreArray({2, 3, 4, 9}));
  // PyTorch 1.13: nearest with scale_factor 1.7 uses step 1/1.7, not 5/8.
  Tensor five = tensor({0, 1, 2, 3, 4}, {1, 1, 5});
  EXPECT_THAT(F::interpolate(five, {}, {1.7}).to_vector(),
              ElementsAreArray({0, 0, 1, 1, 2, 2, 3, 4}));
  EXPECT_THAT(F::interpolate(five, {8}).to_vector(), ElementsAreArray({0, 0, 1, 1, 2, 3, 3, 4}));
  EXPECT_THAT(F::interpolate(tensor({0, 3}, {1, 1, 2}), {4}, {}, "linear", true).to_vector(),
              ElementsAreArray({0, 1, 2, 3}));
  EXPECT_THAT(F::interpolate(tensor({0, 4}, {1, 1, 2}), {4}, {}, "linear").to_vector(),
              ElementsAreArray({0, 1, 3, 4}));
  // F.channel_shuffle(torch.arange(12.).reshape(1, 6, 2), 2)[0, :, 0]
  Tensor shuffled = F::channel_shuffle(arange(12.0, kFloat32).reshape({1, 6, 2}), 2);
  EXPECT_THAT(shuffled.select(2, 0).to_vector(), ElementsAreArray({0, 6, 2, 8, 4, 10}));
  // y[0, 0, h·2 + i, w·2 + j] = x[0, i·2 + j, h, w]
  Tensor x = arange(8.0, kFloat32).reshape({1, 4, 1, 2});
  EXPECT_THAT(F::pixel_shuffle(x, 2).to_vector(), ElementsAreArray({0, 2, 1, 3, 4, 6, 5, 7}));
  EXPECT_TRUE(allclose(F::pixel_unshuffle(F::pixel_shuffle(x, 2), 2), x));
}

// Large enough for the kernels to split planes over threads; each result is
// compared with what the formula gives element by element.
TEST(VisionOps, LargeInputsMatchTheFormulas) {
  manual_seed(2);
  const int64_t n = 4, c = 16, h = 33, w = 40;
  Tensor x = randn({n, c, h, w}).requires_grad_();
  const std::vector<double> xv = x.to_vector();

  Tensor up = F::interpolate(x, {}, {2.0});
  const std::vector<double> uv = up.to_vector();
  for (int64_t p = 0; p < n * c; ++p)
    for (int64_t i = 0; i < 2 * h; ++i)
      for (int64_t j = 0; j < 2 * w; ++j)
        ASSERT_EQ(uv[(p * 2 * h + i) * 2 * w + j], xv[(p * h + i / 2) * w + j / 2]);
  sum(up).backward();
  EXPECT_EQ(stats_of(x.grad()).min, 4.0);
  EXPECT_EQ(stats_of(x.grad()).max, 4.0);

  // Bilinear weights of each output pixel sum to 1, so Σ dx = the output's size.
  x.set_grad(Tensor());
  Tensor bi = F::interpolate(x, {50, 70}, {}, "bilinear");
  sum(bi).backward();
  EXPECT_NEAR(sum(x.grad()).item<float>(), static_cast<double>(n * c * 50 * 70), 1.0);

  x.set_grad(Tensor());
  Tensor padded = F::pad(x, {3, 2, 1, 4}, "reflect");
  const std::vector<double> pv = padded.to_vector();
  const int64_t ho = h + 5, wo = w + 5;
  auto mirror = [](int64_t k, int64_t size) {
    return k < 0 ? -k : k >= size ? 2 * (size - 1) - k : k;
  };
  for (int64_t p = 0; p < n * c; ++p)
    for (int64_t i = 0; i < ho; ++i)
      for (int64_t j = 0; j < wo; ++j)
        ASSERT_EQ(pv[(p * ho + i) * wo + j], xv[(p * h + mirror(i - 1, h)) * w + mirror(j - 3, w)]);
  sum(padded).backward();
  EXPECT_NEAR(sum(x.grad()).item<float>(), static_cast<double>(n * c * ho * wo), 1e-3);
}

TEST(VisionErrors, PadNamesTheOpAndShapes) {
  Tensor x = zeros({1, 2, 3, 4});
  std::string m = error_message([&] { F::pad(x, {1, 0, 3, 0}, "reflect"); });
  EXPECT_THAT(m, HasSubstr("pad:"));
  EXPECT_THAT(m, HasSubstr("reflect padding (3, 0)"));
  EXPECT_THAT(m, HasSubstr("size 3"));
  EXPECT_THAT(m, HasSubstr("[1, 2, 3, 4]"));
  EXPECT_THAT(error_message([&] { F::pad(x, {4, 0}, "reflect"); }), HasSubstr("[1, 2, 3, 4]"));
  EXPECT_THAT(error_message([&] {
                F::pad(zeros({2, 3, 4}), {4, 0}, "reflect");
              }),
              HasSubstr("less than its size 4"));
  m = error_message([&] { F::pad(x, {1, 2, 3}); });
  EXPECT_THAT(m, HasSubstr("pad: padding length must be divisible by 2"));
  EXPECT_THAT(m, HasSubstr("[1, 2, 3]"));
  EXPECT_THAT(error_message([&] {
                F::pad(x, {1, 1, 1, 1, 1, 1, 1, 1, 1, 1});
              }),
              HasSubstr("padding length too large"));
  EXPECT_THAT(error_message([&] {
                F::pad(x, {1, 1, 1, 1, 1, 1}, "replicate");
              }),
              HasSubstr("6 values"));
  EXPECT_THAT(error_message([&] { F::pad(zeros({5}), {1, 1}, "replicate"); }), HasSubstr("[5]"));
  EXPECT_THAT(error_message([&] { F::pad(x, {-3, -2}); }), HasSubstr("negative output size"));
  EXPECT_THAT(error_message([&] { F::pad(x, {1, 1}, "circular"); }), HasSubstr("circular"));
  EXPECT_THAT(error_message([&] {
                F::pad(x, {1, 1}, "replicate", 2.0);
              }),
              HasSubstr("doesn't take in value"));
  EXPECT_THAT(error_message([] { ReflectionPad2d({1, 2, 3}); }), HasSubstr("expected 4 values"));
}

TEST(VisionErrors, InterpolateNamesTheOpAndShapes) {
  std::string m = error_message([] { F::interpolate(zeros({1, 2, 3}), {4}, {}, "bilinear"); });
  EXPECT_THAT(m, HasSubstr("interpolate:"));
  EXPECT_THAT(m, HasSubstr("bilinear mode needs 4-D input"));
  EXPECT_THAT(m, HasSubstr("[1, 2, 3]"));
  EXPECT_THAT(error_message([] {
                F::interpolate(zeros({1, 2, 3, 3}), {4}, {}, "linear");
              }),
              HasSubstr("linear mode needs 3-D input"));
  EXPECT_THAT(error_message([] {
                F::interpolate(zeros({1, 2, 3, 3}), {4}, {2.0});
              }),
              HasSubstr("only one of size or scale_factor"));
  EXPECT_THAT(error_message([] {
                F::interpolate(zeros({1, 2, 3, 3}), {});
              }),
              HasSubstr("either size or scale_factor"));
  EXPECT_THAT(error_message([] {
                F::interpolate(zeros({1, 2, 3, 3}), {4}, {}, "nearest", false);
              }),
              HasSubstr("align_corners"));
  m = error_message([] { F::interpolate(zeros({1, 2, 3, 3}), {4, 4, 4}); });
  EXPECT_THAT(m, HasSubstr("2 spatial dimensions"));
  EXPECT_THAT(m, HasSubstr("3 values"));
  EXPECT_THAT(error_message([] { F::interpolate(zeros({2, 3}), {4}); }), HasSubstr("[2, 3]"));
  EXPECT_THAT(error_message([] {
                F::interpolate(zeros({1, 2, 3, 3}), {}, {0.1});
              }),
              HasSubstr("greater than 0"));
  EXPECT_THAT(error_message([] {
                F::interpolate(zeros({1, 2, 3, 3}), {2}, {}, "bicubic");
              }),
              HasSubstr("bicubic"));
  EXPECT_THAT(error_message([] {
                Upsample(UpsampleOptions().size({4}).scale_factor({2.0}))(zeros({1, 1, 2, 2}));
              }),
              HasSubstr("only one of size or scale_factor"));
}

TEST(VisionErrors, ShuffleAndDropout) {
  std::string m = error_message([] { F::pixel_shuffle(zeros({1, 6, 2, 2}), 2); });
  EXPECT_THAT(m, HasSubstr("pixel_shuffle:"));
  EXPECT_THAT(m, HasSubstr("channels 6"));
  EXPECT_THAT(m, HasSubstr("[1, 6, 2, 2]"));
  EXPECT_THAT(error_message([] {
                PixelShuffle(3)(zeros({1, 8, 2, 2}));
              }),
              HasSubstr("upscale_factor² = 9"));
  EXPECT_THAT(error_message([] {
                F::pixel_shuffle(zeros({6, 2}), 2);
              }),
              HasSubstr("at least 3 dimensions"));
  EXPECT_THAT(error_message([] {
                F::pixel_shuffle(zeros({1, 4, 2, 2}), 0);
              }),
              HasSubstr("positive upscale_factor"));
  m = error_message([] { F::pixel_unshuffle(zeros({1, 6, 3, 4}), 2); });
  EXPECT_THAT(m, HasSubstr("pixel_unshuffle:"));
  EXPECT_THAT(m, HasSubstr("[1, 6, 3, 4]"));
  EXPECT_THAT(error_message([] {
                F::channel_shuffle(zeros({1, 5, 2}), 2);
              }),
              HasSubstr("channels 5"));
  EXPECT_THAT(error_message([] { F::dropout2d(zeros({3}), 0.5); }),
              HasSubstr("dropout2d: feature dropout requires at least 2 dimensions"));
  EXPECT_THAT(error_message([] { F::dropout2d(zeros({1, 3}), 1.5); }), HasSubstr("1.5"));
  EXPECT_THAT(error_message([] { Dropout2d(-0.1); }), HasSubstr("Dropout2d"));
}

}  // namespace
}  // namespace nabla::nn
