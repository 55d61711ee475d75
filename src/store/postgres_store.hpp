// The server backend: a pool of libpq connections, READ COMMITTED writes retried on serialization
// failures and deadlocks, REPEATABLE READ read-only snapshots for reads.
#pragma once

#include <barid/store/store.hpp>

#include <memory>
#include <string>

namespace barid::store::detail {

std::unique_ptr<Store> open_postgres_store(const std::string& url, const StoreOptions& options);

// "postgresql://host:port/db" from any libpq URL; never includes the user's password.
std::string describe_postgres_url(const std::string& url);

}  // namespace barid::store::detail
