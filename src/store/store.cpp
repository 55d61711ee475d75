#include <barid/store/store.hpp>

#include "postgres_store.hpp"
#include "sql_text.hpp"
#include "sqlite_store.hpp"

#include <stdexcept>

namespace barid::store {

std::unique_ptr<Store> Store::open(const std::string& url, const StoreOptions& options) {
  if (detail::is_sqlite_url(url)) return detail::open_sqlite_store(detail::sqlite_path_from_url(url), options);
  if (detail::is_postgresql_url(url)) return detail::open_postgres_store(url, options);
  // Name only the scheme: the rest of an unrecognised URL may hold a password.
  throw std::invalid_argument("unsupported store URL scheme '" + detail::url_scheme(url) +
                              "': use sqlite:PATH or postgresql://USER@HOST:PORT/DATABASE");
}

}  // namespace barid::store
