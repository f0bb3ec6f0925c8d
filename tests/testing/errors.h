// Checking errors in tests.
//   EXPECT_ERROR(statement, "fragment", ...): the statement throws nabla::Error
//   and its message contains every fragment.
//   error_message(f): the message of the nabla::Error that f throws (the test
//   fails if f throws none), for matchers of one's own.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <initializer_list>
#include <string>

#include "nabla/core/error.h"

#define EXPECT_ERROR(statement, ...)                                               \
  do {                                                                             \
    try {                                                                          \
      statement;                                                                   \
      ADD_FAILURE() << "expected nabla::Error from: " #statement;                  \
    } catch (const ::nabla::Error& e) {                                            \
      for (const char* fragment : std::initializer_list<const char*>{__VA_ARGS__}) \
        EXPECT_THAT(std::string(e.what()), ::testing::HasSubstr(fragment));        \
    }                                                                              \
  } while (0)

namespace nabla::testing {

inline std::string error_message(const std::function<void()>& f) {
  try {
    f();
  } catch (const ::nabla::Error& e) {
    return e.what();
  }
  ADD_FAILURE() << "no nabla::Error was thrown";
  return "";
}

}  // namespace nabla::testing
