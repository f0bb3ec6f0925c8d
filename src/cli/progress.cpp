#include "progress.h"

#include <algorithm>
#include <cmath>
#include <cstdio>

namespace nabla::cli {

using Clock = std::chrono::steady_clock;

Progress::Progress(std::ostream& out, bool tty, std::string label, int64_t total_batches,
                   int64_t first_batch)
    : out_(out),
      tty_(tty),
      label_(std::move(label)),
      total_(total_batches),
      first_(first_batch),
      start_(Clock::now()),
      last_draw_(start_) {
  // Resuming at 45% prints the 50% line next, not 10%...40% at once.
  if (total_ > 0) next_decile_ = first_ * 10 / total_ + 1;
}

double Progress::seconds() const {
  return std::chrono::duration<double>(Clock::now() - start_).count();
}

double Progress::images_per_second() const {
  const double s = seconds();
  return s > 0 ? images_ / s : 0.0;
}

std::string Progress::format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) seconds = 0;
  const long s = std::lround(seconds);
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%ld:%02ld:%02ld", s / 3600, s / 60 % 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%ld:%02ld", s / 60, s % 60);
  return buf;
}

std::string Progress::line(int64_t done, double loss, double accuracy) const {
  const double fraction = total_ > 0 ? static_cast<double>(done) / total_ : 1.0;
  const double elapsed = std::chrono::duration<double>(Clock::now() - start_).count();
  const int64_t done_here = done - first_;
  const double eta = done_here > 0 ? elapsed / done_here * (total_ - done) : 0.0;
  std::string out = label_;
  out += ' ';
  if (tty_) {
    constexpr int kWidth = 24;
    const int filled = std::clamp(static_cast<int>(fraction * kWidth), 0, kWidth);
    out += '[';
    out.append(static_cast<size_t>(filled), '#');
    out.append(static_cast<size_t>(kWidth - filled), '-');
    out += "] ";
  }
  char buf[160];
  std::snprintf(buf, sizeof buf, "%3d%%  loss %.4f  acc %.3f  %.0f img/s  ETA %s",
                static_cast<int>(fraction * 100), loss, accuracy, images_per_second(),
                format_duration(eta).c_str());
  return out + buf;
}

void Progress::update(int64_t done, double loss, double accuracy, int64_t images) {
  images_ = images;
  if (tty_) {
    const auto now = Clock::now();
    if (done < total_ && drawn_ && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    // \033[K clears what a longer previous line left.
    out_ << '\r' << line(done, loss, accuracy) << "\033[K" << std::flush;
    drawn_ = true;
    return;
  }
  if (total_ <= 0 || done * 10 < next_decile_ * total_) return;
  while (next_decile_ * total_ <= done * 10) ++next_decile_;
  out_ << line(done, loss, accuracy) << '\n' << std::flush;
}

void Progress::finish() {
  if (tty_ && drawn_) out_ << '\n' << std::flush;
  drawn_ = false;
}

}  // namespace nabla::cli
