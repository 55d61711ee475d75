// The JSON API: every route of Barid, the one dispatch path that authenticates, authorises, logs
// and measures each request, and the OpenAPI document generated from the route declarations.
#pragma once

#include <barid/api/route.hpp>
#include <barid/crypto/crypto.hpp>
#include <barid/http/server.hpp>
#include <barid/identity/identity.hpp>
#include <barid/store/store.hpp>

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace barid::mailbox {
class MailboxService;
class BatchService;
}  // namespace barid::mailbox
namespace barid::transparency {
class TransparencyLog;
}
namespace barid::ledger {
class LedgerService;
}
namespace barid::payments {
class PaymentsService;
class BillService;
class CheckoutService;
}  // namespace barid::payments
namespace barid::parcels {
class ParcelsService;
}
namespace barid::customs {
class CustomsService;
}

namespace barid::api {

// The services handlers call. Owned by the program that runs the API.
struct Services {
  store::Store& store;
  identity::IdentityService& identity;
  std::span<const store::Migration> migrations;  // what this binary knows, for /readyz
  mailbox::MailboxService& mailbox;
  mailbox::BatchService& batches;
  transparency::TransparencyLog& log;
  const crypto::SigningKey& operator_key;
  ledger::LedgerService& ledger;
  payments::PaymentsService& payments;
  payments::BillService& bills;
  payments::CheckoutService& checkout;
  parcels::ParcelsService& parcels;
  customs::CustomsService& customs;
};

struct ApiOptions {
  // Take the client address from X-Forwarded-For (set only behind a trusted load balancer).
  bool trust_forwarded_for = false;
  std::string version = "0.1.0";
  // Wall clock in UTC milliseconds; tests replace it.
  std::function<std::int64_t()> clock;
};

class Metrics;

class Api {
 public:
  Api(Services services, ApiOptions options);
  ~Api();

  // Handles one request end to end. Never throws.
  http::Response handle(http::Request& request);
  // Records an answer the HTTP server produced itself (limits, malformed requests).
  void observe_protocol_event(const http::ProtocolEvent& event);

  // Lets /metrics report the server's open connections.
  void set_connection_gauge(std::function<int()> gauge) { connection_gauge_ = std::move(gauge); }

  const std::vector<RouteSpec>& routes() const { return routes_; }
  Json openapi_document() const;

 private:
  void add(RouteSpec spec);
  void add_system_routes();
  void add_identity_routes();
  void add_mailbox_routes();
  void add_letter_batch_routes();
  void add_paper_routes();
  void add_log_routes();
  void add_ledger_routes();
  void add_payment_account_routes();
  void add_counter_routes();
  void add_bill_routes();
  void add_checkout_routes();
  void add_parcel_routes();
  void add_customs_routes();

  Services services_;
  ApiOptions options_;
  std::vector<RouteSpec> routes_;
  std::unique_ptr<Metrics> metrics_;
  std::function<int()> connection_gauge_;
};

}  // namespace barid::api
