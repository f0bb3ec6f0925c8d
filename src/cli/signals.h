// Stopping a run cleanly. SIGINT and SIGTERM only set a flag; the training
// loop reads it after each batch, saves last.safetensors and returns
// 128 + the signal's number (130, 143), as a shell reports a killed process.
// A second signal while the first is being handled kills the process at once.
#pragma once

#include <cstdint>

namespace nabla::cli {

// Installs the handlers for the guard's life and restores the previous ones.
class StopSignalGuard {
 public:
  StopSignalGuard();
  ~StopSignalGuard();
  StopSignalGuard(const StopSignalGuard&) = delete;
  StopSignalGuard& operator=(const StopSignalGuard&) = delete;
};

// The signal that asked to stop (SIGINT, SIGTERM), or 0.
int stop_requested();
void request_stop(int signal_number);
void clear_stop();

// Test hook: after `batches` more training steps the loop stops as if the
// signal had arrived (0 disables). Lets tests interrupt a run at a chosen batch.
void stop_after_batches(int64_t batches, int signal_number = 2 /* SIGINT */);
// Called by the loop after each step; raises the stop request when the count
// set by stop_after_batches runs out.
void count_batch();

}  // namespace nabla::cli
