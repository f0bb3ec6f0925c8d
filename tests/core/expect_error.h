// EXPECT_ERROR(statement, "fragment", ...): the statement throws nabla::Error
// and its message contains every fragment.
#pragma once

#include <gmock/gmock.h>
#include <gtest/gtest.h>

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
