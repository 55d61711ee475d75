// Dialect-independent SQL text handling shared by both backends: placeholder rewriting, row-lock
// stripping, migration token substitution and URL parsing. Pure functions, tested without a database.
#pragma once

#include <barid/store/store.hpp>

#include <string>
#include <string_view>

namespace barid::store::detail {

// "? … ?" → "$1 … $2" for PostgreSQL. Question marks inside string literals, quoted identifiers and
// comments are left alone, so `WHERE note = 'why?'` keeps its text.
std::string number_placeholders(std::string_view sql);

// Drops a trailing "FOR UPDATE" (any case, any spacing, optional `;`) for SQLite, whose single writer
// already serialises every write transaction.
std::string_view strip_for_update(std::string_view sql);  // a prefix of `sql`

// Replaces the migration tokens `${id}` and `${blob}` with the dialect's column types.
std::string substitute_migration_tokens(std::string_view sql, Dialect dialect);

// "sqlite:/a/b.db" and "sqlite:///a/b.db" → "/a/b.db"; throws std::invalid_argument when empty.
std::string sqlite_path_from_url(std::string_view url);

bool is_postgresql_url(std::string_view url);
bool is_sqlite_url(std::string_view url);

// The part of a URL before "://" or ":", for error messages that must not echo credentials.
std::string url_scheme(std::string_view url);

}  // namespace barid::store::detail
