// Applying a batch of transfers: load and lock what the batch touches, apply every transfer in
// memory in order (undoing a failed linked chain), then write the results in bulk.
#include "internal.hpp"

#include <algorithm>
#include <bit>
#include <unordered_map>
#include <unordered_set>

namespace barid::ledger {
namespace {
using namespace detail;
using R = CreateTransferResult;

bool overflows(std::int64_t a, std::int64_t b) {
  std::int64_t sum = 0;
  return __builtin_add_overflow(a, b, &sum);
}

constexpr std::uint32_t kPhaseFlags =
    transfer_flags::pending | transfer_flags::post_pending_transfer | transfer_flags::void_pending_transfer;

struct AccountState {
  Account account;
  bool dirty = false;
};

struct PendingState {
  Transfer transfer;  // the pending transfer itself
  PendingStatus status = PendingStatus::pending;
  std::optional<std::int64_t> expires_at_ns;
  std::optional<std::int64_t> resolved_at_ns;
  bool is_new = false;  // created by this batch
  bool dirty = false;
};

// One change to undo when a linked chain fails.
struct Undo {
  enum class Kind { balances, pending_status, pending_created } kind;
  AccountState* account = nullptr;
  std::int64_t balances[4] = {0, 0, 0, 0};
  Id pending_id;
  PendingStatus status = PendingStatus::pending;
  std::optional<std::int64_t> resolved_at_ns;
};

struct HistoryRow {
  Id account_id;
  std::int64_t timestamp_ns;
  Id event_id;
  std::int64_t balances[4];
};

class TransferBatch {
 public:
  using Timestamps = std::function<std::int64_t(std::int64_t count)>;
  TransferBatch(store::Transaction& tx, Timestamps timestamps) : tx_(tx), timestamps_(std::move(timestamps)) {}

  std::vector<R> create(std::span<const Transfer> input, const std::optional<std::string>& actor) {
    input_ = input;
    actor_ = actor;
    load_for(input);
    std::vector<R> results(input.size(), R::ok);
    const std::int64_t first_ts = timestamps_(static_cast<std::int64_t>(input.size()));
    apply_in_chains(
        input.size(), [&](std::size_t i) { return (input[i].flags & transfer_flags::linked) != 0; },
        [&](std::size_t i) { return apply(i, first_ts + static_cast<std::int64_t>(i)); },
        [this] { return savepoint(); }, [this](const Savepoint& to) { rollback(to); }, results);
    write();
    return results;
  }

  // Voids the pending transfers named whose timeout has passed; returns how many it voided.
  int expire(std::span<const Id> pending_ids) {
    load_pending(pending_ids);
    std::vector<Id> account_ids;
    for (const auto& [id, loaded] : pending_transfers_) {
      account_ids.push_back(loaded.debit_account_id);
      account_ids.push_back(loaded.credit_account_id);
    }
    lock_accounts(sorted_unique(std::move(account_ids)));
    lock_pending_rows(pending_ids);
    int expired = 0;
    const std::int64_t ts = timestamps_(1);
    for (auto& [id, pending] : pending_) {
      if (pending.status != PendingStatus::pending || !pending.expires_at_ns || *pending.expires_at_ns > ts) continue;
      AccountState* dr = account(pending.transfer.debit_account_id);
      AccountState* cr = account(pending.transfer.credit_account_id);
      if (!dr || !cr) continue;
      release(*dr, *cr, pending.transfer.amount, id, ts);
      pending.status = PendingStatus::expired;
      pending.resolved_at_ns = ts;
      pending.dirty = true;
      ++expired;
    }
    write();
    return expired;
  }

 private:
  // ---- loading -------------------------------------------------------------------------------

  void load_for(std::span<const Transfer> input) {
    std::vector<Id> pending_ids;
    std::vector<Id> account_ids;
    std::vector<Id> transfer_ids;
    for (const auto& t : input) {
      if (!t.id.zero()) transfer_ids.push_back(t.id);
      if ((t.flags & (transfer_flags::post_pending_transfer | transfer_flags::void_pending_transfer)) &&
          !t.pending_id.zero()) {
        pending_ids.push_back(t.pending_id);
      }
      if (!t.debit_account_id.zero()) account_ids.push_back(t.debit_account_id);
      if (!t.credit_account_id.zero()) account_ids.push_back(t.credit_account_id);
    }
    pending_ids = sorted_unique(std::move(pending_ids));
    // Transfers never change, so the pending ones are read before anything is locked; their
    // accounts join the set to lock.
    load_pending(pending_ids);
    for (const auto& [id, loaded] : pending_transfers_) {
      account_ids.push_back(loaded.debit_account_id);
      account_ids.push_back(loaded.credit_account_id);
    }
    lock_accounts(sorted_unique(std::move(account_ids)));
    lock_pending_rows(pending_ids);
    // Read after the locks: a concurrent batch with the same id on the same accounts has committed.
    const std::vector<Id> ids = sorted_unique(std::move(transfer_ids));
    select_by_ids(tx_, std::string("SELECT ") + kTransferColumns + " FROM ledger_transfers WHERE id IN", "", ids,
                  [&](const store::Row& row) {
                    Transfer stored = transfer_at(row);
                    existing_.emplace(stored.id, std::move(stored));
                  });
  }

  void load_pending(std::span<const Id> pending_ids) {
    select_by_ids(tx_, std::string("SELECT ") + kTransferColumns + " FROM ledger_transfers WHERE id IN", "",
                  pending_ids, [&](const store::Row& row) {
                    Transfer stored = transfer_at(row);
                    pending_transfers_.emplace(stored.id, std::move(stored));
                  });
  }

  void lock_accounts(const std::vector<Id>& sorted_ids) {
    accounts_.reserve(sorted_ids.size());
    select_by_ids(tx_, std::string("SELECT ") + kAccountColumns + " FROM ledger_accounts WHERE id IN",
                  " ORDER BY id FOR UPDATE", sorted_ids, [&](const store::Row& row) {
                    Account stored = account_at(row);
                    const Id id = stored.id;
                    accounts_.emplace(id, AccountState{std::move(stored), false});
                  });
  }

  void lock_pending_rows(std::span<const Id> pending_ids) {
    select_by_ids(tx_, "SELECT id, status, expires_at_ns, resolved_at_ns FROM ledger_pending WHERE id IN",
                  " ORDER BY id FOR UPDATE", pending_ids, [&](const store::Row& row) {
                    const Id id = id_at(row, 0);
                    auto transfer = pending_transfers_.find(id);
                    if (transfer == pending_transfers_.end()) return;
                    PendingState state;
                    state.transfer = transfer->second;
                    state.status = pending_status_of(row.text(1));
                    state.expires_at_ns = row.optional_int64(2);
                    state.resolved_at_ns = row.optional_int64(3);
                    pending_.emplace(id, std::move(state));
                  });
  }

  // ---- applying ------------------------------------------------------------------------------

  struct Savepoint {
    std::size_t undo;
    std::size_t created;
    std::size_t history;
  };
  Savepoint savepoint() const { return {undo_.size(), created_transfers_.size(), history_.size()}; }

  void rollback(const Savepoint& to) {
    while (undo_.size() > to.undo) {
      Undo& undo = undo_.back();
      switch (undo.kind) {
        case Undo::Kind::balances:
          undo.account->account.debits_pending = undo.balances[0];
          undo.account->account.debits_posted = undo.balances[1];
          undo.account->account.credits_pending = undo.balances[2];
          undo.account->account.credits_posted = undo.balances[3];
          break;
        case Undo::Kind::pending_status: {
          PendingState& pending = pending_.at(undo.pending_id);
          pending.status = undo.status;
          pending.resolved_at_ns = undo.resolved_at_ns;
          break;
        }
        case Undo::Kind::pending_created: pending_.erase(undo.pending_id); break;
      }
      undo_.pop_back();
    }
    while (created_transfers_.size() > to.created) {
      created_.erase(created_transfers_.back().id);
      created_transfers_.pop_back();
    }
    history_.resize(to.history);
  }

  AccountState* account(const Id& id) {
    auto found = accounts_.find(id);
    return found == accounts_.end() ? nullptr : &found->second;
  }

  void remember(AccountState& state) {
    Undo undo{Undo::Kind::balances};
    undo.account = &state;
    undo.balances[0] = state.account.debits_pending;
    undo.balances[1] = state.account.debits_posted;
    undo.balances[2] = state.account.credits_pending;
    undo.balances[3] = state.account.credits_posted;
    undo_.push_back(undo);
    state.dirty = true;
  }

  void record_history(const AccountState& state, std::int64_t ts, const Id& event_id) {
    if (!(state.account.flags & account_flags::history)) return;
    const Account& a = state.account;
    history_.push_back({a.id, ts, event_id, {a.debits_pending, a.debits_posted, a.credits_pending, a.credits_posted}});
  }

  void release(AccountState& dr, AccountState& cr, std::int64_t amount, const Id& event_id, std::int64_t ts) {
    remember(dr);
    remember(cr);
    dr.account.debits_pending -= amount;
    cr.account.credits_pending -= amount;
    record_history(dr, ts, event_id);
    record_history(cr, ts, event_id);
  }

  static R compare_with_existing(const Transfer& t, const Transfer& e) {
    const bool phase2 = t.flags & (transfer_flags::post_pending_transfer | transfer_flags::void_pending_transfer);
    if (t.flags != e.flags) return R::exists_with_different_flags;
    if (t.pending_id != e.pending_id) return R::exists_with_different_pending_id;
    if (t.timeout != e.timeout) return R::exists_with_different_timeout;
    if (!(phase2 && t.debit_account_id.zero()) && t.debit_account_id != e.debit_account_id) {
      return R::exists_with_different_debit_account_id;
    }
    if (!(phase2 && t.credit_account_id.zero()) && t.credit_account_id != e.credit_account_id) {
      return R::exists_with_different_credit_account_id;
    }
    if (!(phase2 && t.amount == 0) && t.amount != e.amount) return R::exists_with_different_amount;
    if (t.user_data_128 != e.user_data_128) return R::exists_with_different_user_data_128;
    if (t.user_data_64 != e.user_data_64) return R::exists_with_different_user_data_64;
    if (t.user_data_32 != e.user_data_32) return R::exists_with_different_user_data_32;
    if (!(phase2 && t.ledger == 0) && t.ledger != e.ledger) return R::exists_with_different_ledger;
    if (!(phase2 && t.code == 0) && t.code != e.code) return R::exists_with_different_code;
    return R::exists;
  }

  R apply(std::size_t index, std::int64_t ts) {
    const Transfer& t = input_[index];
    if (t.flags & ~transfer_flags::all) return R::reserved_flag;
    if (t.id.zero()) return R::id_must_not_be_zero;
    if (t.id.max()) return R::id_must_not_be_int_max;
    if (auto found = existing_.find(t.id); found != existing_.end()) return compare_with_existing(t, found->second);
    if (auto found = created_.find(t.id); found != created_.end()) {
      return compare_with_existing(t, created_transfers_[found->second]);
    }
    if (std::popcount(t.flags & kPhaseFlags) > 1) return R::flags_are_mutually_exclusive;
    if (t.flags & (transfer_flags::post_pending_transfer | transfer_flags::void_pending_transfer)) {
      return apply_second_phase(t, ts);
    }

    if (!t.pending_id.zero()) return R::pending_id_must_be_zero;
    const bool pending = t.flags & transfer_flags::pending;
    if (!pending && t.timeout != 0) return R::timeout_reserved_for_pending_transfer;
    if (t.debit_account_id.zero()) return R::debit_account_id_must_not_be_zero;
    if (t.debit_account_id.max()) return R::debit_account_id_must_not_be_int_max;
    if (t.credit_account_id.zero()) return R::credit_account_id_must_not_be_zero;
    if (t.credit_account_id.max()) return R::credit_account_id_must_not_be_int_max;
    if (t.debit_account_id == t.credit_account_id) return R::accounts_must_be_different;
    if (t.amount < 0) return R::amount_must_not_be_negative;
    if (t.amount == 0) return R::amount_must_not_be_zero;
    if (t.ledger == 0) return R::ledger_must_not_be_zero;
    if (t.code == 0) return R::code_must_not_be_zero;
    AccountState* dr = account(t.debit_account_id);
    if (!dr) return R::debit_account_not_found;
    AccountState* cr = account(t.credit_account_id);
    if (!cr) return R::credit_account_not_found;
    if (dr->account.ledger != cr->account.ledger) return R::accounts_must_have_the_same_ledger;
    if (t.ledger != dr->account.ledger) return R::transfer_must_have_the_same_ledger_as_accounts;
    if (dr->account.flags & account_flags::closed) return R::debit_account_already_closed;
    if (cr->account.flags & account_flags::closed) return R::credit_account_already_closed;

    const Account& d = dr->account;
    const Account& c = cr->account;
    if (pending) {
      if (overflows(d.debits_pending, t.amount)) return R::overflows_debits_pending;
      if (overflows(c.credits_pending, t.amount)) return R::overflows_credits_pending;
    } else {
      if (overflows(d.debits_posted, t.amount)) return R::overflows_debits_posted;
      if (overflows(c.credits_posted, t.amount)) return R::overflows_credits_posted;
    }
    if (overflows(d.debits_pending + d.debits_posted, t.amount) || overflows(d.debits_pending, d.debits_posted)) {
      return R::overflows_debits;
    }
    if (overflows(c.credits_pending + c.credits_posted, t.amount) || overflows(c.credits_pending, c.credits_posted)) {
      return R::overflows_credits;
    }
    if ((d.flags & account_flags::debits_must_not_exceed_credits) &&
        d.debits_pending + d.debits_posted + t.amount > d.credits_posted) {
      return R::exceeds_credits;
    }
    if ((c.flags & account_flags::credits_must_not_exceed_debits) &&
        c.credits_pending + c.credits_posted + t.amount > c.debits_posted) {
      return R::exceeds_debits;
    }

    remember(*dr);
    remember(*cr);
    if (pending) {
      dr->account.debits_pending += t.amount;
      cr->account.credits_pending += t.amount;
    } else {
      dr->account.debits_posted += t.amount;
      cr->account.credits_posted += t.amount;
    }
    record_history(*dr, ts, t.id);
    record_history(*cr, ts, t.id);
    Transfer stored = t;
    stored.timestamp_ns = ts;
    stored.actor_user_id = actor_;
    if (pending) {
      PendingState state;
      state.transfer = stored;
      state.status = PendingStatus::pending;
      if (t.timeout != 0) state.expires_at_ns = ts + static_cast<std::int64_t>(t.timeout) * 1'000'000'000;
      state.is_new = true;
      pending_.emplace(t.id, std::move(state));
      Undo undo{Undo::Kind::pending_created};
      undo.pending_id = t.id;
      undo_.push_back(undo);
    }
    created_.emplace(t.id, created_transfers_.size());
    created_transfers_.push_back(std::move(stored));
    return R::ok;
  }

  R apply_second_phase(const Transfer& t, std::int64_t ts) {
    const bool post = t.flags & transfer_flags::post_pending_transfer;
    if (t.pending_id.zero()) return R::pending_id_must_not_be_zero;
    if (t.pending_id.max()) return R::pending_id_must_not_be_int_max;
    if (t.pending_id == t.id) return R::pending_id_must_be_different;
    if (t.timeout != 0) return R::timeout_reserved_for_pending_transfer;
    if (t.amount < 0) return R::amount_must_not_be_negative;
    auto found = pending_.find(t.pending_id);
    if (found == pending_.end()) {
      const bool stored = pending_transfers_.contains(t.pending_id) || existing_.contains(t.pending_id) ||
                          created_.contains(t.pending_id);
      return stored ? R::pending_transfer_not_pending : R::pending_transfer_not_found;
    }
    PendingState& p = found->second;
    const Transfer& original = p.transfer;
    if (!t.debit_account_id.zero() && t.debit_account_id != original.debit_account_id) {
      return R::pending_transfer_has_different_debit_account_id;
    }
    if (!t.credit_account_id.zero() && t.credit_account_id != original.credit_account_id) {
      return R::pending_transfer_has_different_credit_account_id;
    }
    if (t.ledger != 0 && t.ledger != original.ledger) return R::pending_transfer_has_different_ledger;
    if (t.code != 0 && t.code != original.code) return R::pending_transfer_has_different_code;
    std::int64_t amount = t.amount == 0 ? original.amount : t.amount;
    if (post && amount > original.amount) return R::exceeds_pending_transfer_amount;
    if (!post && amount != original.amount) return R::pending_transfer_has_different_amount;
    switch (p.status) {
      case PendingStatus::posted: return R::pending_transfer_already_posted;
      case PendingStatus::voided: return R::pending_transfer_already_voided;
      case PendingStatus::expired: return R::pending_transfer_expired;
      case PendingStatus::none:
      case PendingStatus::pending: break;
    }
    if (p.expires_at_ns && *p.expires_at_ns <= ts) return R::pending_transfer_expired;
    AccountState* dr = account(original.debit_account_id);
    AccountState* cr = account(original.credit_account_id);
    if (!dr) return R::debit_account_not_found;
    if (!cr) return R::credit_account_not_found;
    if (post) {
      if (overflows(dr->account.debits_posted, amount)) return R::overflows_debits_posted;
      if (overflows(cr->account.credits_posted, amount)) return R::overflows_credits_posted;
    }

    Undo undo{Undo::Kind::pending_status};
    undo.pending_id = t.pending_id;
    undo.status = p.status;
    undo.resolved_at_ns = p.resolved_at_ns;
    undo_.push_back(undo);
    remember(*dr);
    remember(*cr);
    dr->account.debits_pending -= original.amount;
    cr->account.credits_pending -= original.amount;
    if (post) {
      dr->account.debits_posted += amount;
      cr->account.credits_posted += amount;
    }
    record_history(*dr, ts, t.id);
    record_history(*cr, ts, t.id);
    p.status = post ? PendingStatus::posted : PendingStatus::voided;
    p.resolved_at_ns = ts;
    p.dirty = true;

    Transfer stored = t;
    stored.debit_account_id = original.debit_account_id;
    stored.credit_account_id = original.credit_account_id;
    stored.ledger = original.ledger;
    stored.code = original.code;
    stored.amount = amount;
    stored.timestamp_ns = ts;
    stored.actor_user_id = actor_;
    created_.emplace(t.id, created_transfers_.size());
    created_transfers_.push_back(std::move(stored));
    return R::ok;
  }

  // ---- writing -------------------------------------------------------------------------------

  void write() {
    std::vector<store::Value> values;
    if (!created_transfers_.empty()) {
      values.reserve(created_transfers_.size() * kTransferColumnCount);
      for (const auto& t : created_transfers_) append_transfer_values(values, t);
      insert_rows(tx_, std::string("INSERT INTO ledger_transfers (") + kTransferColumns + ")", kTransferColumnCount,
                  values);
    }

    values.clear();
    for (const auto& [id, p] : pending_) {
      if (!p.is_new) continue;
      values.emplace_back(value_of(id));
      values.emplace_back(std::string(to_string(p.status)));
      values.emplace_back(p.expires_at_ns ? store::Value(*p.expires_at_ns) : store::Value(nullptr));
      values.emplace_back(p.resolved_at_ns ? store::Value(*p.resolved_at_ns) : store::Value(nullptr));
    }
    if (!values.empty()) {
      insert_rows(tx_, "INSERT INTO ledger_pending (id, status, expires_at_ns, resolved_at_ns)", 4, values);
    }
    for (const auto& [id, p] : pending_) {
      if (p.is_new || !p.dirty) continue;
      tx_.execute("UPDATE ledger_pending SET status = ?, resolved_at_ns = ? WHERE id = ?",
                  {std::string(to_string(p.status)),
                   p.resolved_at_ns ? store::Value(*p.resolved_at_ns) : store::Value(nullptr), value_of(id)});
    }

    values.clear();
    for (const auto& [id, state] : accounts_) {
      if (!state.dirty) continue;
      values.emplace_back(value_of(id));
      values.emplace_back(state.account.debits_pending);
      values.emplace_back(state.account.debits_posted);
      values.emplace_back(state.account.credits_pending);
      values.emplace_back(state.account.credits_posted);
    }
    if (!values.empty()) {
      execute_rows(tx_, "WITH v (id, dp, dd, cp, cd) AS (VALUES ",
                   "(?, CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT), CAST(? AS BIGINT))", 5, values,
                   ") UPDATE ledger_accounts SET debits_pending = v.dp, debits_posted = v.dd, credits_pending = v.cp, "
                   "credits_posted = v.cd FROM v WHERE ledger_accounts.id = v.id");
    }

    values.clear();
    for (const auto& h : history_) {
      values.emplace_back(value_of(h.account_id));
      values.emplace_back(h.timestamp_ns);
      values.emplace_back(value_of(h.event_id));
      for (std::int64_t balance : h.balances) values.emplace_back(balance);
    }
    if (!values.empty()) {
      insert_rows(tx_,
                  "INSERT INTO ledger_account_history (account_id, timestamp_ns, event_id, debits_pending, "
                  "debits_posted, credits_pending, credits_posted)",
                  7, values);
    }
  }

  store::Transaction& tx_;
  Timestamps timestamps_;
  std::span<const Transfer> input_;
  std::optional<std::string> actor_;
  std::unordered_map<Id, AccountState, IdHash> accounts_;
  std::unordered_map<Id, Transfer, IdHash> pending_transfers_;  // stored transfers named as pending ids
  std::unordered_map<Id, PendingState, IdHash> pending_;        // pending transfers and their state
  std::unordered_map<Id, Transfer, IdHash> existing_;           // stored transfers with the batch's ids
  std::unordered_map<Id, std::size_t, IdHash> created_;         // id → index in created_transfers_
  std::vector<Transfer> created_transfers_;
  std::vector<Undo> undo_;
  std::vector<HistoryRow> history_;
};

}  // namespace

std::vector<CreateTransferResult> LedgerService::create_transfers_in(store::Transaction& tx,
                                                                     std::span<const Transfer> transfers,
                                                                     const std::optional<std::string>& actor_user_id) {
  TransferBatch batch(tx, [this](std::int64_t count) { return reserve_timestamps_ns(count); });
  return batch.create(transfers, actor_user_id);
}

Result<std::vector<CreateTransferResult>> LedgerService::create_transfers(
    std::span<const Transfer> transfers, const std::optional<std::string>& actor_user_id) {
  if (transfers.size() > kMaxBatch) {
    return invalid_input("batch_too_large", "a batch holds at most 8190 transfers");
  }
  return retrying_unique_violations([&] {
    std::vector<CreateTransferResult> results;
    store_.run_write([&](store::Transaction& tx) {
      results = create_transfers_in(tx, transfers, actor_user_id);
      return true;
    });
    return results;
  });
}

Result<LedgerService::Submitted> LedgerService::create_transfers_once(const std::string& scope,
                                                                      const std::string& idempotency_key,
                                                                      const std::string& fingerprint,
                                                                      std::span<const Transfer> transfers,
                                                                      const std::optional<std::string>& actor_user_id) {
  if (transfers.size() > kMaxBatch) {
    return invalid_input("batch_too_large", "a batch holds at most 8190 transfers");
  }
  return retrying_unique_violations([&] {
    return store_.write<Submitted>([&](store::Transaction& tx) -> Result<Submitted> {
      // The key is claimed first: a concurrent duplicate waits on it and then reads our results.
      const auto claimed = tx.execute(
          "INSERT INTO ledger_requests (scope, idempotency_key, fingerprint, results, created_at_ms) "
          "VALUES (?, ?, ?, '', ?) ON CONFLICT (scope, idempotency_key) DO NOTHING",
          {scope, idempotency_key, fingerprint, clock_ms()});
      if (claimed == 0) {
        auto row = tx.query_one(
            "SELECT fingerprint, results FROM ledger_requests WHERE scope = ? AND "
            "idempotency_key = ?",
            {scope, idempotency_key});
        if (!row) return conflict("idempotency_key_in_use", "a request with this key is being processed; retry");
        if (row->text(0) != fingerprint) {
          return make_error(ErrorKind::unprocessable, "idempotency_key_reused",
                            "this Idempotency-Key was used for a different request");
        }
        Submitted replay{{}, true};
        const std::string text = row->text(1);
        for (std::size_t start = 0; start < text.size();) {
          const auto end = std::min(text.find(',', start), text.size());
          auto result = transfer_result(std::string_view(text).substr(start, end - start));
          if (!result) throw store::StoreError(store::StoreError::Kind::other, "ledger: unknown stored result");
          replay.results.push_back(*result);
          start = end + 1;
        }
        return replay;
      }
      Submitted fresh{create_transfers_in(tx, transfers, actor_user_id), false};
      std::string text;
      for (auto result : fresh.results) {
        if (!text.empty()) text += ',';
        text += to_string(result);
      }
      tx.execute("UPDATE ledger_requests SET results = ? WHERE scope = ? AND idempotency_key = ?",
                 {text, scope, idempotency_key});
      return fresh;
    });
  });
}

int LedgerService::expire_pending(int limit) {
  const std::int64_t now_ns = clock_ms() * 1'000'000;
  std::vector<Id> due;
  store_.run_single_read([&](store::Transaction& tx) {
    for (const auto& row : tx.query("SELECT id FROM ledger_pending WHERE status = 'pending' AND expires_at_ns IS NOT "
                                    "NULL AND expires_at_ns <= ? ORDER BY expires_at_ns LIMIT ?",
                                    {now_ns, std::int64_t{limit}})) {
      due.push_back(detail::id_at(row, 0));
    }
  });
  if (due.empty()) return 0;
  std::sort(due.begin(), due.end());
  int expired = 0;
  store_.run_write([&](store::Transaction& tx) {
    TransferBatch batch(tx, [this](std::int64_t count) { return reserve_timestamps_ns(count); });
    expired = batch.expire(due);
    return true;
  });
  return expired;
}

}  // namespace barid::ledger
