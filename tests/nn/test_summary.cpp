// nn::summary: rows in call order with names, depths, output shapes, own
// parameters and multiply-accumulates counted by hand; totals; the table and
// the JSON; the model's modes and hooks restored when the forward pass throws.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nabla/nabla.h>

#include <nlohmann/json.hpp>

#include "testing/errors.h"

namespace nabla::nn {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> names_of(const Summary& s) {
  std::vector<std::string> out;
  for (const auto& row : s.rows) out.push_back(row.name + ":" + row.type);
  return out;
}

TEST(Summary, MlpParametersAndMacs) {
  auto mlp =
      std::make_shared<Sequential>(std::make_shared<Flatten>(), std::make_shared<Linear>(784, 256),
                                   std::make_shared<ReLU>(), std::make_shared<Linear>(256, 10));
  Summary s = summary(*mlp, {1, 28, 28});
  EXPECT_THAT(names_of(s), ElementsAre("0:Flatten", "1:Linear", "2:ReLU", "3:Linear"));
  EXPECT_EQ(s.model, "Sequential");
  EXPECT_EQ(s.input_shape, (Shape{1, 1, 28, 28}));
  EXPECT_EQ(s.output_shape, (Shape{1, 10}));
  EXPECT_EQ(s.rows[0].output_shape, (Shape{1, 784}));
  EXPECT_EQ(s.rows[1].output_shape, (Shape{1, 256}));
  EXPECT_EQ(s.rows[1].parameters, 784 * 256 + 256);
  EXPECT_EQ(s.rows[1].macs, 784 * 256);  // weights × one position; the bias is not counted
  EXPECT_EQ(s.rows[2].parameters, 0);
  EXPECT_EQ(s.rows[2].macs, 0);
  EXPECT_EQ(s.rows[3].macs, 256 * 10);
  EXPECT_EQ(s.total_parameters, 784 * 256 + 256 + 256 * 10 + 10);  // 203,530
  EXPECT_EQ(s.trainable_parameters, s.total_parameters);
  EXPECT_EQ(s.total_macs, 784 * 256 + 256 * 10);
  for (const auto& row : s.rows) EXPECT_EQ(row.depth, 0);
}

TEST(Summary, SmallConvNet) {
  // 1×28×28 → conv 5×5 pad 2 → 6×28×28 → pool → 6×14×14 → conv 5×5 → 16×10×10
  // → flatten 1600 → linear 10.
  auto net = std::make_shared<Sequential>(
      std::make_shared<Conv2d>(Conv2dOptions(1, 6, 5).padding(2)), std::make_shared<ReLU>(),
      std::make_shared<MaxPool2d>(2), std::make_shared<Conv2d>(6, 16, 5),
      std::make_shared<Flatten>(), std::make_shared<Linear>(1600, 10));
  Summary s = summary(*net, {1, 28, 28});
  ASSERT_EQ(s.rows.size(), 6u);
  EXPECT_EQ(s.rows[0].output_shape, (Shape{1, 6, 28, 28}));
  EXPECT_EQ(s.rows[0].parameters, 6 * 25 + 6);
  EXPECT_EQ(s.rows[0].macs, 6 * 25 * 28 * 28);  // 117,600
  EXPECT_EQ(s.rows[2].output_shape, (Shape{1, 6, 14, 14}));
  EXPECT_EQ(s.rows[3].output_shape, (Shape{1, 16, 10, 10}));
  EXPECT_EQ(s.rows[3].parameters, 16 * 6 * 25 + 16);
  EXPECT_EQ(s.rows[3].macs, 16 * 6 * 25 * 10 * 10);  // 240,000
  EXPECT_EQ(s.rows[5].macs, 1600 * 10);
  EXPECT_EQ(s.total_parameters, 156 + 2416 + 16010);
  EXPECT_EQ(s.total_macs, 117600 + 240000 + 16000);
}

TEST(Summary, DepthwiseSeparableCost) {
  // MobileNet's costs: depthwise D_K·D_K·M·D_F·D_F, pointwise M·N·D_F·D_F.
  const int64_t dk = 3, m = 8, n = 16, df = 12;
  auto net = std::make_shared<Sequential>(
      std::make_shared<Conv2d>(Conv2dOptions(m, m, dk).padding(1).groups(m).bias(false)),
      std::make_shared<Conv2d>(Conv2dOptions(m, n, 1).bias(false)));
  Summary s = summary(*net, {m, df, df});
  EXPECT_EQ(s.rows[0].macs, dk * dk * m * df * df);
  EXPECT_EQ(s.rows[1].macs, m * n * df * df);
  EXPECT_EQ(s.rows[0].parameters, dk * dk * m);
}

TEST(Summary, TransposedConvAndConv1dAndLinearOverPositions) {
  // Transposed conv: each of the 5×5 input pixels scatters the whole weight.
  auto up = std::make_shared<Sequential>(
      std::make_shared<ConvTranspose2d>(ConvTranspose2dOptions(4, 2, 3).stride(2)));
  Summary s = summary(*up, {4, 5, 5});
  EXPECT_EQ(s.rows[0].output_shape, (Shape{1, 2, 11, 11}));
  EXPECT_EQ(s.rows[0].macs, 4 * 2 * 9 * 5 * 5);

  auto conv1d = std::make_shared<Sequential>(std::make_shared<Conv1d>(3, 5, 3));
  EXPECT_EQ(summary(*conv1d, {3, 10}).rows[0].macs, 5 * 3 * 3 * 8);

  // A linear layer applied at every one of 6 positions.
  auto per_position = std::make_shared<Sequential>(std::make_shared<Linear>(5, 7));
  s = summary(*per_position, {6, 5});
  EXPECT_EQ(s.rows[0].output_shape, (Shape{1, 6, 7}));
  EXPECT_EQ(s.rows[0].macs, 5 * 7 * 6);
}

// Calls a child that was registered last first, and the same ReLU twice.
struct Net : Module {
  Net() {
    head = register_module("head", std::make_shared<Linear>(8, 3));
    body = register_module("body", std::make_shared<Sequential>(std::make_shared<Linear>(4, 8),
                                                                std::make_shared<BatchNorm1d>(8)));
    act = register_module("act", std::make_shared<ReLU>());
  }
  Tensor forward(const Tensor& x) override { return (*head)((*act)((*body)((*act)(x)))); }
  std::shared_ptr<Linear> head;
  std::shared_ptr<Sequential> body;
  std::shared_ptr<ReLU> act;
};

TEST(Summary, RowsInCallOrderWithDepths) {
  auto net = std::make_shared<Net>();
  Summary s = summary(*net, {4});
  EXPECT_THAT(names_of(s), ElementsAre("act:ReLU", "body:Sequential", "body.0:Linear",
                                       "body.1:BatchNorm1d", "act:ReLU", "head:Linear"));
  std::vector<int> depths;
  for (const auto& row : s.rows) depths.push_back(row.depth);
  EXPECT_THAT(depths, ElementsAre(0, 0, 1, 1, 0, 0));
  EXPECT_EQ(s.rows[1].parameters, 0);  // a container's own parameters: none
  EXPECT_EQ(s.rows[3].parameters, 16);
  EXPECT_EQ(s.total_parameters, 4 * 8 + 8 + 16 + 8 * 3 + 3);
  EXPECT_EQ(s.total_macs, 4 * 8 + 8 * 3);

  const std::string table = s.to_string();
  EXPECT_THAT(table, HasSubstr("Layer (type:depth-idx)"));
  EXPECT_THAT(table, HasSubstr("├─Sequential: 1-2"));
  EXPECT_THAT(table, HasSubstr("│    └─BatchNorm1d: 2-2"));
  EXPECT_THAT(table, HasSubstr("Total params: 83"));
  EXPECT_THAT(table, HasSubstr("Total mult-adds: 56"));
}

TEST(Summary, FrozenParametersAndHumanUnits) {
  auto net = std::make_shared<Sequential>(std::make_shared<Linear>(1000, 2000),
                                          std::make_shared<Linear>(2000, 10));
  net->at<Linear>(0)->weight.requires_grad_(false);
  Summary s = summary(*net, {1000});
  EXPECT_EQ(s.total_parameters, 2002000 + 20010);
  EXPECT_EQ(s.trainable_parameters, 2000 + 20010);
  const std::string table = s.to_string();
  EXPECT_THAT(table, HasSubstr("Total params: 2,022,010 (2.02 M)"));
  EXPECT_THAT(table, HasSubstr("Non-trainable params: 2,000,000 (2.00 M)"));
  EXPECT_THAT(table, HasSubstr("Total mult-adds: 2.02 M"));
  EXPECT_THAT(table, HasSubstr("2,000,000"));  // the first layer's mult-adds
}

TEST(Summary, JsonParses) {
  auto net = std::make_shared<Net>();
  Summary s = summary(*net, {4});
  const auto j = nlohmann::json::parse(s.to_json());
  EXPECT_EQ(j["input"], nlohmann::json({1, 4}));
  EXPECT_EQ(j["total_parameters"], s.total_parameters);
  EXPECT_EQ(j["trainable_parameters"], s.trainable_parameters);
  EXPECT_EQ(j["total_macs"], 56);
  ASSERT_EQ(j["layers"].size(), 6u);
  const auto& l = j["layers"][2];
  EXPECT_EQ(l["name"], "body.0");
  EXPECT_EQ(l["type"], "Linear");
  EXPECT_EQ(l["depth"], 1);
  EXPECT_EQ(l["output_shape"], nlohmann::json({1, 8}));
  EXPECT_EQ(l["parameters"], 40);
  EXPECT_EQ(l["macs"], 32);

  // A model that is one layer: no rows, its own cost in the totals.
  Linear linear(3, 2);
  const auto single = nlohmann::json::parse(summary(linear, {3}).to_json());
  EXPECT_TRUE(single["layers"].empty());
  EXPECT_EQ(single["total_macs"], 6);
  EXPECT_EQ(single["total_parameters"], 8);
}

TEST(Summary, RestoresModesAndRemovesHooksWhenForwardThrows) {
  // Linear(4, 8) fed 5 features throws inside the pass.
  auto net = std::make_shared<Net>();
  net->train();
  net->body->at<BatchNorm1d>(1)->eval();
  EXPECT_ERROR(summary(*net, {5}), "summary: the forward pass of Net", "[1, 5]");
  EXPECT_TRUE(net->is_training());
  EXPECT_TRUE(net->body->at<Linear>(0)->is_training());
  EXPECT_FALSE(net->body->at<BatchNorm1d>(1)->is_training());
  // A hook left behind by the failed call would add rows to this one.
  EXPECT_EQ(summary(*net, {4}).rows.size(), 6u);
  EXPECT_TRUE(net->is_training());
  EXPECT_FALSE(net->body->at<BatchNorm1d>(1)->is_training());
}

TEST(Summary, BadInputShape) {
  auto net = std::make_shared<Net>();
  EXPECT_ERROR(summary(*net, {}), "input shape", "empty");
  EXPECT_ERROR(summary(*net, {0, 4}), "[0, 4]", "positive");
}

}  // namespace
}  // namespace nabla::nn
