// Expected outcomes as values. A domain function that can fail for reasons a caller must handle
// (validation, not found, forbidden, conflict, insufficient funds…) returns Result<T>; the error
// carries a stable snake_case code that the API returns unchanged.
#pragma once

#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>

namespace barid {

// What kind of failure this is; the HTTP face maps each kind to one status code.
enum class ErrorKind {
  invalid_input,       // 400
  unauthenticated,     // 401
  forbidden,           // 403
  not_found,           // 404
  method_not_allowed,  // 405
  conflict,            // 409
  gone,                // 410
  payload_too_large,   // 413
  unsupported_media,   // 415
  unprocessable,       // 422
  rate_limited,        // 429
  unavailable,         // 503
  internal,            // 500: a defect, never an answer to bad input
};

struct Error {
  ErrorKind kind = ErrorKind::internal;
  std::string code;     // stable, snake_case: "password_too_short"
  std::string message;  // for people; never carries a secret
  std::optional<int> retry_after_s;
};

inline Error make_error(ErrorKind kind, std::string code, std::string message) {
  return Error{kind, std::move(code), std::move(message), std::nullopt};
}
inline Error invalid_input(std::string code, std::string message) {
  return make_error(ErrorKind::invalid_input, std::move(code), std::move(message));
}
inline Error not_found(std::string code, std::string message) {
  return make_error(ErrorKind::not_found, std::move(code), std::move(message));
}
inline Error forbidden(std::string code, std::string message) {
  return make_error(ErrorKind::forbidden, std::move(code), std::move(message));
}
inline Error conflict(std::string code, std::string message) {
  return make_error(ErrorKind::conflict, std::move(code), std::move(message));
}

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return state_.index() == 0; }
  explicit operator bool() const { return ok(); }

  T& value() & { return std::get<0>(state_); }
  const T& value() const& { return std::get<0>(state_); }
  T&& value() && { return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  const Error& error() const& { return std::get<1>(state_); }
  Error&& error() && { return std::get<1>(std::move(state_)); }

 private:
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return !error_.has_value(); }
  explicit operator bool() const { return ok(); }
  const Error& error() const& { return *error_; }
  Error&& error() && { return std::move(*error_); }

 private:
  std::optional<Error> error_;
};

using Status = Result<void>;

}  // namespace barid

// Returns the error of `expr` from the enclosing function when it failed.
#define BARID_TRY(expr)                                                       \
  do {                                                                        \
    auto barid_try_result_ = (expr);                                          \
    if (!barid_try_result_.ok()) return std::move(barid_try_result_).error(); \
  } while (false)

#define BARID_CONCAT_INNER_(a, b) a##b
#define BARID_CONCAT_(a, b) BARID_CONCAT_INNER_(a, b)
// Evaluates `expr`, a Result<T>: returns its error from the enclosing function, or declares `lhs`
// with the value. BARID_ASSIGN_OR_RETURN(auto login, reader.required_string("login", 1, 64));
#define BARID_ASSIGN_OR_RETURN(lhs, expr) \
  BARID_ASSIGN_OR_RETURN_IMPL_(BARID_CONCAT_(barid_result_, __LINE__), lhs, expr)
#define BARID_ASSIGN_OR_RETURN_IMPL_(result, lhs, expr) \
  auto result = (expr);                                 \
  if (!result.ok()) return std::move(result).error();   \
  lhs = std::move(result).value()
