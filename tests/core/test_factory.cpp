// Factories: tensor(values), zeros/ones/full, arange, linspace, eye, the
// random ones and *_like. Expected values are PyTorch 1.13's.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>

#include "nabla/nabla.h"
#include "testing/errors.h"

namespace nabla {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;

TEST(Factory, TensorFromValues) {
  Tensor t = tensor({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(t.shape(), (Shape{2, 3}));
  EXPECT_EQ(t.dtype(), kFloat32);
  EXPECT_TRUE(t.is_contiguous());
  EXPECT_THAT(t.to_vector(), ElementsAre(1, 2, 3, 4, 5, 6));
  EXPECT_EQ(t.at({1, 0}), 4.0);

  Tensor v = tensor({1.5, 2.5});  // no shape: 1-D
  EXPECT_EQ(v.shape(), (Shape{2}));

  Tensor i = tensor(std::vector<int64_t>{7, -8, 9});
  EXPECT_EQ(i.dtype(), kInt64);
  EXPECT_THAT(i.to_vector_as<int64_t>(), ElementsAre(7, -8, 9));

  Tensor f = tensor(std::vector<float>{0.5f, 1.5f}, {2, 1});
  EXPECT_EQ(f.dtype(), kFloat32);
  EXPECT_EQ(f.shape(), (Shape{2, 1}));

  Tensor d = tensor({1, 2}, {}, kFloat64);
  EXPECT_EQ(d.dtype(), kFloat64);
  Tensor g = tensor({1, 2}, {}, TensorOptions().requires_grad());
  EXPECT_TRUE(g.requires_grad());
  EXPECT_TRUE(g.is_leaf());
}

TEST(Factory, TensorWithWrongValueCountFails) {
  EXPECT_ERROR(tensor({1, 2, 3, 4, 5}, {2, 2}), "tensor", "5 values", "[2, 2]");
  EXPECT_ERROR(tensor(std::vector<int64_t>{1, 2, 3}, {4}), "tensor", "3 values", "[4]");
}

TEST(Factory, ScalarTensor) {
  Tensor s = scalar_tensor(2.5);
  EXPECT_EQ(s.dim(), 0);
  EXPECT_EQ(s.numel(), 1);
  EXPECT_EQ(s.item<float>(), 2.5f);
}

TEST(Factory, ZerosOnesFull) {
  Tensor z = zeros({2, 3});
  EXPECT_EQ(z.shape(), (Shape{2, 3}));
  EXPECT_EQ(z.dtype(), kFloat32);
  EXPECT_THAT(z.to_vector(), ElementsAre(0, 0, 0, 0, 0, 0));
  Tensor o = ones({4}, kInt64);
  EXPECT_EQ(o.dtype(), kInt64);
  EXPECT_THAT(o.to_vector_as<int64_t>(), ElementsAre(1, 1, 1, 1));
  Tensor f = full({2, 2}, -1.25, kFloat64);
  EXPECT_EQ(f.dtype(), kFloat64);
  EXPECT_THAT(f.to_vector(), ElementsAre(-1.25, -1.25, -1.25, -1.25));
  Tensor r = ones({3}, TensorOptions().requires_grad());
  EXPECT_TRUE(r.requires_grad());
  EXPECT_EQ(zeros({0, 3}).numel(), 0);
  EXPECT_ERROR(zeros({2, -1}), "negative dimension", "[2, -1]");
}

TEST(Factory, Arange) {
  Tensor a = arange(5);
  EXPECT_EQ(a.dtype(), kInt64);
  EXPECT_THAT(a.to_vector_as<int64_t>(), ElementsAre(0, 1, 2, 3, 4));
  // torch.arange(5, -1, -2) → [5, 3, 1]; torch.arange(10, 0, -3) → [10, 7, 4, 1]
  EXPECT_THAT(arange(5, -1, -2).to_vector_as<int64_t>(), ElementsAre(5, 3, 1));
  EXPECT_THAT(arange(10, 0, -3).to_vector_as<int64_t>(), ElementsAre(10, 7, 4, 1));
  // torch.arange(0, 1, 0.25) → [0.0, 0.25, 0.5, 0.75]
  Tensor f = arange(0, 1, 0.25, kFloat32);
  EXPECT_EQ(f.dtype(), kFloat32);
  EXPECT_THAT(f.to_vector(), ElementsAre(0.0, 0.25, 0.5, 0.75));
  EXPECT_THAT(arange(5, -1, -2, kFloat64).to_vector(), ElementsAre(5, 3, 1));
  // torch.arange(0.5, 3, dtype=torch.int64) → [0, 1, 2]
  EXPECT_THAT(arange(0.5, 3, 1, kInt64).to_vector_as<int64_t>(), ElementsAre(0, 1, 2));
  EXPECT_EQ(arange(0, 0).numel(), 0);
}

TEST(Factory, ArangeErrors) {
  EXPECT_ERROR(arange(0, 5, 0), "arange", "step must be nonzero");
  EXPECT_ERROR(arange(0, -1), "arange", "[0, -1)", "step 1");
  EXPECT_ERROR(arange(0, 5, -1), "arange", "step -1");
  // A fractional step cannot walk an integer range (PyTorch casts it to 0 and fails too).
  EXPECT_ERROR(arange(0, 1, 0.25), "arange", "0.25", "int64");
}

TEST(Factory, Linspace) {
  // torch.linspace(-2.5, 7, 6).tolist()
  const std::vector<float> torch_a = {
      -2.5f, -0.6000000238418579f, 1.2999999523162842f, 3.200000047683716f, 5.099999904632568f,
      7.0f};
  const auto a = linspace(-2.5, 7, 6).to_vector_as<float>();
  ASSERT_EQ(a.size(), torch_a.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_FLOAT_EQ(a[i], torch_a[i]) << i;
  // torch.linspace(0, 1, 7).tolist()
  const std::vector<float> torch_b = {0.0f, 0.1666666716337204f, 0.3333333432674408f,
                                      0.5f, 0.6666666269302368f, 0.8333333134651184f,
                                      1.0f};
  const auto b = linspace(0, 1, 7).to_vector_as<float>();
  ASSERT_EQ(b.size(), torch_b.size());
  for (size_t i = 0; i < b.size(); ++i) EXPECT_FLOAT_EQ(b[i], torch_b[i]) << i;
  EXPECT_THAT(linspace(3, 10, 5).to_vector(), ElementsAre(3.0, 4.75, 6.5, 8.25, 10.0));
  EXPECT_THAT(linspace(2, 9, 1).to_vector(), ElementsAre(2.0));
  EXPECT_EQ(linspace(0, 1, 0).numel(), 0);
  EXPECT_EQ(linspace(0, 1, 4, kFloat64).dtype(), kFloat64);
  EXPECT_ERROR(linspace(0, 1, -1), "linspace", "-1");
}

TEST(Factory, Eye) {
  EXPECT_THAT(eye(3).to_vector(), ElementsAre(1, 0, 0, 0, 1, 0, 0, 0, 1));
  Tensor r = eye(2, 3, kInt64);
  EXPECT_EQ(r.shape(), (Shape{2, 3}));
  EXPECT_EQ(r.dtype(), kInt64);
  EXPECT_THAT(r.to_vector(), ElementsAre(1, 0, 0, 0, 1, 0));
  EXPECT_THAT(eye(3, 2).to_vector(), ElementsAre(1, 0, 0, 1, 0, 0));
}

struct Moments {
  double mean, std, min, max;
};
Moments moments(const Tensor& t) {
  const auto v = t.to_vector();
  const double mean = std::accumulate(v.begin(), v.end(), 0.0) / static_cast<double>(v.size());
  double ss = 0;
  for (double x : v) ss += (x - mean) * (x - mean);
  return {mean, std::sqrt(ss / static_cast<double>(v.size() - 1)),
          *std::min_element(v.begin(), v.end()), *std::max_element(v.begin(), v.end())};
}

TEST(Factory, RandIsUniform) {
  manual_seed(1);
  Tensor u = rand({100000});
  EXPECT_EQ(u.dtype(), kFloat32);
  const Moments m = moments(u);
  // The standard error of the mean is 0.29/√1e5 ≈ 0.001.
  EXPECT_NEAR(m.mean, 0.5, 0.01);
  EXPECT_NEAR(m.std, 1 / std::sqrt(12.0), 0.005);
  EXPECT_GE(m.min, 0.0);
  EXPECT_LT(m.max, 1.0);
  EXPECT_LT(m.min, 0.001);
  EXPECT_GT(m.max, 0.999);
}

TEST(Factory, RandnIsStandardNormal) {
  manual_seed(2);
  Tensor n = randn({100000}, kFloat64);
  EXPECT_EQ(n.dtype(), kFloat64);
  const Moments m = moments(n);
  EXPECT_NEAR(m.mean, 0.0, 0.02);
  EXPECT_NEAR(m.std, 1.0, 0.02);
  EXPECT_LT(m.min, -3.5);
  EXPECT_GT(m.max, 3.5);
}

TEST(Factory, ManualSeedReproduces) {
  manual_seed(42);
  const auto a = randn({64}).to_vector();
  const auto b = rand({8}).to_vector();
  manual_seed(42);
  EXPECT_EQ(randn({64}).to_vector(), a);
  EXPECT_EQ(rand({8}).to_vector(), b);
  manual_seed(43);
  EXPECT_NE(randn({64}).to_vector(), a);

  // A generator of one's own is independent of the default one.
  Generator g1(7), g2(7);
  const auto x = randn({16}, {}, &g1).to_vector();
  manual_seed(5);
  (void)randn({16});
  EXPECT_EQ(randn({16}, {}, &g2).to_vector(), x);
}

TEST(Factory, Randint) {
  manual_seed(3);
  Tensor r = randint(-2, 3, {10000});
  EXPECT_EQ(r.dtype(), kInt64);
  const auto v = r.to_vector_as<int64_t>();
  const std::set<int64_t> seen(v.begin(), v.end());
  EXPECT_THAT(seen, ElementsAre(-2, -1, 0, 1, 2));
  EXPECT_EQ(randint(0, 1, {5}).to_vector_as<int64_t>(), std::vector<int64_t>(5, 0));
  EXPECT_ERROR(randint(3, 3, {2}), "randint", "[3, 3)");
}

TEST(Factory, RandpermIsAPermutation) {
  manual_seed(4);
  Tensor p = randperm(100);
  EXPECT_EQ(p.dtype(), kInt64);
  auto v = p.to_vector_as<int64_t>();
  std::vector<int64_t> identity(100);
  std::iota(identity.begin(), identity.end(), 0);
  EXPECT_NE(v, identity);  // 1 in 100! to fail by chance
  std::sort(v.begin(), v.end());
  EXPECT_EQ(v, identity);
  EXPECT_EQ(randperm(0).numel(), 0);
}

TEST(Factory, Like) {
  Tensor t = zeros({2, 3}, kFloat64);
  for (const Tensor& l : {empty_like(t), zeros_like(t), ones_like(t), full_like(t, 3.0),
                          rand_like(t), randn_like(t)}) {
    EXPECT_EQ(l.shape(), t.shape());
    EXPECT_EQ(l.dtype(), kFloat64);
    EXPECT_FALSE(l.requires_grad());
  }
  EXPECT_THAT(ones_like(t).to_vector(), ElementsAre(1, 1, 1, 1, 1, 1));
  EXPECT_THAT(full_like(tensor(std::vector<int64_t>{1, 2}), 7).to_vector_as<int64_t>(),
              ElementsAre(7, 7));
  const Moments m = moments(rand_like(zeros({1000})));
  EXPECT_GE(m.min, 0.0);
  EXPECT_LT(m.max, 1.0);
}

}  // namespace
}  // namespace nabla
