// Bad input to the joining, splitting and indexing ops: each gives a
// nabla::Error naming the op and the values involved. Also the behaviour the
// op table cannot show: embedding's padding row and scatter_add's gradient
// for a src larger than its index (where PyTorch 1.13 raises).
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nabla/nabla.h>

#include <functional>
#include <string>
#include <vector>

#include "testing/errors.h"

namespace nabla {
namespace {

using ::nabla::testing::error_message;

using ::testing::HasSubstr;

Tensor idx(std::vector<int64_t> values, const Shape& shape = {}) {
  return tensor(values, shape);
}

TEST(IndexErrors, CatNamesMismatchedShapes) {
  const std::string m = error_message([] { cat({zeros({2, 3}), zeros({2, 4})}, 0); });
  EXPECT_THAT(m, HasSubstr("cat:"));
  EXPECT_THAT(m, HasSubstr("[2, 3]"));
  EXPECT_THAT(m, HasSubstr("[2, 4]"));
  EXPECT_THAT(error_message([] {
                cat({zeros({2, 3}), zeros({2, 3, 1})}, 0);
              }),
              HasSubstr("same number of dimensions"));
  EXPECT_THAT(error_message([] { cat({}, 0); }), HasSubstr("non-empty"));
  EXPECT_THAT(error_message([] { cat({zeros({2}), zeros({2}, kFloat64)}, 0); }), HasSubstr("cat"));
  EXPECT_THAT(error_message([] { cat({zeros({2, 3})}, 2); }), HasSubstr("cat"));
  EXPECT_THAT(error_message([] { cat({scalar_tensor(1.0)}, 0); }), HasSubstr("zero-dimensional"));
}

TEST(IndexErrors, StackNamesBothShapes) {
  const std::string m = error_message([] { stack({zeros({2, 3}), zeros({2, 3}), zeros({3, 2})}); });
  EXPECT_THAT(m, HasSubstr("stack:"));
  EXPECT_THAT(m, HasSubstr("[3, 2] at entry 2"));
}

TEST(IndexErrors, SplitAndChunkArguments) {
  EXPECT_THAT(error_message([] {
                split(zeros({5}), std::vector<int64_t>{2, 2});
              }),
              HasSubstr("sum to 5"));
  EXPECT_THAT(error_message([] {
                split(zeros({5}), std::vector<int64_t>{6, -1});
              }),
              HasSubstr("non-negative"));
  EXPECT_THAT(error_message([] { split(zeros({5}), 0); }), HasSubstr("split_size can only be 0"));
  EXPECT_THAT(error_message([] { split(zeros({5}), -2); }), HasSubstr("non-negative"));
  EXPECT_THAT(error_message([] { chunk(zeros({5}), 0); }), HasSubstr("greater than 0"));
  EXPECT_THAT(error_message([] { split(zeros({5}), 2, 1); }), HasSubstr("split"));
}

TEST(IndexErrors, GatherIndexOutOfRangeNamesIndexAndSize) {
  const std::string m = error_message([] { gather(zeros({2, 3}), 1, idx({0, 5}, {1, 2})); });
  EXPECT_THAT(m, HasSubstr("gather"));
  EXPECT_THAT(m, HasSubstr("index 5"));
  EXPECT_THAT(m, HasSubstr("size 3"));
  EXPECT_THAT(error_message([] {
                gather(zeros({2, 3}), 1, idx({-1}, {1, 1}));
              }),
              HasSubstr("index -1"));
}

TEST(IndexErrors, GatherIndexShapeAndDtype) {
  EXPECT_THAT(error_message([] { gather(zeros({2, 3}), 1, zeros({1, 1})); }), HasSubstr("int64"));
  EXPECT_THAT(error_message([] {
                gather(zeros({2, 3}), 1, idx({1}));
              }),
              HasSubstr("as many dimensions"));
  EXPECT_THAT(error_message([] {
                gather(zeros({2, 3}), 1, idx({0, 0, 0}, {3, 1}));
              }),
              HasSubstr("no larger than the input [2, 3]"));
  EXPECT_THAT(error_message([] {
                gather(zeros({2, 3}), 2, idx({0}, {1, 1}));
              }),
              HasSubstr("gather"));
}

TEST(IndexErrors, ScatterAddChecks) {
  EXPECT_THAT(error_message([] {
                scatter_add(zeros({2, 3}), 1, idx({3}, {1, 1}), zeros({1, 1}));
              }),
              HasSubstr("index 3 is out of bounds for dimension 1 with size 3"));
  EXPECT_THAT(error_message([] {
                scatter_add(zeros({2, 3}), 1, idx({0, 0}, {1, 2}), zeros({1, 1}));
              }),
              HasSubstr("no larger than src [1, 1]"));
  EXPECT_THAT(error_message([] {
                scatter_add(zeros({2, 3}), 0, idx({0, 0}, {1, 2}), zeros({1, 2}, kFloat64));
              }),
              HasSubstr("scatter_add"));
  EXPECT_THAT(error_message([] {
                scatter_add(zeros({2, 3}), 0, zeros({1, 2}), zeros({1, 2}));
              }),
              HasSubstr("int64"));
}

TEST(IndexErrors, IndexSelectChecks) {
  const std::string m = error_message([] { index_select(zeros({2, 3}), 1, idx({0, 3})); });
  EXPECT_THAT(m, HasSubstr("index_select"));
  EXPECT_THAT(m, HasSubstr("index 3"));
  EXPECT_THAT(m, HasSubstr("size 3"));
  EXPECT_THAT(error_message([] {
                index_select(zeros({2, 3}), 1, idx({0, 1}, {1, 2}));
              }),
              HasSubstr("0-D or 1-D"));
  EXPECT_THAT(error_message([] {
                index_select(zeros({2, 3}), 0, zeros({1}));
              }),
              HasSubstr("int64"));
}

TEST(IndexErrors, MaskedFillChecks) {
  EXPECT_THAT(error_message([] {
                masked_fill(zeros({2, 3}), zeros({2, 3}), 1.0);
              }),
              HasSubstr("uint8"));
  EXPECT_THAT(error_message([] {
                masked_fill(zeros({2, 3}), zeros({2, 4}, kUInt8), 1.0);
              }),
              HasSubstr("masked_fill"));
}

TEST(IndexErrors, OneHotChecks) {
  EXPECT_THAT(error_message([] { one_hot(idx({-1, 2})); }), HasSubstr("non-negative, got -1"));
  EXPECT_THAT(error_message([] {
                one_hot(idx({1, 5}), 3);
              }),
              HasSubstr("class value 5 is out of range for num_classes 3"));
  EXPECT_THAT(error_message([] { one_hot(idx({}, {0})); }), HasSubstr("empty"));
  EXPECT_THAT(error_message([] { one_hot(zeros({2})); }), HasSubstr("int64"));
  EXPECT_THAT(error_message([] { one_hot(idx({1}), -3); }), HasSubstr("num_classes"));
}

TEST(IndexErrors, EmbeddingChecks) {
  EXPECT_THAT(error_message([] {
                embedding(zeros({3, 2}), idx({0, 3}));
              }),
              HasSubstr("index 3 is out of range for 3 embeddings"));
  EXPECT_THAT(error_message([] { embedding(zeros({3, 2}), idx({-2})); }), HasSubstr("index -2"));
  EXPECT_THAT(error_message([] {
                embedding(zeros({3, 2}), idx({0}), 3);
              }),
              HasSubstr("padding_idx 3"));
  EXPECT_THAT(error_message([] { embedding(zeros({3}), idx({0})); }), HasSubstr("2-D"));
  EXPECT_THAT(error_message([] { embedding(zeros({3, 2}), zeros({1})); }), HasSubstr("int64"));
}

TEST(IndexBehaviour, OneHotValuesAndEmptyWithCount) {
  Tensor y = one_hot(idx({2, 0}), 3);
  EXPECT_EQ(y.dtype(), kInt64);
  EXPECT_EQ(y.to_vector(), (std::vector<double>{0, 0, 1, 1, 0, 0}));
  EXPECT_EQ(one_hot(idx({}, {0}), 4).shape(), (Shape{0, 4}));
}

// Rows at padding_idx get no gradient, even when indexed; repeated indices
// accumulate; rows never indexed get zero.
TEST(IndexBehaviour, EmbeddingGradientAccumulatesRowsAndSkipsPadding) {
  Tensor w = ones({4, 2}, kFloat64).requires_grad_();
  Tensor out = embedding(w, idx({1, 3, 1, 0}, {2, 2}), 3);
  EXPECT_EQ(out.shape(), (Shape{2, 2, 2}));
  sum(out).backward();
  EXPECT_EQ(w.grad().to_vector(), (std::vector<double>{1, 1, 2, 2, 0, 0, 0, 0}));
}

// scatter_add with a src larger than its index: only the leading block of
// src was used, and only it gets gradient.
TEST(IndexBehaviour, ScatterAddGradientOfLargerSrc) {
  Tensor x = zeros({2, 3}, kFloat64).requires_grad_();
  Tensor src = ones({2, 4}, kFloat64).requires_grad_();
  Tensor y = scatter_add(x, 1, idx({2}, {1, 1}), src);
  EXPECT_EQ(y.to_vector(), (std::vector<double>{0, 0, 1, 0, 0, 0}));
  sum(y * tensor({1, 2, 3, 4, 5, 6}, {2, 3}, kFloat64)).backward();
  EXPECT_EQ(src.grad().to_vector(), (std::vector<double>{3, 0, 0, 0, 0, 0, 0, 0}));
  EXPECT_EQ(x.grad().to_vector(), (std::vector<double>{1, 2, 3, 4, 5, 6}));
}

TEST(IndexBehaviour, CatSkipsEmptyVectorsAndSplitsReturnViews) {
  Tensor a = tensor({1, 2, 3, 4, 5, 6}, {2, 3});
  EXPECT_EQ(cat({zeros({0}), a}, 1).shape(), (Shape{2, 3}));
  auto pieces = split(a, 2, 1);
  ASSERT_EQ(pieces.size(), 2u);
  EXPECT_EQ(pieces[1].storage(), a.storage());
  EXPECT_EQ(pieces[1].to_vector(), (std::vector<double>{3, 6}));
  EXPECT_EQ(chunk(zeros({0}), 3).size(), 3u);
}

// Inputs large enough for the kernels to split work over threads: each
// result is compared with a plain loop on the host.
TEST(IndexBehaviour, LargeInputsMatchPlainLoops) {
  Generator gen(7);
  const int64_t rows = 300, width = 64, n = 3000;
  Tensor w = randn({rows, width}, kFloat64, &gen).requires_grad_();
  Tensor ids = randint(0, rows, {n}, kInt64, &gen);
  Tensor dy = randn({n, width}, kFloat64, &gen);
  Tensor e = embedding(w, ids, 5);
  e.backward(dy);
  const auto wv = w.detach().to_vector(), ev = e.to_vector(), dyv = dy.to_vector();
  const auto iv = ids.to_vector_as<int64_t>();
  std::vector<double> dw(rows * width, 0.0);
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < width; ++k) {
      ASSERT_EQ(ev[i * width + k], wv[iv[i] * width + k]);
      if (iv[i] != 5) dw[iv[i] * width + k] += dyv[i * width + k];
    }
  const auto gv = w.grad().to_vector();
  for (size_t k = 0; k < dw.size(); ++k) ASSERT_NEAR(gv[k], dw[k], 1e-12) << k;

  // gather and scatter_add along dim 0 of (n, 2): lines are the 2 columns.
  Tensor x = randn({rows, 2}, kFloat64, &gen);
  Tensor index = randint(0, rows, {20000, 2}, kInt64, &gen);
  Tensor src = randn({20000, 2}, kFloat64, &gen);
  const auto xv = x.to_vector(), sv = src.to_vector();
  const auto jv = index.to_vector_as<int64_t>();
  const auto gathered = gather(x, 0, index).to_vector();
  std::vector<double> scattered = xv;
  for (int64_t i = 0; i < 20000; ++i)
    for (int64_t c = 0; c < 2; ++c) {
      ASSERT_EQ(gathered[i * 2 + c], xv[jv[i * 2 + c] * 2 + c]);
      scattered[jv[i * 2 + c] * 2 + c] += sv[i * 2 + c];
    }
  const auto sc = scatter_add(x, 0, index, src).to_vector();
  for (size_t k = 0; k < sc.size(); ++k) ASSERT_NEAR(sc[k], scattered[k], 1e-10) << k;

  // A single long line: gather splits the line itself.
  Tensor v = randn({rows}, kFloat64, &gen);
  Tensor long_index = randint(0, rows, {50000}, kInt64, &gen);
  const auto vv = v.to_vector();
  const auto lv = long_index.to_vector_as<int64_t>();
  const auto g1 = gather(v, 0, long_index).to_vector();
  for (int64_t i = 0; i < 50000; ++i) ASSERT_EQ(g1[i], vv[lv[i]]);
  const auto s1 = scatter_add(zeros({rows}, kFloat64), 0, long_index, ones({50000}, kFloat64));
  std::vector<double> counts(rows, 0.0);
  for (int64_t i : lv) counts[i] += 1.0;
  EXPECT_EQ(s1.to_vector(), counts);
}

}  // namespace
}  // namespace nabla
