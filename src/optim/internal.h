// What the optimizers share: option checks, and in-place updates of
// optimizer-owned buffers for the operations the public
// Tensor API has only in allocating form (sqrt, x + scalar, maximum). Each
// runs one backend kernel over the buffer itself, so a step allocates only
// what the update formula needs.
#pragma once

#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "backends/backend.h"
#include "nabla/core/tensor.h"
#include "nabla/ops/factory.h"
#include "nabla/optim/optimizer.h"

namespace nabla::optim::detail {

// "SGD: invalid momentum value: -0.5 (must be >= 0)"
inline void check_nonnegative(const char* optimizer, const char* what, double value) {
  NABLA_CHECK(value >= 0.0, optimizer, ": invalid ", what, " value: ", value, " (must be >= 0)");
}

// "Adam: invalid beta1 value: 1 (must be in [0, 1))"; closed: [0, 1].
inline void check_unit_interval(const char* optimizer, const char* what, double value,
                                bool closed = false) {
  NABLA_CHECK(value >= 0.0 && (closed ? value <= 1.0 : value < 1.0), optimizer, ": invalid ", what,
              " value: ", value, closed ? " (must be in [0, 1])" : " (must be in [0, 1))");
}

// buffers[name], made zeros of p's shape if absent (the first step, or an
// option such as amsgrad switched on later).
inline Tensor& zeros_buffer(std::map<std::string, Tensor>& buffers, const std::string& name,
                            const Tensor& p) {
  auto it = buffers.find(name);
  if (it == buffers.end()) it = buffers.emplace(name, zeros_like(p)).first;
  return it->second;
}

inline std::vector<ParamGroup> one_group(std::vector<Tensor> params) {
  std::vector<ParamGroup> groups;
  groups.emplace_back(std::move(params));
  return groups;
}

// t = √t
inline Tensor& sqrt_(Tensor& t) {
  backends::backend(t.device()).unary(backends::UnaryOp::Sqrt, t, t, 0.0, 0.0);
  t.bump_version();
  return t;
}

// t = t + value
inline Tensor& add_scalar_(Tensor& t, double value) {
  backends::backend(t.device()).unary(backends::UnaryOp::AddScalar, t, t, value, 0.0);
  t.bump_version();
  return t;
}

// t = max(t, other), other of t's shape, dtype and device.
inline Tensor& maximum_(Tensor& t, const Tensor& other) {
  NABLA_CHECK(
      t.shape() == other.shape() && t.dtype() == other.dtype() && t.device() == other.device(),
      "maximum_: ", t.shape(), " ", t.dtype(), " and ", other.shape(), " ", other.dtype());
  backends::backend(t.device()).binary(backends::BinaryOp::Maximum, t, t, other, 0.0, 0.0);
  t.bump_version();
  return t;
}

}  // namespace nabla::optim::detail
