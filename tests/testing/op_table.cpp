#include "testing/op_table.h"

#include <algorithm>
#include <functional>
#include <numeric>

namespace nabla::testing {

namespace {
std::vector<OpCase>& registry() {
  static std::vector<OpCase> cases;
  return cases;
}
}  // namespace

bool register_cases(std::vector<OpCase> cases) {
  for (auto& c : cases) registry().push_back(std::move(c));
  return true;
}

const std::vector<OpCase>& all_cases() {
  return registry();
}

namespace {

Tensor draw(const In& in, const Shape& shape, DType dtype, Generator& gen) {
  switch (in.draw) {
    case Draw::Normal:
      return randn(shape, dtype, &gen);
    case Draw::Positive:
      return rand(shape, dtype, &gen) + 0.5;
    case Draw::Unit:
      return rand(shape, dtype, &gen) * 0.9 + 0.05;
    case Draw::Index:
      return randint(0, in.high, shape, kInt64, &gen);
    case Draw::Mask:
      return randint(0, 2, shape, kUInt8, &gen);
    case Draw::Simplex: {
      NoGradGuard no_grad;
      Tensor e = exp(randn(shape, dtype, &gen));
      return e / sum(e, {-1}, true);
    }
    case Draw::Distinct: {
      const int64_t n = numel(shape);
      Tensor perm = randperm(n, &gen).to(dtype);
      return (perm * (4.0 / static_cast<double>(std::max<int64_t>(n, 1))) - 2.0).reshape(shape);
    }
  }
  return {};
}

}  // namespace

const OpCase& find_case(const std::string& name) {
  for (const auto& c : all_cases())
    if (c.name == name) return c;
  NABLA_FAIL("no op-table case named ", name);
}

std::vector<std::string> case_names(bool gradcheck_only) {
  std::vector<std::string> names;
  for (const auto& c : all_cases())
    if (c.gradcheck || !gradcheck_only) names.push_back(c.name);
  return names;
}

CaseInputs make_inputs(const OpCase& c, DType dtype) {
  Generator gen(std::hash<std::string>{}(c.name));
  CaseInputs out;
  for (const In& in : c.inputs) {
    Shape shape = in.shape;
    if (in.transpose) {
      NABLA_CHECK(shape.size() >= 2, "make_inputs: ", c.name, ": transposed input needs 2 dims");
      std::swap(shape[shape.size() - 1], shape[shape.size() - 2]);
    }
    Tensor base = draw(in, shape, dtype, gen);
    const bool grad = in.differentiable && base.is_floating_point();
    if (grad) base.requires_grad_(true);
    out.leaves.push_back(base);
    out.args.push_back(in.transpose ? base.transpose(-1, -2) : base);
  }
  return out;
}

}  // namespace nabla::testing
