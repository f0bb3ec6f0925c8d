// Helpers of the `nabla` command's tests: a tiny IDX dataset written into a
// temporary directory, a fresh directory per test, and running the command.
#pragma once

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "app.h"
#include "nabla/nabla.h"

namespace nabla::cli::testing {

namespace fs = std::filesystem;

// Where this test process writes: removed when the tests end.
inline fs::path scratch_root() {
  return fs::temp_directory_path() / ("nabla_cli_" + std::to_string(::getpid()));
}

// A directory of its own for the running test, removed first if it exists.
inline std::string test_dir(const std::string& tag = "") {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  fs::path dir = scratch_root() / (std::string(info->test_suite_name()) + "." + info->name() + tag);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir.string();
}

// Images 1×8×8 of `classes` easy classes (0: a bright row band, 1: a bright
// column band, 2: the diagonal) with noise, as MNIST's four IDX files.
inline void write_tiny_idx(const std::string& dir, int64_t classes, int64_t train = 256,
                           int64_t test = 64, uint64_t seed = 7) {
  fs::create_directories(dir);
  Generator gen(seed);
  auto make = [&](int64_t n, const std::string& prefix) {
    Tensor images = zeros({n, 8, 8}, kUInt8);
    Tensor labels = zeros({n}, kUInt8);
    uint8_t* px = images.data_ptr<uint8_t>();
    uint8_t* lb = labels.data_ptr<uint8_t>();
    for (int64_t i = 0; i < n; ++i) {
      const int64_t c = i % classes;
      lb[i] = static_cast<uint8_t>(c);
      const int64_t shift = gen.randint(0, 4);
      for (int64_t y = 0; y < 8; ++y)
        for (int64_t x = 0; x < 8; ++x) {
          bool on = c == 0   ? (y == 2 + shift || y == 3 + shift)
                    : c == 1 ? (x == 2 + shift || x == 3 + shift)
                             : (x == y);
          px[i * 64 + y * 8 + x] = static_cast<uint8_t>(gen.randint(0, 60) + (on ? 180 : 0));
        }
    }
    data::write_idx(images, (fs::path(dir) / (prefix + "-images-idx3-ubyte")).string());
    data::write_idx(labels, (fs::path(dir) / (prefix + "-labels-idx1-ubyte")).string());
  };
  make(train, "train");
  make(test, "t10k");
}

// The dataset of 3 classes, written once per test binary.
inline const std::string& tiny_data() {
  static const std::string dir = [] {
    fs::path d = scratch_root() / "data3";
    write_tiny_idx(d.string(), 3);
    return d.string();
  }();
  return dir;
}

struct Result {
  int code = 0;
  std::string out, err;
};

inline Result nabla_command(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  Result r;
  r.code = run_command(args, out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

// A quick training run on the tiny data: a small MLP, seconds at most.
inline std::vector<std::string> train_args(const std::string& out,
                                           std::vector<std::string> extra = {}) {
  std::vector<std::string> args = {
      "train", "--data",       tiny_data(), "--model", "mlp",  "--epochs",
      "2",     "--batch-size", "32",        "--lr",    "0.01", "--workers",
      "0",     "--seed",       "3",         "--out",   out};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

inline std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Whether two tensors hold the same bits.
inline bool same_bits(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  const Tensor ca = a.contiguous(), cb = b.contiguous();
  return std::memcmp(ca.raw_data(), cb.raw_data(), ca.numel() * ca.element_size()) == 0;
}

inline std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

}  // namespace nabla::cli::testing
