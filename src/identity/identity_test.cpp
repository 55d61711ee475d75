#include <barid/core/time.hpp>
#include <barid/identity/identity.hpp>
#include <barid/store/testing.hpp>

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace barid::identity {
namespace {

class IdentityTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    database_ = std::make_unique<store::testing::TestDatabase>(GetParam());
    store_ = database_->open();
    const auto migrations = IdentityService::migrations();
    ASSERT_TRUE(store_->migrate(migrations).ok());
    options_.password_cost = crypto::PasswordCost::fast_for_tests;
    service_ = std::make_unique<IdentityService>(*store_, options_);
  }

  Party citizen(const std::string& national_id, const std::string& name = "Amina Haddad") {
    auto party =
        service_->create_party({PartyKind::citizen, national_id, "أمينة حداد", name, std::nullopt, std::nullopt, "ar"});
    EXPECT_TRUE(party.ok()) << (party.ok() ? "" : party.error().code);
    return *party;
  }
  User user(const Party& party, const std::string& login, std::vector<Role> roles = {Role::citizen}) {
    auto created = service_->create_user({login, party.id, std::move(roles), kPassword});
    EXPECT_TRUE(created.ok()) << (created.ok() ? "" : created.error().code);
    return *created;
  }
  Principal log_in(const std::string& login) {
    auto grant = service_->log_in(login, kPassword, "192.0.2.1");
    EXPECT_TRUE(grant.ok());
    auto principal = service_->authenticate(grant->token);
    EXPECT_TRUE(principal.ok());
    return *principal;
  }

  static constexpr const char* kPassword = "a long passphrase 42";
  std::unique_ptr<store::testing::TestDatabase> database_;
  std::unique_ptr<store::Store> store_;
  IdentityOptions options_;
  std::unique_ptr<IdentityService> service_;
};

TEST_P(IdentityTest, RegistersPartyWithArabicIndicDigitsNormalised) {
  auto party = service_->create_party(
      {PartyKind::citizen, "٢٩٠٠١٠١٢٣٤٥٦٧٨", "أمينة", "Amina", std::nullopt, std::string("+201001234567"), "ar"});
  ASSERT_TRUE(party.ok());
  EXPECT_EQ(party->identifier, "29001012345678");
  auto found = service_->find_party(PartyKind::citizen, "29001012345678");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, party->id);
  EXPECT_EQ(found->name_ar, "أمينة");
}

TEST_P(IdentityTest, RefusesDuplicatePartyAndLogin) {
  const Party party = citizen("29001012345678");
  auto again =
      service_->create_party({PartyKind::citizen, "29001012345678", "x", "x", std::nullopt, std::nullopt, "ar"});
  EXPECT_EQ(again.error().code, "party_exists");
  user(party, "amina");
  auto twice = service_->create_user({"AMINA", party.id, {Role::citizen}, kPassword});
  EXPECT_EQ(twice.error().code, "login_taken");
}

TEST_P(IdentityTest, RejectsBadPartyFields) {
  EXPECT_EQ(
      service_->create_party({PartyKind::citizen, "12ab", "a", "a", std::nullopt, std::nullopt, "ar"}).error().code,
      "invalid_national_id");
  EXPECT_EQ(service_->create_party({PartyKind::citizen, "123456", "a", "a", std::string("nope"), std::nullopt, "ar"})
                .error()
                .code,
            "invalid_email");
  EXPECT_EQ(
      service_->create_party({PartyKind::citizen, "123456", "a", "a", std::nullopt, std::nullopt, "de"}).error().code,
      "invalid_language");
  EXPECT_EQ(
      service_->create_party({PartyKind::citizen, "123456", "", "a", std::nullopt, std::nullopt, "ar"}).error().code,
      "invalid_name");
}

TEST_P(IdentityTest, EnforcesPasswordLengthBounds) {
  const Party party = citizen("29001012345678");
  EXPECT_EQ(service_->create_user({"amina", party.id, {Role::citizen}, "elevenchars"}).error().code,
            "password_too_short");
  EXPECT_EQ(service_->create_user({"amina", party.id, {Role::citizen}, std::string(129, 'x')}).error().code,
            "password_too_long");
  EXPECT_TRUE(service_->create_user({"amina", party.id, {Role::citizen}, std::string(128, 'x')}).ok());
  EXPECT_TRUE(service_->create_user({"amina2", party.id, {Role::citizen}, "twelve chars"}).ok());
}

TEST_P(IdentityTest, RefusesRoleThatDoesNotFitTheParty) {
  const Party party = citizen("29001012345678");
  EXPECT_EQ(service_->create_user({"amina", party.id, {Role::operator_admin}, kPassword}).error().code,
            "role_not_allowed_for_party");
}

TEST_P(IdentityTest, UnknownUserAndWrongPasswordGetTheSameAnswer) {
  const Party party = citizen("29001012345678");
  user(party, "amina");
  auto wrong_password = service_->log_in("amina", "not the password!", "192.0.2.1");
  auto unknown_user = service_->log_in("nobody-here", kPassword, "192.0.2.1");
  ASSERT_FALSE(wrong_password.ok());
  ASSERT_FALSE(unknown_user.ok());
  EXPECT_EQ(wrong_password.error().code, unknown_user.error().code);
  EXPECT_EQ(wrong_password.error().message, unknown_user.error().message);
  EXPECT_EQ(wrong_password.error().kind, ErrorKind::unauthenticated);
}

TEST_P(IdentityTest, SessionTokenAuthenticatesUntilLogout) {
  const Party party = citizen("29001012345678");
  const User amina = user(party, "amina");
  auto grant = service_->log_in("Amina", kPassword, "192.0.2.1");
  ASSERT_TRUE(grant.ok());
  auto principal = service_->authenticate(grant->token);
  ASSERT_TRUE(principal.ok());
  EXPECT_EQ(principal->user_id, amina.id);
  EXPECT_EQ(principal->party_id, party.id);
  EXPECT_TRUE(principal->has_role(Role::citizen));
  // Only the token's hash is stored.
  const bool token_stored = store_->read<bool>([&](store::Transaction& tx) {
    for (const auto& row : tx.query("SELECT token_hash FROM sessions")) {
      const auto hash = row.blob(0);
      if (std::string(hash.begin(), hash.end()).find(grant->token) != std::string::npos) return true;
    }
    return false;
  });
  EXPECT_FALSE(token_stored);
  ASSERT_TRUE(service_->log_out(*principal).ok());
  EXPECT_EQ(service_->authenticate(grant->token).error().code, "invalid_token");
}

TEST_P(IdentityTest, EachLoginRotatesTheToken) {
  const Party party = citizen("29001012345678");
  user(party, "amina");
  auto first = service_->log_in("amina", kPassword, "192.0.2.1");
  auto second = service_->log_in("amina", kPassword, "192.0.2.1");
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_NE(first->token, second->token);
}

TEST_P(IdentityTest, SessionExpiresAfterIdleTimeoutAndActivityExtendsIt) {
  std::int64_t now = 1'800'000'000'000;
  options_.clock = [&now] { return now; };
  service_ = std::make_unique<IdentityService>(*store_, options_);
  const Party party = citizen("29001012345678");
  user(party, "amina");
  auto grant = service_->log_in("amina", kPassword, "192.0.2.1");
  ASSERT_TRUE(grant.ok());
  // Used every 20 minutes for two hours: stays alive, since each use moves the idle deadline.
  for (int i = 0; i < 6; ++i) {
    now += 20 * 60 * 1000;
    ASSERT_TRUE(service_->authenticate(grant->token).ok()) << "use " << i;
  }
  now += 30 * 60 * 1000;
  EXPECT_EQ(service_->authenticate(grant->token).error().code, "session_expired");
}

TEST_P(IdentityTest, SessionExpiresAtAbsoluteLimitEvenWhenUsed) {
  std::int64_t now = 1'800'000'000'000;
  options_.clock = [&now] { return now; };
  service_ = std::make_unique<IdentityService>(*store_, options_);
  const Party party = citizen("29001012345678");
  user(party, "amina");
  auto grant = service_->log_in("amina", kPassword, "192.0.2.1");
  for (int i = 0; i < 35; ++i) {  // every 20 minutes for 11 h 40 min
    now += 20 * 60 * 1000;
    ASSERT_TRUE(service_->authenticate(grant->token).ok()) << "use " << i;
  }
  now += 20 * 60 * 1000;  // 12 h after login
  EXPECT_EQ(service_->authenticate(grant->token).error().code, "session_expired");
}

TEST_P(IdentityTest, LoginLimitClearsAfterTheWindow) {
  std::int64_t now = 1'800'000'000'000;
  options_.clock = [&now] { return now; };
  service_ = std::make_unique<IdentityService>(*store_, options_);
  const Party party = citizen("29001012345678");
  user(party, "amina");
  for (int i = 0; i < options_.login_failures_per_account; ++i) {
    (void)service_->log_in("amina", "wrong password!!", "192.0.2.1");
  }
  EXPECT_EQ(service_->log_in("amina", kPassword, "192.0.2.1").error().code, "too_many_login_attempts");
  now += options_.login_failure_window_ms + 1;
  EXPECT_TRUE(service_->log_in("amina", kPassword, "192.0.2.1").ok());
}

TEST_P(IdentityTest, ConcurrentGuessesCannotExceedTheAccountLimit) {
  const Party party = citizen("29001012345678");
  user(party, "amina");
  std::atomic<int> judged{0};  // answers other than 429: the password was actually checked
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 3; ++i) {
        auto result = service_->log_in("amina", "wrong password!!", "198.51.100." + std::to_string(t));
        if (result.ok() || result.error().code != "too_many_login_attempts") ++judged;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(judged.load(), options_.login_failures_per_account);
}

TEST_P(IdentityTest, UnusableLoginBytesAreRateLimitedWithoutError) {
  const std::string split = "a" + std::string("\xC3\xA9") + std::string(100, 'b') + "\xC3";
  for (int i = 0; i < options_.login_failures_per_account; ++i) {
    EXPECT_EQ(service_->log_in(split, "wrong password!!", "192.0.2." + std::to_string(i)).error().code,
              "invalid_credentials");
  }
  EXPECT_EQ(service_->log_in(split, "wrong password!!", "192.0.2.99").error().code, "too_many_login_attempts");
}

TEST_P(IdentityTest, WrongCurrentPasswordGuessesAreRateLimited) {
  const Party party = citizen("29001012345678");
  user(party, "amina");
  const Principal amina = log_in("amina");
  for (int i = 0; i < options_.login_failures_per_account; ++i) {
    EXPECT_EQ(
        service_->change_password(amina, "guess number " + std::to_string(i), "a brand new passphrase").error().code,
        "wrong_password");
  }
  EXPECT_EQ(service_->change_password(amina, kPassword, "a brand new passphrase").error().code,
            "too_many_login_attempts");
}

TEST_P(IdentityTest, RateLimitsFailedLoginsPerAccountWithRetryAfter) {
  const Party party = citizen("29001012345678");
  user(party, "amina");
  for (int i = 0; i < options_.login_failures_per_account; ++i) {
    EXPECT_EQ(service_->log_in("amina", "wrong password!!", "192.0.2." + std::to_string(i)).error().code,
              "invalid_credentials");
  }
  auto limited = service_->log_in("amina", kPassword, "192.0.2.99");
  ASSERT_FALSE(limited.ok());
  EXPECT_EQ(limited.error().code, "too_many_login_attempts");
  EXPECT_EQ(limited.error().kind, ErrorKind::rate_limited);
  ASSERT_TRUE(limited.error().retry_after_s.has_value());
  EXPECT_GT(*limited.error().retry_after_s, 0);
  EXPECT_LE(*limited.error().retry_after_s, 15 * 60);
}

TEST_P(IdentityTest, RateLimitsFailedLoginsPerAddress) {
  for (int i = 0; i < options_.login_failures_per_address; ++i) {
    (void)service_->log_in("someone" + std::to_string(i), "wrong password!!", "198.51.100.7");
  }
  EXPECT_EQ(service_->log_in("another", "wrong password!!", "198.51.100.7").error().code, "too_many_login_attempts");
  EXPECT_EQ(service_->log_in("another", "wrong password!!", "198.51.100.8").error().code, "invalid_credentials");
}

TEST_P(IdentityTest, ApiKeyCarriesOnlyItsRolesAndStopsWhenRevoked) {
  auto operator_party = service_->create_party(
      {PartyKind::postal_operator, "EGPOST", "البريد المصري", "Egypt Post", std::nullopt, std::nullopt, "ar"});
  ASSERT_TRUE(operator_party.ok());
  const User admin = user(*operator_party, "admin", {Role::operator_admin, Role::postal_clerk});
  const Principal admin_principal = log_in("admin");
  auto grant = service_->create_api_key(&admin_principal, "admin", "counter integration", {Role::postal_clerk});
  ASSERT_TRUE(grant.ok());
  auto principal = service_->authenticate(grant->secret);
  ASSERT_TRUE(principal.ok());
  EXPECT_EQ(principal->via, Principal::Via::api_key);
  EXPECT_TRUE(principal->has_role(Role::postal_clerk));
  EXPECT_FALSE(principal->has_role(Role::operator_admin));
  EXPECT_EQ(principal->user_id, admin.id);
  EXPECT_EQ(service_->create_api_key(&admin_principal, "admin", "x", {Role::carrier}).error().code, "role_not_held");
  ASSERT_TRUE(service_->revoke_api_key(grant->key.id).ok());
  EXPECT_EQ(service_->authenticate(grant->secret).error().code, "invalid_token");
  EXPECT_EQ(service_->revoke_api_key(grant->key.id).error().code, "api_key_already_revoked");
  EXPECT_EQ(service_->revoke_api_key("no-such-key").error().code, "api_key_not_found");
}

TEST_P(IdentityTest, DelegateReadsWithScopeAndTheAccessIsLogged) {
  const Party amina_party = citizen("29001012345678", "Amina");
  const Party karim_party = citizen("29001012345679", "Karim");
  user(amina_party, "amina");
  user(karim_party, "karim");
  const Principal amina = log_in("amina");
  const Principal karim = log_in("karim");

  // Without a delegation Karim cannot see Amina's party at all.
  EXPECT_EQ(service_->read_party(karim, amina_party.id).error().code, "party_not_found");

  auto delegation = service_->grant_delegation(amina, "karim", "29001012345679",
                                               {Scope::profile_read, Scope::mailbox_read}, barid::now_ms() + 3'600'000);
  ASSERT_TRUE(delegation.ok()) << delegation.error().code;
  EXPECT_EQ(delegation->status, "active");
  auto read = service_->read_party(karim, amina_party.id);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->name_latin, "Amina");

  const auto log = service_->access_log(amina_party.id, 50, INT64_MAX);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].actor_login, "karim");
  EXPECT_EQ(log[0].capacity, "delegate");
  EXPECT_EQ(log[0].delegation_id, delegation->id);
  // Reading one's own data is not logged.
  ASSERT_TRUE(service_->read_party(amina, amina_party.id).ok());
  EXPECT_EQ(service_->access_log(amina_party.id, 50, INT64_MAX).size(), 1u);

  EXPECT_EQ(service_->delegations_given(amina).size(), 1u);
  EXPECT_EQ(service_->delegations_received(karim).size(), 1u);
  // Only the two sides can revoke.
  const Party other_party = citizen("29001012345670", "Other");
  user(other_party, "other");
  EXPECT_EQ(service_->revoke_delegation(log_in("other"), delegation->id).error().code, "delegation_not_found");
  ASSERT_TRUE(service_->revoke_delegation(amina, delegation->id).ok());
  EXPECT_EQ(service_->read_party(karim, amina_party.id).error().code, "party_not_found");
  EXPECT_EQ(service_->delegations_given(amina)[0].status, "revoked");
}

TEST_P(IdentityTest, DelegationScopeIsEnforced) {
  const Party amina_party = citizen("29001012345678", "Amina");
  const Party karim_party = citizen("29001012345679", "Karim");
  user(amina_party, "amina");
  user(karim_party, "karim");
  const Principal amina = log_in("amina");
  const Principal karim = log_in("karim");
  ASSERT_TRUE(
      service_->grant_delegation(amina, "karim", "29001012345679", {Scope::mailbox_read}, barid::now_ms() + 60'000)
          .ok());
  EXPECT_EQ(service_->read_party(karim, amina_party.id).error().code, "party_not_found");
}

TEST_P(IdentityTest, RejectsBadDelegations) {
  const Party amina_party = citizen("29001012345678", "Amina");
  user(amina_party, "amina");
  user(amina_party, "amina-son");
  const Principal amina = log_in("amina");
  EXPECT_EQ(
      service_->grant_delegation(amina, "karim", "29001012345679", {Scope::mailbox_read}, barid::now_ms() + 60'000)
          .error()
          .code,
      "grantee_not_found");
  EXPECT_EQ(
      service_->grant_delegation(amina, "amina-son", "29001012345678", {Scope::mailbox_read}, barid::now_ms() + 60'000)
          .error()
          .code,
      "cannot_delegate_to_own_party");
  const Party karim_party = citizen("29001012345679", "Karim");
  user(karim_party, "karim");
  EXPECT_EQ(service_->grant_delegation(amina, "karim", "29001012345679", {}, barid::now_ms() + 60'000).error().code,
            "scopes_required");
  EXPECT_EQ(service_->grant_delegation(amina, "karim", "29001012345679", {Scope::mailbox_read}, barid::now_ms() - 1)
                .error()
                .code,
            "expiry_in_past");
  EXPECT_EQ(service_
                ->grant_delegation(amina, "karim", "29001012345679", {Scope::mailbox_read},
                                   barid::now_ms() + 400LL * 86'400'000)
                .error()
                .code,
            "expiry_too_far");
}

TEST_P(IdentityTest, ClerkLookupIsLoggedForTheCustomer) {
  const Party amina_party = citizen("29001012345678", "Amina");
  auto post = service_->create_party(
      {PartyKind::postal_operator, "EGPOST", "البريد", "Post", std::nullopt, std::nullopt, "ar"});
  user(*post, "clerk", {Role::postal_clerk});
  const Principal clerk = log_in("clerk");
  auto found = service_->look_up_party(clerk, PartyKind::citizen, "29001012345678");
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, amina_party.id);
  const auto log = service_->access_log(amina_party.id, 10, INT64_MAX);
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].capacity, "postal_clerk");
  EXPECT_EQ(log[0].action, "party.read");
}

TEST_P(IdentityTest, ExportHoldsPartyUsersDelegationsAndAccessLogButNoSecrets) {
  const Party amina_party = citizen("29001012345678", "Amina");
  user(amina_party, "amina");
  const Party karim_party = citizen("29001012345679", "Karim");
  user(karim_party, "karim");
  const Principal amina = log_in("amina");
  ASSERT_TRUE(
      service_->grant_delegation(amina, "karim", "29001012345679", {Scope::profile_read}, barid::now_ms() + 60'000)
          .ok());
  ASSERT_TRUE(service_->read_party(log_in("karim"), amina_party.id).ok());
  service_->add_export_section("extra", [](store::Transaction&, const std::string& party_id) {
    return Json{{"party", party_id}};
  });
  const Json exported = service_->export_party_data(amina);
  EXPECT_EQ(exported["party"]["national_id"], "29001012345678");
  EXPECT_EQ(exported["users"][0]["login"], "amina");
  EXPECT_EQ(exported["users"][0]["sessions"].size(), 1u);
  EXPECT_EQ(exported["delegations_given"].size(), 1u);
  EXPECT_EQ(exported["access_log"].size(), 1u);
  EXPECT_EQ(exported["extra"]["party"], amina_party.id);
  const std::string text = exported.dump();
  EXPECT_EQ(text.find("argon2"), std::string::npos);
  EXPECT_EQ(text.find("password"), std::string::npos);
}

TEST_P(IdentityTest, ChangingPasswordEndsOtherSessions) {
  const Party party = citizen("29001012345678");
  user(party, "amina");
  auto first = service_->log_in("amina", kPassword, "192.0.2.1");
  auto second = service_->log_in("amina", kPassword, "192.0.2.1");
  const Principal current = *service_->authenticate(second->token);
  EXPECT_EQ(service_->change_password(current, "wrong password!", "a brand new passphrase").error().code,
            "wrong_password");
  ASSERT_TRUE(service_->change_password(current, kPassword, "a brand new passphrase").ok());
  EXPECT_FALSE(service_->authenticate(first->token).ok());
  EXPECT_TRUE(service_->authenticate(second->token).ok());
  EXPECT_TRUE(service_->log_in("amina", "a brand new passphrase", "192.0.2.1").ok());
}

TEST_P(IdentityTest, StaffReadProfilesButNeverMailboxesOrActForTheParty) {
  const Party amina_party = citizen("29001012345678", "Amina");
  auto post = service_->create_party(
      {PartyKind::postal_operator, "EGPOST", "البريد", "Post", std::nullopt, std::nullopt, "ar"});
  user(*post, "admin", {Role::operator_admin});
  user(*post, "clerk", {Role::postal_clerk});
  for (const char* login : {"admin", "clerk"}) {
    const Principal staff = log_in(login);
    for (const Scope scope : {Scope::mailbox_read, Scope::mailbox_reply, Scope::payments_pay}) {
      auto access = store_->write<PartyAccess>([&](store::Transaction& tx) {
        return service_->authorize_party_access(tx, staff, amina_party.id, scope, "probe", "probe");
      });
      EXPECT_EQ(access.error().code, "party_not_found") << login << " " << to_string(scope);
    }
    EXPECT_TRUE(service_->read_party(staff, amina_party.id).ok()) << login;
  }
}

TEST_P(IdentityTest, ApiKeysAreNotMadeForCitizens) {
  const Party party = citizen("29001012345678");
  user(party, "amina");
  EXPECT_EQ(service_->create_api_key(nullptr, "amina", "x", {Role::citizen}).error().code, "api_key_not_for_citizens");
}

TEST_P(IdentityTest, ApiKeyCannotGrantDelegationsOrReachBeyondItsRoles) {
  const Party karim_party = citizen("29001012345679", "Karim");
  user(karim_party, "karim");
  auto post = service_->create_party(
      {PartyKind::postal_operator, "EGPOST", "البريد", "Post", std::nullopt, std::nullopt, "ar"});
  user(*post, "carrier", {Role::carrier});
  auto key = service_->create_api_key(nullptr, "carrier", "scanner", {Role::carrier});
  ASSERT_TRUE(key.ok());
  const Principal machine = *service_->authenticate(key->secret);
  EXPECT_EQ(
      service_->grant_delegation(machine, "karim", "29001012345679", {Scope::profile_read}, barid::now_ms() + 60'000)
          .error()
          .code,
      "session_required");
  auto mailbox = store_->write<PartyAccess>([&](store::Transaction& tx) {
    return service_->authorize_party_access(tx, machine, machine.party_id, Scope::mailbox_read, "probe", "probe");
  });
  EXPECT_EQ(mailbox.error().code, "scope_not_allowed_for_api_key");
}

TEST_P(IdentityTest, WrongGranteeIdentifierLooksLikeAnUnknownLogin) {
  const Party amina_party = citizen("29001012345678", "Amina");
  const Party karim_party = citizen("29001012345679", "Karim");
  user(amina_party, "amina");
  user(karim_party, "karim");
  const Principal amina = log_in("amina");
  auto wrong_id =
      service_->grant_delegation(amina, "karim", "11111111111", {Scope::mailbox_read}, barid::now_ms() + 60'000);
  auto unknown =
      service_->grant_delegation(amina, "nobody", "29001012345679", {Scope::mailbox_read}, barid::now_ms() + 60'000);
  EXPECT_EQ(wrong_id.error().code, "grantee_not_found");
  EXPECT_EQ(wrong_id.error().code, unknown.error().code);
  EXPECT_EQ(wrong_id.error().message, unknown.error().message);
}

TEST_P(IdentityTest, CredentialMadeByAnAdminForAnotherPartyIsInItsAccessLog) {
  auto business =
      service_->create_party({PartyKind::business, "DZ-16-1", "سوق", "Souk", std::nullopt, std::nullopt, "fr"});
  auto post = service_->create_party(
      {PartyKind::postal_operator, "EGPOST", "البريد", "Post", std::nullopt, std::nullopt, "ar"});
  user(*post, "admin", {Role::operator_admin});
  const Principal admin = log_in("admin");
  ASSERT_TRUE(service_->create_user({"souk", business->id, {Role::business}, kPassword}, &admin).ok());
  ASSERT_TRUE(service_->create_api_key(&admin, "souk", "shop", {Role::business}).ok());
  const auto log = service_->access_log(business->id, 10, INT64_MAX);
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].action, "credential.api_key.create");
  EXPECT_EQ(log[1].action, "credential.user.create");
  EXPECT_EQ(log[1].actor_login, "admin");
}

INSTANTIATE_TEST_SUITE_P(Backends, IdentityTest, ::testing::ValuesIn(store::testing::backends()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace barid::identity
