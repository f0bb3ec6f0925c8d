// Activation modules: options, printing, agreement with the functions they
// wrap. Their PyTorch comparisons are op-table cases in
// tests/ops/cases_nn_functional.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nabla/nabla.h>

#include <sstream>

#include "testing/errors.h"

namespace nabla::nn {
namespace {

using ::nabla::testing::error_message;

using ::testing::HasSubstr;

TEST(Activations, ModulesApplyTheirFunctions) {
  Tensor x = randn({4, 5});
  EXPECT_TRUE(allclose(ReLU()(x), relu(x)));
  EXPECT_TRUE(allclose(LeakyReLU(0.2)(x), leaky_relu(x, 0.2)));
  EXPECT_TRUE(allclose(LeakyReLU()(x), leaky_relu(x, 0.01)));
  EXPECT_TRUE(allclose(ELU(0.5)(x), elu(x, 0.5)));
  EXPECT_TRUE(allclose(GELU()(x), gelu(x)));
  EXPECT_TRUE(allclose(GELU("tanh")(x), gelu(x, "tanh")));
  EXPECT_TRUE(allclose(SiLU()(x), silu(x)));
  EXPECT_TRUE(allclose(Sigmoid()(x), sigmoid(x)));
  EXPECT_TRUE(allclose(Tanh()(x), tanh(x)));
  EXPECT_TRUE(allclose(Softplus(2.0, 10.0)(x), softplus(x, 2.0, 10.0)));
  EXPECT_TRUE(allclose(Softmax(1)(x), softmax(x, 1)));
  EXPECT_TRUE(allclose(LogSoftmax(0)(x), log_softmax(x, 0)));
  EXPECT_THAT(error_message([] { GELU("fast"); }), HasSubstr("GELU: approximate"));
}

TEST(Activations, PrintLikePyTorch) {
  Sequential seq{std::make_shared<ReLU>(),
                 std::make_shared<LeakyReLU>(LeakyReLUOptions().negative_slope(0.2)),
                 std::make_shared<ELU>(),
                 std::make_shared<GELU>(),
                 std::make_shared<SiLU>(),
                 std::make_shared<Sigmoid>(),
                 std::make_shared<Tanh>(),
                 std::make_shared<Softplus>(),
                 std::make_shared<Softmax>(1),
                 std::make_shared<LogSoftmax>(-1)};
  std::ostringstream os;
  os << seq;
  EXPECT_EQ(os.str(),
            "Sequential(\n"
            "  (0): ReLU()\n"
            "  (1): LeakyReLU(negative_slope=0.2)\n"
            "  (2): ELU(alpha=1.0)\n"
            "  (3): GELU(approximate='none')\n"
            "  (4): SiLU()\n"
            "  (5): Sigmoid()\n"
            "  (6): Tanh()\n"
            "  (7): Softplus(beta=1.0, threshold=20.0)\n"
            "  (8): Softmax(dim=1)\n"
            "  (9): LogSoftmax(dim=-1)\n"
            ")");
  EXPECT_TRUE(seq.named_parameters().empty());
}

}  // namespace
}  // namespace nabla::nn
