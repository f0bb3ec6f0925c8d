// Runs every case of the op table (testing/op_table.h) through the f64
// gradient check and the PyTorch comparison, and checks that every autograd
// node of the library is reached by some case.
#include <gtest/gtest.h>

#include <functional>
#include <set>

#include "testing/gradcheck.h"
#include "testing/op_table.h"
#include "testing/oracle.h"

namespace nabla::testing {
namespace {

// A transposed input's gradient lives on its contiguous base: view it back.
Tensor logical_grad(const In& in, const Tensor& leaf) {
  if (!leaf.defined() || !leaf.grad().defined()) return {};
  return in.transpose ? leaf.grad().transpose(-1, -2) : leaf.grad();
}

struct Evaluated {
  Tensor output;
  std::vector<Tensor> grads;
  Tensor grad_output;
};

Evaluated run_nabla(const OpCase& c, const CaseInputs& in) {
  Evaluated e;
  e.output = c.fn(in.args);
  Generator gen(99);
  if (e.output.requires_grad()) {
    e.grad_output = randn(e.output.shape(), e.output.dtype(), &gen);
    e.output.backward(e.grad_output);
  }
  for (size_t i = 0; i < c.inputs.size(); ++i)
    e.grads.push_back(logical_grad(c.inputs[i], in.leaves[i]));
  return e;
}

// All cases, in f32 and f64, evaluated by PyTorch once for the whole binary.
const std::map<std::string, OracleResult>& torch_results() {
  static const std::map<std::string, OracleResult> results = [] {
    std::vector<OracleCase> requests;
    for (DType dtype : {kFloat32, kFloat64}) {
      for (const auto& c : all_cases()) {
        CaseInputs in = make_inputs(c, dtype);
        Evaluated e;
        try {
          e = run_nabla(c, in);
        } catch (const Error&) {
          continue;  // the per-case test reports nabla's own error
        }
        OracleCase r;
        r.name = c.name + "@" + dtype_name(dtype);
        r.torch = c.torch;
        for (size_t i = 0; i < in.args.size(); ++i) {
          r.inputs.push_back(in.args[i].detach());
          r.requires_grad.push_back(in.leaves[i].requires_grad());
        }
        r.grad_output = e.grad_output;
        requests.push_back(r);
      }
    }
    return run_torch(requests);
  }();
  return results;
}

class OpTable : public ::testing::TestWithParam<std::string> {};
// Cases where finite differences apply (not indices, not points where the
// gradient is zero by definition): OpCase::gradcheck.
class OpTableGradcheck : public ::testing::TestWithParam<std::string> {};

TEST_P(OpTableGradcheck, Gradcheck) {
  const OpCase& c = find_case(GetParam());
  CaseInputs in = make_inputs(c, kFloat64);
  auto result = gradcheck([&] { return c.fn(in.args); }, in.leaves);
  EXPECT_TRUE(result.ok) << c.name << ": " << result.message;
}

TEST_P(OpTable, MatchesPyTorch) {
  ASSERT_TRUE(torch_available())
      << "PyTorch (python3-torch) is needed: run scripts/install-deps.sh";
  const OpCase& c = find_case(GetParam());
  for (DType dtype : {kFloat32, kFloat64}) {
    SCOPED_TRACE(dtype_name(dtype));
    CaseInputs in = make_inputs(c, dtype);
    Evaluated e = run_nabla(c, in);
    auto it = torch_results().find(c.name + "@" + dtype_name(dtype));
    ASSERT_NE(it, torch_results().end());
    const OracleResult& t = it->second;
    ASSERT_TRUE(t.error.empty()) << "PyTorch raised: " << t.error;
    const double tol = c.tolerance;
    const double atol = (dtype == kFloat32 ? 1e-5 : 1e-10) * tol;
    const double rtol = (dtype == kFloat32 ? 1e-4 : 1e-8) * tol;
    EXPECT_EQ(compare(e.output, t.output.to(e.output.dtype()), atol, rtol), "") << "forward";
    for (size_t i = 0; i < e.grads.size(); ++i) {
      if (!in.leaves[i].requires_grad()) continue;
      ASSERT_TRUE(t.grads[i].defined()) << "PyTorch gives no gradient for input " << i;
      ASSERT_TRUE(e.grads[i].defined()) << "nabla gives no gradient for input " << i;
      EXPECT_EQ(compare(e.grads[i], t.grads[i], atol, rtol), "") << "gradient of input " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Ops, OpTable, ::testing::ValuesIn(case_names()), CaseTestName());
INSTANTIATE_TEST_SUITE_P(Ops, OpTableGradcheck, ::testing::ValuesIn(case_names(true)),
                         CaseTestName());

// Every Node type compiled into the library appears in the graph of some case.
TEST(OpTableCoverage, EveryAutogradNodeIsTested) {
  std::set<std::string> seen;
  for (const auto& c : all_cases()) {
    CaseInputs in = make_inputs(c, kFloat64);
    Tensor out = c.fn(in.args);
    std::vector<std::shared_ptr<autograd::Node>> stack;
    if (out.grad_fn()) stack.push_back(out.grad_fn());
    std::set<autograd::Node*> visited;
    while (!stack.empty()) {
      auto n = stack.back();
      stack.pop_back();
      if (!visited.insert(n.get()).second) continue;
      seen.insert(n->name());
      for (const auto& e : n->next_edges())
        if (e.node) stack.push_back(e.node);
    }
  }
  for (const auto& name : autograd::registered_node_names())
    EXPECT_TRUE(seen.count(name)) << name << " is in the library but no op-table case reaches it";
}

}  // namespace
}  // namespace nabla::testing
