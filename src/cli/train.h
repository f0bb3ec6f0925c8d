// `nabla train`: trains a model on a dataset and keeps everything in a run
// directory (run_dir.h). Returns the process's exit code: 0 when the run
// ends (its epochs done, or stopped early), 128 + the signal when SIGINT or
// SIGTERM (or the signals.h test hook) stopped it after saving last.safetensors.
// Bad settings or data throw nabla::Error before anything is written.
#pragma once

#include <cstdint>
#include <optional>
#include <ostream>
#include <string>

#include "config.h"

namespace nabla::cli {

struct ConsoleOptions {
  bool tty = false;            // draw progress bars with \r (else plain lines)
  bool handle_signals = true;  // install SIGINT/SIGTERM handlers while training
};

int run_train(const TrainConfig& config, std::ostream& out, const ConsoleOptions& console = {});

// What --resume may change: how many epochs in all, and the threads.
struct ResumeOverrides {
  std::optional<int64_t> epochs;
  std::optional<int64_t> threads;
  std::optional<int64_t> workers;
};

// Continues the run in dir from its last.safetensors: the same batches in the
// same order, the same optimizer, scheduler and RNG state, so its final
// weights are bit for bit those of a run that was never interrupted.
int run_resume(const std::string& dir, const ResumeOverrides& overrides, std::ostream& out,
               const ConsoleOptions& console = {});

}  // namespace nabla::cli
