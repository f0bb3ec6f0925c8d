// Printing follows PyTorch's (torch._tensor_str, default print options); each
// expected string below is what PyTorch 1.13 prints for the same tensor,
// except the dtype and grad_fn names (nabla's: dtype=float64, MulBackward).
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>

#include "nabla/nabla.h"

namespace nabla {
namespace {

std::string printed(const Tensor& t) {
  std::ostringstream os;
  os << t;
  return os.str();
}

TEST(Print, WholeFloatsAndIntegers) {
  EXPECT_EQ(printed(tensor({1, 2, 3})), "tensor([1., 2., 3.])");
  EXPECT_EQ(printed(tensor(std::vector<int64_t>{1, 2, 3})), "tensor([1, 2, 3])");
  EXPECT_EQ(printed(tensor({1, 2, 3, 4}, {2, 2})), "tensor([[1., 2.],\n        [3., 4.]])");
  EXPECT_EQ(printed(tensor(std::vector<int64_t>{1, -2, 30, 4}, {2, 2})),
            "tensor([[ 1, -2],\n        [30,  4]])");
  EXPECT_EQ(printed(zeros({2})), "tensor([0., 0.])");
}

TEST(Print, FixedPointWithFourDecimals) {
  EXPECT_EQ(printed(tensor({1.5, -2.25, 3})), "tensor([ 1.5000, -2.2500,  3.0000])");
  EXPECT_EQ(printed(tensor({0.1, 2, 30})), "tensor([ 0.1000,  2.0000, 30.0000])");
  EXPECT_EQ(printed(tensor({0.12345678})), "tensor([0.1235])");
  EXPECT_EQ(printed(linspace(-1, 1, 5)), "tensor([-1.0000, -0.5000,  0.0000,  0.5000,  1.0000])");
}

TEST(Print, ScientificForWideRanges) {
  EXPECT_EQ(printed(tensor({1e-5, 1})), "tensor([1.0000e-05, 1.0000e+00])");
  EXPECT_EQ(printed(tensor({1e6, 1})), "tensor([1.0000e+06, 1.0000e+00])");
}

TEST(Print, NonFinite) {
  EXPECT_EQ(printed(tensor({NAN, 1, INFINITY})), "tensor([nan, 1., inf])");
  EXPECT_EQ(printed(tensor({-INFINITY, 0.5})), "tensor([  -inf, 0.5000])");
}

TEST(Print, ThreeDims) {
  EXPECT_EQ(printed(arange(0, 12, 1, kFloat32).reshape({2, 2, 3})),
            "tensor([[[ 0.,  1.,  2.],\n"
            "         [ 3.,  4.,  5.]],\n"
            "\n"
            "        [[ 6.,  7.,  8.],\n"
            "         [ 9., 10., 11.]]])");
}

TEST(Print, ScalarsAndEmpty) {
  EXPECT_EQ(printed(scalar_tensor(3.5)), "tensor(3.5000)");
  EXPECT_EQ(printed(scalar_tensor(7, kInt64)), "tensor(7)");
  EXPECT_EQ(printed(zeros({0})), "tensor([])");
  EXPECT_EQ(printed(zeros({2, 0})), "tensor([], size=(2, 0))");
  EXPECT_EQ(printed(zeros({0}, kInt64)), "tensor([], dtype=int64)");
  EXPECT_EQ(printed(Tensor()), "tensor(undefined)");
}

TEST(Print, DtypeAndAutogradSuffixes) {
  EXPECT_EQ(printed(tensor({1, 2}, {}, kFloat64)), "tensor([1., 2.], dtype=float64)");
  EXPECT_EQ(printed(tensor({1, 2}, {}, kUInt8)), "tensor([1, 2], dtype=uint8)");
  Tensor x = tensor({1, 2}, {}, TensorOptions().requires_grad());
  EXPECT_EQ(printed(x), "tensor([1., 2.], requires_grad=True)");
  EXPECT_EQ(printed(x * x), "tensor([1., 4.], grad_fn=<MulBackward>)");
}

TEST(Print, NonContiguousPrintsLogicalOrder) {
  Tensor t = tensor({1, 2, 3, 4, 5, 6}, {2, 3}).t();
  EXPECT_EQ(printed(t), "tensor([[1., 4.],\n        [2., 5.],\n        [3., 6.]])");
}

TEST(Print, LongRowsWrapAtEightyColumns) {
  // torch.arange(30.): 12 elements of width 3 ("29.") plus ", " fit per line.
  EXPECT_EQ(printed(arange(0, 30, 1, kFloat32)),
            "tensor([ 0.,  1.,  2.,  3.,  4.,  5.,  6.,  7.,  8.,  9., 10., 11., 12., 13.,\n"
            "        14., 15., 16., 17., 18., 19., 20., 21., 22., 23., 24., 25., 26., 27.,\n"
            "        28., 29.])");
}

TEST(Print, LargeTensorsAreSummarised) {
  // torch.arange(2000)
  EXPECT_EQ(printed(arange(2000)), "tensor([   0,    1,    2,  ..., 1997, 1998, 1999])");
  // torch.arange(1000., 3000.).reshape(400, 5)
  EXPECT_EQ(printed(arange(1000, 3000, 1, kFloat32).reshape({400, 5})),
            "tensor([[1000., 1001., 1002., 1003., 1004.],\n"
            "        [1005., 1006., 1007., 1008., 1009.],\n"
            "        [1010., 1011., 1012., 1013., 1014.],\n"
            "        ...,\n"
            "        [2985., 2986., 2987., 2988., 2989.],\n"
            "        [2990., 2991., 2992., 2993., 2994.],\n"
            "        [2995., 2996., 2997., 2998., 2999.]])");
  // torch.arange(2000.).reshape(400, 5): max/min > 1000, so scientific.
  const std::string head =
      "tensor([[0.0000e+00, 1.0000e+00, 2.0000e+00, 3.0000e+00, 4.0000e+00],\n"
      "        [5.0000e+00,";
  EXPECT_EQ(printed(arange(0, 2000, 1, kFloat32).reshape({400, 5})).substr(0, head.size()), head);
}

}  // namespace
}  // namespace nabla
