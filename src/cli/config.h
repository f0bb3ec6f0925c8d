// The settings of a training run: what `nabla train` parses from its options
// and writes to runs/<name>/config.json, and what `nabla train --config
// FILE` reads back to rerun the same run.
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace nabla::cli {

struct TrainConfig {
  // What to train: a zoo model (models/registry.h) or a Sequential described
  // in JSON (spec_json holds the file's content, so config.json reruns the
  // run even when the file has changed or gone).
  std::string model = "lenet5";
  std::string spec;       // the path given to --spec, for the record
  std::string spec_json;  // the spec itself

  std::string data = "fashion-mnist";  // a dataset name or a path (data/datasets.h)
  int64_t epochs = 8;
  int64_t batch_size = 64;
  std::string optimizer = "adamw";
  double lr = -1;            // < 0: the optimizer's default (resolved_lr)
  double weight_decay = -1;  // < 0: the optimizer's default (0; AdamW 0.01)
  // "none", or a name with optional ":key=value" arguments, as --augment:
  // "step:step_size=3:gamma=0.1", "cosine", "onecycle:pct_start=0.25", "plateau:patience=2".
  std::string scheduler = "onecycle";
  // data::parse_transforms syntax; "normalize" entries also apply to test
  // data. The default centres Fashion-MNIST (its pixels' mean and std);
  // --augment replaces it.
  std::string augment = "normalize:mean=0.286:std=0.353";
  double label_smoothing = 0;
  double mixup = 0;  // Beta(α, α); 0 off
  double cutmix = 0;
  int64_t early_stopping = 0;  // patience in epochs on the test loss; 0 off
  int64_t threads = 0;         // OpenMP threads; 0 keeps OMP_NUM_THREADS or the core count
  uint64_t seed = 0;
  // Data-loader threads (the results do not depend on it). 0 loads in the
  // training thread: on 2 cores a loader thread took time from the two
  // compute threads (LeNet-5, Fashion-MNIST: 8,800 img/s with 0, 7,900 with 1,
  // 5,900 with 2, with or without crop and flip).
  int64_t workers = 0;
  std::string device = "cpu";

  // Transfer learning.
  std::string init;         // a checkpoint whose model weights start the run
  std::string freeze;       // comma-separated parameter-name prefixes kept fixed
  bool reset_head = false;  // load init non-strictly: entries of another shape stay fresh

  // Where the run goes: out, else runs/<name>, else runs/<model>-<data>-<time>.
  // Not part of what reruns a run: `--config` picks a fresh directory.
  std::string out;
  std::string name;

  double resolved_lr() const;
  double resolved_weight_decay() const;
  // Checks names and ranges; throws an Error naming the bad setting and,
  // for names, the known ones.
  void validate() const;
};

nlohmann::json to_json(const TrainConfig& config);
// Missing keys keep their defaults; an unknown key is an error (a typo
// would otherwise be ignored silently). source names the file in errors.
TrainConfig train_config_from_json(const nlohmann::json& j, const std::string& source);
TrainConfig load_train_config(const std::string& path);

// "name:key=value:key=value" → name and arguments. Used for --scheduler.
struct NamedArgs {
  std::string name;
  std::map<std::string, std::string> args;
  // The argument as a number; absent → fallback. Unknown keys are reported
  // by check_keys.
  double number(const std::string& key, double fallback) const;
  void check_keys(const std::vector<std::string>& known, const std::string& what) const;
};
NamedArgs parse_named_args(const std::string& text);

const std::vector<std::string>& optimizer_names();
const std::vector<std::string>& scheduler_names();

// "a, b, c".
std::string join(const std::vector<std::string>& items, const std::string& sep = ", ");
std::vector<std::string> split(const std::string& text, char sep);

}  // namespace nabla::cli
