// Reductions on bad input (dims out of range or repeated, empty slices), the
// edge cases whose result PyTorch defines (nan variance of one element), and
// the CPU reduce kernel on the paths the op table's small shapes do not
// reach (integer identities, threads splitting large inputs).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nabla/nabla.h>
#include <omp.h>

#include <cmath>
#include <functional>

namespace nabla {
namespace {

using ::testing::HasSubstr;

// Runs f, which must throw a nabla::Error whose message contains every part.
void expect_error(const std::function<void()>& f, const std::vector<std::string>& parts) {
  try {
    f();
  } catch (const Error& e) {
    for (const auto& p : parts) EXPECT_THAT(e.what(), HasSubstr(p));
    return;
  }
  ADD_FAILURE() << "no error thrown; expected one mentioning " << parts[0];
}

TEST(ReduceErrors, DimOutOfRangeNamesDimAndRank) {
  Tensor x = randn({2, 3});
  expect_error([&] { sum(x, {2}); }, {"sum", "dimension 2", "2-d"});
  expect_error([&] { prod(x, -3); }, {"prod", "dimension -3", "2-d"});
  expect_error([&] { var(x, {5}); }, {"var", "dimension 5", "2-d"});
  expect_error([&] { std(x, {5}); }, {"std", "dimension 5", "2-d"});
  expect_error([&] { max(x, 2); }, {"max", "dimension 2", "2-d"});
  expect_error([&] { min(x, -3); }, {"min", "dimension -3", "2-d"});
  expect_error([&] { amax(x, {0, 2}); }, {"amax", "dimension 2", "2-d"});
  expect_error([&] { amin(x, {7}); }, {"amin", "dimension 7", "2-d"});
  expect_error([&] { argmax(x, 2); }, {"argmax", "dimension 2", "2-d"});
  expect_error([&] { argmin(x, -4); }, {"argmin", "dimension -4", "2-d"});
  expect_error([&] { logsumexp(x, {3}); }, {"logsumexp", "dimension 3", "2-d"});
  expect_error([&] { norm(x, 2.0, {2}); }, {"norm", "dimension 2", "2-d"});
  expect_error([&] { norm(x, 1.0, {2}); }, {"dimension 2", "2-d"});
  expect_error([&] { sum(scalar_tensor(1.0), {1}); }, {"sum", "dimension 1", "0-d"});
}

TEST(ReduceErrors, RepeatedDims) {
  Tensor x = randn({2, 3, 4});
  expect_error([&] { sum(x, {0, 0}); }, {"sum", "repeated"});
  expect_error([&] { var(x, {1, -2}); }, {"var", "repeated", "[1, -2]"});
  expect_error([&] { amax(x, {2, -1}); }, {"amax", "repeated"});
  expect_error([&] { logsumexp(x, {0, -3}); }, {"logsumexp", "repeated"});
  expect_error([&] { norm(x, 3.0, {1, 1}); }, {"norm", "repeated"});
}

TEST(ReduceErrors, ExtremumOfEmptySliceIsAnError) {
  Tensor x = zeros({0, 3});
  expect_error([&] { max(x, 0); }, {"max", "dimension 0", "size 0", "[0, 3]"});
  expect_error([&] { min(x, -2); }, {"min", "dimension 0", "size 0"});
  expect_error([&] { argmax(x, 0); }, {"argmax", "dimension 0", "size 0"});
  expect_error([&] { amax(x, {0}); }, {"amax", "dimension 0", "size 0"});
  expect_error([&] { amin(x, {}); }, {"amin", "dimension 0", "size 0"});
  expect_error([&] { max(x); }, {"max", "empty", "[0, 3]"});
  expect_error([&] { min(x); }, {"min", "empty"});
  expect_error([&] { argmax(x); }, {"argmax", "empty"});
  expect_error([&] { norm(x, INFINITY, {0}); }, {"norm", "size 0"});
}

TEST(ReduceErrors, ExtremumAlongANonEmptyDimOfAnEmptyTensor) {
  // As PyTorch: each of the 0 slices has 3 elements, so there is nothing wrong.
  auto [values, indices] = max(zeros({0, 3}), 1);
  EXPECT_EQ(values.shape(), Shape({0}));
  EXPECT_EQ(indices.shape(), Shape({0}));
  EXPECT_EQ(indices.dtype(), kInt64);
}

TEST(ReduceErrors, BadP) {
  Tensor x = randn({3});
  expect_error([&] { norm(x, 0.0); }, {"norm", "p", "0"});
  expect_error([&] { norm(x, -2.0); }, {"norm", "-2"});
  expect_error([&] { norm(x, NAN); }, {"norm"});
}

TEST(ReduceErrors, IntegerInputsWhereFloatsAreNeeded) {
  Tensor i = arange(6.0).reshape({2, 3});
  EXPECT_THROW(var(i), Error);
  EXPECT_THROW(logsumexp(i, {0}), Error);
  EXPECT_THROW(norm(i), Error);
}

TEST(ReduceEdgeCases, VarianceOfOneElementUnbiasedIsNan) {
  // torch.var(torch.tensor([1.])) and torch.std(...) are nan; with
  // unbiased=False they are 0.
  Tensor one = tensor({1.5});
  EXPECT_TRUE(std::isnan(var(one).item<float>()));
  EXPECT_TRUE(std::isnan(std(one).item<float>()));
  EXPECT_EQ(var(one, {}, false).item<float>(), 0.0f);
  Tensor col = tensor({1.0, 2.0}, {2, 1});
  Tensor v = var(col, {1});
  EXPECT_EQ(v.shape(), Shape({2}));
  EXPECT_TRUE(std::isnan(v.at({0})) && std::isnan(v.at({1})));
}

TEST(ReduceEdgeCases, ValuesAndIndices) {
  Tensor x = tensor({1, 7, 3, 7, 2, -1}, {2, 3});
  auto [v, i] = max(x, 1);
  EXPECT_EQ(v.to_vector(), (std::vector<double>{7, 7}));
  EXPECT_EQ(i.to_vector(), (std::vector<double>{1, 0}));  // first of the ties
  auto [mv, mi] = min(x, 0, true);
  EXPECT_EQ(mv.shape(), Shape({1, 3}));
  EXPECT_EQ(mi.to_vector(), (std::vector<double>{0, 1, 1}));
  EXPECT_EQ(argmax(x).item<int64_t>(), 1);
  EXPECT_EQ(argmin(x).item<int64_t>(), 5);
  EXPECT_EQ(argmax(x).dim(), 0);
  EXPECT_EQ(argmax(scalar_tensor(4.0), 0).item<int64_t>(), 0);
  EXPECT_EQ(max(scalar_tensor(4.0), 0).second.dim(), 0);
}

TEST(ReduceEdgeCases, MaxWithDimRoutesGradientToTheFirstTie) {
  // torch.max(x, 0) backward on [1, 3, 3, 2]: [0, 1, 0, 0]; torch.max(x): [0, .5, .5, 0].
  Tensor x = tensor({1.0, 3.0, 3.0, 2.0}).requires_grad_();
  max(x, 0).first.backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{0, 1, 0, 0}));
  Tensor y = tensor({1.0, 3.0, 3.0, 2.0}).requires_grad_();
  max(y).backward();
  EXPECT_EQ(y.grad().to_vector(), (std::vector<double>{0, 0.5, 0.5, 0}));
}

TEST(ReduceEdgeCases, ProdGradientWithZeros) {
  // torch: prod([1, 0, 3, 2]) backward is [0, 6, 0, 0]; with two zeros all 0.
  Tensor x = tensor({1.0, 0.0, 3.0, 2.0}).requires_grad_();
  prod(x, 0).backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{0, 6, 0, 0}));
  Tensor y = tensor({1.0, 0.0, 0.0, 2.0}).requires_grad_();
  prod(y, 0).backward();
  EXPECT_EQ(y.grad().to_vector(), (std::vector<double>{0, 0, 0, 0}));
}

TEST(ReduceEdgeCases, LogsumexpOfMinusInfinity) {
  // All −inf gives −inf (not nan); an empty slice gives −inf too.
  EXPECT_EQ(logsumexp(full({3}, -INFINITY), {0}).item<float>(), -INFINITY);
  EXPECT_EQ(logsumexp(zeros({0, 2}), {0}).to_vector(), (std::vector<double>{-INFINITY, -INFINITY}));
  EXPECT_EQ(logsumexp(tensor({1.0, INFINITY}), {0}).item<float>(), INFINITY);
}

TEST(ReduceKernel, IntegerMinAndMax) {
  // The i64 identity of min, 2⁶³ − 1, does not survive a trip through double.
  Tensor i = tensor(std::vector<int64_t>{5, 3, 7, 4}, {2, 2});
  EXPECT_EQ(amin(i, {}).item<int64_t>(), 3);
  EXPECT_EQ(min(i).item<int64_t>(), 3);
  EXPECT_EQ(amin(i, {1}).to_vector(), (std::vector<double>{3, 4}));
  EXPECT_EQ(amax(i, {0}).to_vector(), (std::vector<double>{7, 4}));
}

// Reference: sums of a (n0, n1, n2) tensor over dims 1 and 2, in double.
std::vector<double> row_sums(const Tensor& x) {
  const auto v = x.contiguous().to_vector();
  const int64_t rows = x.size(0), per = x.numel() / rows;
  std::vector<double> out(rows, 0.0);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = 0; k < per; ++k) out[r] += v[r * per + k];
  return out;
}

// Runs f with n OpenMP threads, then restores the previous count.
void with_threads(int n, const std::function<void()>& f) {
  const int before = omp_get_max_threads();
  omp_set_num_threads(n);
  f();
  omp_set_num_threads(before);
}

TEST(ReduceKernel, ManyThreadsAndASmallKeptDim) {
  // More threads than the kept dim has rows, and the kept dim the largest:
  // the input is split along a reduced dim into per-thread partials.
  Tensor x = randn({40, 30, 30}, kFloat64);
  const auto expected = row_sums(x);
  with_threads(64, [&] {
    Tensor s = sum(x, {1, 2});
    ASSERT_EQ(s.shape(), Shape({40}));
    const auto got = s.to_vector();
    for (int64_t r = 0; r < 40; ++r) EXPECT_NEAR(got[r], expected[r], 1e-9) << "row " << r;
    Tensor m = amax(x, {1, 2}, true);
    Tensor ref = amax(x.reshape({40, 900}), {1}, true);
    EXPECT_EQ(m.to_vector(), ref.to_vector());
  });
}

TEST(ReduceKernel, ThreadedSplitsMatchSequential) {
  // Shapes large enough to be split over threads: a kept dim split (bias
  // gradient), a full reduction, and a transposed input.
  for (const Shape& shape : {Shape{128, 256}, Shape{128, 784}, Shape{300, 200}}) {
    SCOPED_TRACE(detail::concat("shape ", shape));
    Tensor x = randn(shape, kFloat64);
    Tensor xt = x.t();
    Tensor s0, s_all, st, m0;
    with_threads(1, [&] {
      s0 = sum(x, {0});
      s_all = sum(x);
      st = sum(xt, {1});
      m0 = amax(x, {0});
    });
    with_threads(4, [&] {
      EXPECT_TRUE(allclose(sum(x, {0}), s0, 1e-12, 1e-12));
      EXPECT_TRUE(allclose(sum(x), s_all, 1e-12, 1e-10));
      EXPECT_TRUE(allclose(sum(xt, {1}), st, 1e-12, 1e-12));
      EXPECT_EQ(amax(x, {0}).to_vector(), m0.to_vector());
    });
  }
  // The sequential result is itself right.
  Tensor ones_big = ones({128, 784});
  EXPECT_EQ(sum(ones_big).item<float>(), 128.0f * 784.0f);
  EXPECT_EQ(sum(ones_big, {0}).to_vector(), std::vector<double>(784, 128.0));
}

}  // namespace
}  // namespace nabla

namespace nabla {
namespace {

// Integer sums accumulate in int64 as in PyTorch: 200 + 100 does not wrap at 256.
TEST(ReduceIntegers, SumOfUInt8PromotesToInt64) {
  Tensor x = tensor({200.0, 100.0}, {2}, kUInt8);
  Tensor s = sum(x);
  EXPECT_EQ(s.dtype(), kInt64);
  EXPECT_EQ(s.item<int64_t>(), 300);
  EXPECT_EQ(prod(x, 0).item<int64_t>(), 20000);
}

}  // namespace
}  // namespace nabla
