// What the payment routes share: a payment's JSON and schema, amounts read from requests, and the
// 201-or-replayed answer of an idempotent request.
#pragma once

#include <barid/api/route.hpp>
#include <barid/payments/payments.hpp>

#include <optional>
#include <string>

namespace barid::api::detail {

Json optional_json(const std::optional<std::string>& text);
Json payment_json(const payments::Payment& p);
Json payment_schema();
// An amount in integer minor units: missing is missing_field, anything but a whole number below 2^63
// is invalid_amount.
Result<std::int64_t> amount_field(const Json& body, const char* name = "amount");
// 201 (with Location) for a new result; 200 with Idempotent-Replayed: true for a repeated key.
http::Response created(const Json& body, bool replayed, const std::string& location = "");

}  // namespace barid::api::detail
