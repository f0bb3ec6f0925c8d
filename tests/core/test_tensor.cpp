// Tensor: element access, views and their strides (PyTorch 1.13's values),
// copies, conversions, and the errors of bad use.
#include <gtest/gtest.h>

#include <algorithm>

#include "nabla/nabla.h"
#include "testing/errors.h"

namespace nabla {
namespace {

using ::testing::ElementsAre;

// x = torch.arange(24.).reshape(2, 3, 4)
Tensor arange24() {
  return arange(0, 24, 1, kFloat32).reshape({2, 3, 4});
}

TEST(Tensor, Metadata) {
  Tensor x = arange24();
  EXPECT_EQ(x.dim(), 3);
  EXPECT_EQ(x.numel(), 24);
  EXPECT_EQ(x.size(-1), 4);
  EXPECT_EQ(x.stride(0), 12);
  EXPECT_EQ(x.element_size(), 4u);
  EXPECT_TRUE(x.is_contiguous());
  EXPECT_TRUE(x.is_floating_point());
  EXPECT_TRUE(x.device().is_cpu());
  EXPECT_ERROR(x.size(3), "size", "dimension 3 out of range");
}

TEST(Tensor, ItemAtAndToVector) {
  Tensor s = scalar_tensor(2.75);
  EXPECT_EQ(s.item<float>(), 2.75f);
  EXPECT_EQ(s.item<double>(), 2.75);
  EXPECT_EQ(s.item_double(), 2.75);
  EXPECT_EQ(scalar_tensor(7, kInt64).item<int64_t>(), 7);
  EXPECT_EQ(tensor({5}).item<int64_t>(), 5);  // converts, as PyTorch's item() does
  EXPECT_ERROR(tensor({1, 2}).item<float>(), "item", "one-element", "[2]");

  Tensor x = arange24();
  EXPECT_EQ(x.at({1, 2, 3}), 23.0);
  EXPECT_EQ(x.at({0, 1, 0}), 4.0);
  Tensor t = x.transpose(0, 2);  // (4, 3, 2)
  EXPECT_EQ(t.at({3, 2, 1}), 23.0);
  EXPECT_EQ(t.at({1, 0, 1}), 13.0);
  EXPECT_ERROR(x.at({1, 2}), "at", "2 indices", "[2, 3, 4]");
  EXPECT_ERROR(x.at({2, 0, 0}), "at", "index 2 out of range");

  EXPECT_THAT(tensor({1, 2, 3, 4}, {2, 2}).t().to_vector(), ElementsAre(1, 3, 2, 4));
  EXPECT_THAT(tensor({1.5, -2.5}).to_vector_as<int64_t>(), ElementsAre(1, -2));
}

TEST(Tensor, ViewsShareStorage) {
  Tensor base = zeros({2, 3});
  Tensor row = base.select(0, 1);
  EXPECT_EQ(row.storage(), base.storage());
  row.fill_(5);
  EXPECT_THAT(base.to_vector(), ElementsAre(0, 0, 0, 5, 5, 5));
  Tensor col = base.slice(1, 2, 3);
  col.copy_(tensor({7, 8}, {2, 1}));
  EXPECT_THAT(base.to_vector(), ElementsAre(0, 0, 7, 5, 5, 8));
  base.view({6}).narrow(0, 0, 1).fill_(-1);
  EXPECT_EQ(base.at({0, 0}), -1.0);
}

TEST(Tensor, VersionCounterIsSharedByViews) {
  Tensor base = zeros({4});
  Tensor v = base.slice(0, 1, 3);
  const uint32_t v0 = base.version();
  EXPECT_EQ(v.version(), v0);
  v.fill_(1);
  EXPECT_EQ(base.version(), v0 + 1);
  base.add_(ones({4}));
  EXPECT_EQ(v.version(), v0 + 2);
  Tensor c = base.clone();
  const uint32_t c0 = c.version();
  base.zero_();
  EXPECT_EQ(c.version(), c0);  // a copy has its own counter
}

TEST(Tensor, ViewOfNonContiguousInputFails) {
  Tensor t = arange24().transpose(0, 1);
  EXPECT_ERROR(t.view({24}), "view", "[24]", "[3, 2, 4]", "use reshape()");
  // Dimensions that stay contiguous can still be viewed.
  EXPECT_EQ(t.view({3, 2, 2, 2}).strides(), (Shape{4, 12, 2, 1}));
  EXPECT_ERROR(arange24().view({5, -1}), "view", "[5, -1]", "invalid");
  EXPECT_ERROR(arange24().view({-1, -1}), "view", "only one dimension can be -1");
}

TEST(Tensor, ReshapeViewsWhenItCanAndCopiesWhenItMust) {
  Tensor x = arange24();
  Tensor r = x.reshape({6, -1});
  EXPECT_EQ(r.shape(), (Shape{6, 4}));
  EXPECT_EQ(r.storage(), x.storage());

  Tensor t = x.transpose(0, 1);  // (3, 2, 4)
  Tensor c = t.reshape({6, 4});
  EXPECT_NE(c.storage(), x.storage());
  EXPECT_EQ(c.strides(), (Shape{4, 1}));
  // torch.arange(24.).reshape(2,3,4).transpose(0,1).reshape(6,4)[1] = [12, 13, 14, 15]
  EXPECT_THAT(c.select(0, 1).to_vector(), ElementsAre(12, 13, 14, 15));
  c.fill_(0);
  EXPECT_EQ(x.at({1, 0, 0}), 12.0);  // the copy is independent
}

TEST(Tensor, PermuteTransposeStrides) {
  Tensor x = arange24();
  Tensor p = x.permute({2, 0, 1});
  EXPECT_EQ(p.shape(), (Shape{4, 2, 3}));
  EXPECT_EQ(p.strides(), (Shape{1, 12, 4}));
  EXPECT_FALSE(p.is_contiguous());
  Tensor t = x.transpose(0, 2);
  EXPECT_EQ(t.shape(), (Shape{4, 3, 2}));
  EXPECT_EQ(t.strides(), (Shape{1, 4, 12}));
  EXPECT_EQ(x.transpose(-1, 0).strides(), (Shape{1, 4, 12}));
  EXPECT_EQ(tensor({1, 2, 3, 4, 5, 6}, {2, 3}).t().strides(), (Shape{1, 3}));
  EXPECT_ERROR(x.permute({0, 1}), "permute", "[2, 3, 4]");
  EXPECT_ERROR(x.permute({0, 1, 1}), "permute", "repeated");
  EXPECT_ERROR(x.t(), "t:", "[2, 3, 4]");
}

TEST(Tensor, SliceNarrowSelect) {
  Tensor x = arange24();
  // x[:, ::2, 1:4:2]
  Tensor s = x.slice(1, 0, 3, 2).slice(2, 1, 4, 2);
  EXPECT_EQ(s.shape(), (Shape{2, 2, 2}));
  EXPECT_EQ(s.strides(), (Shape{12, 8, 2}));
  EXPECT_EQ(s.storage_offset(), 1);
  EXPECT_THAT(s.to_vector(), ElementsAre(1, 3, 9, 11, 13, 15, 21, 23));
  // Negative and out-of-range bounds clamp, as Python slicing does.
  EXPECT_EQ(x.slice(2, -3, 100).shape(), (Shape{2, 3, 3}));
  EXPECT_EQ(x.slice(2, 3, 1).shape(), (Shape{2, 3, 0}));
  EXPECT_ERROR(x.slice(0, 0, 2, 0), "slice", "step must be positive");

  Tensor n = x.narrow(2, 1, 2);
  EXPECT_EQ(n.shape(), (Shape{2, 3, 2}));
  EXPECT_EQ(n.strides(), (Shape{12, 4, 1}));
  EXPECT_EQ(n.storage_offset(), 1);
  EXPECT_ERROR(x.narrow(2, 3, 2), "narrow", "[2, 3, 4]");

  Tensor sel = x.select(1, 2);
  EXPECT_EQ(sel.shape(), (Shape{2, 4}));
  EXPECT_EQ(sel.strides(), (Shape{12, 1}));
  EXPECT_EQ(sel.storage_offset(), 8);
  EXPECT_EQ(x.select(1, -1).storage_offset(), 8);
  EXPECT_EQ(x[1].storage_offset(), 12);
  EXPECT_ERROR(x.select(1, 3), "select", "index 3 out of range", "size 3");
}

TEST(Tensor, ExpandSqueezeUnsqueeze) {
  Tensor e = zeros({3, 1}).expand({2, 3, 4});
  EXPECT_EQ(e.shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(e.strides(), (Shape{0, 1, 0}));
  EXPECT_EQ(zeros({3, 1}).expand({-1, 5}).shape(), (Shape{3, 5}));
  EXPECT_ERROR(zeros({3, 2}).expand({3, 4}), "expand", "[3, 2]", "[3, 4]");

  Tensor x = arange24();
  EXPECT_EQ(x.unsqueeze(1).shape(), (Shape{2, 1, 3, 4}));
  EXPECT_EQ(x.unsqueeze(1).strides(), (Shape{12, 12, 4, 1}));
  EXPECT_EQ(x.unsqueeze(-1).shape(), (Shape{2, 3, 4, 1}));
  EXPECT_EQ(x.unsqueeze(-1).strides(), (Shape{12, 4, 1, 1}));
  EXPECT_ERROR(x.unsqueeze(5), "unsqueeze", "dimension 5");

  Tensor z = zeros({1, 3, 1, 2});
  EXPECT_EQ(z.squeeze().shape(), (Shape{3, 2}));
  EXPECT_EQ(z.squeeze().strides(), (Shape{2, 1}));
  EXPECT_EQ(z.squeeze(2).shape(), (Shape{1, 3, 2}));
  EXPECT_EQ(z.squeeze(2).strides(), (Shape{6, 2, 1}));
  EXPECT_EQ(z.squeeze(1).shape(), z.shape());  // size 3: unchanged
}

TEST(Tensor, FlattenUnflatten) {
  Tensor x = arange24();
  EXPECT_EQ(x.flatten().shape(), (Shape{24}));
  EXPECT_EQ(x.flatten(1).shape(), (Shape{2, 12}));
  EXPECT_EQ(x.flatten(1).strides(), (Shape{12, 1}));
  EXPECT_EQ(x.flatten(0, 1).shape(), (Shape{6, 4}));
  EXPECT_EQ(scalar_tensor(1).flatten().shape(), (Shape{1}));
  Tensor u = x.unflatten(2, {2, 2});
  EXPECT_EQ(u.shape(), (Shape{2, 3, 2, 2}));
  EXPECT_EQ(u.strides(), (Shape{12, 4, 2, 1}));
  EXPECT_EQ(x.unflatten(1, {-1, 1}).shape(), (Shape{2, 3, 1, 4}));
  EXPECT_ERROR(x.unflatten(2, {3, 2}), "unflatten", "[3, 2]");
  // A non-contiguous flatten copies, as torch.flatten does.
  Tensor f = x.transpose(1, 2).flatten(1);
  EXPECT_EQ(f.strides(), (Shape{12, 1}));
  EXPECT_EQ(f.at({0, 1}), 4.0);
}

TEST(Tensor, Contiguous) {
  Tensor x = arange24();
  EXPECT_EQ(x.contiguous().impl(), x.impl());  // already contiguous: the same tensor
  Tensor t = x.permute({2, 0, 1});
  Tensor c = t.contiguous();
  EXPECT_TRUE(c.is_contiguous());
  EXPECT_EQ(c.strides(), (Shape{6, 3, 1}));
  EXPECT_EQ(c.to_vector(), t.to_vector());
  EXPECT_NE(c.storage(), x.storage());
  // Size-1 dims do not break contiguity.
  EXPECT_TRUE(zeros({3, 1}).t().is_contiguous());
}

TEST(Tensor, CloneIsIndependent) {
  Tensor x = tensor({1, 2, 3});
  Tensor c = x.clone();
  EXPECT_NE(c.storage(), x.storage());
  c.fill_(9);
  EXPECT_THAT(x.to_vector(), ElementsAre(1, 2, 3));
  x.fill_(0);
  EXPECT_THAT(c.to_vector(), ElementsAre(9, 9, 9));
  Tensor t = tensor({1, 2, 3, 4}, {2, 2}).t().clone();
  EXPECT_THAT(t.to_vector(), ElementsAre(1, 3, 2, 4));
}

TEST(Tensor, DtypeConversions) {
  // torch.tensor([-3.7, 3.7, -0.5, 255.9]).to(torch.int64) → [-3, 3, 0, 255]: truncation
  Tensor f = tensor({-3.7, 3.7, -0.5, 255.9});
  Tensor i = f.to(kInt64);
  EXPECT_EQ(i.dtype(), kInt64);
  EXPECT_THAT(i.to_vector_as<int64_t>(), ElementsAre(-3, 3, 0, 255));
  Tensor u = tensor({0, 1.9, 200, 255}).to(kUInt8);
  EXPECT_EQ(u.dtype(), kUInt8);
  EXPECT_THAT(u.to_vector_as<uint8_t>(), ElementsAre(0, 1, 200, 255));
  EXPECT_THAT(u.to(kFloat32).to_vector(), ElementsAre(0, 1, 200, 255));
  Tensor d = tensor({0.1}).to(kFloat64);
  EXPECT_EQ(d.item<double>(), static_cast<double>(0.1f));
  EXPECT_EQ(f.to(kFloat32).impl(), f.impl());  // same dtype: no copy
  // Conversion of a non-contiguous view keeps the logical order.
  EXPECT_THAT(tensor({1, 2, 3, 4}, {2, 2}).t().to(kInt64).to_vector_as<int64_t>(),
              ElementsAre(1, 3, 2, 4));
}

TEST(Tensor, ToCudaWithoutCudaIsAnError) {
  Tensor x = ones({2});
  try {
    Tensor y = x.to(kCUDA);
    GTEST_SKIP() << "a CUDA backend is available";
  } catch (const Error& e) {
    EXPECT_THAT(std::string(e.what()), ::testing::HasSubstr("CUDA"));
  }
  EXPECT_ERROR(x.to(Device::CUDA), "CUDA");
}

TEST(Tensor, DtypeMismatchNamesBothDtypesAndTheOp) {
  Tensor a = ones({2}), b = ones({2}, kFloat64);
  EXPECT_ERROR(a + b, "add", "float32", "float64");
  EXPECT_ERROR(mul(a, b), "mul", "float32", "float64");
  EXPECT_ERROR(a.add_(b), "add_", "float32", "float64");
  EXPECT_ERROR(matmul(ones({2, 2}), ones({2, 2}, kFloat64)), "matmul", "float32", "float64");
}

TEST(Tensor, ShapeMismatchNamesBothShapesAndTheOp) {
  EXPECT_ERROR(ones({2, 3}) + ones({4}), "add", "[2, 3]", "[4]");
  EXPECT_ERROR(matmul(ones({2, 3}), ones({2, 3})), "matmul", "[2, 3]");
}

TEST(Tensor, InPlaceOnLeafRequiringGradFails) {
  Tensor x = ones({2}, TensorOptions().requires_grad());
  EXPECT_ERROR(x.fill_(2), "fill_", "requires grad");
  EXPECT_ERROR(x.add_(ones({2})), "add_", "requires grad");
  EXPECT_ERROR(x.mul_(2.0), "mul_", "requires grad");
  EXPECT_ERROR(x.copy_(zeros({2})), "copy_", "requires grad");
  {
    NoGradGuard no_grad;
    x.add_(ones({2}));  // an optimizer step
  }
  EXPECT_THAT(x.to_vector(), ElementsAre(2, 2));
  x.detach().mul_(3.0);  // a detached alias may be written
  EXPECT_THAT(x.to_vector(), ElementsAre(6, 6));
}

TEST(Tensor, InPlaceArithmetic) {
  Tensor x = tensor({1, 2, 3});
  x.add_(tensor({1, 1, 1}), 2.0);
  EXPECT_THAT(x.to_vector(), ElementsAre(3, 4, 5));
  x.sub_(tensor({1}));  // broadcasts
  EXPECT_THAT(x.to_vector(), ElementsAre(2, 3, 4));
  x.mul_(tensor({2, 2, 2}));
  x.div_(tensor({4}));
  EXPECT_THAT(x.to_vector(), ElementsAre(1, 1.5, 2));
  x.addcmul_(tensor({1, 2, 3}), tensor({2, 2, 2}), 0.5);
  EXPECT_THAT(x.to_vector(), ElementsAre(2, 3.5, 5));
  x.addcdiv_(tensor({4, 4, 4}), tensor({2, 4, 8}));
  EXPECT_THAT(x.to_vector(), ElementsAre(4, 4.5, 5.5));
  x.clamp_(4.2, 5);
  EXPECT_THAT(x.to_vector_as<float>(), ElementsAre(4.2f, 4.5f, 5.0f));
  EXPECT_ERROR(x.add_(ones({2})), "add_", "[2]", "[3]");
  EXPECT_ERROR(x.mul_(ones({2, 3})), "mul_", "[2, 3]", "[3]", "in place");
  EXPECT_ERROR(x.copy_(ones({2})), "copy_", "[2]", "[3]");
}

TEST(Tensor, RandomFillInPlace) {
  manual_seed(9);
  Tensor x = zeros({10000});
  x.uniform_(-2, 3);
  const auto v = x.to_vector();
  EXPECT_GE(*std::min_element(v.begin(), v.end()), -2.0);
  EXPECT_LT(*std::max_element(v.begin(), v.end()), 3.0);
  EXPECT_NEAR(mean(x).item<double>(), 0.5, 0.05);
  x.normal_(10, 0.5);
  EXPECT_NEAR(mean(x).item<double>(), 10, 0.05);
  EXPECT_NEAR(sqrt(mean(square(x - mean(x)))).item<double>(), 0.5, 0.02);
}

}  // namespace
}  // namespace nabla

namespace nabla {
namespace {

// Out-of-range floats wrap modulo 256 on the way to uint8, as in PyTorch.
TEST(Tensor, FloatToUInt8WrapsAsPyTorch) {
  Tensor x = tensor({300.0, -1.0, 255.9, -256.5});
  EXPECT_EQ(x.to(kUInt8).to_vector_as<uint8_t>(), (std::vector<uint8_t>{44, 255, 255, 0}));
}

}  // namespace
}  // namespace nabla
