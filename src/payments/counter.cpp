// Counter cash: each office keeps one cash drawer per currency, a ledger account whose balance is the
// cash that should be in it. Clerks take cash in and pay cash out against it; floats bring cash from
// the operator's vault; the end-of-day closing compares the cash counted with the cash expected and
// books the difference, so the next period opens with what was really there.
#include "internal.hpp"

#include <barid/crypto/crypto.hpp>

#include <cctype>

namespace barid::payments {

using identity::Principal;
using identity::Role;

namespace {

Status validate_office_code(const std::string& code) {
  bool ok = code.size() >= 2 && code.size() <= 32;
  for (const char c : code) {
    ok = ok && (std::isupper(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-');
  }
  if (!ok) return invalid_input("invalid_office_code", "office_code must be 2 to 32 of A-Z, 0-9 and '-'");
  return {};
}

Status require_clerk(const Principal& caller) {
  if (!caller.has_role(Role::postal_clerk)) return forbidden("not_allowed", "counter operations are for postal clerks");
  return {};
}

constexpr const char* kDrawerColumns = "id, office_code, currency, ledger_account_id, opened_at_ms";

std::optional<Drawer> drawer_where(store::Transaction& tx, ledger::LedgerService& ledger, const std::string& where,
                                   std::initializer_list<store::Value> params, bool lock) {
  const auto row = tx.query_one(
      std::string("SELECT ") + kDrawerColumns + " FROM cash_drawers WHERE " + where + (lock ? " FOR UPDATE" : ""),
      params);
  if (!row) return std::nullopt;
  Drawer d;
  d.id = row->text(0);
  d.office_code = row->text(1);
  d.currency = row->text(2);
  d.ledger_account_id = ledger::Id::from_bytes(row->blob(3)).value_or(ledger::Id{});
  d.opened_at_ms = row->int64(4);
  const auto account = ledger.lookup_accounts_in(tx, std::span<const ledger::Id>(&d.ledger_account_id, 1));
  if (!account.empty()) d.cash = account[0].debits_posted - account[0].credits_posted;
  return d;
}

Error drawer_not_found() {
  return not_found("drawer_not_found", "no cash drawer has this id");
}

DrawerPeriod open_period(store::Transaction& tx, const Drawer& drawer) {
  DrawerPeriod period;
  period.from_ms = drawer.opened_at_ms;
  if (const auto last = tx.query_one("SELECT counted, closed_at_ms FROM drawer_closings WHERE drawer_id = ? "
                                     "ORDER BY closed_at_ms DESC, id DESC LIMIT 1",
                                     {drawer.id})) {
    period.opening = last->int64(0);
    period.from_ms = last->int64(1);
  }
  for (const auto& row : tx.query("SELECT kind, COUNT(*), SUM(amount) FROM drawer_movements "
                                  "WHERE drawer_id = ? AND closing_id IS NULL GROUP BY kind",
                                  {drawer.id})) {
    const auto kind = row.text(0);
    if (kind == "cash_in") {
      period.cash_in_count = row.int64(1);
      period.cash_in = row.int64(2);
    } else if (kind == "cash_out") {
      period.cash_out_count = row.int64(1);
      period.cash_out = row.int64(2);
    } else if (kind == "float") {
      period.floats = row.int64(2);
    }
  }
  period.expected = period.opening + period.cash_in + period.floats - period.cash_out;
  return period;
}

void add_movement(store::Transaction& tx, const Drawer& drawer, const Payment& payment, const std::string& kind,
                  const std::optional<std::string>& closing_id = std::nullopt) {
  tx.execute(
      "INSERT INTO drawer_movements (payment_id, drawer_id, kind, amount, closing_id) VALUES (?, ?, ?, ?, ?)",
      {payment.id, drawer.id, kind, payment.amount, closing_id ? store::Value(*closing_id) : store::Value(nullptr)});
}

std::optional<DrawerClosing> load_closing(store::Transaction& tx, const std::string& id) {
  const auto row = tx.query_one(
      "SELECT id, drawer_id, from_ms, closed_at_ms, opening, cash_in, cash_in_count, cash_out, cash_out_count, floats, "
      "expected, counted, difference, closed_by_user_id FROM drawer_closings WHERE id = ?",
      {id});
  if (!row) return std::nullopt;
  DrawerClosing c;
  c.id = row->text(0);
  c.drawer_id = row->text(1);
  c.period.from_ms = row->int64(2);
  c.closed_at_ms = row->int64(3);
  c.period.opening = row->int64(4);
  c.period.cash_in = row->int64(5);
  c.period.cash_in_count = row->int64(6);
  c.period.cash_out = row->int64(7);
  c.period.cash_out_count = row->int64(8);
  c.period.floats = row->int64(9);
  c.period.expected = row->int64(10);
  c.counted = row->int64(11);
  c.difference = row->int64(12);
  c.closed_by_user_id = row->text(13);
  return c;
}

}  // namespace

Result<Drawer> PaymentsService::open_drawer(const Principal& admin, const std::string& office_code,
                                            const std::string& currency_code, const std::string& idempotency_key) {
  if (!admin.has_role(Role::operator_admin)) return forbidden("not_allowed", "administrators open cash drawers");
  BARID_TRY(validate_office_code(office_code));
  const auto* currency = ledger::currency_by_code(currency_code);
  if (!currency) return invalid_input("invalid_currency", "currency must be an ISO 4217 code the ledger keeps");
  const std::int64_t now = clock_ms();
  detail::Once<Drawer> once;
  once.scope = admin.user_id;
  once.key = idempotency_key;
  once.operation = "open_drawer";
  once.fingerprint = detail::fingerprint({office_code, currency_code});
  once.id_of = [](const Drawer& d) { return d.id; };
  once.replay = [&](store::Transaction& tx, const std::string& id) -> Result<Drawer> {
    return *drawer_where(tx, ledger_, "id = ?", {id}, false);
  };
  once.work = [&](store::Transaction& tx) -> Result<Drawer> {
    if (tx.query_one("SELECT id FROM cash_drawers WHERE office_code = ? AND currency = ?",
                     {office_code, currency_code})) {
      return conflict("drawer_exists", "this office already has a drawer in " + currency_code);
    }
    ledger::Account account;
    account.id = ledger::Id::random();
    account.ledger = currency->number;
    account.code = account_codes::cash_drawer;
    account.flags = ledger::account_flags::credits_must_not_exceed_debits | ledger::account_flags::history;
    const auto results = ledger_.create_accounts_in(tx, std::span<const ledger::Account>(&account, 1));
    if (results[0] != ledger::CreateAccountResult::ok) {
      throw std::runtime_error("cannot open a drawer account: " + std::string(ledger::to_string(results[0])));
    }
    const std::string id = crypto::new_uuid();
    tx.execute(
        "INSERT INTO cash_drawers (id, office_code, currency, ledger_account_id, opened_at_ms, "
        "opened_by_user_id) VALUES (?, ?, ?, ?, ?, ?)",
        {id, office_code, currency_code, account.id.to_bytes(), now, admin.user_id});
    return *drawer_where(tx, ledger_, "id = ?", {id}, false);
  };
  return detail::run_once(store_, now, once);
}

Result<std::vector<Drawer>> PaymentsService::drawers(const Principal& caller,
                                                     const std::optional<std::string>& office) {
  if (!caller.has_role(Role::postal_clerk) && !caller.has_role(Role::operator_admin)) {
    return forbidden("not_allowed", "cash drawers are for postal clerks and administrators");
  }
  return store_.read<std::vector<Drawer>>([&](store::Transaction& tx) {
    std::vector<Drawer> out;
    const auto rows = office
                          ? tx.query("SELECT id FROM cash_drawers WHERE office_code = ? ORDER BY currency", {*office})
                          : tx.query("SELECT id FROM cash_drawers ORDER BY office_code, currency");
    for (const auto& row : rows) out.push_back(*drawer_where(tx, ledger_, "id = ?", {row.text(0)}, false));
    return out;
  });
}

Result<std::pair<Drawer, DrawerPeriod>> PaymentsService::drawer(const Principal& caller, const std::string& drawer_id) {
  if (!caller.has_role(Role::postal_clerk) && !caller.has_role(Role::operator_admin)) {
    return forbidden("not_allowed", "cash drawers are for postal clerks and administrators");
  }
  return store_.read<Result<std::pair<Drawer, DrawerPeriod>>>(
      [&](store::Transaction& tx) -> Result<std::pair<Drawer, DrawerPeriod>> {
        auto found = drawer_where(tx, ledger_, "id = ?", {drawer_id}, false);
        if (!found) return drawer_not_found();
        auto period = open_period(tx, *found);
        return std::make_pair(std::move(*found), period);
      });
}

Result<Payment> PaymentsService::float_drawer(const Principal& caller, const std::string& drawer_id,
                                              std::int64_t amount, const std::string& idempotency_key) {
  if (!caller.has_role(Role::postal_clerk) && !caller.has_role(Role::operator_admin)) {
    return forbidden("not_allowed", "cash drawers are for postal clerks and administrators");
  }
  BARID_TRY(detail::validate_amount(amount));
  const std::int64_t now = clock_ms();
  auto once = detail::payment_once(caller, idempotency_key, "float_drawer",
                                   detail::fingerprint({drawer_id, std::to_string(amount)}));
  once.work = [&](store::Transaction& tx) -> Result<Payment> {
    auto found = drawer_where(tx, ledger_, "id = ?", {drawer_id}, true);
    if (!found) return drawer_not_found();
    detail::Movement movement;
    Payment& p = movement.payment;
    p.kind = "drawer_float";
    p.channel = "counter";
    p.currency = found->currency;
    p.amount = amount;
    p.office_code = found->office_code;
    p.actor_user_id = caller.user_id;
    p.actor_capacity = caller.has_role(Role::postal_clerk) ? "postal_clerk" : "operator_admin";
    movement.main = {found->ledger_account_id,
                     detail::operator_account(tx, ledger_, account_codes::operator_vault, found->currency), amount,
                     transfer_codes::drawer_float};
    BARID_ASSIGN_OR_RETURN(auto payment, detail::record_movement(tx, ledger_, std::move(movement), now));
    add_movement(tx, *found, payment, "float");
    return payment;
  };
  return detail::run_once(store_, now, once);
}

// Cash-in credits the customer's account from the drawer; cash-out debits it to the drawer, under
// the lock of the account's row (its daily limit) taken before the drawer's: the order every
// operation that locks both follows.
Result<Payment> PaymentsService::counter_cash(const Principal& clerk, const CounterRequest& request,
                                              const std::string& idempotency_key, bool cash_in) {
  BARID_TRY(require_clerk(clerk));
  BARID_TRY(validate_office_code(request.office_code));
  BARID_TRY(detail::validate_amount(request.amount));
  BARID_ASSIGN_OR_RETURN(auto reference, detail::validate_reference(request.reference));
  const std::int64_t now = clock_ms();
  const std::string kind = cash_in ? "cash_in" : "cash_out";
  auto once = detail::payment_once(
      clerk, idempotency_key, kind,
      detail::fingerprint({request.office_code, request.account_number, std::to_string(request.amount),
                           request.currency.value_or(""), reference.value_or("")}));
  once.work = [&](store::Transaction& tx) -> Result<Payment> {
    const auto number = normalize_account_number(request.account_number);
    auto account = number ? detail::load_account(tx, ledger_, *number, !cash_in) : std::nullopt;
    if (!account) return not_found("account_not_found", "no postal account has this number");
    if (account->account.status != "open") return conflict("account_closed", "the account is closed");
    if (request.currency && *request.currency != account->account.currency) {
      return make_error(ErrorKind::unprocessable, "currency_mismatch",
                        "the account holds " + account->account.currency + ", not " + *request.currency);
    }
    auto drawer = drawer_where(tx, ledger_, "office_code = ? AND currency = ?",
                               {request.office_code, account->account.currency}, true);
    if (!drawer) return not_found("drawer_not_found", "this office has no cash drawer in " + account->account.currency);
    if (!cash_in) BARID_TRY(detail::charge_daily_limit(tx, *account, request.amount, now));
    identity_.log_access(tx, clerk, account->account.party_id, "postal_clerk", "payments." + kind,
                         "account:" + *number);
    detail::Movement movement;
    Payment& p = movement.payment;
    p.kind = kind;
    p.channel = "counter";
    p.currency = account->account.currency;
    p.amount = request.amount;
    (cash_in ? p.to_account : p.from_account) = account->account.number;
    (cash_in ? p.to_party_id : p.from_party_id) = account->account.party_id;
    p.reference = reference;
    p.office_code = request.office_code;
    p.actor_user_id = clerk.user_id;
    p.actor_capacity = "postal_clerk";
    const auto& customer = account->account.ledger_account_id;
    movement.main = cash_in
                        ? detail::Leg{drawer->ledger_account_id, customer, request.amount, transfer_codes::cash_in}
                        : detail::Leg{customer, drawer->ledger_account_id, request.amount, transfer_codes::cash_out};
    movement.credit_side = cash_in ? "payee" : "drawer";
    BARID_ASSIGN_OR_RETURN(auto payment, detail::record_movement(tx, ledger_, std::move(movement), now));
    add_movement(tx, *drawer, payment, kind);
    return payment;
  };
  return detail::run_once(store_, now, once);
}

Result<DrawerClosing> PaymentsService::close_drawer(const Principal& clerk, const std::string& drawer_id,
                                                    std::int64_t counted, const std::string& idempotency_key) {
  BARID_TRY(require_clerk(clerk));
  if (counted < 0) return invalid_input("invalid_counted", "counted must be the cash counted, zero or more");
  const std::int64_t now = clock_ms();
  detail::Once<DrawerClosing> once;
  once.scope = clerk.user_id;
  once.key = idempotency_key;
  once.operation = "close_drawer";
  once.fingerprint = detail::fingerprint({drawer_id, std::to_string(counted)});
  once.id_of = [](const DrawerClosing& c) { return c.id; };
  once.replay = [](store::Transaction& tx, const std::string& id) -> Result<DrawerClosing> {
    auto closing = load_closing(tx, id);
    closing->replayed = true;
    return std::move(*closing);
  };
  once.work = [&](store::Transaction& tx) -> Result<DrawerClosing> {
    auto drawer = drawer_where(tx, ledger_, "id = ?", {drawer_id}, true);
    if (!drawer) return drawer_not_found();
    DrawerPeriod period = open_period(tx, *drawer);
    // The ledger's balance, read under the drawer's lock, is what must be in the drawer; the period's
    // movements explain it (they differ only if money moved through the raw ledger API).
    period.expected = drawer->cash;
    const std::string id = crypto::new_uuid();
    const std::int64_t difference = counted - period.expected;
    tx.execute(
        "INSERT INTO drawer_closings (id, drawer_id, from_ms, closed_at_ms, opening, cash_in, cash_in_count, cash_out, "
        "cash_out_count, floats, expected, counted, difference, closed_by_user_id) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        {id, drawer->id, period.from_ms, now, period.opening, period.cash_in, period.cash_in_count, period.cash_out,
         period.cash_out_count, period.floats, period.expected, counted, difference, clerk.user_id});
    tx.execute("UPDATE drawer_movements SET closing_id = ? WHERE drawer_id = ? AND closing_id IS NULL",
               {id, drawer->id});
    if (difference != 0) {
      // Over: the drawer holds more than the ledger says (debit it); short: less (credit it).
      const auto differences = detail::operator_account(tx, ledger_, account_codes::cash_differences, drawer->currency);
      detail::Movement movement;
      Payment& p = movement.payment;
      p.kind = "drawer_difference";
      p.channel = "counter";
      p.currency = drawer->currency;
      p.amount = difference > 0 ? difference : -difference;
      p.office_code = drawer->office_code;
      p.reference = "closing " + id;
      p.actor_user_id = clerk.user_id;
      p.actor_capacity = "postal_clerk";
      movement.main =
          difference > 0
              ? detail::Leg{drawer->ledger_account_id, differences, p.amount, transfer_codes::drawer_difference}
              : detail::Leg{differences, drawer->ledger_account_id, p.amount, transfer_codes::drawer_difference};
      movement.credit_side = "drawer";
      BARID_ASSIGN_OR_RETURN(auto payment, detail::record_movement(tx, ledger_, std::move(movement), now));
      add_movement(tx, *drawer, payment, "difference", id);
    }
    return *load_closing(tx, id);
  };
  return detail::run_once(store_, now, once);
}

Result<std::vector<DrawerClosing>> PaymentsService::closings(const Principal& caller, const std::string& drawer_id) {
  if (!caller.has_role(Role::postal_clerk) && !caller.has_role(Role::operator_admin)) {
    return forbidden("not_allowed", "cash drawers are for postal clerks and administrators");
  }
  return store_.read<Result<std::vector<DrawerClosing>>>(
      [&](store::Transaction& tx) -> Result<std::vector<DrawerClosing>> {
        if (!tx.query_one("SELECT id FROM cash_drawers WHERE id = ?", {drawer_id})) return drawer_not_found();
        std::vector<DrawerClosing> out;
        for (const auto& row : tx.query("SELECT id FROM drawer_closings WHERE drawer_id = ? "
                                        "ORDER BY closed_at_ms DESC, id DESC LIMIT 100",
                                        {drawer_id})) {
          out.push_back(*load_closing(tx, row.text(0)));
        }
        return out;
      });
}

}  // namespace barid::payments
