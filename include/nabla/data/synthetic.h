// Data sets the project generates itself, for tests and examples.
#pragma once

#include <utility>

#include "nabla/core/generator.h"
#include "nabla/core/tensor.h"

namespace nabla::data {

// Two interleaved spirals in the plane: points (2·n, 2) f32 and labels
// (2·n) i64 in {0, 1}. Each arm turns `turns` times; noise is the standard
// deviation of Gaussian jitter added to the points.
std::pair<Tensor, Tensor> two_spirals(int64_t n_per_class, double turns = 1.5, double noise = 0.05,
                                      Generator* gen = nullptr);

}  // namespace nabla::data
