#include "run_dir.h"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "nabla/core/error.h"

namespace nabla::cli {

namespace fs = std::filesystem;

void write_text_atomic(const std::string& path, const std::string& text) {
  const std::string temp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(temp, std::ios::binary | std::ios::trunc);
    NABLA_CHECK(out.good(), "cannot write '", temp, "': ", std::strerror(errno));
    out << text;
    out.flush();
    if (!out.good()) {
      std::remove(temp.c_str());
      NABLA_FAIL("cannot write '", temp, "': ", std::strerror(errno));
    }
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    std::remove(temp.c_str());
    NABLA_FAIL("cannot rename '", temp, "' to '", path, "': ", std::strerror(err));
  }
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  NABLA_CHECK(in.good(), "cannot read '", path, "': ", std::strerror(errno));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

void write_metrics(const std::string& path, const std::vector<EpochMetrics>& rows) {
  std::string text = std::string(kMetricsHeader) + "\n";
  char buf[512];
  for (const auto& r : rows) {
    // %.9g keeps every bit of a float's value: reruns compare equal as text.
    std::snprintf(buf, sizeof buf, "%lld,%.9g,%.9g,%.9g,%.9g,%.9g,%.1f,%.3f\n",
                  static_cast<long long>(r.epoch), r.train_loss, r.train_acc, r.test_loss,
                  r.test_acc, r.lr, r.images_per_sec, r.seconds);
    text += buf;
  }
  write_text_atomic(path, text);
}

std::vector<EpochMetrics> read_metrics(const std::string& path) {
  std::vector<EpochMetrics> rows;
  if (!fs::exists(path)) return rows;
  std::istringstream in(read_text(path));
  std::string line;
  std::getline(in, line);
  NABLA_CHECK(line == kMetricsHeader, "'", path, "': expected the header '", kMetricsHeader,
              "', found '", line, "'");
  int line_number = 1;
  while (std::getline(in, line)) {
    ++line_number;
    if (line.empty()) continue;
    EpochMetrics r;
    long long epoch = 0;
    const int n =
        std::sscanf(line.c_str(), "%lld,%lf,%lf,%lf,%lf,%lf,%lf,%lf", &epoch, &r.train_loss,
                    &r.train_acc, &r.test_loss, &r.test_acc, &r.lr, &r.images_per_sec, &r.seconds);
    NABLA_CHECK(n == 8, "'", path, "' line ", line_number, ": expected 8 numbers, read ", n);
    r.epoch = epoch;
    rows.push_back(r);
  }
  return rows;
}

namespace {

void check_writable(const std::string& dir, const std::string& what) {
  const std::string probe = (fs::path(dir) / ".nabla-write-test").string();
  std::ofstream out(probe);
  const bool ok = out.good();
  const int err = errno;
  out.close();
  std::remove(probe.c_str());
  NABLA_CHECK(ok, what, " '", dir, "' is not writable: ", std::strerror(err));
}

}  // namespace

void prepare_new_run_dir(const std::string& dir) {
  std::error_code ec;
  if (fs::exists(dir, ec)) {
    NABLA_CHECK(fs::is_directory(dir, ec), "output directory '", dir,
                "' exists and is not a directory");
    NABLA_CHECK(fs::is_empty(dir, ec), "output directory '", dir,
                "' is not empty; it may hold an earlier run's checkpoints, which nabla does "
                "not overwrite (continue it with --resume ",
                dir, ", or choose another --out)");
  } else {
    fs::create_directories(dir, ec);
    NABLA_CHECK(!ec, "cannot create the output directory '", dir, "': ", ec.message());
  }
  check_writable(dir, "output directory");
}

void check_resume_dir(const std::string& dir) {
  std::error_code ec;
  NABLA_CHECK(fs::is_directory(dir, ec), "--resume: '", dir, "' is not a directory");
  NABLA_CHECK(fs::exists(fs::path(dir) / "last.safetensors", ec), "--resume: '", dir,
              "' holds no last.safetensors, so there is nothing to resume (a run saves it at "
              "the end of each epoch and when it is interrupted)");
  check_writable(dir, "--resume directory");
}

std::string fresh_run_dir(const std::string& parent, const std::string& base) {
  std::string dir = (fs::path(parent) / base).string();
  for (int i = 2; fs::exists(dir); ++i)
    dir = (fs::path(parent) / (base + "-" + std::to_string(i))).string();
  return dir;
}

std::string timestamp() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  localtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  return buf;
}

}  // namespace nabla::cli
