// The shared core of the payment services: idempotency claims, account rows, the daily limit, the
// operator's accounts and recording a movement as ledger transfers plus its payment row.
#include "internal.hpp"

#include <barid/core/json.hpp>
#include <barid/crypto/crypto.hpp>

namespace barid::payments::detail {

namespace {

using store::Value;

ledger::Id id_at(const store::Row& row, std::size_t column) {
  return ledger::Id::from_bytes(row.blob(column)).value_or(ledger::Id{});
}

constexpr const char* kAccountColumns =
    "number, party_id, currency, name, status, daily_limit, limit_day, spent_on_day, created_at_ms, ledger_account_id";

std::vector<AccountRow> accounts_at(store::Transaction& tx, ledger::LedgerService& ledger,
                                    const std::vector<store::Row>& rows) {
  std::vector<AccountRow> out;
  std::vector<ledger::Id> ids;
  std::vector<std::string> party_ids;
  for (const auto& row : rows) {
    AccountRow a;
    a.account.number = row.text(0);
    a.account.party_id = row.text(1);
    a.account.currency = row.text(2);
    a.account.name = row.optional_text(3);
    a.account.status = row.text(4);
    a.account.daily_limit = row.int64(5);
    a.limit_day = row.int64(6);
    a.account.spent_today = row.int64(7);
    a.account.created_at_ms = row.int64(8);
    a.account.ledger_account_id = id_at(row, 9);
    ids.push_back(a.account.ledger_account_id);
    party_ids.push_back(a.account.party_id);
    out.push_back(std::move(a));
  }
  const auto balances = ledger.lookup_accounts_in(tx, ids);
  const auto parties = identity::IdentityService::parties_by_id(tx, party_ids);
  for (std::size_t i = 0; i < out.size(); ++i) {
    auto& account = out[i].account;
    if (i < balances.size() && balances[i].id == account.ledger_account_id) {
      const auto& b = balances[i];
      account.balance = b.credits_posted - b.debits_posted;
      account.held = b.debits_pending;
      account.incoming = b.credits_pending;
      account.available = account.balance - account.held;
    }
    if (const auto party = parties.find(account.party_id); party != parties.end()) {
      account.holder_name = party->second.name_latin;
    }
  }
  return out;
}

Error ledger_refusal(ledger::CreateTransferResult result, bool fee_leg, const std::string& credit_side) {
  using R = ledger::CreateTransferResult;
  const std::string leg = fee_leg ? "the fee" : "the payment";
  switch (result) {
    case R::exceeds_credits:
      return make_error(ErrorKind::unprocessable, "insufficient_funds",
                        "the account does not hold enough available money for " + leg);
    case R::exceeds_debits:
      if (credit_side == "drawer") {
        return make_error(ErrorKind::unprocessable, "drawer_insufficient_cash",
                          "the office's cash drawer does not hold this much cash");
      }
      return make_error(ErrorKind::unprocessable, "payment_refused", "the receiving account cannot take this amount");
    case R::debit_account_already_closed:
    case R::credit_account_already_closed:
      return make_error(ErrorKind::conflict, "account_closed", "one of the accounts is closed");
    case R::overflows_debits_pending:
    case R::overflows_credits_pending:
    case R::overflows_debits_posted:
    case R::overflows_credits_posted:
    case R::overflows_debits:
    case R::overflows_credits:
      return make_error(ErrorKind::unprocessable, "amount_too_large", "the amount would overflow an account's totals");
    default:
      return make_error(ErrorKind::unprocessable, "payment_refused",
                        "the ledger refused " + leg + ": " + std::string(ledger::to_string(result)));
  }
}

}  // namespace

Status validate_idempotency_key(const std::string& key) {
  if (key.empty() || key.size() > 128) {
    return invalid_input("invalid_idempotency_key", "Idempotency-Key must be 1 to 128 printable ASCII characters");
  }
  for (const char c : key) {
    if (c < 0x21 || c > 0x7e) {
      return invalid_input("invalid_idempotency_key", "Idempotency-Key must be 1 to 128 printable ASCII characters");
    }
  }
  return {};
}

Result<std::optional<std::string>> claim(store::Transaction& tx, const std::string& scope, const std::string& key,
                                         const std::string& operation, const std::string& fingerprint,
                                         std::int64_t now_ms) {
  // ON CONFLICT DO NOTHING: on PostgreSQL a concurrent duplicate waits here until the first
  // transaction ends, then sees its row (committed) or inserts its own (rolled back).
  const auto inserted = tx.execute(
      "INSERT INTO payment_requests (scope, idempotency_key, operation, fingerprint, result_id, created_at_ms) "
      "VALUES (?, ?, ?, ?, NULL, ?) ON CONFLICT (scope, idempotency_key) DO NOTHING",
      {scope, key, operation, fingerprint, now_ms});
  if (inserted == 1) return std::optional<std::string>();
  const auto row = tx.query_one(
      "SELECT operation, fingerprint, result_id FROM payment_requests WHERE scope = ? AND idempotency_key = ?",
      {scope, key});
  if (!row || row->is_null(2)) {
    return make_error(ErrorKind::conflict, "idempotency_key_in_use", "a request with this Idempotency-Key is running");
  }
  if (row->text(0) != operation || row->text(1) != fingerprint) {
    return make_error(ErrorKind::unprocessable, "idempotency_key_reused",
                      "this Idempotency-Key was used for a different request");
  }
  return std::optional<std::string>(row->text(2));
}

void record_result(store::Transaction& tx, const std::string& scope, const std::string& key, const std::string& id) {
  tx.execute("UPDATE payment_requests SET result_id = ? WHERE scope = ? AND idempotency_key = ?", {id, scope, key});
}

Once<Payment> payment_once(const identity::Principal& caller, const std::string& key, const std::string& operation,
                           std::string fingerprint) {
  Once<Payment> once;
  once.scope = caller.user_id;
  once.key = key;
  once.operation = operation;
  once.fingerprint = std::move(fingerprint);
  once.id_of = [](const Payment& p) { return p.id; };
  once.replay = [](store::Transaction& tx, const std::string& id) -> Result<Payment> {
    auto payment = load_payment(tx, id);
    payment->replayed = true;
    return std::move(*payment);
  };
  return once;
}

std::string fingerprint(std::initializer_list<std::string> fields) {
  std::string joined;
  for (const auto& field : fields) {
    joined += field;
    joined.push_back('\x1f');
  }
  const auto hash = crypto::sha256(joined);
  return crypto::hex_encode(hash);
}

std::optional<AccountRow> load_account(store::Transaction& tx, ledger::LedgerService& ledger, const std::string& number,
                                       bool lock) {
  auto rows = tx.query(
      std::string("SELECT ") + kAccountColumns + " FROM postal_accounts WHERE number = ?" + (lock ? " FOR UPDATE" : ""),
      {number});
  if (rows.empty()) return std::nullopt;
  return accounts_at(tx, ledger, rows).front();
}

std::optional<AccountRow> primary_account(store::Transaction& tx, ledger::LedgerService& ledger,
                                          const std::string& party_id, const std::string& currency) {
  auto rows = tx.query(std::string("SELECT ") + kAccountColumns +
                           " FROM postal_accounts WHERE party_id = ? AND currency = ? AND status = 'open' "
                           "ORDER BY created_at_ms, number LIMIT 1",
                       {party_id, currency});
  if (rows.empty()) return std::nullopt;
  return accounts_at(tx, ledger, rows).front();
}

std::vector<PostalAccount> accounts_of_party(store::Transaction& tx, ledger::LedgerService& ledger,
                                             const std::string& party_id) {
  std::vector<PostalAccount> out;
  for (auto& row : accounts_at(tx, ledger,
                               tx.query(std::string("SELECT ") + kAccountColumns +
                                            " FROM postal_accounts WHERE party_id = ? ORDER BY created_at_ms, number",
                                        {party_id}))) {
    out.push_back(std::move(row.account));
  }
  return out;
}

std::int64_t utc_day(std::int64_t ms) {
  return ms >= 0 ? ms / 86'400'000 : (ms - 86'399'999) / 86'400'000;
}

Result<AccountRow> receiving_account(store::Transaction& tx, ledger::LedgerService& ledger, const std::string& party_id,
                                     const std::string& currency, const std::optional<std::string>& named) {
  std::optional<AccountRow> account;
  if (named) {
    const auto number = normalize_account_number(*named);
    if (number) account = load_account(tx, ledger, *number, false);
    if (!account || account->account.party_id != party_id) {
      return not_found("account_not_found", "the account to receive into is not a postal account of yours");
    }
    if (account->account.currency != currency) {
      return make_error(ErrorKind::unprocessable, "currency_mismatch",
                        "the account to receive into holds " + account->account.currency + ", not " + currency);
    }
  } else {
    account = primary_account(tx, ledger, party_id, currency);
    if (!account) {
      return make_error(ErrorKind::unprocessable, "no_collection_account",
                        "open a postal account in " + currency + " to receive this money into");
    }
  }
  if (account->account.status != "open") return conflict("account_closed", "the account to receive into is closed");
  return std::move(*account);
}

Result<identity::PartyAccess> authorize_debit(store::Transaction& tx, identity::IdentityService& identity,
                                              const identity::Principal& caller, const PostalAccount& account,
                                              std::string_view action) {
  auto access = identity.authorize_party_access(tx, caller, account.party_id, identity::Scope::payments_pay, action,
                                                "account:" + account.number);
  if (!access) {
    if (access.error().kind == ErrorKind::not_found) {
      return not_found("account_not_found", "no postal account you may pay from has this number");
    }
    return std::move(access).error();
  }
  return access;
}

Status charge_daily_limit(store::Transaction& tx, const AccountRow& row, std::int64_t total, std::int64_t now_ms) {
  const std::int64_t today = utc_day(now_ms);
  const std::int64_t spent = row.limit_day == today ? row.account.spent_today : 0;
  if (total > row.account.daily_limit - spent) {
    return make_error(
        ErrorKind::unprocessable, "daily_limit_exceeded",
        "this would exceed the account's daily limit; " +
            format_amount(std::max<std::int64_t>(0, row.account.daily_limit - spent), row.account.currency) + " " +
            row.account.currency + " may still leave it today");
  }
  tx.execute("UPDATE postal_accounts SET limit_day = ?, spent_on_day = ? WHERE number = ?",
             {today, spent + total, row.account.number});
  return {};
}

ledger::Id operator_account(store::Transaction& tx, ledger::LedgerService& ledger, std::uint32_t code,
                            const std::string& currency) {
  const auto* known = ledger::currency_by_code(currency);
  // Fixed ids: the high half says "an operator account", the low half names code and ledger.
  const ledger::Id id{0xBA51D00000000000ull, (static_cast<std::uint64_t>(code) << 32) | known->number};
  ledger::Account account;
  account.id = id;
  account.ledger = known->number;
  account.code = code;
  account.flags = ledger::account_flags::history;
  const auto results = ledger.create_accounts_in(tx, std::span<const ledger::Account>(&account, 1));
  if (results[0] != ledger::CreateAccountResult::ok && results[0] != ledger::CreateAccountResult::exists) {
    throw std::runtime_error("cannot open the operator's account: " + std::string(ledger::to_string(results[0])));
  }
  return id;
}

Result<Payment> record_movement(store::Transaction& tx, ledger::LedgerService& ledger, Movement movement,
                                std::int64_t now_ms) {
  const auto* currency = ledger::currency_by_code(movement.payment.currency);
  std::vector<ledger::Transfer> transfers;
  const ledger::Id main_id = ledger::Id::random();
  auto transfer_of = [&](const Leg& leg, const ledger::Id& id) {
    ledger::Transfer t;
    t.id = id;
    t.debit_account_id = leg.debit;
    t.credit_account_id = leg.credit;
    t.amount = leg.amount;
    t.ledger = currency->number;
    t.code = leg.code;
    t.flags = leg.flags;
    t.timeout = leg.timeout;
    t.user_data_128 = main_id;
    return t;
  };
  transfers.push_back(transfer_of(movement.main, main_id));
  if (movement.fee && movement.fee->amount > 0) {
    transfers.front().flags |= ledger::transfer_flags::linked;
    transfers.push_back(transfer_of(*movement.fee, ledger::Id::random()));
  }
  const auto results = ledger.create_transfers_in(tx, transfers, movement.payment.actor_user_id);
  for (std::size_t i = 0; i < results.size(); ++i) {
    if (results[i] != ledger::CreateTransferResult::ok &&
        results[i] != ledger::CreateTransferResult::linked_event_failed) {
      return ledger_refusal(results[i], i == 1, movement.credit_side);
    }
  }
  Payment& p = movement.payment;
  p.id = main_id.to_string();
  p.authorization = new_authorization_code();
  p.created_at_ms = now_ms;
  auto optional = [](const std::optional<std::string>& text) -> Value { return text ? Value(*text) : Value(nullptr); };
  tx.execute(
      "INSERT INTO payments (id, kind, channel, currency, amount, fee, from_account, to_account, from_party_id, "
      "to_party_id, reference, authorization_code, actor_user_id, actor_capacity, office_code, created_at_ms) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      {p.id, p.kind, p.channel, p.currency, p.amount, p.fee, optional(p.from_account), optional(p.to_account),
       optional(p.from_party_id), optional(p.to_party_id), optional(p.reference), p.authorization, p.actor_user_id,
       p.actor_capacity, optional(p.office_code), p.created_at_ms});
  return p;
}

namespace {

constexpr const char* kPaymentColumns =
    "id, kind, channel, currency, amount, fee, from_account, to_account, from_party_id, to_party_id, reference, "
    "authorization_code, actor_user_id, actor_capacity, office_code, created_at_ms";

Payment payment_at(const store::Row& row) {
  Payment p;
  p.id = row.text(0);
  p.kind = row.text(1);
  p.channel = row.text(2);
  p.currency = row.text(3);
  p.amount = row.int64(4);
  p.fee = row.int64(5);
  p.from_account = row.optional_text(6);
  p.to_account = row.optional_text(7);
  p.from_party_id = row.optional_text(8);
  p.to_party_id = row.optional_text(9);
  p.reference = row.optional_text(10);
  p.authorization = row.text(11);
  p.actor_user_id = row.text(12);
  p.actor_capacity = row.text(13);
  p.office_code = row.optional_text(14);
  p.created_at_ms = row.int64(15);
  return p;
}

}  // namespace

std::optional<Payment> load_payment(store::Transaction& tx, const std::string& id) {
  const auto row = tx.query_one(std::string("SELECT ") + kPaymentColumns + " FROM payments WHERE id = ?", {id});
  if (!row) return std::nullopt;
  return payment_at(*row);
}

std::map<std::string, Payment> load_payments(store::Transaction& tx, const std::vector<std::string>& ids) {
  std::map<std::string, Payment> payments;
  constexpr std::size_t kChunk = 256;  // within both databases' parameter limits
  for (std::size_t first = 0; first < ids.size(); first += kChunk) {
    const std::size_t count = std::min(kChunk, ids.size() - first);
    std::string sql = std::string("SELECT ") + kPaymentColumns + " FROM payments WHERE id IN (?";
    for (std::size_t i = 1; i < count; ++i) sql += ", ?";
    sql += ")";
    const std::vector<store::Value> params(ids.begin() + static_cast<std::ptrdiff_t>(first),
                                           ids.begin() + static_cast<std::ptrdiff_t>(first + count));
    for (const auto& row : tx.query(sql, params)) {
      auto payment = payment_at(row);
      payments.emplace(payment.id, std::move(payment));
    }
  }
  return payments;
}

std::string new_authorization_code() {
  // Crockford's base32 without I, L, O, U: ten characters, 50 bits, read aloud without confusion.
  static constexpr char kAlphabet[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  std::uint64_t bits = crypto::random_uint64();
  std::string code;
  for (int i = 0; i < 10; ++i) {
    if (i == 5) code.push_back('-');
    code.push_back(kAlphabet[bits & 31]);
    bits >>= 5;
  }
  return code;
}

Status validate_amount(std::int64_t amount) {
  if (amount <= 0) return invalid_input("invalid_amount", "amount must be a positive whole number of minor units");
  return {};
}

Result<std::optional<std::string>> validate_reference(const std::optional<std::string>& reference) {
  if (!reference || reference->empty()) return std::optional<std::string>();
  if (!is_valid_utf8(*reference) || utf8_length(*reference) > 140) {
    return invalid_input("invalid_reference", "reference must be at most 140 characters of text");
  }
  for (const char c : *reference) {
    if (static_cast<unsigned char>(c) < 0x20) {
      return invalid_input("invalid_reference", "reference must not hold control characters");
    }
  }
  return reference;
}

}  // namespace barid::payments::detail
