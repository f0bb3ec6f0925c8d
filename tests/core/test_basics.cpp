// dtypes, shapes and the CPU allocator.
#include <gtest/gtest.h>

#include <cstdint>
#include <sstream>

#include "nabla/core/allocator.h"
#include "nabla/nabla.h"
#include "testing/errors.h"

namespace nabla {
namespace {

TEST(DType, ItemsizeAndNames) {
  EXPECT_EQ(itemsize(kFloat32), 4u);
  EXPECT_EQ(itemsize(kFloat64), 8u);
  EXPECT_EQ(itemsize(kInt64), 8u);
  EXPECT_EQ(itemsize(kUInt8), 1u);
  EXPECT_STREQ(dtype_name(kFloat32), "float32");
  EXPECT_STREQ(dtype_name(kFloat64), "float64");
  EXPECT_STREQ(dtype_name(kInt64), "int64");
  EXPECT_STREQ(dtype_name(kUInt8), "uint8");
  std::ostringstream os;
  os << kFloat64;
  EXPECT_EQ(os.str(), "float64");
}

TEST(DType, AliasesAndTraits) {
  EXPECT_EQ(kFloat, kFloat32);
  EXPECT_EQ(kDouble, kFloat64);
  EXPECT_EQ(kLong, kInt64);
  EXPECT_EQ(kByte, kUInt8);
  EXPECT_EQ(kBool, kUInt8);
  EXPECT_TRUE(is_floating(kFloat32));
  EXPECT_TRUE(is_floating(kFloat64));
  EXPECT_FALSE(is_floating(kInt64));
  EXPECT_FALSE(is_floating(kUInt8));
  EXPECT_EQ(dtype_of<float>, kFloat32);
  EXPECT_EQ(dtype_of<double>, kFloat64);
  EXPECT_EQ(dtype_of<int64_t>, kInt64);
  EXPECT_EQ(dtype_of<uint8_t>, kUInt8);
}

TEST(DType, DispatchFloatingRejectsIntegers) {
  auto size_of = [](DType t) {
    return NABLA_DISPATCH_FLOATING(t, "size_of", [&] { return sizeof(scalar_t); });
  };
  EXPECT_EQ(size_of(kFloat32), 4u);
  EXPECT_EQ(size_of(kFloat64), 8u);
  EXPECT_ERROR(size_of(kInt64), "size_of", "floating-point", "int64");
}

TEST(Device, Names) {
  EXPECT_EQ(kCPU.str(), "cpu");
  EXPECT_EQ(Device(DeviceType::CUDA, 1).str(), "cuda:1");
  EXPECT_TRUE(Device(Device::CPU) == kCPU);
  EXPECT_FALSE(kCPU == kCUDA);
}

TEST(Shape, PrintsAndCounts) {
  EXPECT_EQ(to_string(Shape{2, 3}), "[2, 3]");
  EXPECT_EQ(to_string(Shape{}), "[]");
  EXPECT_EQ(numel({2, 3, 4}), 24);
  EXPECT_EQ(numel({}), 1);
  EXPECT_EQ(numel({2, 0, 3}), 0);
}

TEST(Shape, ContiguousStrides) {
  EXPECT_EQ(contiguous_strides({2, 3, 4}), (Shape{12, 4, 1}));
  EXPECT_EQ(contiguous_strides({}), Shape{});
  // As torch.empty(2, 0, 3).stride(): a zero size counts as one.
  EXPECT_EQ(contiguous_strides({2, 0, 3}), (Shape{3, 3, 1}));
}

TEST(Shape, WrapDim) {
  EXPECT_EQ(wrap_dim(-1, 3, "op"), 2);
  EXPECT_EQ(wrap_dim(-3, 3, "op"), 0);
  EXPECT_EQ(wrap_dim(1, 3, "op"), 1);
  EXPECT_EQ(wrap_dim(0, 0, "op"), 0);
  EXPECT_EQ(wrap_dim(-1, 0, "op"), 0);
  EXPECT_ERROR(wrap_dim(3, 3, "myop"), "myop", "dimension 3 out of range", "[-3, 2]");
  EXPECT_ERROR(wrap_dim(-4, 3, "myop"), "myop", "-4");
}

TEST(Shape, BroadcastShapes) {
  EXPECT_EQ(broadcast_shapes({2, 1, 4}, {3, 1}, "op"), (Shape{2, 3, 4}));
  EXPECT_EQ(broadcast_shapes({}, {3}, "op"), (Shape{3}));
  EXPECT_EQ(broadcast_shapes({5, 1}, {1}, "op"), (Shape{5, 1}));
  EXPECT_EQ(broadcast_shapes({0, 1}, {1, 4}, "op"), (Shape{0, 4}));
  EXPECT_ERROR(broadcast_shapes({2, 3}, {4}, "add"), "add", "[2, 3]", "[4]", "cannot be broadcast");
  EXPECT_ERROR(broadcast_shapes({2, 3}, {3, 3}, "mul"), "mul", "[2, 3]", "[3, 3]");
}

// Shape keeps std::vector<int64_t>'s behaviour on both sides of its inline
// capacity, and converts to and from it.
TEST(Shape, BehavesAsAVectorInlineAndOnTheHeap) {
  Shape s;
  EXPECT_TRUE(s.empty());
  std::vector<int64_t> reference;
  for (int64_t i = 0; i < 20; ++i) {  // past the inline capacity
    s.push_back(i);
    reference.push_back(i);
    EXPECT_EQ(s, reference);
  }
  EXPECT_GE(s.capacity(), 20u);
  s.erase(s.begin() + 2, s.begin() + 17);
  reference.erase(reference.begin() + 2, reference.begin() + 17);
  EXPECT_EQ(s, reference);
  s.insert(s.begin() + 1, {7, 8});
  reference.insert(reference.begin() + 1, {7, 8});
  EXPECT_EQ(s, reference);
  s.insert(s.end(), s.begin(), s.end());  // a range inside the shape itself
  const std::vector<int64_t> copy = reference;
  reference.insert(reference.end(), copy.begin(), copy.end());
  EXPECT_EQ(s, reference);
  s.resize(3);
  s.resize(5, 9);
  EXPECT_EQ(s, (Shape{0, 7, 8, 9, 9}));
  EXPECT_EQ(s.front(), 0);
  EXPECT_EQ(s.back(), 9);
  EXPECT_THROW(s.at(5), std::out_of_range);
}

TEST(Shape, CopiesMovesAndCompares) {
  const Shape small{2, 3}, big(9, 4);
  Shape a = small, b = big;
  EXPECT_EQ(a, small);
  EXPECT_EQ(b, big);
  Shape moved_small = std::move(a), moved_big = std::move(b);
  EXPECT_EQ(moved_small, small);
  EXPECT_EQ(moved_big, big);
  EXPECT_TRUE(a.empty());  // NOLINT(bugprone-use-after-move): moved-from shapes are empty
  EXPECT_TRUE(b.empty());  // NOLINT(bugprone-use-after-move)
  moved_small = big;
  moved_big = small;
  EXPECT_EQ(moved_small, big);
  EXPECT_EQ(moved_big, small);
  moved_small.swap(moved_big);
  EXPECT_EQ(moved_small, small);
  EXPECT_EQ(moved_big, big);
  EXPECT_LT((Shape{1, 2}), (Shape{1, 3}));
  EXPECT_LT((Shape{1}), (Shape{1, 0}));
  EXPECT_NE(small, big);
  const std::vector<int64_t> v = small;  // converts both ways, as when it was a vector
  EXPECT_EQ(v, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(Shape(v), small);
  EXPECT_EQ(small, v);
  EXPECT_EQ(Shape(v.rbegin(), v.rend()), (Shape{3, 2}));
}

TEST(Allocator, ReusesFreedBlocks) {
  Allocator& a = allocator(DeviceType::CPU);
  void* p = a.allocate(1000, kCPU);
  a.deallocate(p, 1000, kCPU);
  void* q = a.allocate(1000, kCPU);
  EXPECT_EQ(p, q);
  // Sizes are rounded up to 64 bytes, so 1000 and 1010 share a block size.
  a.deallocate(q, 1000, kCPU);
  void* r = a.allocate(1010, kCPU);
  EXPECT_EQ(p, r);
  a.deallocate(r, 1010, kCPU);
}

TEST(Allocator, BlocksAre64ByteAligned) {
  Allocator& a = allocator(DeviceType::CPU);
  for (size_t n : {1, 3, 63, 64, 65, 1000, 4097, 1 << 20}) {
    void* p = a.allocate(n, kCPU);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(p) % 64, 0u) << n << " bytes";
    a.deallocate(p, n, kCPU);
  }
  Tensor t = empty({3, 5});
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw_data()) % 64, 0u);
}

TEST(Allocator, TensorStorageComesBackFromTheCache) {
  void* first;
  {
    Tensor t = empty({123, 7});
    first = t.raw_data();
  }
  Tensor u = empty({123, 7});
  EXPECT_EQ(u.raw_data(), first);
}

TEST(Allocator, EmptyCacheKeepsWorking) {
  Allocator& a = allocator(DeviceType::CPU);
  void* p = a.allocate(256, kCPU);
  a.deallocate(p, 256, kCPU);
  a.empty_cache();
  void* q = a.allocate(256, kCPU);
  EXPECT_NE(q, nullptr);
  a.deallocate(q, 256, kCPU);
}

}  // namespace
}  // namespace nabla
