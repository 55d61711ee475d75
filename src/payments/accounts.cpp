// Postal accounts: opening with an IBAN-style number, reading with the access log, the daily limit,
// statements, and the payments' part of a party's data export.
#include "internal.hpp"

#include <barid/core/json.hpp>
#include <barid/core/time.hpp>
#include <barid/crypto/crypto.hpp>

#include <set>

namespace barid::payments {

using identity::Principal;
using identity::Role;
using identity::Scope;

namespace {

std::int64_t pow10(int exponent) {
  std::int64_t value = 1;
  for (int i = 0; i < exponent; ++i) value *= 10;
  return value;
}

std::string random_serial() {
  std::string digits = std::to_string(crypto::random_uint64() % 10'000'000'000'000'000ull);
  return std::string(16 - digits.size(), '0') + digits;
}

bool is_staff(const Principal& caller) {
  return caller.has_role(Role::postal_clerk) || caller.has_role(Role::operator_admin);
}

}  // namespace

PaymentsService::PaymentsService(store::Store& store, identity::IdentityService& identity,
                                 ledger::LedgerService& ledger, PaymentsOptions options)
    : store_(store), identity_(identity), ledger_(ledger), options_(std::move(options)) {}

std::int64_t PaymentsService::clock_ms() const {
  return options_.clock ? options_.clock() : now_ms();
}

Result<detail::AccountRow> detail::read_account_for(store::Transaction& tx, identity::IdentityService& identity,
                                                    ledger::LedgerService& ledger, const Principal& caller,
                                                    const std::string& number_text, std::string_view action) {
  const Error hidden = not_found("account_not_found", "no postal account you may see has this number");
  const auto number = normalize_account_number(number_text);
  if (!number) return hidden;
  auto row = detail::load_account(tx, ledger, *number, false);
  if (!row) return hidden;
  auto access = identity.authorize_party_access(tx, caller, row->account.party_id, Scope::payments_read, action,
                                                "account:" + *number);
  if (!access) return access.error().kind == ErrorKind::not_found ? hidden : std::move(access).error();
  return std::move(*row);
}

Result<PostalAccount> PaymentsService::open_account(const Principal& caller, const OpenAccountRequest& request,
                                                    const std::string& idempotency_key) {
  const auto* currency = ledger::currency_by_code(request.currency);
  if (!currency) return invalid_input("invalid_currency", "currency must be an ISO 4217 code the ledger keeps");
  if (request.name && (request.name->empty() || utf8_length(*request.name) > 40 || !is_valid_utf8(*request.name))) {
    return invalid_input("invalid_name", "name must be 1 to 40 characters");
  }
  const std::int64_t default_limit = options_.default_daily_limit_major * pow10(currency->minor_units);
  if (request.daily_limit &&
      (*request.daily_limit <= 0 || (*request.daily_limit > default_limit && !caller.has_role(Role::operator_admin)))) {
    return invalid_input("invalid_daily_limit", "daily_limit must be positive and at most " +
                                                    format_amount(default_limit, request.currency) + " " +
                                                    request.currency + " unless an administrator sets it");
  }
  const std::string party_id = request.party_id.value_or(caller.party_id);
  const std::int64_t now = clock_ms();

  detail::Once<PostalAccount> once;
  once.scope = caller.user_id;
  once.key = idempotency_key;
  once.operation = "open_account";
  once.fingerprint = detail::fingerprint(
      {request.currency, party_id, request.name.value_or(""), std::to_string(request.daily_limit.value_or(0))});
  once.id_of = [](const PostalAccount& a) { return a.number; };
  once.replay = [&](store::Transaction& tx, const std::string& number) -> Result<PostalAccount> {
    return detail::load_account(tx, ledger_, number, false)->account;
  };
  once.work = [&](store::Transaction& tx) -> Result<PostalAccount> {
    if (party_id != caller.party_id) {
      auto access = identity_.authorize_party_access(tx, caller, party_id, Scope::payments_read,
                                                     "payments.open_account", "party:" + party_id);
      if (!access) return std::move(access).error();
      if (!is_staff(caller)) {
        return forbidden("not_allowed", "only the holder, a postal clerk or an administrator opens an account");
      }
    }
    const auto parties = identity::IdentityService::parties_by_id(tx, {party_id});
    const auto party = parties.find(party_id);
    if (party == parties.end()) return not_found("party_not_found", "no party has this id");
    if (party->second.kind == identity::PartyKind::postal_operator) {
      return invalid_input("invalid_party", "the operator's own accounts are not postal accounts");
    }
    const auto count = tx.query_one("SELECT COUNT(*) FROM postal_accounts WHERE party_id = ?", {party_id});
    if (count->int64(0) >= static_cast<std::int64_t>(options_.max_accounts_per_party)) {
      return make_error(ErrorKind::conflict, "too_many_accounts",
                        "a party holds at most " + std::to_string(options_.max_accounts_per_party) + " accounts");
    }
    std::string number;
    do {
      number = make_account_number(options_.country, random_serial());
    } while (tx.query_one("SELECT number FROM postal_accounts WHERE number = ?", {number}));

    ledger::Account account;
    account.id = ledger::Id::random();
    account.ledger = currency->number;
    account.code = account_codes::postal;
    account.flags = ledger::account_flags::debits_must_not_exceed_credits | ledger::account_flags::history;
    account.owner_party_id = party_id;
    const auto results = ledger_.create_accounts_in(tx, std::span<const ledger::Account>(&account, 1));
    if (results[0] != ledger::CreateAccountResult::ok) {
      throw std::runtime_error("cannot open a ledger account: " + std::string(ledger::to_string(results[0])));
    }
    tx.execute(
        "INSERT INTO postal_accounts (number, ledger_account_id, party_id, currency, name, status, daily_limit, "
        "limit_day, spent_on_day, created_at_ms, created_by_user_id) VALUES (?, ?, ?, ?, ?, 'open', ?, ?, 0, ?, ?)",
        {number, account.id.to_bytes(), party_id, request.currency,
         request.name ? store::Value(*request.name) : store::Value(nullptr),
         request.daily_limit.value_or(default_limit), detail::utc_day(now), now, caller.user_id});
    return detail::load_account(tx, ledger_, number, false)->account;
  };
  return detail::run_once(store_, now, once);
}

Result<std::vector<PostalAccount>> PaymentsService::accounts(const Principal& caller,
                                                             const std::optional<std::string>& party_id) {
  const std::string target = party_id.value_or(caller.party_id);
  return store_.write<std::vector<PostalAccount>>([&](store::Transaction& tx) -> Result<std::vector<PostalAccount>> {
    auto access = identity_.authorize_party_access(tx, caller, target, Scope::payments_read, "payments.accounts",
                                                   "party:" + target);
    if (!access) return std::move(access).error();
    return detail::accounts_of_party(tx, ledger_, target);
  });
}

Result<PostalAccount> PaymentsService::account(const Principal& caller, const std::string& number) {
  return store_.write<PostalAccount>([&](store::Transaction& tx) -> Result<PostalAccount> {
    BARID_ASSIGN_OR_RETURN(auto row,
                           detail::read_account_for(tx, identity_, ledger_, caller, number, "payments.account"));
    return std::move(row.account);
  });
}

Result<PostalAccount> PaymentsService::set_daily_limit(const Principal& caller, const std::string& number_text,
                                                       std::int64_t daily_limit) {
  return store_.write<PostalAccount>([&](store::Transaction& tx) -> Result<PostalAccount> {
    const auto number = normalize_account_number(number_text);
    auto row = number ? detail::load_account(tx, ledger_, *number, true) : std::nullopt;
    if (!row) return not_found("account_not_found", "no postal account you may change has this number");
    const bool admin = caller.has_role(Role::operator_admin);
    if (!admin) BARID_TRY(detail::authorize_debit(tx, identity_, caller, row->account, "payments.set_limit"));
    const auto* currency = ledger::currency_by_code(row->account.currency);
    const std::int64_t default_limit = options_.default_daily_limit_major * pow10(currency->minor_units);
    if (daily_limit <= 0 || (daily_limit > default_limit && !admin)) {
      return invalid_input("invalid_daily_limit", "daily_limit must be positive and at most " +
                                                      format_amount(default_limit, row->account.currency) + " " +
                                                      row->account.currency + " unless an administrator sets it");
    }
    if (admin && caller.party_id != row->account.party_id) {
      identity_.log_access(tx, caller, row->account.party_id, "operator_admin", "payments.set_limit",
                           "account:" + *number);
    }
    tx.execute("UPDATE postal_accounts SET daily_limit = ? WHERE number = ?", {daily_limit, *number});
    return detail::load_account(tx, ledger_, *number, false)->account;
  });
}

Result<Statement> PaymentsService::statement(const Principal& caller, const std::string& number, std::int64_t from_ms,
                                             std::int64_t to_ms) {
  if (from_ms < 0 || to_ms <= from_ms || from_ms > INT64_MAX / 1'000'000) {
    return invalid_input("invalid_time_range", "the period must start before it ends");
  }
  return store_.write<Statement>([&](store::Transaction& tx) -> Result<Statement> {
    BARID_ASSIGN_OR_RETURN(auto row,
                           detail::read_account_for(tx, identity_, ledger_, caller, number, "payments.statement"));
    Statement statement;
    statement.account = row.account;
    statement.from_ms = from_ms;
    statement.to_ms = to_ms;
    const auto from_ns = from_ms * 1'000'000;
    const auto to_ns = to_ms > INT64_MAX / 1'000'000 ? INT64_MAX : to_ms * 1'000'000;
    const auto before = ledger_.balance_before_in(tx, row.account.ledger_account_id, from_ns);
    statement.opening_balance = before ? before->credits_posted - before->debits_posted : 0;

    std::vector<ledger::Transfer> booked;
    ledger::TransferQuery query;
    query.account_id = row.account.ledger_account_id;
    query.from_ns = from_ns;
    query.to_ns = to_ns;
    query.limit = 1000;
    for (;;) {
      BARID_ASSIGN_OR_RETURN(auto page, ledger_.account_transfers_in(tx, query));
      for (auto& t : page.transfers) {
        // Reservations (pending) and their release (void) never touch the posted balance.
        if (t.flags & (ledger::transfer_flags::pending | ledger::transfer_flags::void_pending_transfer)) continue;
        booked.push_back(std::move(t));
      }
      if (booked.size() > kMaxStatementEntries) {
        return make_error(ErrorKind::unprocessable, "statement_too_long",
                          "the period holds more than 10,000 entries; ask for a shorter one");
      }
      if (!page.next_cursor) break;
      query.cursor = page.next_cursor;
    }

    std::set<std::string> payment_ids;
    for (const auto& t : booked) payment_ids.insert(t.user_data_128.to_string());
    const auto payments = detail::load_payments(tx, std::vector<std::string>(payment_ids.begin(), payment_ids.end()));
    std::set<std::string> party_ids;
    for (const auto& [id, payment] : payments) {
      if (payment.from_party_id) party_ids.insert(*payment.from_party_id);
      if (payment.to_party_id) party_ids.insert(*payment.to_party_id);
    }
    const auto parties =
        identity::IdentityService::parties_by_id(tx, std::vector<std::string>(party_ids.begin(), party_ids.end()));
    auto name_of = [&](const std::optional<std::string>& party_id) -> std::optional<std::string> {
      if (!party_id) return std::nullopt;
      const auto found = parties.find(*party_id);
      return found == parties.end() ? std::nullopt : std::optional<std::string>(found->second.name_latin);
    };

    std::int64_t balance = statement.opening_balance;
    for (const auto& t : booked) {
      StatementEntry entry;
      entry.transfer_id = t.id.to_string();
      entry.payment_id = t.user_data_128.to_string();
      entry.booked_at_ms = t.timestamp_ns / 1'000'000;
      entry.credit = t.credit_account_id == row.account.ledger_account_id;
      entry.amount = t.amount;
      balance += entry.credit ? t.amount : -t.amount;
      entry.balance_after = balance;
      (entry.credit ? statement.total_credits : statement.total_debits) += t.amount;
      const auto payment = payments.find(entry.payment_id);
      if (t.code == transfer_codes::fee) {
        entry.kind = "fee";
        entry.counterparty = "Barid";
        entry.counterparty_name = "Barid fees";
      } else if (payment != payments.end()) {
        const Payment& p = payment->second;
        entry.kind = p.kind;
        entry.reference = p.reference;
        if (entry.credit) {
          entry.counterparty = p.from_account ? p.from_account : p.office_code;
          entry.counterparty_name = name_of(p.from_party_id);
        } else {
          entry.counterparty = p.to_account ? p.to_account : p.office_code;
          entry.counterparty_name = name_of(p.to_party_id);
        }
      } else {
        entry.kind = "ledger";
      }
      statement.entries.push_back(std::move(entry));
    }
    statement.closing_balance = balance;
    return statement;
  });
}

Result<Payment> PaymentsService::payment(const Principal& caller, const std::string& payment_id) {
  return store_.write<Payment>([&](store::Transaction& tx) -> Result<Payment> {
    const Error hidden = not_found("payment_not_found", "no payment you may see has this id");
    if (payment_id.empty() || payment_id.size() > 40) return hidden;
    auto payment = detail::load_payment(tx, payment_id);
    if (!payment) return hidden;
    // Either side may read it; staff read it in their capacity, logged for the paying party.
    for (const auto& side : {payment->from_party_id, payment->to_party_id}) {
      if (!side) continue;
      if (identity_.authorize_party_access(tx, caller, *side, Scope::payments_read, "payments.payment",
                                           "payment:" + payment_id)) {
        return std::move(*payment);
      }
    }
    if (payment->actor_user_id == caller.user_id) return std::move(*payment);
    return hidden;
  });
}

std::int64_t PaymentsService::forget_requests(std::int64_t before_ms) {
  std::int64_t forgotten = 0;
  store_.run_write([&](store::Transaction& tx) {
    forgotten = tx.execute("DELETE FROM payment_requests WHERE created_at_ms < ?", {before_ms});
    return true;
  });
  return forgotten;
}

void PaymentsService::register_export(identity::IdentityService& identity) {
  identity.add_export_section("payments", [this](store::Transaction& tx, const std::string& party_id) {
    Json accounts = Json::array();
    for (const auto& a : detail::accounts_of_party(tx, ledger_, party_id)) {
      accounts.push_back({{"number", a.number},
                          {"currency", a.currency},
                          {"name", a.name ? Json(*a.name) : Json()},
                          {"status", a.status},
                          {"balance", a.balance},
                          {"daily_limit", a.daily_limit},
                          {"opened_at", format_utc_ms(a.created_at_ms)}});
    }
    Json payments = Json::array();
    for (const auto& row : tx.query("SELECT id FROM payments WHERE from_party_id = ? OR to_party_id = ? "
                                    "ORDER BY created_at_ms",
                                    {party_id, party_id})) {
      const auto p = detail::load_payment(tx, row.text(0));
      payments.push_back({{"id", p->id},
                          {"kind", p->kind},
                          {"currency", p->currency},
                          {"amount", p->amount},
                          {"fee", p->fee},
                          {"from_account", p->from_account ? Json(*p->from_account) : Json()},
                          {"to_account", p->to_account ? Json(*p->to_account) : Json()},
                          {"reference", p->reference ? Json(*p->reference) : Json()},
                          {"at", format_utc_ms(p->created_at_ms)}});
    }
    return Json{{"accounts", accounts}, {"payments", payments}};
  });
}

}  // namespace barid::payments
