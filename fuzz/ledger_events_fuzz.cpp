// Feeds arbitrary bytes, decoded as the API decodes a request body (parse_json_object), to the ledger
// routes' batch decoding (src/api/ledger_json.hpp): events_of(body, "accounts") with read_account on
// every event and events_of(body, "transfers") with read_transfer, as POST /api/v1/ledger/accounts and
// /transfers do. Beyond "no crash": errors carry the documented snake_case codes and name the event;
// a batch holds 1 to kMaxBatch objects; an accepted account or transfer has only known flags, a code
// within 0..65535, a currency the ledger keeps when one was named, an owner of 1 to 64 bytes, a
// transfer amount that was given (or 0 for the second phase of a pending transfer); ids given as
// strings are the numbers they spell; and the event, written back as the API writes it, decodes to the
// same account or transfer.
#include "ledger_json.hpp"

#include <barid/core/json.hpp>
#include <barid/ledger/ledger.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>

namespace {

namespace ledger = barid::ledger;

bool is_snake_case(std::string_view code) {
  return !code.empty() && std::all_of(code.begin(), code.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

void check_error(const barid::Error& error, std::string_view expected_code, const std::string& where) {
  if (!is_snake_case(error.code) || error.code != expected_code) std::abort();
  if (!error.message.starts_with(where + ".") || !barid::is_valid_utf8(error.message)) std::abort();
}

// An id field given as a decimal string holds the number it spells.
void check_id(const barid::Json& event, const char* field, const ledger::Id& id) {
  const auto found = event.find(field);
  if (found == event.end() || found->is_null()) {
    if (!id.zero()) std::abort();
    return;
  }
  if (found->is_string()) {
    const auto parsed = ledger::Id::parse(found->get_ref<const std::string&>());
    if (!parsed || *parsed != id) std::abort();
  }
  if (ledger::Id::parse(id.to_string()) != id) std::abort();
}

void check_ledger(const barid::Json& event, std::uint32_t number) {
  const auto currency = event.find("currency");
  if (currency == event.end() || currency->is_null()) return;
  const auto* known = ledger::currency_by_ledger(number);
  if (known == nullptr || !currency->is_string() || known->code != currency->get_ref<const std::string&>())
    std::abort();
}

void check_account(const barid::Json& event, const ledger::Account& a) {
  if ((a.flags & ~ledger::account_flags::all) != 0 || a.code > 65535) std::abort();
  if (a.owner_party_id && (a.owner_party_id->empty() || a.owner_party_id->size() > 64)) std::abort();
  check_id(event, "id", a.id);
  check_id(event, "user_data_128", a.user_data_128);
  check_ledger(event, a.ledger);

  // Written back as the API writes an account, it decodes to the same account.
  const barid::Json back = {{"id", a.id.to_string()},
                            {"ledger", a.ledger},
                            {"code", a.code},
                            {"flags", ledger::account_flag_names(a.flags)},
                            {"owner_party_id", a.owner_party_id ? barid::Json(*a.owner_party_id) : barid::Json()},
                            {"user_data_128", a.user_data_128.to_string()},
                            {"user_data_64", a.user_data_64},
                            {"user_data_32", a.user_data_32}};
  const auto again = barid::api::read_account(back, 0);
  if (!again) std::abort();
  if (again->id != a.id || again->ledger != a.ledger || again->code != a.code || again->flags != a.flags ||
      again->owner_party_id != a.owner_party_id || again->user_data_128 != a.user_data_128 ||
      again->user_data_64 != a.user_data_64 || again->user_data_32 != a.user_data_32) {
    std::abort();
  }
}

void check_transfer(const barid::Json& event, const ledger::Transfer& t) {
  if ((t.flags & ~ledger::transfer_flags::all) != 0 || t.code > 65535) std::abort();
  const bool second_phase =
      (t.flags & (ledger::transfer_flags::post_pending_transfer | ledger::transfer_flags::void_pending_transfer)) != 0;
  if (t.amount == INT64_MIN) std::abort();
  const auto amount = event.find("amount");
  const bool amount_given = amount != event.end() && !amount->is_null();
  if (!amount_given && (!second_phase || t.amount != 0)) std::abort();
  const std::pair<const char*, const ledger::Id*> ids[] = {{"id", &t.id},
                                                           {"debit_account_id", &t.debit_account_id},
                                                           {"credit_account_id", &t.credit_account_id},
                                                           {"pending_id", &t.pending_id},
                                                           {"user_data_128", &t.user_data_128}};
  for (const auto& [field, id] : ids) check_id(event, field, *id);
  if (!second_phase) {
    for (const char* field : {"debit_account_id", "credit_account_id"}) {
      const auto found = event.find(field);
      if (found == event.end() || found->is_null()) std::abort();
    }
  }
  check_ledger(event, t.ledger);

  // Written back as the API writes a transfer, it decodes to the same transfer.
  const barid::Json back = {{"id", t.id.to_string()},
                            {"debit_account_id", t.debit_account_id.to_string()},
                            {"credit_account_id", t.credit_account_id.to_string()},
                            {"amount", t.amount},
                            {"pending_id", t.pending_id.zero() ? barid::Json() : barid::Json(t.pending_id.to_string())},
                            {"timeout", t.timeout},
                            {"ledger", t.ledger},
                            {"code", t.code},
                            {"flags", ledger::transfer_flag_names(t.flags)},
                            {"user_data_128", t.user_data_128.to_string()},
                            {"user_data_64", t.user_data_64},
                            {"user_data_32", t.user_data_32}};
  const auto again = barid::api::read_transfer(back, 0);
  if (!again) std::abort();
  if (again->id != t.id || again->debit_account_id != t.debit_account_id ||
      again->credit_account_id != t.credit_account_id || again->amount != t.amount ||
      again->pending_id != t.pending_id || again->timeout != t.timeout || again->ledger != t.ledger ||
      again->code != t.code || again->flags != t.flags || again->user_data_128 != t.user_data_128 ||
      again->user_data_64 != t.user_data_64 || again->user_data_32 != t.user_data_32) {
    std::abort();
  }
}

// Every event of the batch, as the route reads them (it stops at the first error; here all are read).
template <class Read, class Check>
void decode_batch(const barid::Json& body, const char* name, const char* invalid_code, const Read& read,
                  const Check& check) {
  const auto events = barid::api::events_of(body, name, invalid_code);
  if (!events) {
    const auto& code = events.error().code;
    if (!is_snake_case(code) ||
        (code != "missing_field" && code != "empty_batch" && code != "batch_too_large" && code != invalid_code)) {
      std::abort();
    }
    if (events.error().message.empty()) std::abort();
    return;
  }
  const barid::Json& list = **events;
  if (!list.is_array() || list.empty() || list.size() > ledger::kMaxBatch) std::abort();
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (!list[i].is_object()) std::abort();
    const auto decoded = read(list[i], i);
    if (!decoded) {
      check_error(decoded.error(), invalid_code, std::string(name) + "[" + std::to_string(i) + "]");
      continue;
    }
    check(list[i], *decoded);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  const auto body = barid::parse_json_object(bytes);
  if (!body) return 0;
  decode_batch(*body, "accounts", "invalid_account", barid::api::read_account, check_account);
  decode_batch(*body, "transfers", "invalid_transfer", barid::api::read_transfer, check_transfer);
  return 0;
}
