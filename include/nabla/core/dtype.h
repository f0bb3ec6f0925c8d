// Element types. f32 is the default; f64 serves gradient checks; i64 holds
// labels and indices; u8 holds images and masks (bool is stored as u8).
#pragma once

#include <cstddef>
#include <cstdint>
#include <ostream>

namespace nabla {

enum class DType : uint8_t { Float32, Float64, Int64, UInt8 };

inline constexpr DType kFloat32 = DType::Float32;
inline constexpr DType kFloat = DType::Float32;
inline constexpr DType kFloat64 = DType::Float64;
inline constexpr DType kDouble = DType::Float64;
inline constexpr DType kInt64 = DType::Int64;
inline constexpr DType kLong = DType::Int64;
inline constexpr DType kUInt8 = DType::UInt8;
inline constexpr DType kByte = DType::UInt8;
inline constexpr DType kBool = DType::UInt8;

constexpr size_t itemsize(DType t) {
  switch (t) {
    case DType::Float32:
      return 4;
    case DType::Float64:
      return 8;
    case DType::Int64:
      return 8;
    case DType::UInt8:
      return 1;
  }
  return 0;
}

constexpr bool is_floating(DType t) {
  return t == DType::Float32 || t == DType::Float64;
}

const char* dtype_name(DType t);  // "float32", as PyTorch prints it
inline std::ostream& operator<<(std::ostream& os, DType t) {
  return os << dtype_name(t);
}

template <class T>
struct DTypeOf;
template <>
struct DTypeOf<float> {
  static constexpr DType value = DType::Float32;
};
template <>
struct DTypeOf<double> {
  static constexpr DType value = DType::Float64;
};
template <>
struct DTypeOf<int64_t> {
  static constexpr DType value = DType::Int64;
};
template <>
struct DTypeOf<uint8_t> {
  static constexpr DType value = DType::UInt8;
};
template <class T>
inline constexpr DType dtype_of = DTypeOf<T>::value;

}  // namespace nabla

// Runs the body with `scalar_t` bound to the C++ type of `dtype`, as
// PyTorch's AT_DISPATCH macros do. The _FLOATING form rejects integer types.
#define NABLA_DISPATCH_CASE_(enum_value, type, ...) \
  case enum_value: {                                \
    using scalar_t = type;                          \
    return __VA_ARGS__();                           \
  }

#define NABLA_DISPATCH_ALL(dtype, op_name, ...)                          \
  [&] {                                                                  \
    switch (dtype) {                                                     \
      NABLA_DISPATCH_CASE_(::nabla::DType::Float32, float, __VA_ARGS__)  \
      NABLA_DISPATCH_CASE_(::nabla::DType::Float64, double, __VA_ARGS__) \
      NABLA_DISPATCH_CASE_(::nabla::DType::Int64, int64_t, __VA_ARGS__)  \
      NABLA_DISPATCH_CASE_(::nabla::DType::UInt8, uint8_t, __VA_ARGS__)  \
    }                                                                    \
    NABLA_FAIL(op_name, ": unsupported dtype ", dtype);                  \
  }()

#define NABLA_DISPATCH_FLOATING(dtype, op_name, ...)                                             \
  [&] {                                                                                          \
    switch (dtype) {                                                                             \
      NABLA_DISPATCH_CASE_(::nabla::DType::Float32, float, __VA_ARGS__)                          \
      NABLA_DISPATCH_CASE_(::nabla::DType::Float64, double, __VA_ARGS__)                         \
      default:                                                                                   \
        break;                                                                                   \
    }                                                                                            \
    NABLA_FAIL(op_name, ": expected a floating-point tensor (float32 or float64), got ", dtype); \
  }()
