#include <barid/api/api.hpp>
#include <barid/core/log.hpp>
#include <barid/core/time.hpp>

#include "metrics.hpp"

#include <arpa/inet.h>

#include <cctype>

#include <algorithm>

namespace barid::api {

namespace {

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  std::size_t start = 1;
  while (start <= path.size()) {
    const std::size_t end = std::min(path.find('/', start), path.size());
    segments.push_back(path.substr(start, end - start));
    start = end + 1;
  }
  return segments;
}

// Matches a concrete path against a template such as /api/v1/delegations/{id}.
bool match_template(std::string_view pattern, std::string_view path, std::map<std::string, std::string>& params) {
  const auto pattern_segments = split_path(pattern);
  const auto path_segments = split_path(path);
  if (pattern_segments.size() != path_segments.size()) return false;
  std::map<std::string, std::string> found;
  for (std::size_t i = 0; i < pattern_segments.size(); ++i) {
    const auto expected = pattern_segments[i];
    const auto actual = path_segments[i];
    if (expected.size() > 2 && expected.front() == '{' && expected.back() == '}') {
      if (actual.empty()) return false;
      found.emplace(std::string(expected.substr(1, expected.size() - 2)), std::string(actual));
    } else if (expected != actual) {
      return false;
    }
  }
  params = std::move(found);
  return true;
}

http::Response error_answer(const Error& error, const std::string& request_id) {
  const int status = status_for(error.kind);
  // A defect's details stay in the log; the caller learns only that it happened.
  const std::string message = status == 500 ? "an internal error occurred" : error.message;
  http::Response response = http::error_response(status, error.code, message, request_id);
  if (error.retry_after_s) response.set_header("Retry-After", std::to_string(*error.retry_after_s));
  if (status == 401) response.set_header("WWW-Authenticate", "Bearer");
  return response;
}

// Whether the percent-decoded form of `text` is valid UTF-8 without NUL: everything in a path or
// query reaches the database as text, and PostgreSQL refuses invalid UTF-8 outright.
bool decodes_to_clean_text(std::string_view text, bool decode_percent) {
  std::string decoded;
  decoded.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (decode_percent && text[i] == '%' && i + 2 < text.size() &&
        std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      decoded.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
    } else {
      decoded.push_back(text[i]);
    }
  }
  return decoded.find('\0') == std::string::npos && is_valid_utf8(decoded);
}

bool is_ip_address(const std::string& text) {
  unsigned char buffer[16];
  return ::inet_pton(AF_INET, text.c_str(), buffer) == 1 || ::inet_pton(AF_INET6, text.c_str(), buffer) == 1;
}

std::optional<std::string_view> bearer_token(const http::Request& request) {
  const auto header = request.header("Authorization");
  if (!header) return std::nullopt;
  constexpr std::string_view kScheme = "Bearer ";
  if (header->size() <= kScheme.size()) return std::string_view{};
  std::string scheme(header->substr(0, kScheme.size()));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(), [](unsigned char c) { return std::tolower(c); });
  if (scheme != "bearer ") return std::string_view{};
  return header->substr(kScheme.size());
}

}  // namespace

Api::Api(Services services, ApiOptions options)
    : services_(services), options_(std::move(options)), metrics_(std::make_unique<Metrics>()) {
  add_system_routes();
  add_identity_routes();
  add_mailbox_routes();
  add_letter_batch_routes();
  add_paper_routes();
  add_log_routes();
  add_ledger_routes();
  add_payment_account_routes();
  add_bill_routes();
  add_checkout_routes();
  add_counter_routes();
  add_parcel_routes();
  add_customs_routes();
}

Api::~Api() = default;

void Api::add(RouteSpec spec) {
  routes_.push_back(std::move(spec));
}

void Api::observe_protocol_event(const http::ProtocolEvent& event) {
  metrics_->observe("(protocol)", "-", event.status, 0);
  log::info("http_request", {{"request_id", event.request_id},
                             {"route", "(protocol)"},
                             {"status", event.status},
                             {"code", event.code},
                             {"client", event.remote_address}});
}

http::Response Api::handle(http::Request& request) {
  const std::int64_t started_us = monotonic_us();
  if (options_.trust_forwarded_for) {
    // The trusted load balancer appends the address it saw; entries to its left come from the
    // client and prove nothing, so only the rightmost one is taken.
    if (auto forwarded = request.header("X-Forwarded-For")) {
      const auto comma = forwarded->rfind(',');
      std::string client(forwarded->substr(comma == std::string_view::npos ? 0 : comma + 1));
      client.erase(0, client.find_first_not_of(' '));
      client.erase(client.find_last_not_of(' ') + 1);
      if (is_ip_address(client)) request.remote_address = client;
    }
  }

  const RouteSpec* route = nullptr;
  std::map<std::string, std::string> params;
  std::vector<std::string> allowed_methods;
  for (const auto& candidate : routes_) {
    std::map<std::string, std::string> candidate_params;
    if (!match_template(candidate.path, request.path, candidate_params)) continue;
    const bool head_as_get = request.method == http::Method::head && candidate.method == http::Method::get;
    if (candidate.method == request.method || head_as_get) {
      route = &candidate;
      params = std::move(candidate_params);
      break;
    }
    allowed_methods.emplace_back(http::method_name(candidate.method));
  }

  std::optional<identity::Principal> principal;
  http::Response response;
  std::string route_name = "(unmatched)";
  try {
    if (!decodes_to_clean_text(request.path, false) || !decodes_to_clean_text(request.query, true)) {
      response = error_answer(invalid_input("invalid_utf8", "the path and query must be UTF-8 text without NUL"),
                              request.request_id);
    } else if (route == nullptr) {
      if (!allowed_methods.empty()) {
        response = error_answer(make_error(ErrorKind::method_not_allowed, "method_not_allowed",
                                           "this path does not accept " + request.method_text),
                                request.request_id);
        std::string allow;
        for (const auto& method : allowed_methods) allow += (allow.empty() ? "" : ", ") + method;
        response.set_header("Allow", allow);
      } else {
        response = error_answer(not_found("route_not_found", "no route matches this path"), request.request_id);
      }
    } else {
      route_name = route->path;
      std::optional<Error> refusal;
      const auto token = bearer_token(request);
      if (route->access.kind != Access::Kind::public_route) {
        if (!token) {
          refusal =
              make_error(ErrorKind::unauthenticated, "authentication_required", "send an Authorization: Bearer token");
        } else {
          auto authenticated = services_.identity.authenticate(*token);
          if (!authenticated) {
            refusal = std::move(authenticated).error();
          } else if (!route->access.allows(*authenticated)) {
            principal = std::move(*authenticated);
            refusal = forbidden("role_required", "your roles do not allow this operation");
          } else {
            principal = std::move(*authenticated);
          }
        }
      }
      if (refusal) {
        response = error_answer(*refusal, request.request_id);
      } else {
        Context context(request, *route, std::move(params), principal);
        auto outcome = route->handler(context);
        response = outcome ? std::move(*outcome) : error_answer(outcome.error(), request.request_id);
      }
    }
  } catch (const store::StoreError& error) {
    const bool unavailable = error.kind() == store::StoreError::Kind::unavailable;
    log::error("store_error", {{"request_id", request.request_id}, {"route", route_name}, {"detail", error.what()}});
    response = error_answer(
        unavailable ? make_error(ErrorKind::unavailable, "store_unavailable", "the database is unavailable; try again")
                    : make_error(ErrorKind::internal, "internal_error", ""),
        request.request_id);
  } catch (const std::exception& error) {
    log::error("unhandled_exception",
               {{"request_id", request.request_id}, {"route", route_name}, {"detail", error.what()}});
    response = error_answer(make_error(ErrorKind::internal, "internal_error", ""), request.request_id);
  }

  // API answers are personal and never cached; nothing in them is meant to be sniffed or framed.
  response.set_header("Cache-Control", "no-store");
  response.set_header("X-Content-Type-Options", "nosniff");
  response.set_header("Referrer-Policy", "no-referrer");
  response.set_header("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'");

  const std::int64_t duration_us = monotonic_us() - started_us;
  // The method label comes from the known set, never from the client's text, so a client
  // cannot grow the number of series.
  metrics_->observe(route_name, http::method_name(request.method), response.status, duration_us);
  const double duration_ms = static_cast<double>(duration_us) / 1000.0;
  const std::string_view user_id = principal ? std::string_view(principal->user_id) : std::string_view();
  log::fields(log::Level::info, "http_request",
              {{"request_id", request.request_id},
               {"method", http::method_name(request.method)},
               {"route", route_name},
               {"status", std::int64_t{response.status}},
               {"duration_ms", duration_ms},
               {"client", request.remote_address},
               {"user_id", user_id}});
  return response;
}

}  // namespace barid::api
