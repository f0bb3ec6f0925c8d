// Activation modules: options, printing, agreement with the functions they
// wrap. Their PyTorch comparisons are op-table cases in
// tests/ops/cases_nn_functional.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nabla/nabla.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <vector>

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

// ReLU's contiguous runs have kernels of their own (multiversioned for AVX2
// and AVX-512); strided runs take the generic loop. Both give, element for
// element, PyTorch's x < 0 ? +0 : x and x ≤ 0 ? +0 : dy, over lengths that
// leave every vector tail and with ±0, ±∞ and NaN (which propagates forward
// and lets dy through backward, as in PyTorch).
TEST(Activations, ReluContiguousAndStridedRunsAgree) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<double> specials{-1.5, 0.0, -0.0, 2.0, inf, -inf, nan, 1e-30, -1e-30};
  Generator gen(5);
  for (DType dtype : {kFloat32, kFloat64})
    for (int64_t n : {1, 3, 7, 8, 15, 16, 17, 31, 33, 64, 1001}) {
      SCOPED_TRACE(::testing::Message() << dtype << " n=" << n);
      std::vector<double> xs = randn({n}, kFloat64, &gen).to_vector();
      for (size_t k = 0; k < xs.size(); k += 3) xs[k] = specials[(k / 3) % specials.size()];
      const std::vector<double> dys = randn({n}, kFloat64, &gen).to_vector();
      // Contiguous (n, 1) and a strided view of the same values (every other
      // element of a (n, 2) tensor).
      Tensor contiguous = tensor(xs, {n, 1}, dtype);
      Tensor wide = zeros({n, 2}, dtype);
      {
        NoGradGuard no_grad;
        wide.narrow(1, 0, 1).copy_(contiguous);
      }
      Tensor strided = wide.narrow(1, 0, 1);
      ASSERT_TRUE(n == 1 || !strided.is_contiguous());
      const Tensor dy = tensor(dys, {n, 1}, dtype);
      for (const Tensor& x : {contiguous, strided}) {
        Tensor xr = x.detach().requires_grad_(true);
        Tensor y = relu(xr);
        y.backward(dy);
        const std::vector<double> ys = y.to_vector(), dxs = xr.grad().to_vector();
        for (size_t k = 0; k < xs.size(); ++k) {
          const double v = dtype == kFloat32 ? double(float(xs[k])) : xs[k];
          const double dv = dtype == kFloat32 ? double(float(dys[k])) : dys[k];
          const double expected_y = v < 0 ? 0.0 : v, expected_dx = v <= 0 ? 0.0 : dv;
          // Bit for bit up to NaN payloads (−0 is not +0).
          auto same = [](double a, double b) {
            return (std::isnan(a) && std::isnan(b)) ||
                   (a == b && std::signbit(a) == std::signbit(b));
          };
          const char* layout = x.is_contiguous() ? "contiguous" : "strided";
          ASSERT_TRUE(same(ys[k], expected_y)) << layout << " relu(" << v << ") = " << ys[k];
          ASSERT_TRUE(same(dxs[k], expected_dx))
              << layout << " relu'(" << v << ")·" << dv << " = " << dxs[k];
        }
      }
    }
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
