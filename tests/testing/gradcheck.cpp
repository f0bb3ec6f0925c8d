#include "testing/gradcheck.h"

#include <cmath>
#include <sstream>

namespace nabla::testing {

GradcheckResult gradcheck(const std::function<Tensor()>& f, const std::vector<Tensor>& leaves,
                          double eps, double atol, double rtol) {
  GradcheckResult result;
  std::vector<Tensor> wrt;
  for (const Tensor& l : leaves)
    if (l.defined() && l.requires_grad()) {
      NABLA_CHECK(l.dtype() == kFloat64, "gradcheck: leaves must be float64");
      wrt.push_back(l);
    }
  if (wrt.empty()) return result;

  Tensor y = f();
  Generator gen(1234);
  const Tensor w = randn(y.shape(), kFloat64, &gen);
  auto weighted = [&](const Tensor& out) { return sum(out * w).item<double>(); };
  const std::vector<Tensor> analytical =
      autograd::grad({sum(y * w)}, wrt, {}, false, /*allow_unused=*/true);

  NoGradGuard no_grad;
  for (size_t i = 0; i < wrt.size(); ++i) {
    Tensor leaf = wrt[i];
    NABLA_CHECK(leaf.is_contiguous(), "gradcheck: leaves must be contiguous");
    double* p = leaf.data_ptr<double>();
    const std::vector<double> ana = analytical[i].defined()
                                        ? analytical[i].to_vector()
                                        : std::vector<double>(leaf.numel(), 0.0);
    for (int64_t j = 0; j < leaf.numel(); ++j) {
      const double saved = p[j];
      p[j] = saved + eps;
      leaf.bump_version();
      const double plus = weighted(f());
      p[j] = saved - eps;
      leaf.bump_version();
      const double minus = weighted(f());
      p[j] = saved;
      leaf.bump_version();
      const double num = (plus - minus) / (2 * eps);
      if (!(std::abs(num - ana[j]) <= atol + rtol * std::abs(num))) {
        std::ostringstream os;
        os << "input " << i << " (shape " << leaf.shape() << "), element " << j << ": numerical "
           << num << " vs analytical " << ana[j];
        result.ok = false;
        result.message = os.str();
        return result;
      }
    }
  }
  return result;
}

}  // namespace nabla::testing
