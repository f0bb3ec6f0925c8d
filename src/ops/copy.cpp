// Copies and conversions, in-place updates, and reading elements back.
#include <cmath>
#include <iomanip>
#include <sstream>

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

Tensor& Tensor::zero_() { return fill_(0.0); }

Tensor& Tensor::fill_(double value) {
  check_inplace(*this, "fill_");
  backend_of(*this).fill(*this, value);
  bump_version();
  return *this;
}

Tensor& Tensor::copy_(const Tensor& src) {
  check_inplace(*this, "copy_");
  check_same_device(*this, src, "copy_");
  backend_of(*this).copy(*this, broadcast_view(src, shape()));
  bump_version();
  return *this;
}

namespace {
void inplace_binary(Tensor& self, BinaryOp op, const Tensor& other, double a, const char* name) {
  check_inplace(self, name);
  check_same_device(self, other, name);
  check_same_dtype(self, other, name);
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

std::vector<double> Tensor::to_vector() const { return to_vector_as<double>(); }

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

double Tensor::item_double() const { return item<double>(); }

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

// ---- printing, in the spirit of PyTorch's: nested brackets, one format for
// all elements, long dims summarised with "...".

namespace {

void print_rec(std::ostringstream& os, const std::vector<double>& v, const Shape& shape,
               size_t dim, int64_t offset, int64_t stride_of_dim, bool integer, int width,
               int precision, int indent) {
  const int64_t n = shape[dim];
  Shape strides = contiguous_strides(shape);
  const bool summarise = nabla::numel(shape) > 1000 && n > 6;
  os << '[';
  for (int64_t i = 0; i < n; ++i) {
    if (summarise && i == 3) {
      os << (dim + 1 == shape.size() ? " ..." : "...");
      i = n - 3;
      if (dim + 1 == shape.size()) os << ',';
      else os << ",\n" << std::string(indent + 1, ' ');
    }
    const int64_t off = offset + i * strides[dim];
    if (dim + 1 == shape.size()) {
      if (i) os << ", ";
      if (integer) os << std::setw(width) << static_cast<int64_t>(v[off]);
      else os << std::setw(width) << std::fixed << std::setprecision(precision) << v[off];
    } else {
      if (i) os << ",\n" << std::string(shape.size() - dim - 2, '\n') << std::string(indent + 1, ' ');
      print_rec(os, v, shape, dim + 1, off, stride_of_dim, integer, width, precision, indent + 1);
    }
  }
  os << ']';
}

}  // namespace

std::string Tensor::to_string() const {
  if (!defined()) return "tensor(undefined)";
  std::ostringstream os;
  const std::vector<double> v = to_vector();
  const bool integer = !is_floating_point();
  double maxabs = 0;
  for (double x : v) if (std::isfinite(x)) maxabs = std::max(maxabs, std::abs(x));
  const int precision = 4;
  int width = 1;
  for (double x : v) {
    std::ostringstream t;
    if (integer) t << static_cast<int64_t>(x);
    else t << std::fixed << std::setprecision(precision) << x;
    width = std::max<int>(width, static_cast<int>(t.str().size()));
  }
  os << "tensor(";
  if (dim() == 0) {
    if (integer) os << static_cast<int64_t>(v[0]);
    else os << std::fixed << std::setprecision(precision) << v[0];
  } else {
    print_rec(os, v, shape(), 0, 0, 0, integer, width, precision, 7);
  }
  if (dtype() != kFloat32 && dtype() != kInt64) os << ", dtype=" << dtype();
  if (!device().is_cpu()) os << ", device='" << device() << "'";
  if (grad_fn()) os << ", grad_fn=<" << grad_fn()->name() << ">";
  else if (requires_grad()) os << ", requires_grad=True";
  os << ')';
  return os.str();
}

std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << t.to_string(); }

}  // namespace nabla
