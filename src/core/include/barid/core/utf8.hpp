// Writing UTF-8. Checking it and counting its code points: barid/core/json.hpp.
#pragma once

#include <string>
#include <string_view>

namespace barid {

// Appends one code point (at most U+10FFFF, not a surrogate) as UTF-8.
void append_utf8(std::string& out, char32_t code_point);

// Arabic-Indic (U+0660–U+0669) and Eastern Arabic-Indic (U+06F0–U+06F9) digits become ASCII digits;
// everything else is kept. Identifiers, item ids, postcodes and phone numbers are normalised so.
std::string normalize_digits(std::string_view text);

}  // namespace barid
