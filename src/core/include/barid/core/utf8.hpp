// Writing UTF-8. Checking it and counting its code points: barid/core/json.hpp.
#pragma once

#include <string>

namespace barid {

// Appends one code point (at most U+10FFFF, not a surrogate) as UTF-8.
void append_utf8(std::string& out, char32_t code_point);

}  // namespace barid
