// A 128-bit ledger id (accounts, transfers, user data). Written in the API as a decimal string,
// stored as 16 big-endian bytes so that the database orders ids as numbers.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace barid::ledger {

struct Id {
  std::uint64_t high = 0;
  std::uint64_t low = 0;

  bool zero() const { return high == 0 && low == 0; }
  bool max() const { return high == UINT64_MAX && low == UINT64_MAX; }
  auto operator<=>(const Id&) const = default;

  std::string to_string() const;  // decimal
  std::vector<std::uint8_t> to_bytes() const;
  // Decimal digits only (no sign, no spaces), at most 2^128 - 1.
  static std::optional<Id> parse(std::string_view decimal);
  static std::optional<Id> from_bytes(const std::vector<std::uint8_t>& bytes);
  // 128 random bits, for ids the platform chooses itself.
  static Id random();
};

struct IdHash {
  std::size_t operator()(const Id& id) const noexcept {
    return static_cast<std::size_t>(id.low * 0x9E3779B97F4A7C15ull ^ (id.high + 0x632BE59BD9B4E019ull));
  }
};

}  // namespace barid::ledger
