#include <barid/store/store.hpp>

#include <charconv>
#include <cmath>
#include <limits>
#include <string>

namespace barid::store {
namespace {

[[noreturn]] void throw_column_error(std::size_t column, const std::string& problem) {
  throw StoreError(StoreError::Kind::other, "column " + std::to_string(column) + " " + problem);
}

std::int64_t int64_from_text(const std::string& text, std::size_t column) {
  std::int64_t number = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, number);
  if (error != std::errc() || stop != end) throw_column_error(column, "is not an integer");
  return number;
}

std::int64_t int64_from_double(double number, std::size_t column) {
  // Only whole numbers inside the int64 range convert; anything else would silently lose data.
  constexpr double two_to_63 = 9223372036854775808.0;
  if (!std::isfinite(number) || std::trunc(number) != number || number < -two_to_63 || number >= two_to_63) {
    throw_column_error(column, "is not a whole number in the 64-bit range");
  }
  return static_cast<std::int64_t>(number);
}

double double_from_text(const std::string& text, std::size_t column) {
  double number = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, number);
  if (error != std::errc() || stop != end) throw_column_error(column, "is not a number");
  return number;
}

std::string format_double(double number) {
  char buffer[64];
  const auto [end, error] = std::to_chars(buffer, buffer + sizeof buffer, number);
  return std::string(buffer, end);
}

}  // namespace

bool Row::is_null(std::size_t column) const {
  return std::holds_alternative<std::nullptr_t>(value(column));
}

std::int64_t Row::int64(std::size_t column) const {
  const Value& v = value(column);
  if (const auto* number = std::get_if<std::int64_t>(&v)) return *number;
  if (const auto* number = std::get_if<double>(&v)) return int64_from_double(*number, column);
  if (const auto* text = std::get_if<std::string>(&v)) return int64_from_text(*text, column);
  if (is_null(column)) throw_column_error(column, "is NULL");
  throw_column_error(column, "holds a blob, not an integer");
}

double Row::real(std::size_t column) const {
  const Value& v = value(column);
  if (const auto* number = std::get_if<double>(&v)) return *number;
  if (const auto* number = std::get_if<std::int64_t>(&v)) return static_cast<double>(*number);
  if (const auto* text = std::get_if<std::string>(&v)) return double_from_text(*text, column);
  if (is_null(column)) throw_column_error(column, "is NULL");
  throw_column_error(column, "holds a blob, not a number");
}

std::string Row::text(std::size_t column) const {
  const Value& v = value(column);
  if (const auto* text = std::get_if<std::string>(&v)) return *text;
  if (const auto* number = std::get_if<std::int64_t>(&v)) return std::to_string(*number);
  if (const auto* number = std::get_if<double>(&v)) return format_double(*number);
  if (is_null(column)) throw_column_error(column, "is NULL");
  throw_column_error(column, "holds a blob, not text");
}

Blob Row::blob(std::size_t column) const {
  const Value& v = value(column);
  if (const auto* bytes = std::get_if<Blob>(&v)) return *bytes;
  // SQLite keeps whatever type was bound; text bound into a blob column reads back as its bytes.
  if (const auto* text = std::get_if<std::string>(&v)) return Blob(text->begin(), text->end());
  if (is_null(column)) throw_column_error(column, "is NULL");
  throw_column_error(column, "holds a number, not a blob");
}

std::optional<std::int64_t> Row::optional_int64(std::size_t column) const {
  if (is_null(column)) return std::nullopt;
  return int64(column);
}

std::optional<std::string> Row::optional_text(std::size_t column) const {
  if (is_null(column)) return std::nullopt;
  return text(column);
}

}  // namespace barid::store
