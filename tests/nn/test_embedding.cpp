// Embedding: initialisation, the padding row, lookup and its gradient,
// printing. Its PyTorch comparison is an op-table case in
// tests/ops/cases_nn_functional.cpp.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nabla/nabla.h>

#include <sstream>

#include "nn/stats.h"
#include "testing/errors.h"

namespace nabla::nn {
namespace {

using ::nabla::testing::error_message;

using ::testing::HasSubstr;
using testing::stats_of;

TEST(Embedding, InitIsStandardNormalWithAZeroPaddingRow) {
  manual_seed(9);
  Embedding emb(1000, 100, /*padding_idx=*/-1);
  EXPECT_EQ(emb.options.padding_idx(), 999);  // stored non-negative, as PyTorch
  EXPECT_EQ(emb.weight.shape(), (Shape{1000, 100}));
  EXPECT_TRUE(emb.weight.is_leaf() && emb.weight.requires_grad());
  const auto s = stats_of(emb.weight.narrow(0, 0, 999));
  EXPECT_NEAR(s.mean, 0.0, 0.01);
  EXPECT_NEAR(s.std, 1.0, 0.01);
  EXPECT_EQ(stats_of(emb.weight.select(0, 999)).max_abs, 0.0);
  std::ostringstream os;
  os << emb;
  EXPECT_EQ(os.str(), "Embedding(1000, 100, padding_idx=999)");
  EXPECT_EQ(Embedding(10, 3).repr(), "Embedding(10, 3)");
  EXPECT_THAT(error_message([] { Embedding(10, 3, 10); }), HasSubstr("padding_idx 10"));
  EXPECT_THAT(error_message([] { Embedding(10, 3, -11); }), HasSubstr("padding_idx -11"));
}

TEST(Embedding, LooksUpRowsAndSkipsThePaddingGradient) {
  Embedding emb(EmbeddingOptions(6, 4).padding_idx(2));
  Tensor idx = tensor(std::vector<int64_t>{0, 2, 5, 0, 1, 2}, {2, 3});
  Tensor y = emb(idx);
  EXPECT_EQ(y.shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(y.select(0, 0).select(0, 2).to_vector(), emb.weight.select(0, 5).to_vector());
  sum(y).backward();
  Tensor g = emb.weight.grad();
  EXPECT_EQ(g.select(0, 0).to_vector(), std::vector<double>(4, 2.0));  // used twice
  EXPECT_EQ(g.select(0, 2).to_vector(), std::vector<double>(4, 0.0));  // padding
  EXPECT_EQ(g.select(0, 3).to_vector(), std::vector<double>(4, 0.0));  // unused
  EXPECT_TRUE(allclose(F::embedding(idx, emb.weight, 2), y));
}

}  // namespace
}  // namespace nabla::nn
