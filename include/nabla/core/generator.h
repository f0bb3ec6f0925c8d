// The random number generator behind rand, randn, randint, dropout and the
// initialisers. manual_seed(s) makes a run reproducible.
#pragma once

#include <cstdint>
#include <random>

namespace nabla {

class Generator {
 public:
  explicit Generator(uint64_t seed = 0x5eed) : engine_(seed) {}
  void manual_seed(uint64_t seed) { engine_.seed(seed); }

  double uniform(double lo = 0.0, double hi = 1.0) {
    return std::uniform_real_distribution<double>(lo, hi)(engine_);
  }
  double normal(double mean = 0.0, double std = 1.0) {
    return std::normal_distribution<double>(mean, std)(engine_);
  }
  int64_t randint(int64_t lo, int64_t hi) {  // [lo, hi)
    return std::uniform_int_distribution<int64_t>(lo, hi - 1)(engine_);
  }
  std::mt19937_64& engine() { return engine_; }

 private:
  std::mt19937_64 engine_;
};

Generator& default_generator();
void manual_seed(uint64_t seed);

}  // namespace nabla
