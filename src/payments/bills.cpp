// Bills: issuing (one, or a whole file), presenting them as letters with a "pay" action, paying
// them from a postal account with the collection fee split off, receipts in the transparency log
// and in the payer's mailbox.
#include "internal.hpp"

#include <barid/core/json.hpp>
#include <barid/core/log.hpp>
#include <barid/core/time.hpp>
#include <barid/crypto/crypto.hpp>
#include <barid/mailbox/mailbox.hpp>
#include <barid/mailbox/recipient_file.hpp>
#include <barid/payments/bills.hpp>
#include <barid/transparency/log.hpp>

#include <algorithm>
#include <charconv>
#include <set>

namespace barid::payments {

using identity::PartyKind;
using identity::Principal;
using identity::Role;
using identity::Scope;

std::string_view to_string(AmountRule rule) {
  switch (rule) {
    case AmountRule::exact: return "exact";
    case AmountRule::partial: return "partial";
    case AmountRule::minimum: return "minimum";
    case AmountRule::overpay: return "overpay";
  }
  return "exact";
}

std::optional<AmountRule> amount_rule_from_string(std::string_view text) {
  for (const auto rule : {AmountRule::exact, AmountRule::partial, AmountRule::minimum, AmountRule::overpay}) {
    if (text == to_string(rule)) return rule;
  }
  return std::nullopt;
}

namespace {

constexpr const char* kBillColumns =
    "id, biller_party_id, reference, payer_party_id, currency, amount_due, penalty, amount_paid, amount_rule, "
    "minimum_amount, due_at_ms, expires_at_ms, description, registered, status, collect_account, letter_id, batch_id, "
    "created_at_ms";

Bill bill_at(const store::Row& row, std::int64_t now_ms) {
  Bill b;
  b.id = row.text(0);
  b.biller_party_id = row.text(1);
  b.reference = row.text(2);
  b.payer_party_id = row.text(3);
  b.currency = row.text(4);
  b.amount_due = row.int64(5);
  b.penalty = row.int64(6);
  b.amount_paid = row.int64(7);
  b.rule = amount_rule_from_string(row.text(8)).value_or(AmountRule::exact);
  b.minimum_amount = row.int64(9);
  b.due_at_ms = row.int64(10);
  b.expires_at_ms = row.optional_int64(11);
  b.description = row.optional_text(12);
  b.registered = row.int64(13) != 0;
  b.status = row.text(14);
  b.collect_account = row.text(15);
  b.letter_id = row.optional_text(16);
  b.batch_id = row.optional_text(17);
  b.created_at_ms = row.int64(18);
  const std::int64_t due = b.amount_due + (now_ms > b.due_at_ms ? b.penalty : 0);
  b.outstanding = std::max<std::int64_t>(0, due - b.amount_paid);
  const bool settled = b.status == "paid" || b.status == "cancelled";
  if (!settled && b.expires_at_ms && now_ms >= *b.expires_at_ms) b.status = "expired";
  return b;
}

std::vector<Bill> bills_where(store::Transaction& tx, const std::string& where,
                              std::initializer_list<store::Value> params, std::int64_t now_ms, bool lock = false) {
  std::vector<Bill> bills;
  std::vector<std::string> billers;
  for (const auto& row :
       tx.query(std::string("SELECT ") + kBillColumns + " FROM bills WHERE " + where + (lock ? " FOR UPDATE" : ""),
                params)) {
    bills.push_back(bill_at(row, now_ms));
    billers.push_back(bills.back().biller_party_id);
  }
  const auto parties = identity::IdentityService::parties_by_id(tx, billers);
  for (auto& bill : bills) {
    if (const auto found = parties.find(bill.biller_party_id); found != parties.end()) {
      bill.biller_name = found->second.name_latin;
    }
  }
  return bills;
}

Error bill_not_found() {
  return not_found("bill_not_found", "no bill you may see has this id");
}

// Customs officers bill duty for their administration (customs decides it; the bill routes of the
// API stay with authorities and businesses).
Status require_biller(const Principal& caller) {
  if (!caller.has_role(Role::authority_sender) && !caller.has_role(Role::business) &&
      !caller.has_role(Role::customs_officer)) {
    return forbidden("not_allowed", "bills are issued by authorities, businesses and customs");
  }
  return {};
}

// "2026-12-31" (the end of that UTC day) or an RFC 3339 date-time.
std::optional<std::int64_t> parse_date(std::string_view text) {
  if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    const auto start = parse_rfc3339_ms(std::string(text) + "T00:00:00Z");
    if (!start) return std::nullopt;
    return *start + 86'400'000 - 1;
  }
  return parse_rfc3339_ms(text);
}

std::optional<std::int64_t> parse_int(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

Status validate_bill(const BillInput& bill) {
  if (bill.reference.empty() || utf8_length(bill.reference) > 64 || !is_valid_utf8(bill.reference)) {
    return invalid_input("invalid_reference", "reference must be 1 to 64 characters");
  }
  for (const char c : bill.reference) {
    if (static_cast<unsigned char>(c) < 0x20)
      return invalid_input("invalid_reference", "reference holds a control character");
  }
  if (!ledger::currency_by_code(bill.currency)) {
    return invalid_input("invalid_currency", "currency must be an ISO 4217 code the ledger keeps");
  }
  if (bill.amount_due <= 0)
    return invalid_input("invalid_amount", "amount_due must be a positive number of minor units");
  if (bill.penalty < 0 || bill.penalty > INT64_MAX - bill.amount_due) {
    return invalid_input("invalid_penalty", "penalty must be zero or more minor units");
  }
  if (bill.rule == AmountRule::minimum && (bill.minimum_amount <= 0 || bill.minimum_amount > bill.amount_due)) {
    return invalid_input("invalid_minimum_amount", "a minimum-payment bill needs minimum_amount from 1 to amount_due");
  }
  if (bill.due_at_ms <= 0) return invalid_input("invalid_due_date", "due_date must be a date");
  if (bill.expires_at_ms && *bill.expires_at_ms <= bill.due_at_ms) {
    return invalid_input("invalid_expiry", "expires_at must come after the due date");
  }
  if (bill.description && (utf8_length(*bill.description) > 500 || !is_valid_utf8(*bill.description))) {
    return invalid_input("invalid_description", "description must be at most 500 characters");
  }
  return {};
}

// A bill as written in a file line: the recipient columns name the payer, the fields the bill.
Result<BillInput> bill_from_row(const mailbox::RecipientRow& row) {
  BillInput bill;
  bill.payer_kind = identity::addressable_kind(row.recipient_type).value_or(PartyKind::citizen);
  bill.payer_identifier = row.recipient;
  std::map<std::string, std::string> fields(row.fields.begin(), row.fields.end());
  auto field = [&](const char* name) -> std::string {
    const auto found = fields.find(name);
    return found == fields.end() ? "" : found->second;
  };
  bill.reference = field("reference");
  bill.currency = field("currency");
  const auto amount = parse_int(field("amount_due"));
  if (!amount) return invalid_input("invalid_amount", "amount_due must be a whole number of minor units");
  bill.amount_due = *amount;
  const auto due = parse_date(field("due_date"));
  if (!due) return invalid_input("invalid_due_date", "due_date must be YYYY-MM-DD or an RFC 3339 date-time");
  bill.due_at_ms = *due;
  if (const auto rule = field("amount_rule"); !rule.empty()) {
    const auto parsed = amount_rule_from_string(rule);
    if (!parsed) return invalid_input("invalid_amount_rule", "amount_rule must be exact, partial, minimum or overpay");
    bill.rule = *parsed;
  }
  for (const auto& [name, target] : {std::pair<const char*, std::int64_t*>{"minimum_amount", &bill.minimum_amount},
                                     std::pair<const char*, std::int64_t*>{"penalty", &bill.penalty}}) {
    if (const auto text = field(name); !text.empty()) {
      const auto value = parse_int(text);
      if (!value) return invalid_input(std::string("invalid_") + name, std::string(name) + " must be a whole number");
      *target = *value;
    }
  }
  if (const auto text = field("expires_at"); !text.empty()) {
    bill.expires_at_ms = parse_date(text);
    if (!bill.expires_at_ms) return invalid_input("invalid_expiry", "expires_at must be a date");
  }
  if (const auto text = field("description"); !text.empty()) bill.description = text;
  const auto registered = field("registered");
  bill.registered = registered == "true" || registered == "1" || registered == "yes";
  BARID_TRY(validate_bill(bill));
  return bill;
}

void insert_bill(store::Transaction& tx, const std::string& id, const Principal& biller, const BillInput& bill,
                 const std::string& payer_party_id, const std::string& collect_account,
                 const std::optional<std::string>& batch_id, std::int64_t now) {
  auto optional = [](const auto& value) -> store::Value {
    if (!value) return nullptr;
    return *value;
  };
  tx.execute(
      "INSERT INTO bills (id, biller_party_id, reference, payer_party_id, currency, amount_due, penalty, amount_paid, "
      "amount_rule, minimum_amount, due_at_ms, expires_at_ms, description, registered, status, collect_account, "
      "letter_id, letter_error, batch_id, created_by_login, created_at_ms) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, 'open', ?, NULL, NULL, ?, ?, ?)",
      {id, biller.party_id, bill.reference, payer_party_id, bill.currency, bill.amount_due, bill.penalty,
       std::string(to_string(bill.rule)), bill.minimum_amount, bill.due_at_ms, optional(bill.expires_at_ms),
       optional(bill.description), std::int64_t{bill.registered ? 1 : 0}, collect_account, optional(batch_id),
       biller.login, now});
}

std::string day_of(std::int64_t ms) {
  return format_utc_ms(ms).substr(0, 10);
}

std::string rule_text(const Bill& bill) {
  switch (bill.rule) {
    case AmountRule::exact: return "the exact amount";
    case AmountRule::partial: return "any part of the amount";
    case AmountRule::minimum:
      return "at least " + format_amount(bill.minimum_amount, bill.currency) + " " + bill.currency + " per payment";
    case AmountRule::overpay: return "the amount or more";
  }
  return "";
}

mailbox::LetterInput bill_letter(const Bill& bill, const identity::Party& payer) {
  mailbox::LetterInput letter;
  letter.recipient = {payer.kind, payer.identifier};
  const std::string amount = format_amount(bill.amount_due, bill.currency) + " " + bill.currency;
  letter.subject = "فاتورة " + bill.reference + " — Bill " + bill.reference + ": " + amount;
  letter.notification = "New bill " + bill.reference.substr(0, 60) + ": " + amount + ", due " + day_of(bill.due_at_ms);
  letter.body = "**" + bill.biller_name + "**\n\n- Reference: " + bill.reference + "\n- Amount due: " + amount +
                "\n- Due date: " + day_of(bill.due_at_ms) + "\n";
  if (bill.penalty > 0) {
    letter.body +=
        "- After the due date: " + format_amount(bill.penalty, bill.currency) + " " + bill.currency + " more\n";
  }
  if (bill.expires_at_ms) letter.body += "- Payable until: " + day_of(*bill.expires_at_ms) + "\n";
  letter.body += "- You may pay " + rule_text(bill) + ".\n";
  if (bill.description) letter.body += "\n" + *bill.description + "\n";
  letter.body_format = mailbox::BodyFormat::markdown;
  letter.language = payer.language;
  letter.sender_reference = bill.reference;
  letter.kind = bill.registered ? mailbox::LetterKind::registered : mailbox::LetterKind::ordinary;
  letter.actions.push_back({"payment", "ادفع / Pay", "bill:" + bill.id, std::nullopt, bill.expires_at_ms});
  letter.references.emplace_back("bill_id", bill.id);
  return letter;
}

mailbox::LetterInput receipt_letter(const Bill& bill, const Payment& payment, std::int64_t log_index,
                                    const identity::Party& payer) {
  mailbox::LetterInput letter;
  letter.recipient = {payer.kind, payer.identifier};
  const std::string amount = format_amount(payment.amount, payment.currency) + " " + payment.currency;
  letter.subject = "إيصال " + bill.reference + " — Receipt for bill " + bill.reference;
  letter.notification = "Payment received for bill " + bill.reference.substr(0, 60) + ": " + amount;
  letter.body = "**" + bill.biller_name + "** received your payment.\n\n- Bill reference: " + bill.reference +
                "\n- Authorisation number: " + payment.authorization +
                "\n- Time: " + format_utc_ms(payment.created_at_ms) + "\n- Amount: " + amount +
                "\n- Paid from: " + payment.from_account.value_or("") + "\n- Channel: " + payment.channel +
                "\n- Bill status: " + bill.status + "\n- Transparency log entry: " + std::to_string(log_index) + "\n";
  letter.body_format = mailbox::BodyFormat::markdown;
  letter.language = payer.language;
  letter.sender_reference = bill.reference;
  letter.references.emplace_back("payment_id", payment.id);
  letter.references.emplace_back("authorization", payment.authorization);
  return letter;
}

Result<Receipt> load_receipt(store::Transaction& tx, const std::string& payment_id, std::int64_t now) {
  const auto row =
      tx.query_one("SELECT bill_id, log_index, letter_id FROM bill_payments WHERE payment_id = ?", {payment_id});
  if (!row) return not_found("payment_not_found", "no bill payment has this id");
  Receipt receipt;
  receipt.payment = *detail::load_payment(tx, payment_id);
  receipt.bill = bills_where(tx, "id = ?", {row->text(0)}, now).front();
  receipt.log_index = row->int64(1);
  receipt.letter_id = row->optional_text(2);
  return receipt;
}

}  // namespace

BillService::BillService(PaymentsService& payments, mailbox::MailboxService& mailbox, BillOptions options)
    : payments_(payments), mailbox_(mailbox), options_(std::move(options)) {}

Result<Bill> BillService::issue(const Principal& biller, const BillInput& input,
                                const std::optional<std::string>& collect_account, const std::string& idempotency_key) {
  BARID_TRY(require_biller(biller));
  BARID_TRY(validate_bill(input));
  const std::int64_t now = payments_.clock_ms();
  auto& ledger = payments_.ledger();
  detail::Once<Bill> once;
  once.scope = biller.user_id;
  once.key = idempotency_key;
  once.operation = "issue_bill";
  once.fingerprint =
      detail::fingerprint({input.reference, std::string(identity::to_string(input.payer_kind)), input.payer_identifier,
                           std::to_string(input.amount_due), input.currency, std::to_string(input.due_at_ms),
                           std::string(to_string(input.rule)), std::to_string(input.minimum_amount),
                           std::to_string(input.penalty), std::to_string(input.expires_at_ms.value_or(0)),
                           input.description.value_or(""), input.registered ? "1" : "0", collect_account.value_or("")});
  once.id_of = [](const Bill& b) { return b.id; };
  once.replay = [now](store::Transaction& tx, const std::string& id) -> Result<Bill> {
    auto bill = bills_where(tx, "id = ?", {id}, now).front();
    bill.replayed = true;
    return bill;
  };
  once.work = [&](store::Transaction& tx) -> Result<Bill> {
    const auto payer = payments_.identity().find_recipient(tx, input.payer_kind, input.payer_identifier);
    if (!payer) return not_found("payer_not_found", "no party is registered with this identifier");
    if (tx.query_one("SELECT id FROM bills WHERE biller_party_id = ? AND reference = ?",
                     {biller.party_id, input.reference})) {
      return conflict("duplicate_reference", "you issued a bill with this reference before");
    }
    BARID_ASSIGN_OR_RETURN(auto account,
                           detail::receiving_account(tx, ledger, biller.party_id, input.currency, collect_account));
    const std::string id = crypto::new_uuid();
    insert_bill(tx, id, biller, input, payer->party.id, account.account.number, std::nullopt, now);
    return bills_where(tx, "id = ?", {id}, now).front();
  };
  BARID_ASSIGN_OR_RETURN(auto bill, detail::run_once(payments_.store(), now, once));
  if (!bill.letter_id && deliver_letter(false, bill.id)) {
    bill.letter_id = payments_.store().read<std::optional<std::string>>([&](store::Transaction& tx) {
      return tx.query_one("SELECT letter_id FROM bills WHERE id = ?", {bill.id})->optional_text(0);
    });
  }
  return bill;
}

Result<BillBatch> BillService::issue_file(const Principal& biller, std::string_view text, bool jsonl,
                                          const std::optional<std::string>& collect_account,
                                          const std::string& idempotency_key) {
  BARID_TRY(require_biller(biller));
  mailbox::RecipientFileLimits limits;
  limits.max_rows = options_.max_file_bills;
  limits.max_line_bytes = 8 * 1024;
  limits.max_fields = 16;
  limits.max_field_chars = 500;
  limits.unique_recipients = false;
  const auto file = mailbox::parse_recipient_file(
      text, jsonl ? mailbox::RecipientFileFormat::jsonl : mailbox::RecipientFileFormat::csv, limits);
  std::vector<std::pair<std::size_t, std::string>> problems;
  auto report = [&](std::size_t line, const std::string& code, const std::string& message) {
    problems.emplace_back(line, code + " (" + message + ")");
  };
  for (const auto& problem : file.problems) report(problem.line, problem.code, problem.message);
  std::vector<std::pair<std::size_t, BillInput>> inputs;  // with their lines
  std::set<std::string> references;
  for (const auto& row : file.rows) {
    auto bill = bill_from_row(row);
    if (!bill) {
      report(row.line, bill.error().code, bill.error().message);
      continue;
    }
    if (!references.insert(bill->reference).second) {
      report(row.line, "duplicate_reference", "the reference is on an earlier line too");
      continue;
    }
    inputs.emplace_back(row.line, std::move(*bill));
  }
  const auto invalid_file = [&] {
    std::stable_sort(problems.begin(), problems.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
    std::string message = "the file was refused whole; fix these lines: ";
    for (std::size_t i = 0; i < problems.size() && i < 20; ++i) {
      message += (i ? "; line " : "line ") + std::to_string(problems[i].first) + ": " + problems[i].second;
    }
    if (problems.size() > 20) message += "; and " + std::to_string(problems.size() - 20) + " more";
    return invalid_input("invalid_bill_file", message);
  };
  const std::int64_t now = payments_.clock_ms();
  auto& ledger = payments_.ledger();
  // What only the store can tell: payers known, references new, a collection account per currency.
  struct Resolved {
    const BillInput* input;
    std::string payer_party_id;
  };
  std::map<std::string, std::string> accounts;  // currency → collection account number
  const auto check_against_store = [&](store::Transaction& tx) {
    std::vector<Resolved> resolved;
    for (const auto& [line, input] : inputs) {
      const auto payer = payments_.identity().find_recipient(tx, input.payer_kind, input.payer_identifier);
      if (!payer) report(line, "payer_not_found", "no party is registered with this identifier");
      if (tx.query_one("SELECT id FROM bills WHERE biller_party_id = ? AND reference = ?",
                       {biller.party_id, input.reference})) {
        report(line, "duplicate_reference", "you issued a bill with this reference before");
      }
      if (!accounts.contains(input.currency)) {
        auto account = detail::receiving_account(tx, ledger, biller.party_id, input.currency, collect_account);
        if (!account) {
          report(line, account.error().code, account.error().message);
          continue;
        }
        accounts.emplace(input.currency, account->account.number);
      }
      if (payer) resolved.push_back({&input, payer->party.id});
    }
    return resolved;
  };
  if (!problems.empty()) {
    payments_.store().run_read([&](store::Transaction& tx) { check_against_store(tx); });
    return invalid_file();
  }

  detail::Once<BillBatch> once;
  once.scope = biller.user_id;
  once.key = idempotency_key;
  once.operation = "issue_bill_file";
  once.fingerprint = detail::fingerprint({crypto::hex_encode(crypto::sha256(text)), collect_account.value_or("")});
  once.id_of = [](const BillBatch& b) { return b.id; };
  once.replay = [now](store::Transaction& tx, const std::string& id) -> Result<BillBatch> {
    BillBatch batch{id, bills_where(tx, "batch_id = ? ORDER BY created_at_ms, reference", {id}, now), true};
    return batch;
  };
  once.work = [&](store::Transaction& tx) -> Result<BillBatch> {
    problems.clear();
    accounts.clear();
    const auto resolved = check_against_store(tx);
    if (!problems.empty()) return invalid_file();
    const std::string batch_id = crypto::new_uuid();
    for (const auto& [input, payer_id] : resolved) {
      insert_bill(tx, crypto::new_uuid(), biller, *input, payer_id, accounts.at(input->currency), batch_id, now);
    }
    return BillBatch{batch_id, bills_where(tx, "batch_id = ? ORDER BY created_at_ms, reference", {batch_id}, now),
                     false};
  };
  return detail::run_once(payments_.store(), now, once);
}

Result<Bill> BillService::cancel(const Principal& biller, const std::string& bill_id) {
  const std::int64_t now = payments_.clock_ms();
  return payments_.store().write<Bill>([&](store::Transaction& tx) -> Result<Bill> {
    auto found = bills_where(tx, "id = ?", {bill_id}, now, true);
    if (found.empty() || found[0].biller_party_id != biller.party_id) return bill_not_found();
    if (found[0].status == "paid" || found[0].status == "partially_paid") {
      return conflict("bill_has_payments", "a bill with payments cannot be cancelled; refund it instead");
    }
    if (found[0].status == "cancelled") return found[0];
    tx.execute("UPDATE bills SET status = 'cancelled' WHERE id = ?", {bill_id});
    return bills_where(tx, "id = ?", {bill_id}, now).front();
  });
}

Result<Bill> BillService::bill(const Principal& caller, const std::string& bill_id) {
  const std::int64_t now = payments_.clock_ms();
  return payments_.store().write<Bill>([&](store::Transaction& tx) -> Result<Bill> {
    if (bill_id.size() > 64) return bill_not_found();
    auto found = bills_where(tx, "id = ?", {bill_id}, now);
    if (found.empty()) return bill_not_found();
    if (found[0].biller_party_id == caller.party_id) return found[0];
    if (!payments_.identity().authorize_party_access(tx, caller, found[0].payer_party_id, Scope::payments_read,
                                                     "payments.bill", "bill:" + bill_id)) {
      return bill_not_found();
    }
    return found[0];
  });
}

Result<std::vector<Bill>> BillService::bills_to_pay(const Principal& caller,
                                                    const std::optional<std::string>& party_id) {
  const std::int64_t now = payments_.clock_ms();
  const std::string payer = party_id.value_or(caller.party_id);
  return payments_.store().write<std::vector<Bill>>([&](store::Transaction& tx) -> Result<std::vector<Bill>> {
    auto access = payments_.identity().authorize_party_access(tx, caller, payer, Scope::payments_read, "payments.bills",
                                                              "party:" + payer);
    if (!access) return std::move(access).error();
    return bills_where(tx, "payer_party_id = ? ORDER BY created_at_ms DESC, id DESC LIMIT 200", {payer}, now);
  });
}

Result<std::vector<Bill>> BillService::bills_issued(const Principal& caller, const std::optional<std::string>& status,
                                                    std::size_t limit) {
  BARID_TRY(require_biller(caller));
  const std::int64_t now = payments_.clock_ms();
  const auto max = static_cast<std::int64_t>(limit);
  const char* order = " ORDER BY created_at_ms DESC, id DESC LIMIT ?";
  return payments_.store().read<std::vector<Bill>>([&](store::Transaction& tx) {
    if (!status) return bills_where(tx, std::string("biller_party_id = ?") + order, {caller.party_id, max}, now);
    // "expired" is not stored: an open or partly paid bill past its expiry is expired when read.
    if (*status == "expired") {
      return bills_where(tx,
                         std::string("biller_party_id = ? AND status IN ('open', 'partially_paid') AND "
                                     "expires_at_ms IS NOT NULL AND expires_at_ms <= ?") +
                             order,
                         {caller.party_id, now, max}, now);
    }
    return bills_where(tx,
                       std::string("biller_party_id = ? AND status = ? AND (status IN ('paid', 'cancelled') OR "
                                   "expires_at_ms IS NULL OR expires_at_ms > ?)") +
                           order,
                       {caller.party_id, *status, now, max}, now);
  });
}

Result<Receipt> BillService::pay(const Principal& caller, const std::string& bill_id, const std::string& from_account,
                                 std::optional<std::int64_t> amount, const std::string& idempotency_key) {
  if (amount) BARID_TRY(detail::validate_amount(*amount));
  const std::int64_t now = payments_.clock_ms();
  auto& ledger = payments_.ledger();
  auto& identity = payments_.identity();
  detail::Once<Receipt> once;
  once.scope = caller.user_id;
  once.key = idempotency_key;
  once.operation = "pay_bill";
  once.fingerprint = detail::fingerprint({bill_id, from_account, amount ? std::to_string(*amount) : ""});
  once.id_of = [](const Receipt& r) { return r.payment.id; };
  once.replay = [now](store::Transaction& tx, const std::string& id) -> Result<Receipt> {
    BARID_ASSIGN_OR_RETURN(auto receipt, load_receipt(tx, id, now));
    receipt.payment.replayed = true;
    return receipt;
  };
  once.work = [&](store::Transaction& tx) -> Result<Receipt> {
    // The bill's row first: two payments of one bill are serialised on it.
    auto found = bill_id.size() > 64 ? std::vector<Bill>{} : bills_where(tx, "id = ?", {bill_id}, now, true);
    if (found.empty()) return bill_not_found();
    Bill bill = std::move(found[0]);
    auto access = identity.authorize_party_access(tx, caller, bill.payer_party_id, Scope::payments_pay,
                                                  "payments.pay_bill", "bill:" + bill_id);
    if (!access) return access.error().kind == ErrorKind::not_found ? bill_not_found() : std::move(access).error();
    if (bill.status == "cancelled") return conflict("bill_cancelled", "the biller cancelled this bill");
    if (bill.status == "paid") return conflict("bill_already_paid", "this bill is paid");
    if (bill.status == "expired") return conflict("bill_expired", "this bill can no longer be paid");

    const auto number = normalize_account_number(from_account);
    auto payer = number ? detail::load_account(tx, ledger, *number, true) : std::nullopt;
    if (!payer || payer->account.party_id != bill.payer_party_id) {
      return not_found("account_not_found", "pay from a postal account of the bill's payer");
    }
    if (payer->account.status != "open") return conflict("account_closed", "the paying account is closed");
    if (payer->account.currency != bill.currency) {
      return make_error(ErrorKind::unprocessable, "currency_mismatch",
                        "the bill is in " + bill.currency + ", the account holds " + payer->account.currency);
    }
    const std::int64_t pay = amount.value_or(bill.outstanding);
    const std::string owed = format_amount(bill.outstanding, bill.currency) + " " + bill.currency;
    const bool allowed = [&] {
      switch (bill.rule) {
        case AmountRule::exact: return pay == bill.outstanding;
        case AmountRule::partial: return pay <= bill.outstanding;
        case AmountRule::minimum:
          return pay <= bill.outstanding && pay >= std::min(bill.minimum_amount, bill.outstanding);
        case AmountRule::overpay: return pay >= bill.outstanding;
      }
      return false;
    }();
    if (!allowed) {
      return make_error(ErrorKind::unprocessable, "amount_not_allowed",
                        "this bill takes " + rule_text(bill) + "; " + owed + " is outstanding");
    }
    BARID_TRY(detail::charge_daily_limit(tx, *payer, pay, now));
    BARID_ASSIGN_OR_RETURN(
        auto collect, detail::receiving_account(tx, ledger, bill.biller_party_id, bill.currency, bill.collect_account));

    detail::Movement movement;
    Payment& p = movement.payment;
    p.kind = "bill";
    p.channel = "mailbox";
    p.currency = bill.currency;
    p.amount = pay;
    p.from_account = payer->account.number;
    p.to_account = collect.account.number;
    p.from_party_id = bill.payer_party_id;
    p.to_party_id = bill.biller_party_id;
    p.reference = bill.reference;
    p.actor_user_id = caller.user_id;
    p.actor_capacity = access->capacity;
    movement.main = {payer->account.ledger_account_id, collect.account.ledger_account_id, pay,
                     transfer_codes::bill_payment};
    // The biller bears the fee, never more than the payment itself.
    const std::int64_t fee = std::min(options_.collection_fee.fee_for(pay, bill.currency), pay);
    if (fee > 0) {
      movement.fee = detail::Leg{collect.account.ledger_account_id,
                                 detail::operator_account(tx, ledger, account_codes::operator_revenue, bill.currency),
                                 fee, transfer_codes::fee};
    }
    BARID_ASSIGN_OR_RETURN(auto payment, detail::record_movement(tx, ledger, std::move(movement), now));

    bill.amount_paid += pay;
    const std::int64_t due = bill.amount_due + (now > bill.due_at_ms ? bill.penalty : 0);
    bill.status = bill.amount_paid >= due ? "paid" : "partially_paid";
    tx.execute("UPDATE bills SET amount_paid = ?, status = ? WHERE id = ?", {bill.amount_paid, bill.status, bill.id});

    const Json entry = {{"type", "barid.payment_receipt.v1"},
                        {"payment_id", payment.id},
                        {"authorization", payment.authorization},
                        {"bill_id", bill.id},
                        {"bill_reference", bill.reference},
                        {"biller_party_id", bill.biller_party_id},
                        {"payer_party_id", bill.payer_party_id},
                        {"amount", pay},
                        {"currency", bill.currency},
                        {"channel", payment.channel},
                        {"bill_status", bill.status},
                        {"paid_at", format_utc_ms(now)}};
    const std::string bytes = entry.dump();
    const std::int64_t index = transparency::TransparencyLog::append(
        tx, "payment.receipt",
        std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()), now);
    tx.execute(
        "INSERT INTO bill_payments (payment_id, bill_id, amount, log_index, letter_id, letter_error, paid_at_ms) "
        "VALUES (?, ?, ?, ?, NULL, NULL, ?)",
        {payment.id, bill.id, pay, index, now});
    return load_receipt(tx, payment.id, now);
  };
  BARID_ASSIGN_OR_RETURN(auto receipt, detail::run_once(payments_.store(), now, once));
  if (!receipt.letter_id && deliver_letter(true, receipt.payment.id)) {
    receipt.letter_id = payments_.store().read<std::optional<std::string>>([&](store::Transaction& tx) {
      return tx.query_one("SELECT letter_id FROM bill_payments WHERE payment_id = ?", {receipt.payment.id})
          ->optional_text(0);
    });
  }
  return receipt;
}

int BillService::deliver_letters(std::size_t limit) {
  const auto pending = payments_.store().read<std::vector<std::pair<bool, std::string>>>([&](store::Transaction& tx) {
    std::vector<std::pair<bool, std::string>> out;
    for (const auto& row : tx.query("SELECT id FROM bills WHERE letter_id IS NULL AND letter_error IS NULL AND "
                                    "status <> 'cancelled' ORDER BY created_at_ms LIMIT ?",
                                    {static_cast<std::int64_t>(limit)})) {
      out.emplace_back(false, row.text(0));
    }
    for (const auto& row : tx.query("SELECT payment_id FROM bill_payments WHERE letter_id IS NULL AND "
                                    "letter_error IS NULL ORDER BY paid_at_ms LIMIT ?",
                                    {static_cast<std::int64_t>(limit)})) {
      out.emplace_back(true, row.text(0));
    }
    return out;
  });
  int sent = 0;
  for (const auto& [receipt, id] : pending) sent += deliver_letter(receipt, id) ? 1 : 0;
  return sent;
}

bool BillService::deliver_letter(bool receipt_letter_wanted, const std::string& id) {
  const std::int64_t now = payments_.clock_ms();
  auto& identity = payments_.identity();
  // What the letter says, read fresh: the bill (and the receipt) with the payer's party.
  std::optional<mailbox::LetterInput> letter;
  std::string login;
  payments_.store().run_read([&](store::Transaction& tx) {
    std::optional<Receipt> receipt;
    std::vector<Bill> bills;
    if (receipt_letter_wanted) {
      auto loaded = load_receipt(tx, id, now);
      if (!loaded) return;
      receipt = std::move(*loaded);
      bills.push_back(receipt->bill);
    } else {
      bills = bills_where(tx, "id = ?", {id}, now);
    }
    if (bills.empty()) return;
    login = tx.query_one("SELECT created_by_login FROM bills WHERE id = ?", {bills[0].id})->text(0);
    const auto parties = identity::IdentityService::parties_by_id(tx, {bills[0].payer_party_id});
    if (!parties.contains(bills[0].payer_party_id)) return;
    const auto& payer = parties.at(bills[0].payer_party_id);
    letter =
        receipt ? receipt_letter(bills[0], receipt->payment, receipt->log_index, payer) : bill_letter(bills[0], payer);
  });
  // The biller's user who issued the bill sends its letters (and their receipts).
  auto sender = login.empty() ? Result<Principal>(not_found("user_not_found", "")) : identity.principal_of(login);
  std::optional<std::string> letter_id;
  std::string error = letter ? "sender_unknown" : "bill_unreadable";
  if (sender && letter) {
    auto submitted = mailbox_.send_letter(*sender, *letter, (receipt_letter_wanted ? "bill-receipt-" : "bill-") + id);
    if (submitted && !submitted->rejection_code) {
      letter_id = submitted->letter_id;
    } else {
      error = submitted ? *submitted->rejection_code : submitted.error().code;
    }
  }
  if (!letter_id)
    log::warning("bill_letter_failed", {{"id", id}, {"receipt", receipt_letter_wanted}, {"error", error}});
  const std::string table = receipt_letter_wanted ? "bill_payments" : "bills";
  const std::string id_column = receipt_letter_wanted ? "payment_id" : "id";
  payments_.store().run_write([&](store::Transaction& tx) {
    tx.execute("UPDATE " + table + " SET letter_id = ?, letter_error = ? WHERE " + id_column +
                   " = ? AND letter_id IS NULL AND letter_error IS NULL",
               {letter_id ? store::Value(*letter_id) : store::Value(nullptr),
                letter_id ? store::Value(nullptr) : store::Value(error), id});
    return true;
  });
  return letter_id.has_value();
}

}  // namespace barid::payments
