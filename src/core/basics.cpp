#include <sstream>
#include <stdexcept>

#include "nabla/core/device.h"
#include "nabla/core/dtype.h"
#include "nabla/core/error.h"
#include "nabla/core/shape.h"

namespace nabla {

const char* dtype_name(DType t) {
  switch (t) {
    case DType::Float32:
      return "float32";
    case DType::Float64:
      return "float64";
    case DType::Int64:
      return "int64";
    case DType::UInt8:
      return "uint8";
  }
  return "unknown";
}

std::string Device::str() const {
  return is_cpu() ? std::string("cpu") : "cuda:" + std::to_string(index);
}

namespace {
std::ostream& print_sizes(std::ostream& os, const int64_t* sizes, size_t n) {
  os << '[';
  for (size_t i = 0; i < n; ++i) os << (i ? ", " : "") << sizes[i];
  return os << ']';
}
}  // namespace

std::ostream& operator<<(std::ostream& os, const Shape& s) {
  return print_sizes(os, s.data(), s.size());
}

std::ostream& operator<<(std::ostream& os, const std::vector<int64_t>& shape) {
  return print_sizes(os, shape.data(), shape.size());
}

void Shape::check_index(size_t i) const {
  // std::out_of_range, as std::vector::at throws.
  if (i >= size_)
    throw std::out_of_range(
        detail::concat("Shape::at: index ", i, " out of range for ", size_, " dims"));
}

std::string to_string(const Shape& s) {
  std::ostringstream os;
  os << s;
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Size2& s) {
  if (s.h == s.w) return os << s.h;
  return os << "(" << s.h << ", " << s.w << ")";
}

Shape contiguous_strides(const Shape& s) {
  Shape strides(s.size());
  int64_t step = 1;
  for (size_t i = s.size(); i-- > 0;) {
    strides[i] = step;
    step *= std::max<int64_t>(s[i], 1);
  }
  return strides;
}

void fail_wrap_dim(int64_t dim, int64_t ndim, const char* op) {
  const int64_t n = std::max<int64_t>(ndim, 1);
  NABLA_FAIL(op, ": dimension ", dim, " out of range for a ", ndim, "-d tensor (expected in [", -n,
             ", ", n - 1, "])");
}

Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op) {
  const size_t n = std::max(a.size(), b.size());
  Shape out(n);
  for (size_t i = 0; i < n; ++i) {
    const int64_t da = i < n - a.size() ? 1 : a[i - (n - a.size())];
    const int64_t db = i < n - b.size() ? 1 : b[i - (n - b.size())];
    NABLA_CHECK(da == db || da == 1 || db == 1, op, ": shapes ", a, " and ", b,
                " cannot be broadcast (dimension ", i, ": ", da, " vs ", db, ")");
    out[i] = da == 1 ? db : da;
  }
  return out;
}

}  // namespace nabla
