#include <barid/api/route.hpp>

#include <algorithm>

namespace barid::api {

bool Access::allows(const identity::Principal& principal) const {
  switch (kind) {
    case Kind::public_route:
    case Kind::authenticated: return true;
    case Kind::any_of_roles:
      return std::any_of(roles.begin(), roles.end(), [&](identity::Role role) { return principal.has_role(role); });
  }
  return false;
}

Result<Json> Context::json_body() const {
  const auto content_type = request_.header("Content-Type");
  if (!content_type || content_type->substr(0, 16) != "application/json") {
    return make_error(ErrorKind::unsupported_media, "unsupported_media_type", "send the body as application/json");
  }
  return parse_json_object(request_.body);
}

http::Response json_response(const Json& body, int status) {
  http::Response response;
  response.status = status;
  response.content_type = "application/json";
  response.body = body.dump(-1, ' ', false, Json::error_handler_t::replace);
  return response;
}

http::Response empty_response(int status) {
  http::Response response;
  response.status = status;
  response.content_type.clear();
  return response;
}

int status_for(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::invalid_input: return 400;
    case ErrorKind::unauthenticated: return 401;
    case ErrorKind::forbidden: return 403;
    case ErrorKind::not_found: return 404;
    case ErrorKind::method_not_allowed: return 405;
    case ErrorKind::conflict: return 409;
    case ErrorKind::gone: return 410;
    case ErrorKind::payload_too_large: return 413;
    case ErrorKind::unsupported_media: return 415;
    case ErrorKind::unprocessable: return 422;
    case ErrorKind::rate_limited: return 429;
    case ErrorKind::unavailable: return 503;
    case ErrorKind::internal: return 500;
  }
  return 500;
}

namespace schema {

Json string(std::string description) {
  Json s = {{"type", "string"}};
  if (!description.empty()) s["description"] = std::move(description);
  return s;
}
Json string_format(std::string format, std::string description) {
  Json s = string(std::move(description));
  s["format"] = std::move(format);
  return s;
}
Json integer(std::string description) {
  Json s = {{"type", "integer"}, {"format", "int64"}};
  if (!description.empty()) s["description"] = std::move(description);
  return s;
}
Json boolean(std::string description) {
  Json s = {{"type", "boolean"}};
  if (!description.empty()) s["description"] = std::move(description);
  return s;
}
Json array(Json items) {
  return {{"type", "array"}, {"items", std::move(items)}};
}
Json enumeration(std::vector<std::string> values) {
  return {{"type", "string"}, {"enum", std::move(values)}};
}
Json object(std::map<std::string, Json> properties, std::vector<std::string> required) {
  Json s = {{"type", "object"}, {"properties", Json::object()}};
  for (auto& [name, property] : properties) s["properties"][name] = std::move(property);
  if (!required.empty()) s["required"] = std::move(required);
  return s;
}
Json nullable(Json inner) {
  if (inner.contains("type") && inner["type"].is_string()) {
    inner["type"] = Json::array({inner["type"], "null"});
    return inner;
  }
  return {{"oneOf", Json::array({std::move(inner), {{"type", "null"}}})}};
}
Json ref(const std::string& component) {
  return {{"$ref", "#/components/schemas/" + component}};
}

}  // namespace schema
}  // namespace barid::api
