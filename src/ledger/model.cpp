#include <barid/crypto/crypto.hpp>
#include <barid/ledger/ledger.hpp>

#include <algorithm>

namespace barid::ledger {

namespace {
__extension__ typedef unsigned __int128 u128;

u128 to_u128(const Id& id) {
  return (static_cast<u128>(id.high) << 64) | id.low;
}
Id from_u128(u128 value) {
  return Id{static_cast<std::uint64_t>(value >> 64), static_cast<std::uint64_t>(value)};
}

struct FlagName {
  std::uint32_t flag;
  std::string_view name;
};
constexpr FlagName kAccountFlags[] = {
    {account_flags::linked, "linked"},
    {account_flags::debits_must_not_exceed_credits, "debits_must_not_exceed_credits"},
    {account_flags::credits_must_not_exceed_debits, "credits_must_not_exceed_debits"},
    {account_flags::history, "history"},
    {account_flags::closed, "closed"},
};
constexpr FlagName kTransferFlags[] = {
    {transfer_flags::linked, "linked"},
    {transfer_flags::pending, "pending"},
    {transfer_flags::post_pending_transfer, "post_pending_transfer"},
    {transfer_flags::void_pending_transfer, "void_pending_transfer"},
};

template <std::size_t N>
std::vector<std::string> names_of(std::uint32_t flags, const FlagName (&table)[N]) {
  std::vector<std::string> names;
  for (const auto& entry : table) {
    if (flags & entry.flag) names.emplace_back(entry.name);
  }
  return names;
}
template <std::size_t N>
std::optional<std::uint32_t> flag_of(std::string_view name, const FlagName (&table)[N]) {
  for (const auto& entry : table) {
    if (entry.name == name) return entry.flag;
  }
  return std::nullopt;
}

// ISO 4217: the currencies of the region and the two it trades most in.
constexpr Currency kCurrencies[] = {
    {"AED", 784, 2, "UAE dirham"},     {"BHD", 48, 3, "Bahraini dinar"},
    {"DZD", 12, 2, "Algerian dinar"},  {"EGP", 818, 2, "Egyptian pound"},
    {"EUR", 978, 2, "Euro"},           {"GBP", 826, 2, "Pound sterling"},
    {"IQD", 368, 3, "Iraqi dinar"},    {"JOD", 400, 3, "Jordanian dinar"},
    {"KWD", 414, 3, "Kuwaiti dinar"},  {"LBP", 422, 2, "Lebanese pound"},
    {"LYD", 434, 3, "Libyan dinar"},   {"MAD", 504, 2, "Moroccan dirham"},
    {"MRU", 929, 2, "Ouguiya"},        {"OMR", 512, 3, "Omani rial"},
    {"QAR", 634, 2, "Qatari riyal"},   {"SAR", 682, 2, "Saudi riyal"},
    {"SDG", 938, 2, "Sudanese pound"}, {"SYP", 760, 2, "Syrian pound"},
    {"TND", 788, 3, "Tunisian dinar"}, {"USD", 840, 2, "US dollar"},
    {"YER", 886, 2, "Yemeni rial"},
};
}  // namespace

std::string Id::to_string() const {
  u128 value = to_u128(*this);
  if (value == 0) return "0";
  std::string digits;
  while (value != 0) {
    digits.push_back(static_cast<char>('0' + static_cast<int>(value % 10)));
    value /= 10;
  }
  std::reverse(digits.begin(), digits.end());
  return digits;
}

std::optional<Id> Id::parse(std::string_view decimal) {
  if (decimal.empty() || decimal.size() > 39) return std::nullopt;
  u128 value = 0;
  constexpr u128 max = ~static_cast<u128>(0);
  for (char c : decimal) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<unsigned>(c - '0');
    if (value > (max - digit) / 10) return std::nullopt;
    value = value * 10 + digit;
  }
  return from_u128(value);
}

std::vector<std::uint8_t> Id::to_bytes() const {
  std::vector<std::uint8_t> bytes(16);
  for (int i = 0; i < 8; ++i) {
    bytes[static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(high >> (56 - 8 * i));
    bytes[static_cast<std::size_t>(8 + i)] = static_cast<std::uint8_t>(low >> (56 - 8 * i));
  }
  return bytes;
}

std::optional<Id> Id::from_bytes(const std::vector<std::uint8_t>& bytes) {
  if (bytes.size() != 16) return std::nullopt;
  Id id;
  for (std::size_t i = 0; i < 8; ++i) {
    id.high = (id.high << 8) | bytes[i];
    id.low = (id.low << 8) | bytes[8 + i];
  }
  return id;
}

Id Id::random() {
  std::uint8_t bytes[16];
  crypto::random_fill(bytes);
  return *from_bytes(std::vector<std::uint8_t>(bytes, bytes + 16));
}

std::vector<std::string> account_flag_names(std::uint32_t flags) {
  return names_of(flags, kAccountFlags);
}
std::vector<std::string> transfer_flag_names(std::uint32_t flags) {
  return names_of(flags, kTransferFlags);
}
std::optional<std::uint32_t> account_flag(std::string_view name) {
  return flag_of(name, kAccountFlags);
}
std::optional<std::uint32_t> transfer_flag(std::string_view name) {
  return flag_of(name, kTransferFlags);
}

std::string_view to_string(PendingStatus status) {
  switch (status) {
    case PendingStatus::none: return "none";
    case PendingStatus::pending: return "pending";
    case PendingStatus::posted: return "posted";
    case PendingStatus::voided: return "voided";
    case PendingStatus::expired: return "expired";
  }
  return "none";
}

std::string_view to_string(CreateAccountResult result) {
  switch (result) {
    case CreateAccountResult::ok: return "ok";
    case CreateAccountResult::linked_event_failed: return "linked_event_failed";
    case CreateAccountResult::linked_event_chain_open: return "linked_event_chain_open";
    case CreateAccountResult::reserved_flag: return "reserved_flag";
    case CreateAccountResult::id_must_not_be_zero: return "id_must_not_be_zero";
    case CreateAccountResult::id_must_not_be_int_max: return "id_must_not_be_int_max";
    case CreateAccountResult::flags_are_mutually_exclusive: return "flags_are_mutually_exclusive";
    case CreateAccountResult::ledger_must_not_be_zero: return "ledger_must_not_be_zero";
    case CreateAccountResult::ledger_unknown: return "ledger_unknown";
    case CreateAccountResult::code_must_not_be_zero: return "code_must_not_be_zero";
    case CreateAccountResult::exists_with_different_flags: return "exists_with_different_flags";
    case CreateAccountResult::exists_with_different_user_data_128: return "exists_with_different_user_data_128";
    case CreateAccountResult::exists_with_different_user_data_64: return "exists_with_different_user_data_64";
    case CreateAccountResult::exists_with_different_user_data_32: return "exists_with_different_user_data_32";
    case CreateAccountResult::exists_with_different_ledger: return "exists_with_different_ledger";
    case CreateAccountResult::exists_with_different_code: return "exists_with_different_code";
    case CreateAccountResult::exists_with_different_owner: return "exists_with_different_owner";
    case CreateAccountResult::exists: return "exists";
  }
  return "unknown";
}

std::string_view to_string(CreateTransferResult result) {
  switch (result) {
    case CreateTransferResult::ok: return "ok";
    case CreateTransferResult::linked_event_failed: return "linked_event_failed";
    case CreateTransferResult::linked_event_chain_open: return "linked_event_chain_open";
    case CreateTransferResult::reserved_flag: return "reserved_flag";
    case CreateTransferResult::id_must_not_be_zero: return "id_must_not_be_zero";
    case CreateTransferResult::id_must_not_be_int_max: return "id_must_not_be_int_max";
    case CreateTransferResult::exists_with_different_flags: return "exists_with_different_flags";
    case CreateTransferResult::exists_with_different_pending_id: return "exists_with_different_pending_id";
    case CreateTransferResult::exists_with_different_timeout: return "exists_with_different_timeout";
    case CreateTransferResult::exists_with_different_debit_account_id: return "exists_with_different_debit_account_id";
    case CreateTransferResult::exists_with_different_credit_account_id:
      return "exists_with_different_credit_account_id";
    case CreateTransferResult::exists_with_different_amount: return "exists_with_different_amount";
    case CreateTransferResult::exists_with_different_user_data_128: return "exists_with_different_user_data_128";
    case CreateTransferResult::exists_with_different_user_data_64: return "exists_with_different_user_data_64";
    case CreateTransferResult::exists_with_different_user_data_32: return "exists_with_different_user_data_32";
    case CreateTransferResult::exists_with_different_ledger: return "exists_with_different_ledger";
    case CreateTransferResult::exists_with_different_code: return "exists_with_different_code";
    case CreateTransferResult::exists: return "exists";
    case CreateTransferResult::flags_are_mutually_exclusive: return "flags_are_mutually_exclusive";
    case CreateTransferResult::debit_account_id_must_not_be_zero: return "debit_account_id_must_not_be_zero";
    case CreateTransferResult::debit_account_id_must_not_be_int_max: return "debit_account_id_must_not_be_int_max";
    case CreateTransferResult::credit_account_id_must_not_be_zero: return "credit_account_id_must_not_be_zero";
    case CreateTransferResult::credit_account_id_must_not_be_int_max: return "credit_account_id_must_not_be_int_max";
    case CreateTransferResult::accounts_must_be_different: return "accounts_must_be_different";
    case CreateTransferResult::pending_id_must_be_zero: return "pending_id_must_be_zero";
    case CreateTransferResult::pending_id_must_not_be_zero: return "pending_id_must_not_be_zero";
    case CreateTransferResult::pending_id_must_not_be_int_max: return "pending_id_must_not_be_int_max";
    case CreateTransferResult::pending_id_must_be_different: return "pending_id_must_be_different";
    case CreateTransferResult::timeout_reserved_for_pending_transfer: return "timeout_reserved_for_pending_transfer";
    case CreateTransferResult::amount_must_not_be_zero: return "amount_must_not_be_zero";
    case CreateTransferResult::amount_must_not_be_negative: return "amount_must_not_be_negative";
    case CreateTransferResult::ledger_must_not_be_zero: return "ledger_must_not_be_zero";
    case CreateTransferResult::code_must_not_be_zero: return "code_must_not_be_zero";
    case CreateTransferResult::debit_account_not_found: return "debit_account_not_found";
    case CreateTransferResult::credit_account_not_found: return "credit_account_not_found";
    case CreateTransferResult::accounts_must_have_the_same_ledger: return "accounts_must_have_the_same_ledger";
    case CreateTransferResult::transfer_must_have_the_same_ledger_as_accounts:
      return "transfer_must_have_the_same_ledger_as_accounts";
    case CreateTransferResult::debit_account_already_closed: return "debit_account_already_closed";
    case CreateTransferResult::credit_account_already_closed: return "credit_account_already_closed";
    case CreateTransferResult::pending_transfer_not_found: return "pending_transfer_not_found";
    case CreateTransferResult::pending_transfer_not_pending: return "pending_transfer_not_pending";
    case CreateTransferResult::pending_transfer_has_different_debit_account_id:
      return "pending_transfer_has_different_debit_account_id";
    case CreateTransferResult::pending_transfer_has_different_credit_account_id:
      return "pending_transfer_has_different_credit_account_id";
    case CreateTransferResult::pending_transfer_has_different_ledger: return "pending_transfer_has_different_ledger";
    case CreateTransferResult::pending_transfer_has_different_code: return "pending_transfer_has_different_code";
    case CreateTransferResult::exceeds_pending_transfer_amount: return "exceeds_pending_transfer_amount";
    case CreateTransferResult::pending_transfer_has_different_amount: return "pending_transfer_has_different_amount";
    case CreateTransferResult::pending_transfer_already_posted: return "pending_transfer_already_posted";
    case CreateTransferResult::pending_transfer_already_voided: return "pending_transfer_already_voided";
    case CreateTransferResult::pending_transfer_expired: return "pending_transfer_expired";
    case CreateTransferResult::overflows_debits_pending: return "overflows_debits_pending";
    case CreateTransferResult::overflows_credits_pending: return "overflows_credits_pending";
    case CreateTransferResult::overflows_debits_posted: return "overflows_debits_posted";
    case CreateTransferResult::overflows_credits_posted: return "overflows_credits_posted";
    case CreateTransferResult::overflows_debits: return "overflows_debits";
    case CreateTransferResult::overflows_credits: return "overflows_credits";
    case CreateTransferResult::exceeds_credits: return "exceeds_credits";
    case CreateTransferResult::exceeds_debits: return "exceeds_debits";
  }
  return "unknown";
}
std::optional<CreateTransferResult> transfer_result(std::string_view name) {
  for (int i = 0; i <= static_cast<int>(CreateTransferResult::exceeds_debits); ++i) {
    const auto result = static_cast<CreateTransferResult>(i);
    if (to_string(result) == name) return result;
  }
  return std::nullopt;
}

std::span<const Currency> currencies() {
  return kCurrencies;
}

const Currency* currency_by_code(std::string_view code) {
  for (const auto& currency : kCurrencies) {
    if (currency.code == code) return &currency;
  }
  return nullptr;
}

const Currency* currency_by_ledger(std::uint32_t ledger) {
  for (const auto& currency : kCurrencies) {
    if (currency.number == ledger) return &currency;
  }
  return nullptr;
}

}  // namespace barid::ledger
