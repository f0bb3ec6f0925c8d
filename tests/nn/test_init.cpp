// nn::init: gains, fans, and the bounds and spreads of the initialisers on
// large tensors, against PyTorch's formulas.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nabla/nabla.h>

#include <cmath>

#include "nn/stats.h"
#include "testing/errors.h"

namespace nabla::nn::init {
namespace {

using ::nabla::testing::error_message;

using nn::testing::stats_of;
using ::testing::HasSubstr;

double max_abs(const Tensor& t) {
  return stats_of(t).max_abs;
}
double std_of(const Tensor& t) {
  return stats_of(t).std;
}

TEST(Init, CalculateGainMatchesPyTorch) {
  // Values printed by torch.nn.init.calculate_gain (PyTorch 1.13).
  EXPECT_EQ(calculate_gain("linear"), 1.0);
  EXPECT_EQ(calculate_gain("conv2d"), 1.0);
  EXPECT_EQ(calculate_gain("conv_transpose3d"), 1.0);
  EXPECT_EQ(calculate_gain("sigmoid"), 1.0);
  EXPECT_DOUBLE_EQ(calculate_gain("tanh"), 1.6666666666666667);
  EXPECT_DOUBLE_EQ(calculate_gain("relu"), 1.4142135623730951);
  EXPECT_DOUBLE_EQ(calculate_gain("leaky_relu"), 1.4141428569978354);
  EXPECT_DOUBLE_EQ(calculate_gain("leaky_relu", 0.2), 1.3867504905630728);
  EXPECT_DOUBLE_EQ(calculate_gain("selu"), 0.75);
  EXPECT_THAT(error_message([] { calculate_gain("swish"); }),
              HasSubstr("unsupported nonlinearity 'swish'"));
}

TEST(Init, FansOfLinearAndConvWeights) {
  EXPECT_EQ(calculate_fan_in_and_fan_out(empty({30, 20})), (std::pair<int64_t, int64_t>{20, 30}));
  EXPECT_EQ(calculate_fan_in_and_fan_out(empty({64, 32, 3, 3})),
            (std::pair<int64_t, int64_t>{288, 576}));
  EXPECT_THAT(error_message([] { calculate_fan_in_and_fan_out(empty({5})); }),
              HasSubstr("fewer than 2 dimensions"));
}

TEST(Init, KaimingUniformBoundAndStd) {
  manual_seed(6);
  Tensor w = empty({256, 64, 3, 3});  // fan_in 576, fan_out 2304
  kaiming_uniform_(w, 0.0, "fan_in", "relu");
  const double bound = std::sqrt(3.0) * std::sqrt(2.0) / std::sqrt(576.0);
  EXPECT_LE(max_abs(w), bound);
  EXPECT_GT(max_abs(w), 0.999 * bound);
  EXPECT_NEAR(std_of(w), bound / std::sqrt(3.0), 0.01 * bound);

  kaiming_uniform_(w, 0.2, "fan_out");  // leaky_relu, slope 0.2
  const double bound_out = std::sqrt(3.0) * calculate_gain("leaky_relu", 0.2) / std::sqrt(2304.0);
  EXPECT_LE(max_abs(w), bound_out);
  EXPECT_GT(max_abs(w), 0.999 * bound_out);
  EXPECT_THAT(error_message([&] { kaiming_uniform_(w, 0.0, "fan_avg"); }),
              HasSubstr("mode 'fan_avg' not supported"));
}

TEST(Init, KaimingNormalStd) {
  manual_seed(7);
  Tensor w = empty({500, 400}, kFloat64);
  kaiming_normal_(w, 0.0, "fan_out", "relu");
  const double expected = std::sqrt(2.0) / std::sqrt(500.0);
  EXPECT_NEAR(std_of(w), expected, 0.01 * expected);
  EXPECT_NEAR(stats_of(w).mean, 0.0, 0.01 * expected);
}

TEST(Init, XavierUniformAndNormal) {
  manual_seed(8);
  Tensor w = empty({300, 200});
  xavier_uniform_(w, 2.0);
  const double a = 2.0 * std::sqrt(6.0 / 500.0);
  EXPECT_LE(max_abs(w), a);
  EXPECT_GT(max_abs(w), 0.999 * a);
  EXPECT_NEAR(std_of(w), a / std::sqrt(3.0), 0.01 * a);

  xavier_normal_(w, calculate_gain("tanh"));
  const double s = (5.0 / 3.0) * std::sqrt(2.0 / 500.0);
  EXPECT_NEAR(std_of(w), s, 0.01 * s);
}

TEST(Init, WorksInPlaceOnParameters) {
  Tensor p = empty({3, 4}).requires_grad_();
  Tensor same = constant_(p, 2.5);
  EXPECT_EQ(same.impl(), p.impl());
  EXPECT_EQ(p.to_vector(), std::vector<double>(12, 2.5));
  EXPECT_TRUE(p.is_leaf() && p.requires_grad());
  zeros_(p);
  EXPECT_EQ(max_abs(p), 0.0);
  ones_(p);
  EXPECT_EQ(nabla::sum(p).item_double(), 12.0);
  normal_(p, 5.0, 0.0);
  EXPECT_EQ(p.to_vector(), std::vector<double>(12, 5.0));
  uniform_(p, -1.0, 1.0);
  EXPECT_LE(max_abs(p), 1.0);
  EXPECT_THAT(error_message([] { uniform_(empty({2}, kInt64)); }), HasSubstr("floating-point"));
}

}  // namespace
}  // namespace nabla::nn::init
