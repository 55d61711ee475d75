// Decoding the ledger routes' request bodies (ledger_json.hpp): moved out of ledger_routes.cpp
// unchanged, so that fuzz_ledger_events can feed them without the rest of the API.
#include "ledger_json.hpp"

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>

namespace barid::api {

namespace {

// A field error names the event and the field: "transfers[3].amount must be …".
Error field_error(const std::string& code, const std::string& where, const std::string& field,
                  const std::string& must) {
  return invalid_input(code, where + "." + field + " " + must);
}

Result<ledger::Id> id_field(const Json& event, const std::string& code, const std::string& where, const char* field,
                            bool required) {
  const auto found = event.find(field);
  if (found == event.end() || found->is_null()) {
    if (required) return field_error(code, where, field, "is required");
    return ledger::Id{};
  }
  std::optional<ledger::Id> id;
  if (found->is_string()) id = ledger::Id::parse(found->get_ref<const std::string&>());
  if (found->is_number_unsigned()) id = ledger::Id{0, found->get<std::uint64_t>()};
  if (found->is_number_integer() && !found->is_number_unsigned() && found->get<std::int64_t>() >= 0) {
    id = ledger::Id{0, static_cast<std::uint64_t>(found->get<std::int64_t>())};
  }
  if (!id) return field_error(code, where, field, "must be a decimal string of a number below 2^128");
  return *id;
}

// A whole number in [min, max], given as a JSON number or a decimal string.
Result<std::int64_t> number_field(const Json& event, const std::string& code, const std::string& where,
                                  const char* field, std::int64_t min, std::int64_t max, std::int64_t fallback) {
  const auto found = event.find(field);
  if (found == event.end() || found->is_null()) return fallback;
  std::optional<std::int64_t> value;
  if (found->is_number_integer() && !found->is_number_unsigned()) value = found->get<std::int64_t>();
  if (found->is_number_unsigned() && found->get<std::uint64_t>() <= static_cast<std::uint64_t>(INT64_MAX)) {
    value = static_cast<std::int64_t>(found->get<std::uint64_t>());
  }
  if (found->is_string()) {
    const auto& text = found->get_ref<const std::string&>();
    std::int64_t parsed = 0;
    const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (!text.empty() && error == std::errc() && end == text.data() + text.size()) value = parsed;
  }
  if (!value || *value < min || *value > max) {
    return field_error(code, where, field,
                       "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max));
  }
  return *value;
}

Result<std::uint64_t> user_data_64_field(const Json& event, const std::string& code, const std::string& where) {
  const auto found = event.find("user_data_64");
  if (found == event.end() || found->is_null()) return std::uint64_t{0};
  if (found->is_number_unsigned()) return found->get<std::uint64_t>();
  if (found->is_number_integer() && found->get<std::int64_t>() >= 0) {
    return static_cast<std::uint64_t>(found->get<std::int64_t>());
  }
  if (found->is_string()) {
    const auto id = ledger::Id::parse(found->get_ref<const std::string&>());
    if (id && id->high == 0) return id->low;
  }
  return field_error(code, where, "user_data_64", "must be a whole number below 2^64");
}

template <class FlagOf>
Result<std::uint32_t> flags_field(const Json& event, const std::string& code, const std::string& where,
                                  const FlagOf& flag_of) {
  const auto found = event.find("flags");
  if (found == event.end() || found->is_null()) return std::uint32_t{0};
  if (!found->is_array()) return field_error(code, where, "flags", "must be an array of flag names");
  std::uint32_t flags = 0;
  for (const auto& name : *found) {
    const auto flag = name.is_string() ? flag_of(name.get_ref<const std::string&>()) : std::nullopt;
    if (!flag) return field_error(code, where, "flags", "holds an unknown flag");
    flags |= *flag;
  }
  return flags;
}

// The ledger a request names, by ISO 4217 number ("ledger": 818) or code ("currency": "EGP").
Result<std::uint32_t> ledger_field(const Json& event, const std::string& code, const std::string& where,
                                   bool required) {
  if (const auto currency = event.find("currency"); currency != event.end() && !currency->is_null()) {
    const auto* known =
        currency->is_string() ? ledger::currency_by_code(currency->get_ref<const std::string&>()) : nullptr;
    if (!known) return field_error(code, where, "currency", "must be an ISO 4217 code this ledger keeps");
    return known->number;
  }
  BARID_ASSIGN_OR_RETURN(auto ledger, number_field(event, code, where, "ledger", 0, UINT32_MAX, -1));
  if (ledger < 0) {
    if (required) return field_error(code, where, "ledger", "is required (or give currency)");
    return std::uint32_t{0};
  }
  return static_cast<std::uint32_t>(ledger);
}

}  // namespace

// The array `name` of a batch request; `invalid_code` is the error for an event that is no object.
Result<const Json*> events_of(const Json& body, const char* name, const char* invalid_code) {
  const auto found = body.find(name);
  if (found == body.end() || !found->is_array()) {
    return invalid_input("missing_field", std::string("the body needs an array '") + name + "'");
  }
  if (found->empty()) return invalid_input("empty_batch", "the batch holds no events");
  if (found->size() > ledger::kMaxBatch) {
    return invalid_input("batch_too_large", "a batch holds at most 8190 events");
  }
  for (const auto& event : *found) {
    if (!event.is_object()) return invalid_input(invalid_code, std::string(name) + " must hold objects");
  }
  return &*found;
}

Result<ledger::Account> read_account(const Json& event, std::size_t index) {
  const std::string code = "invalid_account";
  const std::string where = "accounts[" + std::to_string(index) + "]";
  ledger::Account account;
  BARID_ASSIGN_OR_RETURN(account.id, id_field(event, code, where, "id", true));
  BARID_ASSIGN_OR_RETURN(account.ledger, ledger_field(event, code, where, true));
  BARID_ASSIGN_OR_RETURN(auto account_code, number_field(event, code, where, "code", 0, 65535, 0));
  account.code = static_cast<std::uint32_t>(account_code);
  BARID_ASSIGN_OR_RETURN(account.flags, flags_field(event, code, where, ledger::account_flag));
  if (const auto owner = event.find("owner_party_id"); owner != event.end() && !owner->is_null()) {
    if (!owner->is_string() || owner->get_ref<const std::string&>().empty() ||
        owner->get_ref<const std::string&>().size() > 64) {
      return field_error(code, where, "owner_party_id", "must be a party id");
    }
    account.owner_party_id = owner->get<std::string>();
  }
  BARID_ASSIGN_OR_RETURN(account.user_data_128, id_field(event, code, where, "user_data_128", false));
  BARID_ASSIGN_OR_RETURN(account.user_data_64, user_data_64_field(event, code, where));
  BARID_ASSIGN_OR_RETURN(auto data_32, number_field(event, code, where, "user_data_32", 0, UINT32_MAX, 0));
  account.user_data_32 = static_cast<std::uint32_t>(data_32);
  return account;
}

Result<ledger::Transfer> read_transfer(const Json& event, std::size_t index) {
  const std::string code = "invalid_transfer";
  const std::string where = "transfers[" + std::to_string(index) + "]";
  ledger::Transfer transfer;
  BARID_ASSIGN_OR_RETURN(transfer.id, id_field(event, code, where, "id", true));
  BARID_ASSIGN_OR_RETURN(transfer.flags, flags_field(event, code, where, ledger::transfer_flag));
  const bool second_phase =
      transfer.flags & (ledger::transfer_flags::post_pending_transfer | ledger::transfer_flags::void_pending_transfer);
  BARID_ASSIGN_OR_RETURN(transfer.debit_account_id, id_field(event, code, where, "debit_account_id", !second_phase));
  BARID_ASSIGN_OR_RETURN(transfer.credit_account_id, id_field(event, code, where, "credit_account_id", !second_phase));
  // Zero and negative amounts reach the engine, which answers them with their own result codes.
  BARID_ASSIGN_OR_RETURN(
      transfer.amount, number_field(event, code, where, "amount", INT64_MIN, INT64_MAX, second_phase ? 0 : INT64_MIN));
  if (transfer.amount == INT64_MIN) return field_error(code, where, "amount", "is required (integer minor units)");
  BARID_ASSIGN_OR_RETURN(transfer.pending_id, id_field(event, code, where, "pending_id", false));
  BARID_ASSIGN_OR_RETURN(auto timeout, number_field(event, code, where, "timeout", 0, UINT32_MAX, 0));
  transfer.timeout = static_cast<std::uint32_t>(timeout);
  BARID_ASSIGN_OR_RETURN(transfer.ledger, ledger_field(event, code, where, !second_phase));
  BARID_ASSIGN_OR_RETURN(auto transfer_code, number_field(event, code, where, "code", 0, 65535, 0));
  transfer.code = static_cast<std::uint32_t>(transfer_code);
  BARID_ASSIGN_OR_RETURN(transfer.user_data_128, id_field(event, code, where, "user_data_128", false));
  BARID_ASSIGN_OR_RETURN(transfer.user_data_64, user_data_64_field(event, code, where));
  BARID_ASSIGN_OR_RETURN(auto data_32, number_field(event, code, where, "user_data_32", 0, UINT32_MAX, 0));
  transfer.user_data_32 = static_cast<std::uint32_t>(data_32);
  return transfer;
}

}  // namespace barid::api
