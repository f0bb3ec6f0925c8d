// Convolution layers: Conv1d, Conv2d, ConvTranspose2d (shapes, parameter
// names, initialisation, printing), the errors of the functional forms, and
// the worked examples of the curriculum (seeds 000 and 003). Forward and
// backward against PyTorch are op-table cases (tests/ops/cases_conv.cpp).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nabla/nabla.h>

#include <cmath>

#include "backends/backend.h"
#include "nn/stats.h"
#include "testing/errors.h"

namespace nabla::nn {
namespace {

using ::nabla::testing::error_message;

using ::testing::AllOf;
using ::testing::HasSubstr;
using testing::stats_of;

// An (H, W) matrix as a (1, 1, H, W) image.
Tensor image(std::initializer_list<double> values, int64_t h, int64_t w) {
  return tensor(values, {1, 1, h, w});
}

void expect_values(const Tensor& t, const std::vector<double>& expected) {
  EXPECT_THAT(t.to_vector(), ::testing::Pointwise(::testing::DoubleNear(1e-5), expected));
}

// ---- batching

// The batch is convolved in chunks of images spread over the threads (sized
// by their scratch: one image a chunk, several, chunks of unequal sizes);
// output and gradients must be those of one image at a time.
TEST(ConvBatching, ChunksAgreeWithOneImageAtATime) {
  struct Case {
    const char* name;
    Shape x, w;
    int64_t stride, padding, groups;
  };
  for (const Case& c : {Case{"3 to 5 images a chunk", {15, 8, 24, 24}, {16, 8, 3, 3}, 1, 1, 1},
                        Case{"one image a chunk", {5, 16, 32, 32}, {4, 16, 3, 3}, 1, 1, 1},
                        Case{"4 or 5 images a chunk", {9, 1, 12, 12}, {6, 1, 5, 5}, 1, 2, 1},
                        Case{"groups, dW transposed", {7, 4, 9, 9}, {32, 2, 3, 3}, 2, 1, 2},
                        Case{"depthwise", {6, 6, 10, 10}, {6, 1, 3, 3}, 1, 1, 6},
                        Case{"pointwise", {5, 8, 6, 6}, {12, 8, 1, 1}, 1, 0, 1}}) {
    SCOPED_TRACE(c.name);
    manual_seed(3);
    const TensorOptions f64(kFloat64);
    Tensor x = randn(c.x, f64).requires_grad_(), w = randn(c.w, f64).requires_grad_();
    Tensor b = randn({c.w[0]}, f64).requires_grad_();
    Tensor y = conv2d(x, w, b, c.stride, c.padding, 1, c.groups);
    const Tensor r = randn(y.shape(), f64);
    sum(y * r).backward();

    Tensor x1 = x.detach().clone().requires_grad_(), w1 = w.detach().clone().requires_grad_();
    Tensor b1 = b.detach().clone().requires_grad_();
    for (int64_t n = 0; n < c.x[0]; ++n) {
      Tensor yn = conv2d(x1.narrow(0, n, 1), w1, b1, c.stride, c.padding, 1, c.groups);
      EXPECT_LT(max(abs(yn - y.detach().narrow(0, n, 1))).item<double>(), 1e-10) << "image " << n;
      sum(yn * r.narrow(0, n, 1)).backward();
    }
    EXPECT_LT(max(abs(x.grad() - x1.grad())).item<double>(), 1e-10);
    EXPECT_LT(max(abs(w.grad() - w1.grad())).item<double>(), 1e-10);
    EXPECT_LT(max(abs(b.grad() - b1.grad())).item<double>(), 1e-10);
  }
}

// ---- modules

TEST(Conv2d, ShapesNamesAndDefaultInit) {
  manual_seed(5);
  Conv2d conv(Conv2dOptions(16, 32, 3).padding(1));
  EXPECT_EQ(conv.weight.shape(), (Shape{32, 16, 3, 3}));
  EXPECT_EQ(conv.bias.shape(), (Shape{32}));
  const auto named = conv.named_parameters();
  ASSERT_EQ(named.size(), 2u);
  EXPECT_EQ(named[0].first, "weight");
  EXPECT_EQ(named[1].first, "bias");
  // kaiming_uniform_(a = √5) and the bias both give U(−1/√fan_in, 1/√fan_in),
  // fan_in = 16·3·3 = 144.
  const double bound = 1.0 / 12.0;
  EXPECT_LE(stats_of(conv.weight).max_abs, bound);
  EXPECT_GT(stats_of(conv.weight).max_abs, 0.98 * bound);
  EXPECT_NEAR(stats_of(conv.weight).std, bound / std::sqrt(3.0), 0.03 * bound);
  EXPECT_LE(stats_of(conv.bias).max_abs, bound);
  EXPECT_GT(stats_of(conv.bias).max_abs, 0.5 * bound);
  EXPECT_EQ(conv(randn({2, 16, 10, 9})).shape(), (Shape{2, 32, 10, 9}));
  EXPECT_EQ(conv(randn({16, 10, 9})).shape(), (Shape{32, 10, 9}));  // unbatched
}

TEST(Conv2d, GroupsAndNoBias) {
  Conv2d conv(Conv2dOptions(8, 4, {3, 5}).groups(2).bias(false).stride({2, 1}));
  EXPECT_EQ(conv.weight.shape(), (Shape{4, 4, 3, 5}));
  EXPECT_FALSE(conv.bias.defined());
  ASSERT_EQ(conv.named_parameters().size(), 1u);
  EXPECT_EQ(conv.state_dict().size(), 1u);
  // fan_in = 4·3·5 = 60
  EXPECT_LE(stats_of(conv.weight).max_abs, 1.0 / std::sqrt(60.0));
  EXPECT_EQ(conv(randn({1, 8, 9, 9})).shape(), (Shape{1, 4, 4, 5}));
}

TEST(Conv2d, ForwardIsFunctionalConv2d) {
  Conv2d conv(Conv2dOptions(3, 4, 3).stride(2).padding(1));
  Tensor x = randn({2, 3, 7, 7});
  EXPECT_TRUE(allclose(conv(x), F::conv2d(x, conv.weight, conv.bias, 2, 1), 1e-6, 1e-7));
  sum(conv(x)).backward();
  EXPECT_EQ(conv.weight.grad().shape(), conv.weight.shape());
  EXPECT_TRUE(allclose(conv.bias.grad(), full({4}, 2.0 * 4 * 4)));
}

TEST(Conv1dAndConvTranspose2d, ShapesAndInit) {
  Conv1d c1(Conv1dOptions(4, 6, 5).padding("same").groups(2));
  EXPECT_EQ(c1.weight.shape(), (Shape{6, 2, 5}));
  EXPECT_LE(stats_of(c1.weight).max_abs, 1.0 / std::sqrt(10.0));
  EXPECT_EQ(c1(randn({3, 4, 11})).shape(), (Shape{3, 6, 11}));
  EXPECT_EQ(c1(randn({4, 11})).shape(), (Shape{6, 11}));

  ConvTranspose2d ct(
      ConvTranspose2dOptions(8, 6, 3).stride(2).padding(1).output_padding(1).groups(2));
  EXPECT_EQ(ct.weight.shape(), (Shape{8, 3, 3, 3}));  // (in, out/groups, kh, kw)
  EXPECT_EQ(ct.bias.shape(), (Shape{6}));
  // PyTorch's fan_in of a transposed weight is size(1)·kh·kw = 27.
  EXPECT_LE(stats_of(ct.weight).max_abs, 1.0 / std::sqrt(27.0));
  EXPECT_LE(stats_of(ct.bias).max_abs, 1.0 / std::sqrt(27.0));
  // OH = (5 − 1)·2 − 2 + 2 + 1 + 1 = 10
  EXPECT_EQ(ct(randn({2, 8, 5, 5})).shape(), (Shape{2, 6, 10, 10}));
  EXPECT_EQ(ct.named_parameters()[0].first, "weight");
  EXPECT_EQ(ct.named_parameters()[1].first, "bias");
}

TEST(ConvModules, PrintAsPyTorch) {
  // The strings are PyTorch 1.13's repr of the same modules.
  EXPECT_EQ(Conv2d(1, 6, 5).repr(), "Conv2d(1, 6, kernel_size=(5, 5), stride=(1, 1))");
  EXPECT_EQ(Conv2d(Conv2dOptions(3, 64, 3).stride(2).padding(1).dilation(2).bias(false)).repr(),
            "Conv2d(3, 64, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), dilation=(2, 2), "
            "bias=False)");
  EXPECT_EQ(Conv2d(Conv2dOptions(4, 8, 3).padding("same").groups(2)).repr(),
            "Conv2d(4, 8, kernel_size=(3, 3), stride=(1, 1), padding=same, groups=2)");
  EXPECT_EQ(Conv2d(Conv2dOptions(1, 2, 3).padding("valid")).repr(),
            "Conv2d(1, 2, kernel_size=(3, 3), stride=(1, 1), padding=valid)");
  EXPECT_EQ(Conv2d(Conv2dOptions(4, 8, {3, 5}).padding({1, 2})).repr(),
            "Conv2d(4, 8, kernel_size=(3, 5), stride=(1, 1), padding=(1, 2))");
  EXPECT_EQ(Conv1d(2, 4, 3).repr(), "Conv1d(2, 4, kernel_size=(3,), stride=(1,))");
  EXPECT_EQ(Conv1d(Conv1dOptions(1, 2, 3).padding("same").dilation(2)).repr(),
            "Conv1d(1, 2, kernel_size=(3,), stride=(1,), padding=same, dilation=(2,))");
  EXPECT_EQ(ConvTranspose2d(ConvTranspose2dOptions(4, 2, 3).stride(2).output_padding(1)).repr(),
            "ConvTranspose2d(4, 2, kernel_size=(3, 3), stride=(2, 2), output_padding=(1, 1))");
}

TEST(ConvModules, RejectBadOptions) {
  EXPECT_THAT(error_message([] { Conv2d(Conv2dOptions(3, 4, 3).groups(2)); }),
              AllOf(HasSubstr("Conv2d"), HasSubstr("in_channels 3 must be divisible by groups 2")));
  EXPECT_THAT(error_message([] { Conv2d(Conv2dOptions(4, 6, 3).groups(4)); }),
              HasSubstr("out_channels 6 must be divisible by groups 4"));
  EXPECT_THAT(error_message([] { Conv2d(Conv2dOptions(2, 2, 3).padding_mode("reflect")); }),
              AllOf(HasSubstr("Conv2d"), HasSubstr("padding_mode \"reflect\" is not supported")));
  EXPECT_THAT(error_message([] { Conv2d(Conv2dOptions(2, 2, 3).padding("same").stride(2)); }),
              HasSubstr("padding=\"same\" is not supported for strided convolutions"));
  EXPECT_THAT(error_message([] { Conv1d(Conv1dOptions(2, 2, 3).stride(0)); }),
              AllOf(HasSubstr("Conv1d"), HasSubstr("stride must be positive")));
  EXPECT_THAT(error_message([] { ConvTranspose2d(ConvTranspose2dOptions(2, 2, 0)); }),
              AllOf(HasSubstr("ConvTranspose2d"), HasSubstr("kernel_size must be positive")));
  EXPECT_THAT(error_message([] { Conv2d(Conv2dOptions(2, 2, 3).padding("full")); }),
              HasSubstr("expected \"same\", \"valid\" or sizes, got \"full\""));
}

// ---- errors of the functional forms

TEST(ConvErrors, NameTheOpAndTheShapes) {
  Tensor w = randn({64, 3, 3, 3});
  EXPECT_EQ(error_message([&] {
              F::conv2d(randn({8, 4, 32, 32}), w);
            }),
            "conv2d: expected input with 3 channels (weight [64, 3, 3, 3], groups 1), got input "
            "[8, 4, 32, 32]");
  EXPECT_THAT(error_message([&] {
                F::conv2d(randn({8, 3, 2, 2}), w);
              }),
              AllOf(HasSubstr("conv2d: kernel (3, 3)"), HasSubstr("padded input (2, 2)"),
                    HasSubstr("[8, 3, 2, 2]")));
  // Padding makes room: the same input fits with padding 1.
  EXPECT_EQ(F::conv2d(randn({8, 3, 2, 2}), w, {}, 1, 1).shape(), (Shape{8, 64, 2, 2}));
  EXPECT_THAT(error_message([&] {
                F::conv2d(randn({1, 3, 9, 9}), w, {}, 1, 0, 5);
              }),
              HasSubstr("with dilation (5, 5) spans (11, 11)"));
  EXPECT_THAT(
      error_message([&] {
        F::conv2d(randn({2, 4, 5, 5}), randn({6, 2, 3, 3}), {}, 1, 0, 1, 4);
      }),
      HasSubstr(
          "conv2d: weight [6, 2, 3, 3] has 6 output channels, which groups 4 does not divide"));
  EXPECT_THAT(error_message([&] {
                F::conv2d(randn({2, 4, 5, 5}), randn({6, 2, 3, 3}), {}, 1, 0, 1, 3);
              }),
              HasSubstr("expected input with 6 channels (weight [6, 2, 3, 3], groups 3)"));
  EXPECT_THAT(
      error_message([&] {
        F::conv2d(randn({3, 32, 32}).flatten(0, 1), w);
      }),
      HasSubstr("conv2d: expected 3-D (unbatched) or 4-D (batched) input, got input [96, 32]"));
  EXPECT_THAT(error_message([&] {
                F::conv2d(randn({1, 1, 3, 8, 8}), w);
              }),
              HasSubstr("got input [1, 1, 3, 8, 8]"));
  EXPECT_THAT(error_message([&] {
                F::conv2d(randn({1, 3, 8, 8}), randn({64, 3, 3}));
              }),
              HasSubstr("conv2d: expected a 4-D weight, got weight [64, 3, 3]"));
  EXPECT_THAT(error_message([&] {
                F::conv2d(randn({1, 3, 8, 8}), w, randn({63}));
              }),
              HasSubstr("bias [63] does not match the 64 output channels"));
  EXPECT_THAT(error_message([&] {
                F::conv2d(randn({1, 3, 8, 8}), w, {}, {1, 0});
              }),
              HasSubstr("conv2d: stride must be positive, got (1, 0)"));
  EXPECT_THAT(error_message([&] {
                F::conv2d(randn({1, 3, 8, 8}), w, {}, 1, 0, -1);
              }),
              HasSubstr("conv2d: dilation must be positive, got (-1, -1)"));
  EXPECT_THAT(error_message([&] {
                F::conv2d(randn({1, 3, 8, 8}), w, {}, 1, -1);
              }),
              HasSubstr("conv2d: padding must be non-negative, got (-1, -1)"));
  EXPECT_THAT(error_message([&] {
                F::conv2d(randn({1, 3, 8, 8}), w, {}, 2, "same");
              }),
              HasSubstr("conv2d: padding=\"same\" is not supported for strided convolutions"));
  EXPECT_THAT(error_message([&] {
                F::conv2d(randn({1, 3, 8, 8}), w.to(kFloat64));
              }),
              HasSubstr("conv2d"));
  // conv1d names itself and prints 1-D sizes.
  EXPECT_THAT(error_message([&] {
                F::conv1d(randn({2, 3, 4}), randn({2, 3, 5}));
              }),
              AllOf(HasSubstr("conv1d: kernel (5)"), HasSubstr("padded input (4)")));
  EXPECT_THAT(error_message([&] {
                F::conv1d(randn({2, 2, 9}), randn({2, 3, 3}));
              }),
              HasSubstr("conv1d: expected input with 3 channels (weight [2, 3, 3], groups 1), got "
                        "input [2, 2, 9]"));
}

TEST(ConvErrors, TransposedConvolution) {
  Tensor w = randn({4, 2, 3, 3});
  EXPECT_THAT(error_message([&] {
                F::conv_transpose2d(randn({1, 3, 5, 5}), w);
              }),
              HasSubstr("conv_transpose2d: expected input with 4 channels (weight [4, 2, 3, 3], "
                        "groups 1), got input [1, 3, 5, 5]"));
  EXPECT_THAT(error_message([&] {
                F::conv_transpose2d(randn({1, 4, 1, 1}), w, {}, 1, 2);
              }),
              HasSubstr("conv_transpose2d: output size (-1, -1) is not positive"));
  EXPECT_THAT(
      error_message([&] {
        F::conv_transpose2d(randn({1, 4, 5, 5}), w, {}, 2, 0, 2);
      }),
      HasSubstr("output_padding (2, 2) must be non-negative and smaller than either stride"));
  EXPECT_THAT(
      error_message([&] {
        F::conv_transpose2d(randn({1, 4, 5, 5}), w, {}, 1, 0, 0, 3);
      }),
      HasSubstr("weight [4, 2, 3, 3] has 4 input channels, which groups 3 does not divide"));
  EXPECT_THAT(error_message([&] {
                F::conv_transpose2d(randn({1, 4, 5, 5}), w, {}, 0);
              }),
              HasSubstr("conv_transpose2d: stride must be positive"));
}

// ---- the curriculum's worked examples

// Seed 003, 1.1–1.2: the 4×4 input and the 3×3 filter, plain, with bias 3,
// with padding 1, and stride 2 over the 7×7 matrix the seed draws.
TEST(ConvSeedExamples, ConvolutionWithBiasPaddingAndStride) {
  Tensor x = image({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 4, 4);
  Tensor f = image({1, 1, 1, 2, 0, 1, -1, -1, 0}, 3, 3);
  expect_values(F::conv2d(x, f), {4, 8, 20, 24});
  expect_values(F::conv2d(x, f, tensor({3.0})), {7, 11, 23, 27});
  expect_values(F::conv2d(x, f, {}, 1, 1),
                {-3, -6, -5, -9, 0, 4, 8, -2, 8, 20, 24, 6, 33, 71, 77, 53});
  Tensor seven = image({0, 0,  0,  0,  0,  0, 1,  //
                        0, 1,  2,  3,  4,  0, 1,  //
                        0, 5,  6,  7,  8,  0, 1,  //
                        0, 9,  10, 11, 12, 0, 1,  //
                        0, 13, 14, 15, 16, 0, 1,  //
                        0, 0,  0,  0,  0,  0, 1,  //
                        1, 1,  1,  1,  1,  1, 1},
                       7, 7);
  expect_values(F::conv2d(seven, f, {}, 2), {-3, -5, 2, 8, 24, 18, 25, 43, 16});
}

// OH = (H + 2P − FH) // S + 1 (seeds 000 and 003), floor division included.
TEST(ConvSeedExamples, OutputSizeFormula) {
  struct Case {
    int64_t H, FH, P, S;
  };
  for (Case c : {Case{3, 4, 1, 1}, Case{4, 3, 0, 1}, Case{4, 3, 1, 1}, Case{7, 3, 0, 2},
                 Case{28, 5, 0, 1}, Case{32, 3, 1, 2}, Case{8, 3, 1, 2}, Case{9, 4, 2, 3}}) {
    const int64_t expected = (c.H + 2 * c.P - c.FH) / c.S + 1;
    Conv2d conv(Conv2dOptions(1, 1, c.FH).padding(c.P).stride(c.S));
    EXPECT_EQ(conv(randn({1, 1, c.H, c.H})).shape(), (Shape{1, 1, expected, expected}))
        << "H=" << c.H << " FH=" << c.FH << " P=" << c.P << " S=" << c.S;
  }
  // Seed 000's example: H = W = 3, a 4×4 filter, p = 1, s = 1 gives 2×2.
  EXPECT_EQ(Conv2d(Conv2dOptions(1, 1, 4).padding(1))(randn({1, 1, 3, 3})).shape(),
            (Shape{1, 1, 2, 2}));
}

// Seed 003's im2col: X̃[oh, ow] is the 3×3 window at (oh, ow); the backend's
// col (N, C, FH, FW, OH, OW) is the seed's X̂ (FH, FW, OH, OW).
TEST(ConvSeedExamples, Im2colWindows) {
  Tensor x = image({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 4, 4);
  Tensor col = empty({1, 1, 3, 3, 2, 2});
  backends::backend(kCPU).im2col(col, x, {});
  Tensor windows = col.permute({0, 1, 4, 5, 2, 3}).contiguous();  // X̃ (OH, OW, FH, FW)
  expect_values(windows, {1, 2, 3, 5,  6,  7,  9,  10, 11,        // (0, 0)
                          2, 3, 4, 6,  7,  8,  10, 11, 12,        // (0, 1)
                          5, 6, 7, 9,  10, 11, 13, 14, 15,        // (1, 0)
                          6, 7, 8, 10, 11, 12, 14, 15, 16});      // (1, 1)
}

// Seed 000's im2col with stride: col[:, :, y, x, :, :] = img[:, :, y:y_max:stride, x:x_max:stride]
// and then col.transpose(0, 4, 5, 1, 2, 3).reshape(N·out_h·out_w, −1), for a
// 2×2 filter with stride 2 on a 4×4 image.
TEST(ConvSeedExamples, Im2colWithStride) {
  Tensor x = image({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}, 4, 4);
  Tensor col = empty({1, 1, 2, 2, 2, 2});
  backends::Backend::ConvWindow window;
  window.stride_h = window.stride_w = 2;
  backends::backend(kCPU).im2col(col, x, window);
  expect_values(col, {1, 3, 9, 11, 2, 4, 10, 12, 5, 7, 13, 15, 6, 8, 14, 16});
  expect_values(col.permute({0, 4, 5, 1, 2, 3}).reshape({4, -1}),
                {1, 2, 5, 6, 3, 4, 7, 8, 9, 10, 13, 14, 11, 12, 15, 16});
  // col2im is its adjoint: ⟨im2col(x), c⟩ = ⟨x, col2im(c)⟩.
  Tensor c = randn({1, 1, 2, 2, 2, 2});
  Tensor back = empty({1, 1, 4, 4});
  backends::backend(kCPU).col2im(back, c, window);
  EXPECT_NEAR(sum(col * c).item<float>(), sum(x * back).item<float>(), 1e-4);
}

// Seed 003, 2.1: the gradients of a 2×2 filter over a 4×4 input.
//   ∂E/∂x11 = dy00·f11 + dy01·f10 + dy10·f01 + dy11·f00
//   ∂E/∂f00 = Σ_ij dy_ij·x_ij
TEST(ConvSeedExamples, BackwardFormulas) {
  Tensor x = randn({1, 1, 4, 4}, kFloat64).requires_grad_();
  Tensor f = randn({1, 1, 2, 2}, kFloat64).requires_grad_();
  Tensor dy = randn({1, 1, 3, 3}, kFloat64);
  F::conv2d(x, f).backward(dy);
  auto d = [&](int i, int j) { return dy.at({0, 0, i, j}); };
  auto fv = [&](int i, int j) { return f.at({0, 0, i, j}); };
  EXPECT_NEAR(x.grad().at({0, 0, 1, 1}),
              d(0, 0) * fv(1, 1) + d(0, 1) * fv(1, 0) + d(1, 0) * fv(0, 1) + d(1, 1) * fv(0, 0),
              1e-12);
  double df00 = 0;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) df00 += d(i, j) * x.at({0, 0, i, j});
  EXPECT_NEAR(f.grad().at({0, 0, 0, 0}), df00, 1e-12);
}

// Seed 003, 5.3: X = [[1, 2], [3, 4]] is spread apart by the stride, padded
// by k − 1 and convolved with F = [[1, −1], [2, 1]]. That is PyTorch's
// conv_transpose2d with F rotated by 180°: conv_transpose2d scatters each
// input pixel times the kernel as it stands. With stride 1 the seed prints 1
// at row 1, column 1; the correct value is 9 (seeds/README.md errata).
TEST(ConvSeedExamples, TransposedConvolution) {
  Tensor x = image({1, 2, 3, 4}, 2, 2);
  Tensor f = image({1, -1, 2, 1}, 2, 2);
  Tensor f_rotated = image({1, 2, -1, 1}, 2, 2);
  expect_values(F::conv_transpose2d(x, f_rotated, {}, 2),
                {1, 2, 2, 4, -1, 1, -2, 2, 3, 6, 4, 8, -3, 3, -4, 4});
  expect_values(F::conv_transpose2d(x, f_rotated), {1, 4, 4, 2, 9, 10, -3, -1, 4});
  // The seed's construction itself: the spread and padded input, convolved.
  Tensor spread = image({0, 0, 0, 0, 0,  //
                         0, 1, 0, 2, 0,  //
                         0, 0, 0, 0, 0,  //
                         0, 3, 0, 4, 0,  //
                         0, 0, 0, 0, 0},
                        5, 5);
  EXPECT_TRUE(allclose(F::conv2d(spread, f), F::conv_transpose2d(x, f_rotated, {}, 2)));
  // Transposed: ⟨conv2d(y, F), x⟩ = ⟨y, conv_transpose2d(x, F)⟩.
  Tensor y = randn({1, 1, 3, 3});
  EXPECT_NEAR(sum(F::conv2d(y, f) * x).item<float>(),
              sum(y * F::conv_transpose2d(x, f)).item<float>(), 1e-4);
}

// Seed 000: a standard convolution costs Df²·Dk²·M·N multiply-adds, a
// depthwise one Df²·Dk²·M and a pointwise one Df²·M·N (stride 1, "same"
// padding). Each is the weight's parameter count times the Df² positions;
// with ones for input and weight every output sums exactly its own terms, so
// the sum of the output counts them.
TEST(ConvSeedExamples, DepthwiseSeparableCost) {
  const int64_t Df = 8, Dk = 3, M = 4, N = 6;
  auto params = [](Module& m) {
    int64_t n = 0;
    for (const auto& p : m.parameters()) n += p.numel();
    return n;
  };
  // The multiply-adds of conv, counted on a (Dk − 1)-larger input without
  // padding, so that every one of the Df² outputs uses all its taps.
  auto multiply_adds = [&](Conv2d& conv) {
    NoGradGuard no_grad;
    Tensor ones_in = ones({1, conv.options.in_channels(), Df + conv.options.kernel_size().h - 1,
                           Df + conv.options.kernel_size().w - 1});
    Tensor y = F::conv2d(ones_in, ones_like(conv.weight), {}, 1, 0, 1, conv.options.groups());
    EXPECT_EQ(y.shape(), (Shape{1, conv.options.out_channels(), Df, Df}));
    return static_cast<int64_t>(std::llround(sum(y).item<float>()));
  };
  Conv2d standard(Conv2dOptions(M, N, Dk).padding("same").bias(false));
  Conv2d depthwise(Conv2dOptions(M, M, Dk).padding("same").groups(M).bias(false));
  Conv2d pointwise(Conv2dOptions(M, N, 1).bias(false));
  EXPECT_EQ(params(standard), Dk * Dk * M * N);
  EXPECT_EQ(params(depthwise), Dk * Dk * M);
  EXPECT_EQ(params(pointwise), M * N);
  EXPECT_EQ(multiply_adds(standard), Df * Df * Dk * Dk * M * N);
  EXPECT_EQ(multiply_adds(depthwise), Df * Df * Dk * Dk * M);
  EXPECT_EQ(multiply_adds(pointwise), Df * Df * M * N);
  EXPECT_EQ(multiply_adds(standard), params(standard) * Df * Df);
  // "same" keeps Df × Df, so depthwise then pointwise maps (M, Df, Df) to (N, Df, Df).
  Tensor x = randn({2, M, Df, Df});
  EXPECT_EQ(pointwise(depthwise(x)).shape(), standard(x).shape());
  // The cost ratio of the separable pair: 1/N + 1/Dk².
  const double ratio = static_cast<double>(params(depthwise) + params(pointwise)) /
                       static_cast<double>(params(standard));
  EXPECT_NEAR(ratio, 1.0 / N + 1.0 / (Dk * Dk), 1e-12);
}

}  // namespace
}  // namespace nabla::nn
