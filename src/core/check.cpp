#include <barid/core/check.hpp>

#include <cstdio>
#include <cstdlib>

namespace barid::detail {

void check_failed(const char* expression, const char* file, int line, const char* message) {
  std::fprintf(stderr, "invariant violated at %s:%d: %s (%s)\n", file, line, message, expression);
  std::fflush(stderr);
  std::abort();
}

}  // namespace barid::detail
