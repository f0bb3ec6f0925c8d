// Options objects in LibTorch's style: LinearOptions(784, 256).bias(false).
// NABLA_ARG(T, name) declares a field name_ with a chainable setter name(v)
// and a getter name(); a default value follows the macro:
//   NABLA_ARG(bool, bias) = true;
#pragma once

// clang-format off
#define NABLA_ARG(T, name)                                                   \
 public:                                                                     \
  auto& name(const T& new_value) { this->name##_ = new_value; return *this; } \
  const T& name() const { return name##_; }                                  \
  T& name() { return name##_; }                                              \
                                                                             \
 private:                                                                    \
  T name##_
// clang-format on
