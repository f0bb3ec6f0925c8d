// Bad input: each case gives exit code 1 and one line on stderr saying what
// is wrong, and leaves an earlier run's checkpoints as they were.
#include <gtest/gtest.h>

#include "cli_testing.h"

namespace nabla::cli {
namespace {

using namespace nabla::cli::testing;

class BadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    base_ = test_dir();
    run_ = base_ + "/run";
    const Result r = nabla_command(train_args(run_));
    ASSERT_EQ(r.code, 0) << r.err;
    for (const char* f : {"last.safetensors", "best.safetensors", "metrics.csv", "config.json"})
      saved_[f] = file_bytes(run_ + "/" + f);
  }

  // Runs args, expects failure with one error line containing each fragment,
  // and checks the earlier run is intact.
  void expect_error(const std::vector<std::string>& args,
                    std::initializer_list<std::string> fragments) {
    const Result r = nabla_command(args);
    EXPECT_EQ(r.code, 1) << r.out;
    EXPECT_EQ(r.err.rfind("nabla: error: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    for (const auto& f : fragments) EXPECT_NE(r.err.find(f), std::string::npos) << r.err;
    for (const auto& [file, bytes] : saved_)
      EXPECT_EQ(file_bytes(run_ + "/" + file), bytes) << file << " changed";
  }

  std::vector<std::string> with(std::vector<std::string> extra, const std::string& out = "") {
    return train_args(out.empty() ? base_ + "/other" : out, std::move(extra));
  }

  std::string base_, run_;
  std::map<std::string, std::string> saved_;
};

TEST_F(BadInput, NonEmptyOutputDirectoryIsRefused) {
  expect_error(train_args(run_), {"not empty", run_, "--resume"});
}

TEST_F(BadInput, UnwritableOutputDirectory) {
  // A directory cannot be made under a regular file, whoever runs the test.
  expect_error(train_args(run_ + "/last.safetensors/sub"),
               {"cannot create", "last.safetensors/sub"});
}

TEST_F(BadInput, UnknownModelListsTheKnownOnes) {
  expect_error(with({"--model", "lenet6"}), {"lenet6", "lenet5", "mlp"});
  EXPECT_FALSE(fs::exists(base_ + "/other"));
}

TEST_F(BadInput, UnknownOptimizerAndScheduler) {
  expect_error(with({"--optimizer", "adamax"}),
               {"unknown optimizer 'adamax'", "adamw", "nesterov"});
  expect_error(with({"--scheduler", "warm"}), {"unknown scheduler 'warm'", "onecycle"});
  expect_error(with({"--scheduler", "step:size=2"}), {"unknown argument 'size'", "step_size"});
}

TEST_F(BadInput, MissingAndCorruptDatasets) {
  auto missing = with({});
  missing[2] = base_ + "/no-such-data";
  expect_error(missing, {"no-such-data"});

  const std::string corrupt = base_ + "/corrupt";
  write_tiny_idx(corrupt, 3);
  const std::string images = corrupt + "/train-images-idx3-ubyte";
  std::string bytes = file_bytes(images);
  std::ofstream(images, std::ios::binary | std::ios::trunc) << bytes.substr(0, bytes.size() / 2);
  auto args = with({});
  args[2] = corrupt;
  expect_error(args, {"train-images-idx3-ubyte"});
  EXPECT_FALSE(fs::exists(base_ + "/other"));
}

TEST_F(BadInput, ResumeOfADirectoryWithoutACheckpoint) {
  fs::create_directories(base_ + "/empty");
  expect_error({"train", "--resume", base_ + "/empty"}, {"no last.safetensors", "empty"});
  expect_error({"train", "--resume", run_, "--lr", "0.1"}, {"--lr", "cannot be changed"});
  // A model-only checkpoint in the place of last.safetensors.
  fs::create_directories(base_ + "/copy");
  fs::copy_file(run_ + "/best.safetensors", base_ + "/copy/last.safetensors");
  expect_error({"train", "--resume", base_ + "/copy"}, {"cannot be resumed", "Missing key"});
}

TEST_F(BadInput, CheckpointOfAnotherModel) {
  // A state_dict of some other network.
  StateDict other;
  other.set("conv1.weight", zeros({6, 1, 5, 5}));
  save(other, base_ + "/other.safetensors");
  expect_error({"eval", "--checkpoint", base_ + "/other.safetensors"},
               {"other.safetensors", "--model"});
  expect_error({"eval", "--checkpoint", base_ + "/other.safetensors", "--model", "mlp", "--data",
                tiny_data()},
               {"not a checkpoint of the model mlp", "conv1.weight", "Missing key"});
  expect_error(with({"--init", base_ + "/other.safetensors"}), {"--init", "conv1.weight"});
  expect_error({"predict", "--checkpoint", base_ + "/missing.safetensors", "x.png"},
               {"missing.safetensors"});
}

TEST_F(BadInput, DeviceOptionsAndParsing) {
  expect_error(with({"--device", "cuda"}), {"--device cuda", "use --device cpu"});
  expect_error(with({"--device", "tpu"}), {"unknown device 'tpu'"});
  expect_error(with({"--bogus"}), {"--bogus", "nabla train --help"});
  expect_error(with({"--epochs", "many"}), {"many"});
  expect_error({"eval"}, {"--checkpoint"});
  expect_error(with({"--freeze", "nothing.here"}), {"--freeze", "nothing.here"});
  expect_error(with({"--model", "mlp", "--spec", "x.json"}), {"--model or --spec"});
  auto spec = with({});
  spec[3] = "--spec";  // in place of --model mlp
  spec[4] = base_ + "/missing.json";
  expect_error(spec, {"missing.json"});
  spec[4] = base_ + "/bad.json";
  std::ofstream(spec[4]) << R"({"layers": [{"type": "Flatten"}, {"type": "Linearr"}]})";
  expect_error(spec, {"Linearr", "Linear"});
  std::ofstream(spec[4]) << R"({"layers": [)";
  expect_error(spec, {"bad.json", "not valid JSON"});
}

TEST_F(BadInput, PredictNeedsAnImage) {
  expect_error({"predict", "--checkpoint", run_ + "/best.safetensors", base_ + "/nothing.png"},
               {"nothing.png"});
  const std::string text = base_ + "/notes.txt";
  std::ofstream(text) << "not an image";
  expect_error({"predict", "--checkpoint", run_ + "/best.safetensors", text}, {"notes.txt"});
}

TEST_F(BadInput, HelpIsNotAnError) {
  const Result r = nabla_command({"train", "--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_NE(r.out.find("--early-stopping"), std::string::npos);
  EXPECT_NE(r.out.find("--reset-head"), std::string::npos);
}

}  // namespace
}  // namespace nabla::cli
