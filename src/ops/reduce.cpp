// Reductions. The kernel always produces the keepdim shape; dropping the
// reduced dims is a view.
#include "nabla/ops/reduce.h"

#include <algorithm>

#include "nabla/ops/elementwise.h"
#include "nabla/ops/factory.h"
#include "ops/internal.h"

namespace nabla {
namespace ops {

// Sorted, unique, wrapped dims; empty input means all dims.
std::vector<int64_t> reduction_dims(const Tensor& x, const std::vector<int64_t>& dims,
                                    const char* op) {
  std::vector<int64_t> out;
  if (dims.empty()) {
    for (int64_t d = 0; d < x.dim(); ++d) out.push_back(d);
    return out;
  }
  for (int64_t d : dims) out.push_back(wrap_dim(d, x.dim(), op));
  std::sort(out.begin(), out.end());
  NABLA_CHECK(std::adjacent_find(out.begin(), out.end()) == out.end(), op, ": dimension repeated in ",
              Shape(dims));
  return out;
}

Shape keepdim_shape(const Tensor& x, const std::vector<int64_t>& dims) {
  Shape s = x.shape();
  for (int64_t d : dims) s[d] = 1;
  return s;
}

Shape reduced_shape(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  if (keepdim) return keepdim_shape(x, dims);
  Shape s;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (!std::binary_search(dims.begin(), dims.end(), d)) s.push_back(x.shape()[d]);
  return s;
}

// Runs the reduce kernel into a fresh keepdim-shaped tensor, then views it
// without the reduced dims if asked.
Tensor reduce_kernel(ReduceOp op, const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  Tensor out = empty_on(x, keepdim_shape(x, dims));
  backend_of(x).reduce(op, out, x);
  if (keepdim) return out;
  return alias(out, reduced_shape(x, dims, false), contiguous_strides(reduced_shape(x, dims, false)),
               0);
}

namespace {

// d Σx = dy broadcast back over the reduced dims.
struct SumBackward final : Node {
  NABLA_NODE(SumBackward);
  Shape input_shape, keep_shape;
  double scale = 1.0;  // 1/N for mean
  std::vector<Tensor> apply(std::vector<Tensor>&& g) override {
    Tensor dy = g[0].reshape(keep_shape);
    if (scale != 1.0) dy = dy * scale;
    return {dy.expand(input_shape).contiguous()};
  }
};

Tensor sum_impl(const Tensor& x, const std::vector<int64_t>& dims_in, bool keepdim, bool mean,
                const char* name) {
  check_defined(x, name, "input");
  const auto dims = reduction_dims(x, dims_in, name);
  int64_t count = 1;
  for (int64_t d : dims) count *= x.shape()[d];
  if (mean) check_floating(x, name);
  Tensor out = reduce_kernel(ReduceOp::Sum, x, dims, keepdim);
  const double scale = mean ? 1.0 / static_cast<double>(std::max<int64_t>(count, 1)) : 1.0;
  if (mean) {
    backend_of(out).unary(UnaryOp::MulScalar, out, out, count == 0 ? NAN : scale, 0.0);
  }
  if (auto node = record<SumBackward>({x}, {&out})) {
    node->input_shape = x.shape();
    node->keep_shape = keepdim_shape(x, dims);
    node->scale = scale;
  }
  return out;
}

}  // namespace
}  // namespace ops

using namespace ops;

Tensor sum(const Tensor& x) { return sum_impl(x, {}, false, false, "sum"); }
Tensor sum(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  return sum_impl(x, dims, keepdim, false, "sum");
}
Tensor mean(const Tensor& x) { return sum_impl(x, {}, false, true, "mean"); }
Tensor mean(const Tensor& x, const std::vector<int64_t>& dims, bool keepdim) {
  return sum_impl(x, dims, keepdim, true, "mean");
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  const int64_t lead = x.dim() - static_cast<int64_t>(shape.size());
  NABLA_CHECK(lead >= 0, "sum_to: cannot sum ", x.shape(), " to the larger shape ", shape);
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (d < lead || (shape[d - lead] == 1 && x.shape()[d] != 1)) dims.push_back(d);
  Tensor r = dims.empty() ? x : sum(x, dims, true);
  return r.reshape(shape);
}

}  // namespace nabla
