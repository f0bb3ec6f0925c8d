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

// A size per spatial dim (height, width) given as one int for both or as
// {h, w}, as PyTorch's int-or-pair arguments: max_pool2d(x, 2), conv2d(x, w,
// {}, {2, 1}).
struct Size2 {
  Size2(int64_t size) : h(size), w(size) {}  // NOLINT: an int is a square
  Size2(int64_t h, int64_t w) : h(h), w(w) {}
  bool operator==(const Size2&) const = default;
  int64_t h;
  int64_t w;
};
// "2" when both are equal, else "(2, 3)" (PyTorch's repr of an int or a pair).
std::ostream& operator<<(std::ostream& os, const Size2& s);

}  // namespace nabla
