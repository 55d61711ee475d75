// Liveness, readiness, metrics and the OpenAPI document.
#include <barid/api/api.hpp>

#include "metrics.hpp"

#include <algorithm>

namespace barid::api {

void Api::add_system_routes() {
  add({.method = http::Method::get,
       .path = "/healthz",
       .operation_id = "health",
       .summary = "Liveness: the process answers",
       .tag = "system",
       .access = Access::public_route(),
       .response_schema = schema::object({{"status", schema::enumeration({"ok"})}}, {"status"}),
       .handler = [](Context&) -> Result<http::Response> {
         return json_response({{"status", "ok"}});
       }});

  add({.method = http::Method::get,
       .path = "/readyz",
       .operation_id = "ready",
       .summary = "Readiness: the store answers and every migration this binary knows is applied",
       .tag = "system",
       .access = Access::public_route(),
       .response_schema = schema::object({{"status", schema::enumeration({"ready", "not_ready"})},
                                          {"store", schema::string()},
                                          {"schema_version", schema::integer()},
                                          {"reason", schema::string()}},
                                         {"status"}),
       .error_codes = {"not_ready"},
       .handler = [this](Context& context) -> Result<http::Response> {
         Json body = {{"store", services_.store.describe()}};
         std::string reason;
         if (!services_.store.ping()) {
           reason = "the store does not answer";
         } else {
           const auto applied = services_.store.applied_migrations();
           for (const auto& migration : services_.migrations) {
             if (std::find(applied.begin(), applied.end(), migration.version) == applied.end()) {
               reason = "migration " + std::to_string(migration.version) + " is not applied";
               break;
             }
           }
           body["schema_version"] = applied.empty() ? 0 : *std::max_element(applied.begin(), applied.end());
         }
         if (!reason.empty()) {
           body["status"] = "not_ready";
           body["reason"] = reason;
           body["error"] = {{"code", "not_ready"}, {"message", reason}, {"request_id", context.request().request_id}};
           return json_response(body, 503);
         }
         body["status"] = "ready";
         return json_response(body);
       }});

  add({.method = http::Method::get,
       .path = "/metrics",
       .operation_id = "metrics",
       .summary = "Prometheus metrics: requests and latency per route and status, store pool figures",
       .tag = "system",
       .access = Access::public_route(),
       .response_schema = schema::string("Prometheus text exposition format 0.0.4"),
       .response_content_type = "text/plain; version=0.0.4",
       .handler = [this](Context&) -> Result<http::Response> {
         http::Response response;
         response.content_type = "text/plain; version=0.0.4";
         response.body = metrics_->render(services_.store.stats(), connection_gauge_ ? connection_gauge_() : 0);
         return response;
       }});

  add({.method = http::Method::get,
       .path = "/api/openapi.json",
       .operation_id = "openapi",
       .summary = "This API's OpenAPI 3.1 document",
       .tag = "system",
       .access = Access::public_route(),
       .response_schema = schema::object({{"openapi", schema::string()}}, {"openapi"}),
       .handler = [this](Context&) -> Result<http::Response> { return json_response(openapi_document()); }});
}

Json Api::openapi_document() const {
  Json paths = Json::object();
  for (const auto& route : routes_) {
    Json operation = {{"operationId", route.operation_id}, {"summary", route.summary}, {"tags", {route.tag}}};
    if (route.access.kind == Access::Kind::public_route) {
      operation["security"] = Json::array();
    } else {
      operation["security"] = Json::array({{{"bearer", Json::array()}}});
      if (route.access.kind == Access::Kind::any_of_roles) {
        Json roles = Json::array();
        for (const auto role : route.access.roles) roles.push_back(identity::to_string(role));
        operation["x-barid-roles"] = roles;
      }
    }
    Json parameters = Json::array();
    std::size_t open = route.path.find('{');
    while (open != std::string::npos) {
      const std::size_t close = route.path.find('}', open);
      parameters.push_back({{"name", route.path.substr(open + 1, close - open - 1)},
                            {"in", "path"},
                            {"required", true},
                            {"schema", schema::string()}});
      open = route.path.find('{', close);
    }
    for (const auto& query : route.query) {
      parameters.push_back({{"name", query.name},
                            {"in", "query"},
                            {"required", query.required},
                            {"description", query.description},
                            {"schema", query.schema}});
    }
    if (!parameters.empty()) operation["parameters"] = parameters;
    if (!route.request_schema.is_null()) {
      operation["requestBody"] = {{"required", true},
                                  {"content", {{"application/json", {{"schema", route.request_schema}}}}}};
    }
    Json responses = Json::object();
    Json success = {{"description", "success"}};
    if (!route.response_schema.is_null()) {
      success["content"] = {{route.response_content_type, {{"schema", route.response_schema}}}};
    }
    responses[std::to_string(route.success_status)] = success;
    Json error_description = "an error; error.code is one of the stable codes";
    if (!route.error_codes.empty()) {
      std::string codes;
      for (const auto& code : route.error_codes) codes += (codes.empty() ? "" : ", ") + code;
      error_description = "an error; error.code is one of: " + codes + " (or a generic code such as invalid_field)";
    }
    responses["default"] = {{"description", error_description},
                            {"content", {{"application/json", {{"schema", schema::ref("Error")}}}}}};
    operation["responses"] = responses;
    std::string method(http::method_name(route.method));
    std::transform(method.begin(), method.end(), method.begin(), [](unsigned char c) { return std::tolower(c); });
    paths[route.path][method] = operation;
  }
  return {
      {"openapi", "3.1.0"},
      {"info",
       {{"title", "Barid API"},
        {"version", options_.version},
        {"description",
         "The digital post platform: mailbox with registered delivery, postal payments, parcels and customs."}}},
      {"paths", paths},
      {"components",
       {{"securitySchemes", {{"bearer", {{"type", "http"}, {"scheme", "bearer"}}}}},
        {"schemas",
         {{"Error", schema::object({{"error", schema::object({{"code", schema::string("stable snake_case code")},
                                                              {"message", schema::string()},
                                                              {"request_id", schema::string()}},
                                                             {"code", "message", "request_id"})}},
                                   {"error"})}}}}},
  };
}

}  // namespace barid::api
