// Bills presented in the digital mailbox and paid from it (REFERENCE §5). A biller (an authority or
// a business) issues bills one by one or as a CSV / JSON Lines file; each reaches its payer as a
// letter with a "pay" action. Paying moves the money from the payer's postal account to the biller's
// collection account, with the collection fee split to the operator by a linked transfer, in the
// same transaction that updates the bill and appends the receipt to the transparency log; the
// receipt then reaches the payer's mailbox as a letter too.
#pragma once

#include <barid/payments/payments.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace barid::mailbox {
class MailboxService;
}

namespace barid::payments {

enum class AmountRule { exact, partial, minimum, overpay };
std::string_view to_string(AmountRule rule);
std::optional<AmountRule> amount_rule_from_string(std::string_view text);

struct BillInput {
  std::string reference;  // the biller's, unique per biller: 1 to 64 characters
  identity::PartyKind payer_kind = identity::PartyKind::citizen;
  std::string payer_identifier;
  std::int64_t amount_due = 0;  // minor units
  std::string currency;
  std::int64_t due_at_ms = 0;
  AmountRule rule = AmountRule::exact;
  std::int64_t minimum_amount = 0;            // the least one payment may be (rule minimum)
  std::int64_t penalty = 0;                   // added once the due date has passed
  std::optional<std::int64_t> expires_at_ms;  // unpaid after this, the bill can no longer be paid
  std::optional<std::string> description;     // up to 500 characters, shown in the letter
  bool registered = false;                    // the bill letter is a registered letter
};

struct Bill {
  std::string id;
  std::string biller_party_id;
  std::string biller_name;
  std::string reference;
  std::string payer_party_id;
  std::string currency;
  std::int64_t amount_due = 0;
  std::int64_t penalty = 0;
  std::int64_t amount_paid = 0;
  std::int64_t outstanding = 0;  // what is due now (with the penalty once late) minus what was paid
  AmountRule rule = AmountRule::exact;
  std::int64_t minimum_amount = 0;
  std::int64_t due_at_ms = 0;
  std::optional<std::int64_t> expires_at_ms;
  std::optional<std::string> description;
  bool registered = false;
  std::string status;  // open, partially_paid, paid, expired, cancelled
  std::string collect_account;
  std::optional<std::string> letter_id;
  std::optional<std::string> batch_id;
  std::int64_t created_at_ms = 0;
  bool replayed = false;
};

struct BillBatch {
  std::string id;
  std::vector<Bill> bills;
  bool replayed = false;
};

struct Receipt {
  Payment payment;
  Bill bill;
  std::int64_t log_index = 0;  // the receipt's entry in the transparency log
  std::optional<std::string> letter_id;
};

struct BillOptions {
  // The collection fee per payment, borne by the biller (as utilities pay in Morocco: 1.50 MAD).
  FeeRule collection_fee{.basis_points = 0, .fixed = {{"MAD", 150}, {"EGP", 200}, {"DZD", 2000}, {"TND", 500}}};
  std::size_t max_file_bills = 10'000;
};

class BillService {
 public:
  BillService(PaymentsService& payments, mailbox::MailboxService& mailbox, BillOptions options = {});

  // Bills are issued by authorities and businesses, into their collection account (a postal
  // account of theirs in the bill's currency; by default their oldest).
  Result<Bill> issue(const identity::Principal& biller, const BillInput& bill,
                     const std::optional<std::string>& collect_account, const std::string& idempotency_key);
  // A whole file or nothing: every line is checked (payer known, amounts, dates, references unique)
  // before any bill is made. Problems name their lines (invalid_bill_file).
  Result<BillBatch> issue_file(const identity::Principal& biller, std::string_view text, bool jsonl,
                               const std::optional<std::string>& collect_account, const std::string& idempotency_key);
  Result<Bill> cancel(const identity::Principal& biller, const std::string& bill_id);

  // A bill, for its biller, its payer (or a delegate with payments:read) and staff.
  Result<Bill> bill(const identity::Principal& caller, const std::string& bill_id);
  // Bills addressed to the caller's party (or `party_id`, for a delegate), newest first.
  Result<std::vector<Bill>> bills_to_pay(const identity::Principal& caller, const std::optional<std::string>& party_id);
  // Bills the caller's party issued, newest first, optionally of one status.
  Result<std::vector<Bill>> bills_issued(const identity::Principal& caller, const std::optional<std::string>& status,
                                         std::size_t limit);

  // Pays a bill from a postal account of its payer: the payer, or a delegate with payments:pay.
  // `amount` defaults to what is outstanding; the bill's rule decides what else is allowed.
  Result<Receipt> pay(const identity::Principal& caller, const std::string& bill_id, const std::string& from_account,
                      std::optional<std::int64_t> amount, const std::string& idempotency_key);

  // Sends the bill letters and receipt letters not sent yet (a crash between a commit and its
  // letter, or a file's bills); safe from several instances: letters carry idempotency keys.
  int deliver_letters(std::size_t limit = 500);

 private:
  // Sends one bill letter (or, `receipt`, one receipt letter) and records its id or why it failed.
  bool deliver_letter(bool receipt, const std::string& id);

  PaymentsService& payments_;
  mailbox::MailboxService& mailbox_;
  BillOptions options_;
};

// An account statement as ISO 20022 camt.053.001.08 XML (BkToCstmrStmt): opening (OPBD) and
// closing (CLBD) balances, one Ntry per entry with its credit/debit indicator, booking and value
// date, the payment id as the servicer's reference and the bill reference as remittance information.
std::string camt053(const Statement& statement, std::int64_t created_at_ms);

}  // namespace barid::payments
