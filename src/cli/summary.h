// `nabla summary MODEL`: each layer's output shape, parameters and
// multiply-accumulates, and the totals (nn/summary.h), for a zoo model or a
// spec file (MODEL ending in .json).
#pragma once

#include <cstdint>
#include <ostream>
#include <string>

namespace nabla::cli {

struct SummaryOptions {
  std::string model;
  std::string input = "1x28x28";  // CxHxW (H = W), or F for feature rows
  int64_t classes = 10;
  bool json = false;
};

int run_summary(const SummaryOptions& options, std::ostream& out);

}  // namespace nabla::cli
