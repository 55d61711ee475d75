// Person-to-person transfers: from a postal account its holder (or a delegate with payments:pay)
// may debit, to an account named by number or to the payee's primary account named by identifier,
// with the fee split to the operator's revenue by a linked transfer and the daily limit charged in
// the same transaction.
#include "internal.hpp"

namespace barid::payments {

using identity::Principal;

namespace {

Error payee_not_found() {
  return not_found("payee_not_found", "no open postal account in this currency belongs to the payee");
}

}  // namespace

Result<Payment> PaymentsService::transfer(const Principal& caller, const TransferRequest& request,
                                          const std::string& idempotency_key) {
  BARID_TRY(detail::validate_amount(request.amount));
  BARID_ASSIGN_OR_RETURN(auto reference, detail::validate_reference(request.reference));
  const bool by_number = request.to.account_number.has_value();
  if (by_number == (request.to.kind.has_value() && request.to.identifier.has_value())) {
    return invalid_input("invalid_payee", "name the payee by account number or by identifier, not both");
  }
  if (request.currency && !ledger::currency_by_code(*request.currency)) {
    return invalid_input("invalid_currency", "currency must be an ISO 4217 code the ledger keeps");
  }
  const std::int64_t now = clock_ms();

  auto once = detail::payment_once(
      caller, idempotency_key, "transfer",
      detail::fingerprint({request.from_account, request.to.account_number.value_or(""),
                           request.to.kind ? std::string(identity::to_string(*request.to.kind)) : "",
                           request.to.identifier.value_or(""), std::to_string(request.amount),
                           request.currency.value_or(""), reference.value_or("")}));
  once.work = [&](store::Transaction& tx) -> Result<Payment> {
    const auto from_number = normalize_account_number(request.from_account);
    // The payer's row is locked first: its daily limit is read and charged under that lock.
    auto payer = from_number ? detail::load_account(tx, ledger_, *from_number, true) : std::nullopt;
    if (!payer) return not_found("account_not_found", "no postal account you may pay from has this number");
    BARID_ASSIGN_OR_RETURN(auto access,
                           detail::authorize_debit(tx, identity_, caller, payer->account, "payments.transfer"));
    if (payer->account.status != "open") return conflict("account_closed", "the paying account is closed");
    const std::string& currency = payer->account.currency;
    if (request.currency && *request.currency != currency) {
      return make_error(ErrorKind::unprocessable, "currency_mismatch",
                        "the paying account holds " + currency + ", not " + *request.currency);
    }

    std::optional<detail::AccountRow> payee;
    if (by_number) {
      const auto to_number = normalize_account_number(*request.to.account_number);
      if (!to_number) return invalid_input("invalid_account_number", "the payee's account number is not valid");
      payee = detail::load_account(tx, ledger_, *to_number, false);
      if (!payee) return payee_not_found();
      if (payee->account.currency != currency) {
        return make_error(ErrorKind::unprocessable, "currency_mismatch",
                          "the payee's account holds " + payee->account.currency + ", the payer's " + currency);
      }
    } else {
      const auto recipient = identity_.find_recipient(tx, *request.to.kind, *request.to.identifier);
      if (!recipient) return payee_not_found();
      payee = detail::primary_account(tx, ledger_, recipient->party.id, currency);
      if (!payee) return payee_not_found();
    }
    if (payee->account.status != "open") return conflict("account_closed", "the payee's account is closed");
    if (payee->account.number == payer->account.number) {
      return invalid_input("same_account", "a transfer needs two different accounts");
    }

    const std::int64_t fee = options_.transfer_fee.fee_for(request.amount, currency);
    if (fee > INT64_MAX - request.amount) return make_error(ErrorKind::unprocessable, "amount_too_large", "too large");
    BARID_TRY(detail::charge_daily_limit(tx, *payer, request.amount + fee, now));

    detail::Movement movement;
    Payment& p = movement.payment;
    p.kind = "transfer";
    p.channel = "online";
    p.currency = currency;
    p.amount = request.amount;
    p.fee = fee;
    p.from_account = payer->account.number;
    p.to_account = payee->account.number;
    p.from_party_id = payer->account.party_id;
    p.to_party_id = payee->account.party_id;
    p.reference = reference;
    p.actor_user_id = caller.user_id;
    p.actor_capacity = access.capacity;
    movement.main = {payer->account.ledger_account_id, payee->account.ledger_account_id, request.amount,
                     transfer_codes::transfer};
    if (fee > 0) {
      movement.fee = detail::Leg{payer->account.ledger_account_id,
                                 detail::operator_account(tx, ledger_, account_codes::operator_revenue, currency), fee,
                                 transfer_codes::fee};
    }
    return detail::record_movement(tx, ledger_, std::move(movement), now);
  };
  return detail::run_once(store_, now, once);
}

}  // namespace barid::payments
