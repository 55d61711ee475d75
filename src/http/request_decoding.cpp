// Request parsing and conversion shared by the server and decode_request().
#include "request_conversion.hpp"

#include <barid/http/request_decoding.hpp>

#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/http/error.hpp>

#include <utility>

namespace barid::http {
namespace detail {
namespace {

Method method_from_verb(beast_http::verb verb) {
  switch (verb) {
    case beast_http::verb::get: return Method::get;
    case beast_http::verb::head: return Method::head;
    case beast_http::verb::post: return Method::post;
    case beast_http::verb::put: return Method::put;
    case beast_http::verb::patch: return Method::patch;
    case beast_http::verb::delete_: return Method::delete_;
    case beast_http::verb::options: return Method::options;
    default: return Method::other;
  }
}

Rejection bad_request(std::string message) {
  return Rejection{400, "bad_request", std::move(message)};
}

}  // namespace

void apply_limits(RequestParser& parser, const ServerOptions& limits) {
  parser.header_limit(static_cast<std::uint32_t>(std::min<std::size_t>(limits.max_header_bytes, UINT32_MAX)));
  // The largest any request may have; check_header narrows it once the target is known.
  parser.body_limit(std::max(limits.max_body_bytes, limits.max_upload_body_bytes));
}

std::size_t body_limit_for(const beast_http::request_header<>& header, const ServerOptions& limits) {
  if (header.method() != beast_http::verb::post || limits.max_upload_body_bytes <= limits.max_body_bytes) {
    return limits.max_body_bytes;
  }
  const auto target = header.target();
  const std::string_view path(target.data(), std::min(target.size(), target.find('?')));
  for (const auto& prefix : limits.upload_path_prefixes) {
    if (!prefix.empty() && path.substr(0, prefix.size()) == prefix) return limits.max_upload_body_bytes;
  }
  return limits.max_body_bytes;
}

std::optional<Rejection> rejection_for_parse_error(const boost::beast::error_code& error) {
  namespace asio_error = boost::asio::error;
  if (error == beast_http::error::header_limit || error == beast_http::error::buffer_overflow) {
    return Rejection{431, "header_too_large", "The request header is too large."};
  }
  if (error == beast_http::error::body_limit) {
    return Rejection{413, "payload_too_large", "The request body is too large."};
  }
  if (error == beast_http::error::end_of_stream || error == beast_http::error::partial_message ||
      error == asio_error::eof || error == asio_error::connection_reset || error == asio_error::operation_aborted ||
      error == asio_error::broken_pipe || error == asio_error::bad_descriptor) {
    return std::nullopt;
  }
  if (error.category() == beast_http::make_error_code(beast_http::error::bad_method).category()) {
    return bad_request("The request is malformed.");
  }
  // Transport errors (TLS alerts, resets): the peer cannot be answered meaningfully.
  return std::nullopt;
}

std::optional<Rejection> check_header(RequestParser& parser, const ServerOptions& limits) {
  const auto& header = parser.get();
  // Beast frames only "chunked"; any other coding would leave the body length unknown, and guessing
  // it is how request smuggling starts.
  const auto [first, last] = header.equal_range(beast_http::field::transfer_encoding);
  for (auto field = first; field != last; ++field) {
    boost::beast::string_view value = field->value();
    while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
    if (value.size() != 7 || !boost::beast::iequals(value, "chunked")) {
      return Rejection{501, "unsupported_transfer_encoding", "Only the chunked transfer coding is supported."};
    }
  }
  if (header.count(beast_http::field::transfer_encoding) > 1) {
    return bad_request("The request repeats Transfer-Encoding.");
  }
  const std::size_t body_limit = body_limit_for(header, limits);
  if (auto length = parser.content_length(); length && *length > body_limit) {
    return Rejection{413, "payload_too_large", "The request body is too large."};
  }
  parser.body_limit(body_limit);
  return std::nullopt;
}

bool expects_continue(const RequestParser& parser) {
  const auto expect = parser.get()[beast_http::field::expect];
  return boost::beast::iequals(expect, "100-continue") && !parser.is_done();
}

std::string request_id_for(const beast_http::request_header<>& header) {
  const auto supplied = header["X-Request-Id"];
  const std::string_view id(supplied.data(), supplied.size());
  return is_acceptable_request_id(id) ? std::string(id) : generate_request_id();
}

std::variant<Request, Rejection> convert_request(beast_http::request<beast_http::string_body>&& message) {
  Request request;
  request.method = method_from_verb(message.method());
  request.method_text = std::string(message.method_string());
  request.target = std::string(message.target());

  const std::string_view target = request.target;
  // Only origin-form targets reach the application; absolute-form and "*" have no use here.
  if (target.empty() || target.front() != '/') return bad_request("The request target must start with '/'.");
  const auto question = target.find('?');
  const std::string_view raw_path = target.substr(0, question);
  if (question != std::string_view::npos) request.query = std::string(target.substr(question + 1));
  auto path = percent_decode(raw_path, /*plus_is_space=*/false);
  if (!path) return bad_request("The request path has an invalid percent-encoding.");
  request.path = std::move(*path);

  request.headers.reserve(static_cast<std::size_t>(std::distance(message.begin(), message.end())));
  for (const auto& field : message) {
    request.headers.push_back({std::string(field.name_string()), std::string(field.value())});
  }
  request.body = std::move(message.body());
  return request;
}

}  // namespace detail

DecodeResult decode_request(std::string_view raw_bytes, const ServerOptions& limits) {
  DecodeResult result;
  auto reject = [&result](const detail::Rejection& rejection) {
    result.status = rejection.status;
    result.code = rejection.code;
    return result;
  };
  auto incomplete = [&result] {
    result.status = 0;
    result.code = "incomplete";
    return result;
  };

  detail::RequestParser parser;
  detail::apply_limits(parser, limits);
  boost::beast::error_code error;
  std::size_t used = 0;
  // Same two steps as the server: the header first (checked on its own), then the body.
  auto feed = [&](auto done) {
    while (!done()) {
      if (used == raw_bytes.size()) return false;  // the request goes on beyond these bytes
      const auto rest = boost::asio::buffer(raw_bytes.data() + used, raw_bytes.size() - used);
      const std::size_t consumed = parser.put(rest, error);
      used += consumed;
      if (error == detail::beast_http::error::need_more) error = {};
      if (error) return false;
      // Progress is guaranteed unless the parser waits for bytes that are not there.
      if (consumed == 0) return false;
    }
    return true;
  };

  if (!feed([&] { return parser.is_header_done(); })) {
    if (error) {
      auto rejection = detail::rejection_for_parse_error(error);
      return rejection ? reject(*rejection) : incomplete();
    }
    return incomplete();
  }
  if (auto rejection = detail::check_header(parser, limits)) return reject(*rejection);
  parser.eager(true);
  if (!feed([&] { return parser.is_done(); })) {
    if (error) {
      auto rejection = detail::rejection_for_parse_error(error);
      return rejection ? reject(*rejection) : incomplete();
    }
    return incomplete();
  }
  auto converted = detail::convert_request(parser.release());
  if (auto* rejection = std::get_if<detail::Rejection>(&converted)) return reject(*rejection);
  result.request = std::move(std::get<Request>(converted));
  result.status = 200;
  result.code.clear();
  return result;
}

}  // namespace barid::http
