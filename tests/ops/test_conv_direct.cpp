// The CPU backend's direct convolution (stride 1, one group, AVX-512) and
// its input and weight gradients against plain loops in double, over kernel sizes,
// paddings, widths that are and are not multiples of the 16-float vector,
// and channel counts that are not multiples of the 8-channel block. Where
// the machine has no AVX-512 the kernel declines and the tests are skipped.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "nabla/nabla.h"

namespace nabla {
namespace {

struct Case {
  int64_t N, C, O, H, W, kh, kw, ph, pw;
  int64_t extra = 0;  // output rows and columns beyond the padded input ("same", even k)
  bool bias = true;
  int64_t OH() const { return H + 2 * ph - kh + 1 + extra; }
  int64_t OW() const { return W + 2 * pw - kw + 1 + extra; }
  std::string name() const {
    char text[160];
    std::snprintf(text, sizeof text, "N%ld C%ld O%ld %ldx%ld k%ldx%ld pad%ld,%ld extra%ld%s",
                  long(N), long(C), long(O), long(H), long(W), long(kh), long(kw), long(ph),
                  long(pw), long(extra), bias ? " bias" : "");
    return text;
  }
};

// y[n, o, oh, ow] = b[o] + Σ w[o, c, i, j]·x[n, c, oh + i − ph, ow + j − pw]
std::vector<double> forward(const Case& s, const std::vector<double>& x,
                            const std::vector<double>& w, const std::vector<double>& b) {
  const int64_t OH = s.OH(), OW = s.OW();
  std::vector<double> y(s.N * s.O * OH * OW);
  for (int64_t n = 0; n < s.N; ++n)
    for (int64_t o = 0; o < s.O; ++o)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          double acc = s.bias ? b[o] : 0.0;
          for (int64_t c = 0; c < s.C; ++c)
            for (int64_t i = 0; i < s.kh; ++i)
              for (int64_t j = 0; j < s.kw; ++j) {
                const int64_t ih = oh + i - s.ph, iw = ow + j - s.pw;
                if (ih < 0 || ih >= s.H || iw < 0 || iw >= s.W) continue;
                acc += w[((o * s.C + c) * s.kh + i) * s.kw + j] *
                       x[((n * s.C + c) * s.H + ih) * s.W + iw];
              }
          y[((n * s.O + o) * OH + oh) * OW + ow] = acc;
        }
  return y;
}

// dx[n, c, ih, iw] = Σ w[o, c, i, j]·dy[n, o, ih − i + ph, iw − j + pw]: the adjoint.
std::vector<double> input_grad(const Case& s, const std::vector<double>& dy,
                               const std::vector<double>& w) {
  const int64_t OH = s.OH(), OW = s.OW();
  std::vector<double> dx(s.N * s.C * s.H * s.W, 0.0);
  for (int64_t n = 0; n < s.N; ++n)
    for (int64_t o = 0; o < s.O; ++o)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow)
          for (int64_t c = 0; c < s.C; ++c)
            for (int64_t i = 0; i < s.kh; ++i)
              for (int64_t j = 0; j < s.kw; ++j) {
                const int64_t ih = oh + i - s.ph, iw = ow + j - s.pw;
                if (ih < 0 || ih >= s.H || iw < 0 || iw >= s.W) continue;
                dx[((n * s.C + c) * s.H + ih) * s.W + iw] +=
                    w[((o * s.C + c) * s.kh + i) * s.kw + j] *
                    dy[((n * s.O + o) * OH + oh) * OW + ow];
              }
  return dx;
}

// dw[o, c, i, j] = Σ dy[n, o, oh, ow]·x[n, c, oh + i − ph, ow + j − pw]; with
// `magnitude`, also Σ |dy·x| per element, the scale of f32's rounding error.
std::vector<double> weight_grad(const Case& s, const std::vector<double>& x,
                                const std::vector<double>& dy,
                                std::vector<double>* magnitude = nullptr) {
  const int64_t OH = s.OH(), OW = s.OW();
  std::vector<double> dw(s.O * s.C * s.kh * s.kw, 0.0);
  if (magnitude) magnitude->assign(dw.size(), 0.0);
  for (int64_t n = 0; n < s.N; ++n)
    for (int64_t o = 0; o < s.O; ++o)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow)
          for (int64_t c = 0; c < s.C; ++c)
            for (int64_t i = 0; i < s.kh; ++i)
              for (int64_t j = 0; j < s.kw; ++j) {
                const int64_t ih = oh + i - s.ph, iw = ow + j - s.pw;
                if (ih < 0 || ih >= s.H || iw < 0 || iw >= s.W) continue;
                const double term = x[((n * s.C + c) * s.H + ih) * s.W + iw] *
                                    dy[((n * s.O + o) * OH + oh) * OW + ow];
                const int64_t k = ((o * s.C + c) * s.kh + i) * s.kw + j;
                dw[k] += term;
                if (magnitude) (*magnitude)[k] += std::abs(term);
              }
  return dw;
}

// Within 1e-4 relative, or 1e-6 of Σ|terms| where a long sum of terms of
// both signs leaves a small result (f32 rounds each partial sum).
void expect_near(const std::vector<double>& got, const std::vector<double>& want,
                 const std::string& what, const std::vector<double>& magnitude = {}) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t k = 0; k < got.size(); ++k) {
    const double tolerance =
        std::max(1e-4 * (1.0 + std::abs(want[k])), magnitude.empty() ? 0.0 : 1e-6 * magnitude[k]);
    ASSERT_NEAR(got[k], want[k], tolerance) << what << " at " << k;
  }
}

bool has_kernel() {
  return __builtin_cpu_supports("avx512f");
}

void check(const Case& s) {
  backends::Backend& be = backends::backend(kCPU);
  const Tensor x = randn({s.N, s.C, s.H, s.W});
  const Tensor w = randn({s.O, s.C, s.kh, s.kw});
  const Tensor b = s.bias ? randn({s.O}) : Tensor();
  const Tensor dy = randn({s.N, s.O, s.OH(), s.OW()});
  backends::Backend::ConvWindow window;
  window.pad_h = s.ph, window.pad_w = s.pw;
  // Filled with NaN: every element must be written.
  Tensor y = full({s.N, s.O, s.OH(), s.OW()}, NAN);
  ASSERT_TRUE(be.conv2d_direct(y, x, w, b, window)) << s.name();
  expect_near(
      y.to_vector(),
      forward(s, x.to_vector(), w.to_vector(), s.bias ? b.to_vector() : std::vector<double>{}),
      "y, " + s.name());
  Tensor dx = full({s.N, s.C, s.H, s.W}, NAN);
  ASSERT_TRUE(be.conv2d_direct_input_grad(dx, dy, w, window)) << s.name();
  expect_near(dx.to_vector(), input_grad(s, dy.to_vector(), w.to_vector()), "dx, " + s.name());
  Tensor dw = full({s.O, s.C, s.kh, s.kw}, NAN);
  ASSERT_TRUE(be.conv2d_direct_weight_grad(dw, x, dy, window)) << s.name();
  std::vector<double> magnitude;
  const std::vector<double> want = weight_grad(s, x.to_vector(), dy.to_vector(), &magnitude);
  expect_near(dw.to_vector(), want, "dw, " + s.name(), magnitude);
}

TEST(ConvDirect, AgreesWithLoopsOverShapes) {
  if (!has_kernel()) GTEST_SKIP() << "no AVX-512: the direct kernel declines";
  manual_seed(3);
  const int64_t widths[] = {1, 5, 7, 8, 14, 16, 17, 31, 32, 33, 40};
  const int64_t kernels[][2] = {{1, 1}, {2, 2}, {3, 3}, {5, 5}, {1, 3}, {3, 2}};
  const int64_t pads[][2] = {{0, 0}, {1, 1}, {2, 2}, {0, 1}};
  const int64_t channels[][2] = {{3, 5}, {17, 3}, {5, 17}, {1, 8}, {8, 16}};
  int64_t k = 0;
  for (const int64_t W : widths)
    for (const auto& kernel : kernels)
      for (const auto& pad : pads) {
        ++k;
        Case s{};
        s.N = k % 2 ? 1 : 3;
        s.C = channels[k % 5][0], s.O = channels[k % 5][1];
        s.H = 1 + (k * 7) % 9;  // 1 to 9 rows
        s.W = W;
        s.kh = kernel[0], s.kw = kernel[1], s.ph = pad[0], s.pw = pad[1];
        s.bias = k % 3 != 0;
        if (s.OH() <= 0 || s.OW() <= 0) continue;
        check(s);
        if (HasFatalFailure()) return;
      }
}

TEST(ConvDirect, NetworkShapesAndSamePaddingOfEvenKernels) {
  if (!has_kernel()) GTEST_SKIP() << "no AVX-512: the direct kernel declines";
  manual_seed(4);
  // VGG and ResNet 3×3 layers, LeNet's 5×5 ones, and padding="same" for an
  // even kernel (the odd padding row and column at the end).
  const Case cases[] = {{2, 16, 16, 32, 32, 3, 3, 1, 1},       {1, 64, 24, 7, 7, 3, 3, 1, 1},
                        {3, 20, 12, 14, 14, 3, 3, 1, 1},       {2, 1, 6, 28, 28, 5, 5, 2, 2},
                        {2, 6, 16, 14, 14, 5, 5, 0, 0},        {1, 5, 7, 9, 11, 4, 4, 1, 1, 1},
                        {2, 3, 9, 8, 16, 2, 2, 0, 0, 1, false}};
  for (const Case& s : cases) {
    check(s);
    if (HasFatalFailure()) return;
  }
}

// The weight gradient sums over chunks of images, one strip per chunk: 37
// images of ResNet's first stage make chunks of 3 and shorter last ones.
TEST(ConvDirect, WeightGradientOverManyChunks) {
  if (!has_kernel()) GTEST_SKIP() << "no AVX-512: the direct kernel declines";
  manual_seed(6);
  check(Case{37, 16, 16, 32, 32, 3, 3, 1, 1});
}

// conv2d itself takes the direct path here (stride 1, planes of 130
// pixels): its output and gradients against the loops.
TEST(ConvDirect, Conv2dOpAndItsGradients) {
  manual_seed(5);
  const Case s{3, 5, 17, 10, 13, 3, 3, 1, 1};
  const Tensor x = randn({s.N, s.C, s.H, s.W}).requires_grad_();
  const Tensor w = randn({s.O, s.C, s.kh, s.kw}).requires_grad_();
  const Tensor b = randn({s.O});
  const Tensor y = conv2d(x, w, b, 1, 1);
  expect_near(y.to_vector(), forward(s, x.to_vector(), w.to_vector(), b.to_vector()), "conv2d");
  const Tensor dy = randn(y.shape());
  y.backward(dy);
  expect_near(x.grad().to_vector(), input_grad(s, dy.to_vector(), w.to_vector()), "conv2d dx");
  expect_near(w.grad().to_vector(), weight_grad(s, x.to_vector(), dy.to_vector()), "conv2d dw");
}

}  // namespace
}  // namespace nabla
