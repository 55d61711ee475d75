// The embedded backend: one SQLite file in WAL mode with a single writer connection and a small
// pool of readers that see consistent snapshots while the writer works.
#pragma once

#include <barid/store/store.hpp>

#include <memory>
#include <string>

namespace barid::store::detail {

std::unique_ptr<Store> open_sqlite_store(const std::string& path, const StoreOptions& options);

}  // namespace barid::store::detail
