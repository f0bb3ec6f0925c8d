// Runs tests/optim/torch_reference.py on a request and returns its answer:
// the torch.optim side of the optimizer, scheduler and clipping tests.
#pragma once

#include <nlohmann/json.hpp>
#include <vector>

#include "nabla/core/tensor.h"

namespace nabla::testing {

// {"shape": [...], "data": [...]} of a tensor, as the script reads it.
nlohmann::json tensor_json(const Tensor& t);
// All cases of the request in one Python process.
nlohmann::json run_torch_reference(const nlohmann::json& request);
// Max over elements of |a − e| − (atol + rtol·|e|); describes the worst
// element when positive, else returns "".
std::string compare_values(const std::vector<double>& actual, const std::vector<double>& expected,
                           double atol, double rtol);

}  // namespace nabla::testing
