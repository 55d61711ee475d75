#include <barid/store/testing.hpp>

#include <libpq-fe.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <stdexcept>

namespace barid::store::testing {
namespace {

constexpr const char* url_file_variable = "BARID_TEST_POSTGRES_URL_FILE";

std::string random_hex(std::size_t length) {
  static const char digits[] = "0123456789abcdef";
  std::random_device device;
  std::string out;
  for (std::size_t i = 0; i < length; ++i) out += digits[device() % 16];
  return out;
}

// The cluster URL that scripts/test-postgres.sh wrote. Missing means the test run is misconfigured,
// which must fail the test: a skipped PostgreSQL half would hide every PostgreSQL-only bug.
std::string read_server_url() {
  const char* file = std::getenv(url_file_variable);
  if (file == nullptr || *file == '\0') {
    throw std::runtime_error(std::string(url_file_variable) +
                             " is not set: run the tests through ctest, which starts the PostgreSQL cluster "
                             "(scripts/test-postgres.sh start DIR)");
  }
  std::ifstream in(file);
  std::string url;
  if (!in || !std::getline(in, url) || url.empty()) {
    throw std::runtime_error(std::string("cannot read the test PostgreSQL URL from ") + file +
                             ": is the cluster running? (scripts/test-postgres.sh start DIR)");
  }
  return url;
}

// Runs one statement outside any transaction (CREATE/DROP DATABASE refuse to run inside one).
void run_on_server(const std::string& server_url, const std::string& sql) {
  PGconn* connection = PQconnectdb(server_url.c_str());
  if (PQstatus(connection) != CONNECTION_OK) {
    const std::string message = PQerrorMessage(connection);
    PQfinish(connection);
    throw std::runtime_error("cannot connect to the test PostgreSQL cluster: " + message);
  }
  PGresult* result = PQexec(connection, sql.c_str());
  const bool ok = PQresultStatus(result) == PGRES_COMMAND_OK;
  const std::string message = PQresultErrorMessage(result);
  PQclear(result);
  PQfinish(connection);
  if (!ok) throw std::runtime_error("test PostgreSQL: " + sql + ": " + message);
}

// The same URL naming another database: replaces the path after host[:port], keeps any ?query.
std::string with_database(const std::string& url, const std::string& database) {
  const std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) throw std::runtime_error("test PostgreSQL URL is not a URI: " + url);
  const std::size_t authority_begin = scheme_end + 3;
  const std::size_t path_begin = std::min(url.find('/', authority_begin), url.find('?', authority_begin));
  const std::size_t query_begin = url.find('?', authority_begin);
  const std::string authority = url.substr(authority_begin, path_begin - authority_begin);
  const std::string query = query_begin == std::string::npos ? "" : url.substr(query_begin);
  return url.substr(0, authority_begin) + authority + "/" + database + query;
}

}  // namespace

std::vector<std::string> backends() {
  return {"sqlite", "postgresql"};
}

std::string temp_dir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/barid-test-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed for " + pattern);
  return pattern;
}

TestDatabase::TestDatabase(const std::string& backend) : backend_(backend) {
  if (backend == "sqlite") {
    sqlite_dir_ = temp_dir();
    url_ = "sqlite:" + sqlite_dir_ + "/barid.db";
    return;
  }
  if (backend != "postgresql") throw std::invalid_argument("unknown test backend '" + backend + "'");
  server_url_ = read_server_url();
  postgres_database_ = "barid_test_" + random_hex(16);
  run_on_server(server_url_, "CREATE DATABASE " + postgres_database_);
  url_ = with_database(server_url_, postgres_database_);
}

TestDatabase::~TestDatabase() {
  try {
    if (!sqlite_dir_.empty()) std::filesystem::remove_all(sqlite_dir_);
    if (!postgres_database_.empty()) {
      run_on_server(server_url_, "DROP DATABASE IF EXISTS " + postgres_database_ + " WITH (FORCE)");
    }
  } catch (const std::exception& error) {
    // A destructor cannot fail the test; say loudly what was left behind.
    std::cerr << "TestDatabase cleanup failed: " << error.what() << '\n';
  }
}

std::unique_ptr<Store> TestDatabase::open(StoreOptions options) const {
  return Store::open(url_, options);
}

}  // namespace barid::store::testing
