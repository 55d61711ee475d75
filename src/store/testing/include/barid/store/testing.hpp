// Throwaway databases for tests: every test gets its own, on each backend, so tests run in parallel
// and never see each other's rows. PostgreSQL databases live on the cluster that
// scripts/test-postgres.sh starts for the test run; a missing cluster fails the test, never skips it.
#pragma once

#include <barid/store/store.hpp>

#include <memory>
#include <string>
#include <vector>

namespace barid::store::testing {

// The backend names TestDatabase accepts, for INSTANTIATE_TEST_SUITE_P: {"sqlite", "postgresql"}.
std::vector<std::string> backends();

// A fresh, empty directory under $TMPDIR (or /tmp). The caller removes it.
std::string temp_dir();

class TestDatabase {
 public:
  // Creates the database; throws std::runtime_error with the reason when it cannot.
  explicit TestDatabase(const std::string& backend);
  ~TestDatabase();
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& backend() const { return backend_; }
  const std::string& url() const { return url_; }
  std::unique_ptr<Store> open(StoreOptions options = {}) const;

 private:
  std::string backend_;
  std::string url_;
  std::string sqlite_dir_;         // sqlite: the directory to remove
  std::string server_url_;         // postgresql: the cluster's maintenance database
  std::string postgres_database_;  // postgresql: the database to drop
};

}  // namespace barid::store::testing
