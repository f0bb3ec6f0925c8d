// Summary statistics of a tensor's values, computed here in double so the
// nn tests depend on no reduction op beyond what they test.
#pragma once

#include <nabla/nabla.h>

#include <algorithm>
#include <cmath>

namespace nabla::nn::testing {

struct Stats {
  double mean = 0, std = 0, min = 0, max = 0, max_abs = 0;
  double zeros_fraction = 0;
};

inline Stats stats_of(const Tensor& t) {
  const std::vector<double> v = t.to_vector();
  Stats s;
  if (v.empty()) return s;
  s.min = s.max = v[0];
  double zeros = 0;
  for (double x : v) {
    s.mean += x;
    s.min = std::min(s.min, x);
    s.max = std::max(s.max, x);
    s.max_abs = std::max(s.max_abs, std::fabs(x));
    zeros += x == 0.0;
  }
  const double n = static_cast<double>(v.size());
  s.mean /= n;
  for (double x : v) s.std += (x - s.mean) * (x - s.mean);
  s.std = std::sqrt(s.std / (n - 1));  // unbiased, as torch.std
  s.zeros_fraction = zeros / n;
  return s;
}

}  // namespace nabla::nn::testing
