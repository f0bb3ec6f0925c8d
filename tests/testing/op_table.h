// One table of ops drives the tests (STYLE.md): each case names a PyTorch
// expression and the same computation in nabla, with sample inputs. From the
// table come the f64 gradient check, the PyTorch comparison of forward and
// backward (in f32 and f64), and the check that every autograd node of the
// library is exercised by some case.
//
// Adding an op test is one entry:
//   {"mul/broadcast", "lambda a, b: a * b", {In({3, 4}), In({4})},
//    [](const Args& x) { return x[0] * x[1]; }},
#pragma once

#include <nabla/nabla.h>

#include <cctype>
#include <functional>
#include <string>
#include <vector>

namespace nabla::testing {

using Args = std::vector<Tensor>;

// How a sample input is drawn.
enum class Draw {
  Normal,    // N(0, 1)
  Positive,  // U(0.5, 1.5): for log, sqrt, division
  Unit,      // U(0.05, 0.95): probabilities
  Index,     // i64 in [0, high)
  Mask,      // u8 in {0, 1}
  Simplex,   // rows along the last dim sum to 1 (probability targets)
  Distinct,  // a shuffled arange scaled to N(0,1)-like spread: no ties (max, sort)
};

struct In {
  In(Shape shape, Draw draw = Draw::Normal, int64_t high = 0)
      : shape(std::move(shape)), draw(draw), high(high) {}
  // The input is handed over as a transposed view (non-contiguous).
  In& transposed() {
    transpose = true;
    return *this;
  }
  // The input takes no part in the gradient check and the backward
  // comparison. Needed for a float input of a case whose output carries no
  // gradient (argmax compared as .double()): PyTorch gives that input none.
  In& no_grad() {
    differentiable = false;
    return *this;
  }

  Shape shape;
  Draw draw;
  int64_t high;
  bool transpose = false;
  bool differentiable = true;
};

struct OpCase {
  std::string name;   // "family/variant", unique
  std::string torch;  // a Python lambda over torch tensors; torch and F are in scope
  std::vector<In> inputs;
  std::function<Tensor(const Args&)> fn;
  double tolerance = 1.0;  // scales the comparison tolerances for noisier ops
  // false only where finite differences are meaningless (index outputs, a
  // gradient that is zero by definition); such a case still gets the PyTorch
  // comparison, and no gradient-check test is instantiated for it.
  bool gradcheck = true;
};

// Each op family's test file registers its cases at start-up:
//   static const bool registered = register_cases({ {...}, {...} });
bool register_cases(std::vector<OpCase> cases);
const std::vector<OpCase>& all_cases();
// The case of that name (an Error naming it where there is none).
const OpCase& find_case(const std::string& name);
// The cases' names, all or only those with a gradient check: the parameters
// of the table's parameterised tests.
std::vector<std::string> case_names(bool gradcheck_only = false);
// Names such tests by their case, non-alphanumerics as '_' (gtest's rule):
//   INSTANTIATE_TEST_SUITE_P(Ops, T, ValuesIn(case_names()), CaseTestName());
struct CaseTestName {
  template <class ParamInfo>
  std::string operator()(const ParamInfo& info) const {
    std::string s = info.param;
    for (char& ch : s)
      if (!isalnum(static_cast<unsigned char>(ch))) ch = '_';
    return s;
  }
};

// Draws a case's inputs (seeded by the case name), in the given float dtype.
// Differentiable inputs require grad; for transposed ones the leaf is the
// contiguous base and args holds its transposed view.
struct CaseInputs {
  Args leaves;  // what gradients accumulate into
  Args args;    // what the op is called with
};
CaseInputs make_inputs(const OpCase& c, DType dtype);

}  // namespace nabla::testing
