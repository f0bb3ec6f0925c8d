// The directory a training run writes:
//   config.json       the settings; `nabla train --config` reruns them
//   metrics.csv       one row per epoch (kMetricsHeader)
//   curves.png        loss and accuracy, train and test, by epoch
//   best.safetensors  the model's plain state_dict at its best test accuracy
//                     (loads as it is into the PyTorch twin of the model)
//   last.safetensors  "model.", "optimizer.", "scheduler." state_dicts and
//                     "trainer." scalars (epoch, batch in the epoch, the
//                     epoch's running sums, early-stopping state); its
//                     metadata adds the RNG state. Written at the end of
//                     every epoch and when a signal stops the run.
// Both checkpoints' metadata rebuild the model (checkpoint.h).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace nabla::cli {

// One row of metrics.csv (one epoch).
struct EpochMetrics {
  int64_t epoch = 0;  // 1-based
  double train_loss = 0, train_acc = 0, test_loss = 0, test_acc = 0;
  double lr = 0, images_per_sec = 0, seconds = 0;
};

inline constexpr const char* kMetricsHeader =
    "epoch,train_loss,train_acc,test_loss,test_acc,lr,images_per_sec,seconds";

// Writes text to path atomically (a temporary beside it, then rename), so a
// reader or a crash never sees half a file.
void write_text_atomic(const std::string& path, const std::string& text);
std::string read_text(const std::string& path);

void write_metrics(const std::string& path, const std::vector<EpochMetrics>& rows);
// Reads a metrics.csv written by write_metrics; a missing file gives no rows.
std::vector<EpochMetrics> read_metrics(const std::string& path);

// Makes dir (and its parents) for a new run. It must not exist or be empty,
// so an earlier run's checkpoints are never overwritten; and it must be
// writable, which is tried now, before any training. Throws an Error saying
// which of these failed.
void prepare_new_run_dir(const std::string& dir);
// For --resume: dir must hold last.safetensors and be writable.
void check_resume_dir(const std::string& dir);
// runs/<base>, or runs/<base>-2, -3, ... when that exists already.
std::string fresh_run_dir(const std::string& parent, const std::string& base);
// "20240131-154502", local time.
std::string timestamp();

}  // namespace nabla::cli
