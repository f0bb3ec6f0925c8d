// PyTorch as oracle: cases are evaluated by Debian's python3-torch in one
// Python process (tests/oracle/torch_oracle.py), and nabla's forward output
// and input gradients are compared with PyTorch's.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "testing/op_table.h"

namespace nabla::testing {

struct OracleCase {
  std::string name;
  std::string torch;           // Python lambda
  std::vector<Tensor> inputs;  // logical values (any dtype)
  std::vector<bool> requires_grad;
  Tensor grad_output;  // undefined: forward only
};

struct OracleResult {
  std::string error;  // set when PyTorch raised; the message says why
  Tensor output;
  std::vector<Tensor> grads;  // one per input, undefined where none
};

// Whether /usr/bin/python3 can import torch here.
bool torch_available();
// Evaluates all cases in one Python process.
std::map<std::string, OracleResult> run_torch(const std::vector<OracleCase>& cases);

// Max |a − b| − (atol + rtol·|b|) over elements, described when positive.
std::string compare(const Tensor& actual, const Tensor& expected, double atol, double rtol);

}  // namespace nabla::testing
