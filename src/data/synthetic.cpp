#include "nabla/data/synthetic.h"

#include <cmath>
#include <numbers>
#include <vector>

#include "nabla/ops/factory.h"

namespace nabla::data {

std::pair<Tensor, Tensor> two_spirals(int64_t n_per_class, double turns, double noise,
                                      Generator* gen) {
  NABLA_CHECK(n_per_class > 0, "two_spirals: n_per_class must be positive, got ", n_per_class);
  Generator& g = gen ? *gen : default_generator();
  std::vector<double> points;
  std::vector<int64_t> labels;
  for (int64_t cls = 0; cls < 2; ++cls) {
    for (int64_t i = 0; i < n_per_class; ++i) {
      // Radius grows with the angle; the second arm is the first turned by π.
      const double t = static_cast<double>(i) / static_cast<double>(n_per_class);
      const double angle =
          t * turns * 2.0 * std::numbers::pi + static_cast<double>(cls) * std::numbers::pi;
      const double radius = 0.1 + 0.9 * t;
      points.push_back(radius * std::cos(angle) + g.normal(0.0, noise));
      points.push_back(radius * std::sin(angle) + g.normal(0.0, noise));
      labels.push_back(cls);
    }
  }
  return {tensor(points, {2 * n_per_class, 2}), tensor(labels, {2 * n_per_class})};
}

}  // namespace nabla::data
