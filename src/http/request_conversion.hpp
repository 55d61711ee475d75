// Private to the http module: the steps shared by the network server and decode_request(), so both
// judge a request the same way. Includes Beast; only request_decoding.cpp and server.cpp see it.
#pragma once

#include <barid/http/server.hpp>

#include <boost/beast/core/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace barid::http::detail {

namespace beast_http = boost::beast::http;
using RequestParser = beast_http::request_parser<beast_http::string_body>;

// An answer the server gives on its own, without calling the handler. After it the connection
// is always closed: the rest of the stream cannot be trusted to start at a request boundary.
struct Rejection {
  int status = 400;
  std::string code;
  std::string message;
};

// A fresh parser with the configured limits.
void apply_limits(RequestParser& parser, const ServerOptions& limits);
// What to answer when the parser failed with `error`; nullopt when there is nobody left to answer
// (the client went away mid-request).
std::optional<Rejection> rejection_for_parse_error(const boost::beast::error_code& error);
// Checks a complete header before any body is read — transfer codings we cannot frame safely and
// declared bodies beyond the limit — and sets the body limit of this request (uploads may be larger).
std::optional<Rejection> check_header(RequestParser& parser, const ServerOptions& limits);
// The largest body this request may carry.
std::size_t body_limit_for(const beast_http::request_header<>& header, const ServerOptions& limits);
// Whether the client waits for "100 Continue" before sending its body.
bool expects_continue(const RequestParser& parser);
// The client's X-Request-Id when acceptable, else a fresh one.
std::string request_id_for(const beast_http::request_header<>& header);
// Converts a complete request into the module's own Request (path decoding, header copy).
// Leaves remote_address, request_id and secure for the caller.
std::variant<Request, Rejection> convert_request(beast_http::request<beast_http::string_body>&& message);

}  // namespace barid::http::detail
