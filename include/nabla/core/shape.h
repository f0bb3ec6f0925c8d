// Shapes and strides (in elements), and the rules that relate them.
#pragma once

#include <cstdint>
#include <ostream>
#include <vector>

namespace nabla {

using Shape = std::vector<int64_t>;

// Prints [2, 3] as PyTorch prints torch.Size.
std::ostream& operator<<(std::ostream& os, const Shape& s);
std::string to_string(const Shape& s);

int64_t numel(const Shape& s);
Shape contiguous_strides(const Shape& s);

// Maps a possibly negative dim into [0, ndim); names the op when out of range.
int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op);

// NumPy broadcasting: shapes align at the right; sizes must match or be 1.
Shape broadcast_shapes(const Shape& a, const Shape& b, const char* op);

}  // namespace nabla
