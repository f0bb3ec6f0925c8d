// An atomic file writer shared by everything that saves files (checkpoints,
// images, IDX): the data goes to a temporary file beside the target, which
// replaces the target only on commit(), so a crash or an error midway never
// leaves a half-written file where a good one was.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace nabla::io {

class AtomicFile {
 public:
  // op names the caller in error messages ("save", "write_png").
  AtomicFile(const std::string& target, std::string op);
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;
  // Uncommitted, removes the temporary file and leaves the target untouched.
  ~AtomicFile();

  void write(const void* data, size_t nbytes);
  // fsync, close, rename over the target, fsync the directory.
  void commit();

 private:
  std::string target_, temp_, op_;
  int fd_ = -1;
  bool committed_ = false;
  uint64_t written_ = 0;
};

}  // namespace nabla::io
