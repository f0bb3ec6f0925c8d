// Copies and conversions, in-place updates, and reading elements back.
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>
#include <string>
#include <vector>

#include "nabla/ops/elementwise.h"
#include "nabla/ops/factory.h"
#include "ops/internal.h"

namespace nabla {
namespace ops {
namespace {

// dx = dy (clone, contiguous).
struct CloneBackward final : Node {
  NABLA_NODE(CloneBackward);
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override { return {g[0]}; }
};

// dx = dy converted back to the input's dtype and device.
struct ToBackward final : Node {
  NABLA_NODE(ToBackward);
  DType dtype = kFloat32;
  Device device;
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    return {g[0].to(dtype).to(device)};
  }
};

Tensor copy_to_new(const Tensor& src, DType dtype, Device device) {
  Tensor out = Tensor::empty(src.shape(), TensorOptions(dtype).device(device));
  if (src.device() == device) {
    backends::backend(device).copy(out, src);
  } else {
    // Cross-device: the non-CPU backend knows how to move memory.
    const Device other = device.is_cpu() ? src.device() : device;
    Tensor s = src.device().is_cpu() ? src.contiguous() : src;
    backends::backend(other).copy(out, s);
  }
  return out;
}

// other must broadcast to self's shape: an in-place result cannot grow.
void check_inplace_broadcast(const Tensor& self, const Tensor& other, const char* name) {
  NABLA_CHECK(broadcast_shapes(self.shape(), other.shape(), name) == self.shape(), name,
              ": cannot broadcast ", other.shape(), " to the shape ", self.shape(),
              " of the tensor written in place");
}

}  // namespace
}  // namespace ops

using namespace ops;

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::clone() const {
  Tensor out = copy_to_new(*this, dtype(), device());
  record<CloneBackward>({*this}, {&out});
  return out;
}

Tensor Tensor::to(DType dtype) const {
  if (dtype == this->dtype()) return *this;
  Tensor out = copy_to_new(*this, dtype, device());
  if (is_floating(dtype)) {
    if (auto node = record<ToBackward>({*this}, {&out})) {
      node->dtype = this->dtype();
      node->device = device();
    }
  }
  return out;
}

Tensor Tensor::to(Device device) const {
  if (device == this->device()) return *this;
  Tensor out = copy_to_new(*this, dtype(), device);
  if (auto node = record<ToBackward>({*this}, {&out})) {
    node->dtype = dtype();
    node->device = this->device();
  }
  return out;
}

// ---- in place

Tensor& Tensor::zero_() {
  return fill_(0.0);
}

Tensor& Tensor::fill_(double value) {
  check_inplace(*this, "fill_");
  backend_of(*this).fill(*this, value);
  bump_version();
  return *this;
}

Tensor& Tensor::copy_(const Tensor& src) {
  check_inplace(*this, "copy_");
  check_same_device(*this, src, "copy_");
  check_inplace_broadcast(*this, src, "copy_");
  backend_of(*this).copy(*this, broadcast_view(src, shape()));
  bump_version();
  return *this;
}

namespace {
void inplace_binary(Tensor& self, BinaryOp op, const Tensor& other, double a, const char* name) {
  check_inplace(self, name);
  check_same_device(self, other, name);
  check_same_dtype(self, other, name);
  check_inplace_broadcast(self, other, name);
  Tensor o = broadcast_view(other, self.shape());
  backend_of(self).binary(op, self, self, o, a, 0.0);
  self.bump_version();
}
}  // namespace

Tensor& Tensor::add_(const Tensor& other, double alpha) {
  inplace_binary(*this, BinaryOp::Add, other, alpha, "add_");
  return *this;
}

Tensor& Tensor::mul_(const Tensor& other) {
  inplace_binary(*this, BinaryOp::Mul, other, 1.0, "mul_");
  return *this;
}

Tensor& Tensor::div_(const Tensor& other) {
  inplace_binary(*this, BinaryOp::Div, other, 1.0, "div_");
  return *this;
}

Tensor& Tensor::mul_(double value) {
  check_inplace(*this, "mul_");
  backend_of(*this).unary(UnaryOp::MulScalar, *this, *this, value, 0.0);
  bump_version();
  return *this;
}

Tensor& Tensor::addcmul_(const Tensor& a, const Tensor& b, double value) {
  NoGradGuard no_grad;
  Tensor prod = mul(a, b);
  return add_(prod, value);
}

Tensor& Tensor::addcdiv_(const Tensor& a, const Tensor& b, double value) {
  NoGradGuard no_grad;
  Tensor q = div(a, b);
  return add_(q, value);
}

Tensor& Tensor::clamp_(double min, double max) {
  check_inplace(*this, "clamp_");
  backend_of(*this).unary(UnaryOp::Clamp, *this, *this, min, max);
  bump_version();
  return *this;
}

Tensor& Tensor::uniform_(double from, double to) {
  check_inplace(*this, "uniform_");
  copy_(rand(shape(), TensorOptions(dtype()).device(device())) * (to - from) + from);
  return *this;
}

Tensor& Tensor::normal_(double mean, double std) {
  check_inplace(*this, "normal_");
  copy_(randn(shape(), TensorOptions(dtype()).device(device())) * std + mean);
  return *this;
}

// ---- reading back

std::vector<double> Tensor::to_vector() const {
  return to_vector_as<double>();
}

template <class T>
std::vector<T> Tensor::to_vector_as() const {
  Tensor c = detach().to(kCPU).to(dtype_of<T>).contiguous();
  const T* p = c.data_ptr<T>();
  return std::vector<T>(p, p + c.numel());
}
template std::vector<float> Tensor::to_vector_as<float>() const;
template std::vector<double> Tensor::to_vector_as<double>() const;
template std::vector<int64_t> Tensor::to_vector_as<int64_t>() const;
template std::vector<uint8_t> Tensor::to_vector_as<uint8_t>() const;

template <class T>
T Tensor::item() const {
  NABLA_CHECK(numel() == 1, "item: expected a one-element tensor, got shape ", shape());
  return to_vector_as<T>()[0];
}
template float Tensor::item<float>() const;
template double Tensor::item<double>() const;
template int64_t Tensor::item<int64_t>() const;
template uint8_t Tensor::item<uint8_t>() const;

double Tensor::item_double() const {
  return item<double>();
}

double Tensor::at(std::initializer_list<int64_t> index) const {
  NABLA_CHECK(static_cast<int64_t>(index.size()) == dim(), "at: ", index.size(),
              " indices for a tensor of shape ", shape());
  int64_t offset = storage_offset(), d = 0;
  for (int64_t i : index) {
    NABLA_CHECK(i >= 0 && i < shape()[d], "at: index ", i, " out of range for dimension ", d,
                " of shape ", shape());
    offset += i * strides()[d++];
  }
  return alias(*this, {}, {}, offset).item<double>();
}

// ---- printing, as PyTorch's torch._tensor_str with its default options
// (precision 4, threshold 1000 elements, 3 edge items, line width 80):
//   tensor([1., 2., 3.])                floats that all hold whole numbers
//   tensor([ 1.5000, -2.2500])          other floats: 4 decimals, one width
//   tensor([1.0000e-05, 1.0000e+00])    scientific when max/min > 1000,
//                                       max > 1e8 or min < 1e-4 (nonzero |x|)
//   tensor([1, 2, 3])                   integers
// Differences from PyTorch: dtypes print with nabla's names (dtype=float64,
// not dtype=torch.float64) and grad_fn with nabla's node names (MulBackward,
// not MulBackward0).

namespace {

constexpr int kPrecision = 4;
constexpr int64_t kThreshold = 1000, kEdgeItems = 3, kLineWidth = 80;

// The indices shown along a dim of size n: all, or the first and last
// kEdgeItems when summarising (the gap is printed as "...").
std::vector<int64_t> shown_indices(int64_t n, bool summarize) {
  std::vector<int64_t> out;
  for (int64_t i = 0; i < n; ++i)
    if (!summarize || n <= 2 * kEdgeItems || i < kEdgeItems || i >= n - kEdgeItems)
      out.push_back(i);
  return out;
}

std::string non_finite(double v) {
  return std::isnan(v) ? "nan" : v > 0 ? "inf" : "-inf";
}

// One format and one width for every element printed, chosen from the
// nonzero finite values shown.
class Formatter {
 public:
  Formatter(const std::vector<double>& shown, bool floating) : floating_(floating) {
    if (!floating_) {
      for (double v : shown) width_ = std::max(width_, std::to_string(int64_t(v)).size());
      return;
    }
    double lo = INFINITY, hi = 0;
    for (double v : shown) {
      if (!std::isfinite(v) || v == 0) continue;
      lo = std::min(lo, std::abs(v));
      hi = std::max(hi, std::abs(v));
      int_mode_ = int_mode_ && v == std::ceil(v);
    }
    if (hi == 0) return;  // no nonzero finite value
    sci_mode_ = hi / lo > 1000.0 || hi > 1.0e8 || (!int_mode_ && lo < 1.0e-4);
    for (double v : shown)
      if (std::isfinite(v) && v != 0)
        width_ = std::max(width_, raw(v).size() + (int_mode_ && !sci_mode_ ? 1 : 0));
  }

  size_t width() const { return width_; }

  std::string operator()(double v) const {
    std::string s = floating_ ? raw(v) : std::to_string(int64_t(v));
    if (floating_ && int_mode_ && !sci_mode_ && std::isfinite(v)) s += '.';
    return std::string(width_ > s.size() ? width_ - s.size() : 0, ' ') + s;
  }

 private:
  std::string raw(double v) const {
    if (!std::isfinite(v)) return non_finite(v);
    std::ostringstream os;
    if (sci_mode_) {
      os << std::scientific << std::setprecision(kPrecision) << v;
    } else {
      os << std::fixed << std::setprecision(int_mode_ ? 0 : kPrecision) << v;
    }
    return os.str();
  }

  bool floating_;
  bool int_mode_ = true, sci_mode_ = false;
  size_t width_ = 1;
};

struct Printer {
  const std::vector<double>& values;  // contiguous, row-major
  Shape shape, strides;
  bool summarize;

  void collect(std::vector<double>& out, size_t dim, int64_t offset) const {
    for (int64_t i : shown_indices(shape[dim], summarize)) {
      if (dim + 1 == shape.size()) {
        out.push_back(values[offset + i]);
      } else {
        collect(out, dim + 1, offset + i * strides[dim]);
      }
    }
  }

  std::string str(const Formatter& fmt, size_t dim, int64_t offset, int64_t indent) const {
    const int64_t n = shape[dim];
    const bool gap = summarize && n > 2 * kEdgeItems;
    std::vector<std::string> items;
    for (int64_t i : shown_indices(n, summarize)) {
      if (gap && i == n - kEdgeItems) items.push_back(dim + 1 == shape.size() ? " ..." : "...");
      if (dim + 1 == shape.size()) {
        items.push_back(fmt(values[offset + i]));
      } else {
        items.push_back(str(fmt, dim + 1, offset + i * strides[dim], indent + 1));
      }
    }
    std::string out = "[";
    if (dim + 1 == shape.size()) {
      // As many elements per line as fit in the line width.
      const int64_t element = static_cast<int64_t>(fmt.width()) + 2;
      const int64_t per_line = std::max<int64_t>(1, (kLineWidth - indent) / element);
      for (size_t i = 0; i < items.size(); ++i) {
        if (i > 0) out += i % per_line ? ", " : ",\n" + std::string(indent + 1, ' ');
        out += items[i];
      }
    } else {
      const std::string sep =
          "," + std::string(shape.size() - dim - 1, '\n') + std::string(indent + 1, ' ');
      for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
    }
    return out + "]";
  }
};

// Appends ", suffix", or a new line when the current one would pass the width.
void add_suffix(std::string& s, const std::string& suffix, int64_t indent) {
  const size_t nl = s.rfind('\n');
  // As PyTorch counts it: len(s) - s.rfind("\n") + 1.
  const int64_t line_len =
      static_cast<int64_t>(s.size()) - (nl == std::string::npos ? -1 : int64_t(nl)) + 1;
  if (line_len + static_cast<int64_t>(suffix.size()) + 2 > kLineWidth)
    s += ",\n" + std::string(indent, ' ') + suffix;
  else
    s += ", " + suffix;
}

}  // namespace

std::string Tensor::to_string() const {
  if (!defined()) return "tensor(undefined)";
  const int64_t indent = 7;  // the width of "tensor("
  const bool floating = is_floating_point();
  const std::vector<double> values = to_vector();
  std::string s = "tensor(";
  if (numel() == 0) {
    s += "[]";
  } else if (dim() == 0) {
    s += Formatter(values, floating)(values[0]);
  } else {
    Printer p{values, shape(), contiguous_strides(shape()), numel() > kThreshold};
    std::vector<double> shown;
    p.collect(shown, 0, 0);
    s += p.str(Formatter(shown, floating), 0, 0, indent);
  }
  std::vector<std::string> suffixes;
  if (!device().is_cpu()) suffixes.push_back("device='" + device().str() + "'");
  if (numel() == 0) {
    if (dim() != 1) {
      std::string size = "size=(";
      for (int64_t i = 0; i < dim(); ++i) size += (i ? ", " : "") + std::to_string(shape()[i]);
      suffixes.push_back(size + ")");
    }
    if (dtype() != kFloat32) suffixes.push_back(std::string("dtype=") + dtype_name(dtype()));
  } else if (dtype() != kFloat32 && dtype() != kInt64) {
    suffixes.push_back(std::string("dtype=") + dtype_name(dtype()));
  }
  if (grad_fn()) {
    suffixes.push_back("grad_fn=<" + grad_fn()->name() + ">");
  } else if (requires_grad()) {
    suffixes.push_back("requires_grad=True");
  }
  for (const auto& suffix : suffixes) add_suffix(s, suffix, indent);
  return s + ")";
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) {
  return os << t.to_string();
}

}  // namespace nabla
