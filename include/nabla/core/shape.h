// Shapes and strides (in elements), and the rules that relate them.
#pragma once

#include <algorithm>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <iterator>
#include <ostream>
#include <string>
#include <vector>

namespace nabla {

// A list of sizes or strides, with std::vector<int64_t>'s interface and
// conversions to and from it. Up to kInlineDims values live inside the
// object, more on the heap: every tensor holds two of these, and a heap block
// for each was a large share of the cost of a small op (docs/performance.md).
class Shape {
 public:
  using value_type = int64_t;
  using size_type = size_t;
  using difference_type = std::ptrdiff_t;
  using reference = int64_t&;
  using const_reference = const int64_t&;
  using pointer = int64_t*;
  using const_pointer = const int64_t*;
  using iterator = int64_t*;
  using const_iterator = const int64_t*;
  using reverse_iterator = std::reverse_iterator<iterator>;
  using const_reverse_iterator = std::reverse_iterator<const_iterator>;

  static constexpr size_t kInlineDims = 6;

  Shape() = default;
  explicit Shape(size_t n, int64_t value = 0) { assign(n, value); }
  Shape(std::initializer_list<int64_t> values) { assign(values.begin(), values.end()); }
  template <std::input_iterator It>
  Shape(It first, It last) {
    assign(first, last);
  }
  Shape(const std::vector<int64_t>& v) { assign(v.begin(), v.end()); }  // NOLINT: as before
  Shape(const Shape& other) { assign(other.begin(), other.end()); }
  Shape(Shape&& other) noexcept { take(other); }
  ~Shape() { free_heap(); }

  Shape& operator=(const Shape& other) {
    if (this != &other) assign(other.begin(), other.end());
    return *this;
  }
  Shape& operator=(Shape&& other) noexcept {
    if (this != &other) {
      free_heap();
      take(other);
    }
    return *this;
  }
  Shape& operator=(std::initializer_list<int64_t> values) {
    assign(values.begin(), values.end());
    return *this;
  }

  operator std::vector<int64_t>() const { return {begin(), end()}; }  // NOLINT: as before

  // ---- element access
  int64_t& operator[](size_t i) { return data_[i]; }
  const int64_t& operator[](size_t i) const { return data_[i]; }
  int64_t& at(size_t i) {
    check_index(i);
    return data_[i];
  }
  const int64_t& at(size_t i) const {
    check_index(i);
    return data_[i];
  }
  int64_t& front() { return data_[0]; }
  const int64_t& front() const { return data_[0]; }
  int64_t& back() { return data_[size_ - 1]; }
  const int64_t& back() const { return data_[size_ - 1]; }
  int64_t* data() { return data_; }
  const int64_t* data() const { return data_; }

  // ---- iterators
  iterator begin() { return data_; }
  iterator end() { return data_ + size_; }
  const_iterator begin() const { return data_; }
  const_iterator end() const { return data_ + size_; }
  const_iterator cbegin() const { return begin(); }
  const_iterator cend() const { return end(); }
  reverse_iterator rbegin() { return reverse_iterator(end()); }
  reverse_iterator rend() { return reverse_iterator(begin()); }
  const_reverse_iterator rbegin() const { return const_reverse_iterator(end()); }
  const_reverse_iterator rend() const { return const_reverse_iterator(begin()); }
  const_reverse_iterator crbegin() const { return rbegin(); }
  const_reverse_iterator crend() const { return rend(); }

  // ---- capacity
  bool empty() const { return size_ == 0; }
  size_t size() const { return size_; }
  size_t capacity() const { return capacity_; }
  void reserve(size_t n) { grow(n); }

  // ---- modifiers
  void clear() { size_ = 0; }
  void assign(size_t n, int64_t value) {
    grow(n);
    std::fill_n(data_, n, value);
    size_ = n;
  }
  template <std::input_iterator It>
  void assign(It first, It last) {
    if constexpr (std::forward_iterator<It>) {
      const auto n = static_cast<size_t>(std::distance(first, last));
      if (n > capacity_) {
        auto* heap = new int64_t[n];  // filled before the old buffer goes: the range may lie in it
        std::copy(first, last, heap);
        free_heap();
        data_ = heap;
        capacity_ = n;
      } else {
        std::copy(first, last, data_);  // copies forward: safe from a suffix of this shape
      }
      size_ = n;
    } else {
      clear();
      for (; first != last; ++first) push_back(*first);
    }
  }
  void assign(std::initializer_list<int64_t> values) { assign(values.begin(), values.end()); }
  void push_back(int64_t value) {
    if (size_ == capacity_) grow(2 * capacity_);
    data_[size_++] = value;
  }
  int64_t& emplace_back(int64_t value) {
    push_back(value);
    return back();
  }
  void pop_back() { --size_; }
  void resize(size_t n, int64_t value = 0) {
    grow(n);
    if (n > size_) std::fill(data_ + size_, data_ + n, value);
    size_ = n;
  }
  iterator insert(const_iterator pos, int64_t value) { return insert(pos, size_t{1}, value); }
  iterator insert(const_iterator pos, size_t n, int64_t value) {
    const size_t i = open_gap(pos, n);
    std::fill_n(data_ + i, n, value);
    return data_ + i;
  }
  template <std::input_iterator It>
  iterator insert(const_iterator pos, It first, It last) {
    const Shape values(first, last);  // the range may lie in this shape's own buffer
    const size_t i = open_gap(pos, values.size());
    std::copy(values.begin(), values.end(), data_ + i);
    return data_ + i;
  }
  iterator insert(const_iterator pos, std::initializer_list<int64_t> values) {
    return insert(pos, values.begin(), values.end());
  }
  iterator erase(const_iterator pos) { return erase(pos, pos + 1); }
  iterator erase(const_iterator first, const_iterator last) {
    const auto i = first - data_, j = last - data_;
    std::copy(data_ + j, end(), data_ + i);
    size_ -= static_cast<size_t>(j - i);
    return data_ + i;
  }
  void swap(Shape& other) noexcept {
    Shape tmp = std::move(other);
    other = std::move(*this);
    *this = std::move(tmp);
  }

  friend bool operator==(const Shape& a, const Shape& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }
  friend std::strong_ordering operator<=>(const Shape& a, const Shape& b) {
    return std::lexicographical_compare_three_way(a.begin(), a.end(), b.begin(), b.end());
  }

 private:
  // Makes room for n values, keeping the current ones.
  void grow(size_t n) {
    if (n <= capacity_) return;
    const size_t capacity = std::max(n, 2 * capacity_);
    auto* heap = new int64_t[capacity];
    std::copy(begin(), end(), heap);
    free_heap();
    data_ = heap;
    capacity_ = capacity;
  }
  void free_heap() {
    if (data_ != inline_) delete[] data_;
    data_ = inline_;
    capacity_ = kInlineDims;
  }
  // Moves other's values here (this holds no heap block) and empties other.
  void take(Shape& other) {
    if (other.data_ == other.inline_) {
      std::copy_n(other.inline_, std::min(other.size_, kInlineDims), inline_);
    } else {
      data_ = other.data_;
      capacity_ = other.capacity_;
      other.data_ = other.inline_;
      other.capacity_ = kInlineDims;
    }
    size_ = other.size_;
    other.size_ = 0;
  }
  // Shifts the values from pos on by n places; returns pos's index.
  size_t open_gap(const_iterator pos, size_t n) {
    const auto i = static_cast<size_t>(pos - data_);
    grow(size_ + n);
    std::copy_backward(data_ + i, data_ + size_, data_ + size_ + n);
    size_ += n;
    return i;
  }
  void check_index(size_t i) const;

  int64_t* data_ = inline_;
  size_t size_ = 0;
  size_t capacity_ = kInlineDims;
  int64_t inline_[kInlineDims];
};

// Prints [2, 3] as PyTorch prints torch.Size.
std::ostream& operator<<(std::ostream& os, const Shape& s);
std::string to_string(const Shape& s);

inline int64_t numel(const Shape& s) {
  int64_t n = 1;
  for (int64_t d : s) n *= d;
  return n;
}
Shape contiguous_strides(const Shape& s);

[[noreturn]] void fail_wrap_dim(int64_t dim, int64_t ndim, const char* op);
// Maps a possibly negative dim into [0, ndim); names the op when out of range.
// Inline: Tensor::size(dim) calls it, some hundred times a training step.
inline int64_t wrap_dim(int64_t dim, int64_t ndim, const char* op) {
  const int64_t n = ndim > 0 ? ndim : 1;  // a 0-d tensor accepts dim 0 and -1
  if (dim < -n || dim >= n) [[unlikely]]
    fail_wrap_dim(dim, ndim, op);
  return dim < 0 ? dim + n : dim;
}

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
