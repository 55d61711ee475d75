// Invariant checks. An impossible state is a defect: it stops the process loudly instead of
// carrying on with corrupt data. Never use these for untrusted input — return a Result instead.
#pragma once

namespace barid::detail {
[[noreturn]] void check_failed(const char* expression, const char* file, int line, const char* message);
}

#define BARID_CHECK(cond, message)                                                  \
  do {                                                                              \
    if (!(cond)) ::barid::detail::check_failed(#cond, __FILE__, __LINE__, message); \
  } while (false)
