#include <barid/app/node.hpp>
#include <barid/store/testing.hpp>

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

namespace barid::app {
namespace {

std::string write_file(const std::string& text) {
  const std::string path = store::testing::temp_dir() + "/barid.toml";
  std::ofstream(path) << text;
  return path;
}

TEST(Config, ReadsTomlFile) {
  Config config;
  const auto path = write_file(R"(
listen = "0.0.0.0:8443"
data_dir = "/srv/barid"
database = "postgresql://db.internal/barid"
max_body_bytes = 2097152
threads = 16
trust_forwarded_for = true
)");
  ASSERT_TRUE(load_config_file(path, config).ok());
  EXPECT_EQ(config.listen, "0.0.0.0:8443");
  EXPECT_EQ(config.data_dir, "/srv/barid");
  EXPECT_EQ(config.database_url(), "postgresql://db.internal/barid");
  EXPECT_EQ(config.max_body_bytes, 2097152u);
  EXPECT_EQ(config.threads, 16);
  EXPECT_TRUE(config.trust_forwarded_for);
}

TEST(Config, DefaultDatabaseIsSqliteInTheDataDirectory) {
  Config config;
  config.data_dir = "/srv/barid";
  EXPECT_EQ(config.database_url(), "sqlite:/srv/barid/barid.db");
}

TEST(Config, MalformedTomlIsAClearError) {
  Config config;
  const auto loaded = load_config_file(write_file("listen = \n"), config);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.error().code, "invalid_config");
  EXPECT_NE(loaded.error().message.find("barid.toml"), std::string::npos);
}

TEST(Config, EnvironmentOverridesFile) {
  Config config;
  config.listen = "127.0.0.1:1";
  ::setenv("BARID_LISTEN", "127.0.0.1:9999", 1);
  ::setenv("BARID_DATA_DIR", "/tmp/elsewhere", 1);
  apply_environment(config);
  ::unsetenv("BARID_LISTEN");
  ::unsetenv("BARID_DATA_DIR");
  EXPECT_EQ(config.listen, "127.0.0.1:9999");
  EXPECT_EQ(config.data_dir, "/tmp/elsewhere");
}

TEST(Migrations, EveryVersionIsUniqueAndAscending) {
  const auto migrations = all_migrations();
  ASSERT_FALSE(migrations.empty());
  for (std::size_t i = 1; i < migrations.size(); ++i) EXPECT_LT(migrations[i - 1].version, migrations[i].version);
}

}  // namespace
}  // namespace barid::app
