#include "io/atomic_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "nabla/core/error.h"

namespace nabla::io {

AtomicFile::AtomicFile(const std::string& target, std::string op)
    : target_(target), op_(std::move(op)) {
  static std::atomic<uint64_t> counter{0};
  temp_ = detail::concat(target, ".tmp.", ::getpid(), ".", counter++);
  // 0666 minus the umask, as an ordinary new file.
  fd_ = ::open(temp_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  NABLA_CHECK(fd_ >= 0, op_, ": '", target_, "': cannot create the temporary file '", temp_,
              "': ", std::strerror(errno));
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_) ::unlink(temp_.c_str());
}

void AtomicFile::write(const void* data, size_t nbytes) {
  const char* p = static_cast<const char*>(data);
  while (nbytes > 0) {
    const ssize_t n = ::write(fd_, p, nbytes);
    if (n < 0 && errno == EINTR) continue;
    NABLA_CHECK(n > 0, op_, ": '", target_, "': writing the temporary file '", temp_,
                "' failed at byte offset ", written_, ": ",
                n < 0 ? std::strerror(errno) : "no progress");
    p += n;
    nbytes -= static_cast<size_t>(n);
    written_ += static_cast<uint64_t>(n);
  }
}

void AtomicFile::commit() {
  NABLA_CHECK(::fsync(fd_) == 0, op_, ": '", target_, "': fsync of '", temp_,
              "' failed: ", std::strerror(errno));
  const int rc = ::close(fd_);
  fd_ = -1;
  NABLA_CHECK(rc == 0, op_, ": '", target_, "': closing '", temp_,
              "' failed: ", std::strerror(errno));
  NABLA_CHECK(::rename(temp_.c_str(), target_.c_str()) == 0, op_, ": '", target_,
              "': cannot rename the temporary file '", temp_, "' over it: ", std::strerror(errno));
  committed_ = true;
  // Makes the rename itself durable. The new file is already in place, so
  // a failure here is not reported.
  const std::filesystem::path parent = std::filesystem::path(target_).parent_path();
  const std::filesystem::path dir = parent.empty() ? std::filesystem::path(".") : parent;
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace nabla::io
