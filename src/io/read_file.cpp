#include "io/read_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "nabla/core/error.h"

namespace nabla::io {

std::vector<uint8_t> read_file(const std::string& path, const std::string& op) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  NABLA_CHECK(fd >= 0, op, ": '", path, "': cannot open: ", std::strerror(errno));
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  NABLA_CHECK(::fstat(fd, &st) == 0, op, ": '", path, "': cannot stat: ", std::strerror(errno));
  NABLA_CHECK(!S_ISDIR(st.st_mode), op, ": '", path, "': is a directory, not a file");
  std::vector<uint8_t> bytes(static_cast<size_t>(st.st_size));
  size_t got = 0;
  while (got < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + got, bytes.size() - got);
    if (n < 0 && errno == EINTR) continue;
    NABLA_CHECK(n >= 0, op, ": '", path, "': reading failed at byte offset ", got, ": ",
                std::strerror(errno));
    if (n == 0) break;  // the file shrank while it was read
    got += static_cast<size_t>(n);
  }
  bytes.resize(got);
  return bytes;
}

}  // namespace nabla::io
