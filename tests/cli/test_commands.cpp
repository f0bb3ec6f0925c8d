// `nabla eval`, `predict`, `summary` and `models`, the progress display, the
// config's JSON form and the stop signals.
#include <gtest/gtest.h>

#include <csignal>

#include "cli_testing.h"
#include "config.h"
#include "progress.h"
#include "run_dir.h"
#include "signals.h"
#include "testing/errors.h"

namespace nabla::cli {
namespace {

using namespace nabla::cli::testing;

class RemoveScratch : public ::testing::Environment {
 public:
  void TearDown() override { fs::remove_all(scratch_root()); }
};
::testing::Environment* const kRemoveScratch =
    ::testing::AddGlobalTestEnvironment(new RemoveScratch);

// One trained run shared by the tests of this file.
const std::string& trained_run() {
  static const std::string dir = [] {
    const std::string d = (scratch_root() / "trained").string();
    fs::remove_all(d);
    const Result r = nabla_command(train_args(d));
    EXPECT_EQ(r.code, 0) << r.err;
    return d;
  }();
  return dir;
}

TEST(Eval, JsonHasAccuracyLossPerClassAndConfusion) {
  const Result r =
      nabla_command({"eval", "--checkpoint", trained_run() + "/best.safetensors", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j.at("samples"), 64);
  ASSERT_EQ(j.at("per_class").size(), 3u);
  ASSERT_EQ(j.at("confusion").size(), 3u);
  int64_t total = 0, diagonal = 0;
  for (size_t t = 0; t < 3; ++t)
    for (size_t p = 0; p < 3; ++p) {
      total += j["confusion"][t][p].get<int64_t>();
      if (t == p) diagonal += j["confusion"][t][p].get<int64_t>();
    }
  EXPECT_EQ(total, 64);
  EXPECT_DOUBLE_EQ(j.at("accuracy").get<double>(), diagonal / 64.0);
  EXPECT_EQ(j.at("classes"), nlohmann::json({"0", "1", "2"}));
  // The same figures as the run's best epoch.
  double best = 0;
  for (const auto& row : read_metrics(trained_run() + "/metrics.csv"))
    best = std::max(best, row.test_acc);
  EXPECT_DOUBLE_EQ(j.at("accuracy").get<double>(), best);
  EXPECT_GT(j.at("loss").get<double>(), 0);

  const Result table = nabla_command({"eval", "--checkpoint", trained_run() + "/best.safetensors"});
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_NE(table.out.find("accuracy"), std::string::npos);
  EXPECT_NE(table.out.find("confusion"), std::string::npos);
}

// A class-1 image of the tiny data (a bright column band), c×size×size.
Tensor column_image(int64_t channels, int64_t size) {
  Tensor image = zeros({channels, size, size}, kUInt8);
  uint8_t* p = image.data_ptr<uint8_t>();
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t y = 0; y < size; ++y)
      for (int64_t x = size / 4; x < size / 2; ++x) p[(c * size + y) * size + x] = 230;
  return image;
}

TEST(Predict, TopClassesOfPngFiles) {
  const std::string dir = test_dir();
  write_png(column_image(1, 8), dir + "/column.png");
  // RGB and twice the size: converted to gray and resized.
  write_png(column_image(3, 16), dir + "/big.png");
  const Result r = nabla_command({"predict", "--checkpoint", trained_run() + "/best.safetensors",
                                  dir + "/column.png", dir + "/big.png", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.at("predictions").size(), 2u);
  for (const auto& p : j.at("predictions")) {
    ASSERT_EQ(p.at("top").size(), 3u);
    EXPECT_EQ(p["top"][0]["class"], "1") << p.dump();
    double sum = 0, previous = 1;
    for (const auto& t : p.at("top")) {
      EXPECT_LE(t.at("probability").get<double>(), previous);
      previous = t.at("probability").get<double>();
      sum += previous;
    }
    EXPECT_NEAR(sum, 1.0, 1e-5);
  }
  EXPECT_EQ(j["predictions"][1]["note"], "resized from 16x16");

  const Result plain =
      nabla_command({"predict", "--checkpoint", trained_run() + "/best.safetensors", "--top-k", "1",
                     dir + "/column.png"});
  ASSERT_EQ(plain.code, 0) << plain.err;
  EXPECT_EQ(plain.out.rfind(dir + "/column.png: 1 ", 0), 0u) << plain.out;
}

TEST(Predict, ImagesOfAnIdxFile) {
  const Result r =
      nabla_command({"predict", "--checkpoint", trained_run() + "/last.safetensors",
                     tiny_data() + "/t10k-images-idx3-ubyte", "--json", "--top-k", "2"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.at("predictions").size(), 64u);
  // Image i of the tiny test set is of class i % 3.
  int right = 0;
  for (size_t i = 0; i < 64; ++i) right += j["predictions"][i]["top"][0]["index"] == int(i % 3);
  EXPECT_GT(right, 56);
}

TEST(Summary, JsonTotalsMatchTheModel) {
  const Result r =
      nabla_command({"summary", "mlp", "--input", "1x8x8", "--classes", "3", "--json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  models::ModelConfig config;
  config.in_channels = 1;
  config.image_size = 8;
  config.num_classes = 3;
  int64_t parameters = 0;
  for (const auto& p : models::create("mlp", config)->parameters()) parameters += p.numel();
  EXPECT_EQ(j.at("total_parameters"), parameters);
  EXPECT_FALSE(j.at("layers").empty());

  const Result table = nabla_command({"summary", "mlp", "--input", "1x8x8", "--classes", "3"});
  ASSERT_EQ(table.code, 0) << table.err;
  EXPECT_NE(table.out.find("Linear"), std::string::npos) << table.out;

  const Result bad = nabla_command({"summary", "mlp", "--input", "1x8"});
  EXPECT_EQ(bad.code, 1);
  EXPECT_NE(bad.err.find("CxHxW"), std::string::npos) << bad.err;
}

TEST(Models, ListsTheZoo) {
  const Result r = nabla_command({"models"});
  ASSERT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("lenet5"), std::string::npos);
  EXPECT_NE(r.out.find("mlp"), std::string::npos);
}

TEST(Progress, PlainLinesAtEveryTenthWithoutATerminal) {
  std::ostringstream out;
  Progress p(out, false, "epoch 1/1", 100);
  for (int64_t b = 1; b <= 100; ++b) p.update(b, 0.5, 0.75, b * 10);
  p.finish();
  const auto lines = lines_of(out.str());
  ASSERT_EQ(lines.size(), 10u) << out.str();
  EXPECT_EQ(lines[0].rfind("epoch 1/1  10%  loss 0.5000  acc 0.750", 0), 0u) << lines[0];
  EXPECT_NE(lines[9].find("100%"), std::string::npos);
  EXPECT_NE(lines[9].find("img/s"), std::string::npos);
  EXPECT_EQ(out.str().find('\r'), std::string::npos);

  // Resumed at 45%: the next line is 50%.
  std::ostringstream resumed;
  Progress q(resumed, false, "e", 100, 45);
  for (int64_t b = 46; b <= 55; ++b) q.update(b, 1, 0, b);
  EXPECT_EQ(lines_of(resumed.str()).size(), 1u);
  EXPECT_NE(resumed.str().find(" 50%"), std::string::npos) << resumed.str();
}

TEST(Progress, RedrawsOneLineOnATerminal) {
  std::ostringstream out;
  Progress p(out, true, "epoch 2/5", 4);
  for (int64_t b = 1; b <= 4; ++b) p.update(b, 0.25, 0.5, b * 64);
  p.finish();
  const std::string s = out.str();
  EXPECT_EQ(s.front(), '\r');
  EXPECT_NE(s.find("[########################] 100%"), std::string::npos) << s;
  EXPECT_NE(s.find("ETA 0:00"), std::string::npos);
  EXPECT_EQ(s.back(), '\n');
  EXPECT_EQ(Progress::format_duration(65), "1:05");
  EXPECT_EQ(Progress::format_duration(3723), "1:02:03");
}

TEST(Config, JsonRoundTripAndUnknownKeys) {
  TrainConfig c;
  c.model = "mlp";
  c.epochs = 3;
  c.lr = 0.5;
  c.freeze = "0,2";
  c.augment = "crop:padding=2";
  const TrainConfig back = train_config_from_json(to_json(c), "test");
  EXPECT_EQ(to_json(back), to_json(c));
  // The optimizer's defaults are written out, so a rerun does not depend on them.
  EXPECT_EQ(to_json(TrainConfig{}).at("lr"), 3e-3);
  EXPECT_EQ(to_json(TrainConfig{}).at("weight_decay"), 1e-2);

  nlohmann::json j = to_json(c);
  j["learning_rate"] = 1;
  EXPECT_ERROR(train_config_from_json(j, "cfg.json"), "cfg.json", "learning_rate", "unknown");
  j = to_json(c);
  j["epochs"] = "many";
  EXPECT_ERROR(train_config_from_json(j, "cfg.json"), "epochs", "wrong type");
}

TEST(Config, SchedulerArguments) {
  const NamedArgs a = parse_named_args("step:step_size=3:gamma=0.5");
  EXPECT_EQ(a.name, "step");
  EXPECT_EQ(a.number("step_size", 0), 3);
  EXPECT_EQ(a.number("gamma", 0), 0.5);
  EXPECT_EQ(a.number("other", 7), 7);
  EXPECT_ERROR(a.check_keys({"gamma"}, "--scheduler"), "step_size", "known: gamma");
  EXPECT_ERROR(parse_named_args("step:3"), "not key=value");
}

TEST(Signals, SigintSetsTheStopFlag) {
  clear_stop();
  {
    StopSignalGuard guard;
    std::raise(SIGINT);
    EXPECT_EQ(stop_requested(), SIGINT);
  }
  clear_stop();
  stop_after_batches(2, SIGTERM);
  count_batch();
  EXPECT_EQ(stop_requested(), 0);
  count_batch();
  EXPECT_EQ(stop_requested(), SIGTERM);
  clear_stop();
}

}  // namespace
}  // namespace nabla::cli
