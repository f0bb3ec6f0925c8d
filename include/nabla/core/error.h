// Errors. Every check names the op and prints the values involved, e.g.
//   NABLA_CHECK(a.size(1) == b.size(0), "matmul: ", a.shape(), " and ", b.shape(), ...)
#pragma once

#include <cstdint>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace nabla {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Shapes print as [2, 3] in messages (defined with Shape, in shape.h).
std::ostream& operator<<(std::ostream& os, const std::vector<int64_t>& shape);

namespace detail {
template <class... Args>
std::string concat(const Args&... args) {
  std::ostringstream os;
  (os << ... << args);
  return os.str();
}
}  // namespace detail

}  // namespace nabla

#define NABLA_FAIL(...) throw ::nabla::Error(::nabla::detail::concat(__VA_ARGS__))
#define NABLA_CHECK(cond, ...)  \
  do {                          \
    if (!(cond)) [[unlikely]] { \
      NABLA_FAIL(__VA_ARGS__);  \
    }                           \
  } while (0)
