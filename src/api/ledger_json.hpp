// Decoding the ledger routes' request bodies: batches of accounts ({"accounts": [...]}) and transfers
// ({"transfers": [...]}), one event at a time, each error naming the event and its field
// ("transfers[3].amount must be …"). Pure: no store, no clock; fuzz_ledger_events feeds it.
#pragma once

#include <barid/core/json.hpp>
#include <barid/core/result.hpp>
#include <barid/ledger/ledger.hpp>

#include <cstddef>

namespace barid::api {

// The array `name` of a batch request: 1 to ledger::kMaxBatch objects. Errors: missing_field,
// empty_batch, batch_too_large, and `invalid_code` for an event that is no object.
Result<const Json*> events_of(const Json& body, const char* name, const char* invalid_code);
// The account or transfer at `index` of its batch. Errors: invalid_account, invalid_transfer.
Result<ledger::Account> read_account(const Json& event, std::size_t index);
Result<ledger::Transfer> read_transfer(const Json& event, std::size_t index);

}  // namespace barid::api
