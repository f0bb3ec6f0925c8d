// Helpers shared by the transform files (not a public header).
#pragma once

#include <random>
#include <string>
#include <vector>

#include "nabla/core/tensor.h"

namespace nabla::data::detail {

// The image as a contiguous f32 (C, H, W) CPU tensor; an Error naming the
// transform and what it got otherwise.
Tensor check_image(const Tensor& image, const char* name);
// A fresh copy of a checked image (a memcpy, not a tensor op: transforms run
// in loader threads that must not start OpenMP teams).
Tensor copy_image(const Tensor& image);

// out[0, n) = N(0, 1) samples by Box–Muller, two from the two 32-bit halves
// of each 64-bit draw of the engine (tails end near 6.7σ). Several times
// faster than std::normal_distribution, which matters at a draw per pixel.
void fill_standard_normal(float* out, int64_t n, std::mt19937_64& engine);

// Python's repr of a float ("0.5", "10.0", "1e-05"), so repr() strings read
// as torchvision prints them.
std::string py_float(double v);
// "(0.8, 1.2)" and "[-10.0, 10.0]": a Python tuple and list of floats.
std::string py_tuple(double a, double b);
std::string py_list(const std::vector<double>& values);

}  // namespace nabla::data::detail
