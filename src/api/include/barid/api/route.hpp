// How a route of the JSON API is declared: its method and path template, who may call it, its
// request and response schemas (these feed the OpenAPI document) and its handler. Handlers are thin:
// decode and validate, call one service function, encode.
#pragma once

#include <barid/core/json.hpp>
#include <barid/core/result.hpp>
#include <barid/http/server.hpp>
#include <barid/identity/model.hpp>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace barid::api {

// Who may call a route. Object-level decisions (whose letter, whose party) are the domain's.
struct Access {
  enum class Kind { public_route, authenticated, any_of_roles };
  Kind kind = Kind::authenticated;
  std::vector<identity::Role> roles;

  static Access public_route() { return {Kind::public_route, {}}; }
  static Access authenticated() { return {Kind::authenticated, {}}; }
  static Access any_of(std::vector<identity::Role> roles) { return {Kind::any_of_roles, std::move(roles)}; }
  bool allows(const identity::Principal& principal) const;
};

struct RouteSpec;

// What a handler sees of its request.
class Context {
 public:
  Context(http::Request& request, const RouteSpec& route, std::map<std::string, std::string> path_params,
          std::optional<identity::Principal> principal)
      : request_(request), route_(route), path_params_(std::move(path_params)), principal_(std::move(principal)) {}

  http::Request& request() { return request_; }
  const RouteSpec& route() const { return route_; }
  const std::string& path_param(const std::string& name) const { return path_params_.at(name); }
  // The authenticated caller; only valid on routes that are not public.
  const identity::Principal& caller() const { return *principal_; }
  const std::optional<identity::Principal>& principal() const { return principal_; }
  // The request body as a JSON object (415 unless Content-Type is application/json).
  Result<Json> json_body() const;

 private:
  http::Request& request_;
  const RouteSpec& route_;
  std::map<std::string, std::string> path_params_;
  std::optional<identity::Principal> principal_;
};

using RouteHandler = std::function<Result<http::Response>(Context&)>;

struct QueryParameter {
  std::string name;
  std::string description;
  Json schema;
  bool required = false;
};

struct RouteSpec {
  http::Method method = http::Method::get;
  std::string path;  // template: /api/v1/delegations/{id}
  std::string operation_id;
  std::string summary;
  std::string tag;
  Access access;
  Json request_schema;  // null: the route takes no body
  int success_status = 200;
  Json response_schema;  // null: no body (204)
  std::string response_content_type = "application/json";
  std::vector<QueryParameter> query;
  std::vector<std::string> error_codes;  // the stable codes this route may answer with
  RouteHandler handler;
};

// Response helpers.
http::Response json_response(const Json& body, int status = 200);
http::Response empty_response(int status = 204);
int status_for(ErrorKind kind);

// Small schema builders for route declarations.
namespace schema {
Json string(std::string description = "");
Json string_format(std::string format, std::string description = "");
Json integer(std::string description = "");
Json boolean(std::string description = "");
Json array(Json items);
Json enumeration(std::vector<std::string> values);
Json object(std::map<std::string, Json> properties, std::vector<std::string> required = {});
Json nullable(Json inner);
Json ref(const std::string& component);
}  // namespace schema

}  // namespace barid::api
