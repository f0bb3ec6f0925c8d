// `nabla train`: the run directory, reruns from config.json, resuming after
// an interruption, early stopping, and transfer learning (--init, --freeze,
// --reset-head).
#include <gtest/gtest.h>

#include <csignal>

#include "cli_testing.h"
#include "run_dir.h"
#include "signals.h"

namespace nabla::cli {
namespace {

using namespace nabla::cli::testing;

// The columns of metrics.csv that a rerun must reproduce (not the timings).
std::vector<std::string> learning_columns(const std::string& metrics_csv) {
  std::vector<std::string> out;
  for (const std::string& line : lines_of(file_bytes(metrics_csv))) {
    std::string kept;
    std::istringstream fields(line);
    std::string field;
    for (int i = 0; i < 6 && std::getline(fields, field, ','); ++i) kept += field + ",";
    out.push_back(kept);
  }
  return out;
}

TEST(Train, WritesTheRunDirectory) {
  const std::string dir = test_dir() + "/run";
  const Result r = nabla_command(train_args(dir));
  ASSERT_EQ(r.code, 0) << r.err << r.out;
  EXPECT_EQ(r.err, "");
  for (const char* file :
       {"config.json", "metrics.csv", "curves.png", "best.safetensors", "last.safetensors"})
    EXPECT_TRUE(fs::exists(fs::path(dir) / file)) << file;
  EXPECT_NE(r.out.find("epoch 2/2"), std::string::npos) << r.out;

  const auto lines = lines_of(file_bytes(dir + "/metrics.csv"));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "epoch,train_loss,train_acc,test_loss,test_acc,lr,images_per_sec,seconds");
  const auto rows = read_metrics(dir + "/metrics.csv");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].epoch, 1);
  EXPECT_EQ(rows[1].epoch, 2);
  for (const auto& row : rows) {
    EXPECT_GT(row.train_loss, 0);
    EXPECT_GT(row.images_per_sec, 0);
    EXPECT_GT(row.lr, 0);
    EXPECT_GE(row.seconds, 0);
  }
  // The classes are easy: a run that learns nothing fails here.
  EXPECT_GT(rows[1].test_acc, 0.9);
  EXPECT_LT(rows[1].train_loss, rows[0].train_loss);

  // Checkpoints: last holds model, optimizer, scheduler and position; both
  // say how to rebuild the model.
  const StateDict last = load(dir + "/last.safetensors");
  EXPECT_FALSE(last.sub("model.").empty());
  EXPECT_FALSE(last.sub("optimizer.").empty());
  EXPECT_FALSE(last.sub("scheduler.").empty());
  EXPECT_EQ(last.at("trainer.epoch").item_double(), 2);
  const auto meta = load_metadata(dir + "/best.safetensors");
  EXPECT_EQ(meta.at("nabla.model"), "mlp");
  EXPECT_EQ(meta.at("nabla.classes"), R"(["0","1","2"])");
  const auto config = nlohmann::json::parse(file_bytes(dir + "/config.json"));
  EXPECT_EQ(config.at("model"), "mlp");
  EXPECT_EQ(config.at("epochs"), 2);
  EXPECT_EQ(config.at("lr"), 0.01);
}

TEST(Train, ConfigJsonRerunsTheSameRun) {
  const std::string base = test_dir();
  ASSERT_EQ(nabla_command(train_args(base + "/a", {"--augment", "noise:std=0.05"})).code, 0);
  const Result r =
      nabla_command({"train", "--config", base + "/a/config.json", "--out", base + "/b"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(learning_columns(base + "/a/metrics.csv"), learning_columns(base + "/b/metrics.csv"));
  const StateDict a = load(base + "/a/last.safetensors"), b = load(base + "/b/last.safetensors");
  for (const auto& [key, value] : a.sub("model."))
    EXPECT_TRUE(same_bits(value, b.at("model." + key))) << key;
}

// A spec with dropout, whose masks come from the default generator.
std::string write_dropout_spec(const std::string& dir) {
  const std::string path = dir + "/net.json";
  std::ofstream(path) << R"({"layers": [
    {"type": "Flatten"},
    {"type": "Linear", "out_features": 32}, {"type": "ReLU"},
    {"type": "Dropout", "p": 0.25},  // masks drawn from the default generator
    {"type": "Linear", "out_features": "num_classes"}]})";
  return path;
}

// train_args with --spec FILE in place of --model mlp.
std::vector<std::string> spec_train_args(const std::string& out, const std::string& spec,
                                         std::vector<std::string> extra) {
  auto args = train_args(out, std::move(extra));
  args[3] = "--spec";
  args[4] = spec;
  return args;
}

TEST(Train, ResumedRunEqualsUninterruptedRunBitForBit) {
  const std::string base = test_dir();
  const std::string spec = write_dropout_spec(base);
  // Dropout, augmentation, mixup and a one-cycle schedule: every kind of
  // state a resume must restore.
  const std::vector<std::string> extra = {"--epochs", "3",   "--augment",   "noise:std=0.05",
                                          "--mixup",  "0.4", "--scheduler", "onecycle"};
  ASSERT_EQ(nabla_command(spec_train_args(base + "/whole", spec, extra)).code, 0);

  // 8 batches per epoch: stop in the middle of the second epoch, with
  // another number of loader threads.
  auto args = spec_train_args(base + "/cut", spec, extra);
  args.insert(args.end(), {"--workers", "2"});
  stop_after_batches(11);
  const Result cut = nabla_command(args);
  stop_after_batches(0);
  ASSERT_EQ(cut.code, 130) << cut.err;
  EXPECT_NE(cut.out.find("last.safetensors"), std::string::npos) << cut.out;
  EXPECT_NE(cut.out.find("--resume " + base + "/cut"), std::string::npos) << cut.out;
  EXPECT_EQ(read_metrics(base + "/cut/metrics.csv").size(), 1u);
  EXPECT_EQ(load(base + "/cut/last.safetensors").at("trainer.batch").item_double(), 3);

  const Result resumed = nabla_command({"train", "--resume", base + "/cut"});
  ASSERT_EQ(resumed.code, 0) << resumed.err;
  EXPECT_NE(resumed.out.find("resuming"), std::string::npos);
  // The spec itself is in the config, so the run does not need the file.
  EXPECT_FALSE(
      nlohmann::json::parse(file_bytes(base + "/cut/config.json")).at("spec_json").is_null());

  const StateDict whole = load(base + "/whole/last.safetensors");
  const StateDict cut_last = load(base + "/cut/last.safetensors");
  for (const auto& [key, value] : whole) {
    if (key.rfind("trainer.train_seconds", 0) == 0) continue;
    ASSERT_TRUE(cut_last.contains(key)) << key;
    EXPECT_TRUE(same_bits(value, cut_last.at(key))) << key;
  }
  // metrics.csv kept the first epoch's row and the losses match.
  EXPECT_EQ(learning_columns(base + "/whole/metrics.csv"),
            learning_columns(base + "/cut/metrics.csv"));
}

TEST(Train, SigtermStopsWithExitCode143) {
  const std::string dir = test_dir() + "/run";
  stop_after_batches(3, SIGTERM);
  const Result r = nabla_command(train_args(dir));
  stop_after_batches(0);
  EXPECT_EQ(r.code, 143);
  EXPECT_NE(r.out.find("SIGTERM"), std::string::npos) << r.out;
  EXPECT_TRUE(fs::exists(dir + "/last.safetensors"));
}

TEST(Train, ResumingAFinishedRunCanAddEpochs) {
  const std::string dir = test_dir() + "/run";
  ASSERT_EQ(nabla_command(train_args(dir, {"--scheduler", "cosine"})).code, 0);
  const Result r = nabla_command({"train", "--resume", dir, "--epochs", "3"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(read_metrics(dir + "/metrics.csv").size(), 3u);
  EXPECT_EQ(nlohmann::json::parse(file_bytes(dir + "/config.json")).at("epochs"), 3);
}

TEST(Train, EarlyStoppingStopsWhenTheTestLossStalls) {
  const std::string dir = test_dir() + "/run";
  // lr 0: the test loss never improves after the first epoch.
  const Result r = nabla_command(train_args(
      dir, {"--epochs", "6", "--lr", "0", "--scheduler", "none", "--early-stopping", "2"}));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("early stopping"), std::string::npos) << r.out;
  EXPECT_EQ(read_metrics(dir + "/metrics.csv").size(), 3u);
  // Resuming a run that stopped early does nothing more.
  const Result again = nabla_command({"train", "--resume", dir});
  EXPECT_EQ(again.code, 0);
  EXPECT_EQ(read_metrics(dir + "/metrics.csv").size(), 3u);
}

// The first parameter's module ("0" in "0.weight") and the last parameter.
std::pair<std::string, std::string> first_module_and_last_param(const StateDict& model) {
  const auto keys = model.keys();
  const std::string first = keys.front().substr(0, keys.front().rfind('.'));
  return {first, keys.back()};
}

TEST(Train, FreezeKeepsFrozenParametersWhileTheRestTrains) {
  const std::string base = test_dir();
  ASSERT_EQ(nabla_command(train_args(base + "/a")).code, 0);
  const StateDict a = load(base + "/a/last.safetensors").sub("model.");
  const auto [frozen, head] = first_module_and_last_param(a);

  const Result r = nabla_command(train_args(
      base + "/b", {"--init", base + "/a/last.safetensors", "--freeze", frozen, "--lr", "0.05"}));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("frozen"), std::string::npos) << r.out;
  const StateDict b = load(base + "/b/last.safetensors").sub("model.");
  int checked = 0;
  for (const auto& [key, value] : a)
    if (key.rfind(frozen + ".", 0) == 0) {
      EXPECT_TRUE(same_bits(value, b.at(key))) << key << " changed although frozen";
      ++checked;
    }
  EXPECT_GT(checked, 0);
  EXPECT_FALSE(same_bits(a.at(head), b.at(head))) << head << " did not train";
}

TEST(Train, ResetHeadFineTunesForOtherClasses) {
  const std::string base = test_dir();
  ASSERT_EQ(nabla_command(train_args(base + "/a")).code, 0);
  // best.safetensors is the model's plain state_dict.
  const StateDict a = load(base + "/a/best.safetensors");
  const auto [frozen, head] = first_module_and_last_param(a);
  write_tiny_idx(base + "/two", 2);

  auto args = train_args(
      base + "/b", {"--init", base + "/a/best.safetensors", "--reset-head", "--freeze", frozen});
  args[2] = base + "/two";  // --data
  const Result r = nabla_command(args);
  ASSERT_EQ(r.code, 0) << r.err;
  // It says which entries kept their fresh values.
  EXPECT_NE(r.out.find("skipped"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find(head), std::string::npos) << r.out;
  const StateDict b = load(base + "/b/last.safetensors").sub("model.");
  EXPECT_EQ(b.at(head).size(0), 2);
  for (const auto& [key, value] : a) {
    if (key.rfind(frozen + ".", 0) == 0) {
      EXPECT_TRUE(same_bits(value, b.at(key))) << key;
    }
  }
  EXPECT_GT(read_metrics(base + "/b/metrics.csv").back().test_acc, 0.9);

  // Without --reset-head the mismatch is an error that lists it.
  const Result strict = nabla_command([&] {
    auto s = train_args(base + "/c", {"--init", base + "/a/best.safetensors"});
    s[2] = base + "/two";
    return s;
  }());
  EXPECT_EQ(strict.code, 1);
  EXPECT_NE(strict.err.find("--reset-head"), std::string::npos) << strict.err;
  EXPECT_NE(strict.err.find(head), std::string::npos) << strict.err;
  EXPECT_FALSE(fs::exists(base + "/c"));
}

// A model with an auxiliary head that only its auxiliary loss trains: the
// main logits come from `main`, the auxiliary ones from `aux`.
class AuxNet : public nn::Module, public models::AuxiliaryOutputs {
 public:
  explicit AuxNet(const models::ModelConfig& c) {
    const int64_t in = c.in_channels * c.image_size * c.image_size;
    main = register_module("main", std::make_shared<nn::Linear>(in, c.num_classes));
    aux = register_module("aux", std::make_shared<nn::Linear>(in, c.num_classes));
  }
  Tensor forward(const Tensor& x) override {
    const Tensor flat = x.flatten(1);
    aux_logits_ = is_training() ? (*aux)(flat) : Tensor();
    return (*main)(flat);
  }
  std::vector<std::pair<Tensor, double>> auxiliary() const override {
    if (!aux_logits_.defined()) return {};
    return {{aux_logits_, 0.3}};
  }
  std::shared_ptr<nn::Linear> main, aux;

 private:
  Tensor aux_logits_;
};

NABLA_REGISTER_MODEL("test-auxnet", "a linear model with a linear auxiliary head (tests)",
                     [](const models::ModelConfig& c) { return std::make_shared<AuxNet>(c); });

TEST(Train, AuxiliaryLossesAreAdded) {
  const std::string base = test_dir();
  auto args = train_args(base + "/run", {"--epochs", "1", "--scheduler", "none"});
  args[4] = "test-auxnet";
  ASSERT_EQ(nabla_command(args).code, 0);

  // The same initial weights, from the seed.
  manual_seed(3);
  models::ModelConfig config;
  config.image_size = 8;
  config.num_classes = 3;
  const StateDict initial = models::create("test-auxnet", config)->state_dict();
  const StateDict trained = load(base + "/run/last.safetensors").sub("model.");
  EXPECT_FALSE(same_bits(initial.at("aux.weight"), trained.at("aux.weight")))
      << "the auxiliary head got no gradient";
  EXPECT_FALSE(same_bits(initial.at("main.weight"), trained.at("main.weight")));
}

}  // namespace
}  // namespace nabla::cli
