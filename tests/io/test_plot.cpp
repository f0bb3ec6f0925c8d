// save_plot: a PNG of the right size with the series' colours in it, read
// back with cairo's own PNG reader; NaN gaps and log axes; clear errors for
// paths that cannot be written and for malformed series.
#include <cairo.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nabla/nabla.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "testing/errors.h"

namespace nabla {
namespace {

namespace fs = std::filesystem;

class Plot : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(::testing::TempDir()) /
           ("nabla_plot_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }
  fs::path dir_;
};

// The training curves of a run: losses falling, accuracies rising; the test
// loss starts one epoch late (NaN first).
std::vector<Chart> training_charts() {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Series train_loss{"train loss", {}, {}}, test_loss{"test loss", {}, {}};
  Series train_acc{"train accuracy", {}, {}}, test_acc{"test accuracy", {}, {}};
  for (int e = 0; e <= 20; ++e) {
    train_loss.x.push_back(e);
    train_loss.y.push_back(2.3 * std::exp(-0.25 * e) + 0.2);
    test_loss.x.push_back(e);
    test_loss.y.push_back(e == 0 ? nan : 2.3 * std::exp(-0.22 * e) + 0.28 + 0.004 * e);
    train_acc.x.push_back(e);
    train_acc.y.push_back(0.93 - 0.83 * std::exp(-0.3 * e));
    test_acc.x.push_back(e);
    test_acc.y.push_back(e == 0 ? nan : 0.90 - 0.8 * std::exp(-0.3 * e));
  }
  return {Chart{"Loss", "epoch", "cross-entropy", {train_loss, test_loss}, false},
          Chart{"Accuracy", "epoch", "accuracy", {train_acc, test_acc}, false}};
}

struct Image {
  int width = 0, height = 0;
  std::vector<uint32_t> pixels;  // 0xAARRGGBB
};

Image read_png(const std::string& file) {
  Image image;
  cairo_surface_t* s = cairo_image_surface_create_from_png(file.c_str());
  EXPECT_EQ(cairo_surface_status(s), CAIRO_STATUS_SUCCESS) << file;
  if (cairo_surface_status(s) == CAIRO_STATUS_SUCCESS) {
    cairo_surface_flush(s);
    image.width = cairo_image_surface_get_width(s);
    image.height = cairo_image_surface_get_height(s);
    const int stride = cairo_image_surface_get_stride(s);
    const unsigned char* data = cairo_image_surface_get_data(s);
    for (int y = 0; y < image.height; ++y) {
      const auto* row = reinterpret_cast<const uint32_t*>(data + y * stride);
      image.pixels.insert(image.pixels.end(), row, row + image.width);
    }
  }
  cairo_surface_destroy(s);
  return image;
}

// Pixels within `tolerance` per channel of colour 0xRRGGBB, in columns [x0, x1).
int count_near(const Image& image, uint32_t color, int x0, int x1, int tolerance = 12) {
  int n = 0;
  for (int y = 0; y < image.height; ++y) {
    for (int x = x0; x < x1; ++x) {
      const uint32_t p = image.pixels[static_cast<size_t>(y) * image.width + x];
      bool near = true;
      for (int shift : {0, 8, 16})
        near &= std::abs(static_cast<int>((p >> shift) & 0xff) -
                         static_cast<int>((color >> shift) & 0xff)) <= tolerance;
      n += near;
    }
  }
  return n;
}

constexpr uint32_t kBlue = 0x1f77b4, kOrange = 0xff7f0e, kWhite = 0xffffff;

TEST_F(Plot, WritesAPngOfChartsSideBySide) {
  const std::string file = path("curves.png");
  save_plot(training_charts(), file, 640, 440);

  std::ifstream in(file, std::ios::binary);
  char signature[8] = {};
  in.read(signature, 8);
  EXPECT_EQ(std::string(signature, 8), std::string("\x89PNG\r\n\x1a\n", 8));

  const Image image = read_png(file);
  EXPECT_EQ(image.width, 2 * 640);
  EXPECT_EQ(image.height, 440);
  // Mostly white, with both series' colours in each chart.
  EXPECT_GT(count_near(image, kWhite, 0, image.width), image.width * image.height / 2);
  for (int chart = 0; chart < 2; ++chart) {
    SCOPED_TRACE(chart);
    EXPECT_GT(count_near(image, kBlue, chart * 640, (chart + 1) * 640), 300);
    EXPECT_GT(count_near(image, kOrange, chart * 640, (chart + 1) * 640), 300);
  }
  // No temporary file is left beside it.
  int files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir_)) ++files;
  EXPECT_EQ(files, 1);
}

TEST_F(Plot, LogScaleGapsAndEmptyCharts) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  Series lr{"learning rate", {0, 1, 2, 3, 4, 5, 6}, {1e-1, 1e-2, nan, 1e-3, 0, 1e-4, 1e-5}};
  Series lone{"", {3}, {3e-3}};  // one point: drawn as a dot, left out of the legend
  Chart log_chart{"Schedule", "step", "lr", {lr, lone}, true};
  Chart empty{"Nothing yet", "", "", {Series{"", {0, 1}, {nan, nan}}}, false};
  const std::string file = path("log.png");
  save_plot({log_chart, empty}, file, 320, 240);
  const Image image = read_png(file);
  EXPECT_EQ(image.width, 640);
  EXPECT_EQ(image.height, 240);
  EXPECT_GT(count_near(image, kBlue, 0, 320), 100);
  EXPECT_GT(count_near(image, kOrange, 0, 320), 10);
  EXPECT_EQ(count_near(image, kBlue, 320, 640), 0) << "a series of NaN draws nothing";
}

TEST_F(Plot, ReplacesAnExistingFile) {
  const std::string file = path("curves.png");
  std::ofstream(file) << "old";
  save_plot(training_charts(), file, 200, 150);
  EXPECT_EQ(read_png(file).width, 400);
}

TEST_F(Plot, UnwritablePathIsAClearError) {
  const std::string missing_dir = path("no/such/dir/plot.png");
  EXPECT_ERROR(save_plot(training_charts(), missing_dir), "save_plot: '", "no/such/dir/plot.png",
               "cannot create the temporary file", "No such file or directory");
  // A directory in the way of the target: the good file beside it is untouched.
  fs::create_directories(path("taken.png"));
  EXPECT_ERROR(save_plot(training_charts(), path("taken.png")), "save_plot: '", "taken.png",
               "cannot rename the temporary file");
  int files = 0;
  for ([[maybe_unused]] const auto& entry : fs::directory_iterator(dir_)) ++files;
  EXPECT_EQ(files, 1) << "the temporary file was not removed";
}

TEST_F(Plot, BadArguments) {
  EXPECT_ERROR(save_plot({}, path("a.png")), "save_plot: '", "no charts");
  EXPECT_ERROR(save_plot(training_charts(), path("a.png"), 10, 10), "160×120", "10×10");
  Chart bad{"Loss", "", "", {Series{"train", {0, 1, 2}, {1, 2}}}, false};
  EXPECT_ERROR(save_plot({bad}, path("a.png")),
               "chart 0 (\"Loss\"), series \"train\" has 3 x values but 2 y values");
  EXPECT_FALSE(fs::exists(path("a.png")));
}

}  // namespace
}  // namespace nabla
