// The progress of one epoch. On a terminal, one line redrawn in place with
// \r (at most ~10 times a second):
//   epoch 3/8 [##########----------]  50%  loss 0.3712  acc 0.866  9120 img/s  ETA 0:03
// Elsewhere (a log file, a pipe), a plain line at every 10% of the epoch.
#pragma once

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

namespace nabla::cli {

class Progress {
 public:
  // total_batches in the epoch; first_batch > 0 when resuming mid-epoch.
  Progress(std::ostream& out, bool tty, std::string label, int64_t total_batches,
           int64_t first_batch = 0);
  // After batch `batches_done` (1-based count in the epoch); loss and
  // accuracy are the epoch's running means, images the images seen since
  // this Progress was made.
  void update(int64_t batches_done, double loss, double accuracy, int64_t images);
  // Ends the bar's line (on a terminal).
  void finish();
  double images_per_second() const;
  double seconds() const;  // since construction

  // "1:05", "0:07", "1:02:03".
  static std::string format_duration(double seconds);

 private:
  std::string line(int64_t batches_done, double loss, double accuracy) const;

  std::ostream& out_;
  bool tty_;
  std::string label_;
  int64_t total_, first_;
  std::chrono::steady_clock::time_point start_, last_draw_;
  int64_t images_ = 0;
  int64_t next_decile_ = 1;
  bool drawn_ = false;
};

}  // namespace nabla::cli
