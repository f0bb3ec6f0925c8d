// nn::summary of zoo models at 3×224×224 against the published figures:
// multiply-accumulates within 1 % (the papers round them), parameters exact.
#include <gtest/gtest.h>
#include <nabla/nabla.h>

#include <cmath>

namespace nabla::models {
namespace {

void expect_close(int64_t actual, double published, const char* what) {
  EXPECT_LE(std::abs(static_cast<double>(actual) - published), 0.01 * published)
      << what << ": " << actual << " vs published " << published;
}

TEST(ZooSummary, ResNet18) {
  // He et al. 2015, Table 1: 1.8 G FLOPs (multiply-adds); torchinfo 1.82 G.
  nn::Summary s = nn::summary(*create("resnet18", {3, 224, 1000}), {3, 224, 224});
  expect_close(s.total_macs, 1.82e9, "resnet18 MACs");
  EXPECT_EQ(s.total_parameters, 11689512);
  EXPECT_EQ(s.output_shape, (Shape{1, 1000}));
}

TEST(ZooSummary, VGG16) {
  // Simonyan & Zisserman; torchinfo 15.5 G.
  nn::Summary s = nn::summary(*create("vgg16", {3, 224, 1000}), {3, 224, 224});
  expect_close(s.total_macs, 15.5e9, "vgg16 MACs");
  EXPECT_EQ(s.total_parameters, 138357544);
}

TEST(ZooSummary, MobileNetV1AndItsMultipliers) {
  // Howard et al. 2017, Tables 6 and 7: 1.0 MobileNet-224 569 M mult-adds and
  // 4.2 M parameters; 0.5 MobileNet-224 149 M; 1.0 MobileNet-160 290 M.
  nn::Summary s = nn::summary(*create("mobilenet-v1", {3, 224, 1000}), {3, 224, 224});
  expect_close(s.total_macs, 569e6, "mobilenet-v1 MACs");
  EXPECT_EQ(s.total_parameters, 4231976);
  // Each depthwise-separable block costs D_K·D_K·M·D_F·D_F + M·N·D_F·D_F
  // (seed 000); the last one: D_F = 7, M = N = 1024.
  int64_t last_block = 0;
  for (const auto& row : s.rows) {
    if (row.name == "features.13.0" || row.name == "features.13.3") last_block += row.macs;
  }
  EXPECT_EQ(last_block, 3 * 3 * 1024 * 7 * 7 + 1024 * 1024 * 7 * 7);

  nn::Summary half = nn::summary(*create("mobilenet-v1-0.5", {3, 224, 1000}), {3, 224, 224});
  expect_close(half.total_macs, 149e6, "0.5 MobileNet-224 MACs");

  MobileNetV1 low_res(MobileNetV1Options().rho(160.0 / 224.0));
  nn::Summary rho = nn::summary(low_res, {3, 224, 224});
  expect_close(rho.total_macs, 290e6, "1.0 MobileNet-160 MACs");
  EXPECT_EQ(rho.total_parameters, 4231976);  // ρ changes the cost only
}

}  // namespace
}  // namespace nabla::models
