// `barid demo run`: MISSION.md's golden path over the HTTP API of a running server.
#pragma once

#include <string>

namespace barid::app {

struct DemoRunOptions {
  std::string url;          // empty: BARID_URL or http://127.0.0.1:8080
  std::string bundle_file;  // where the verified receipt is saved (default demo-receipt-<item>.json)
  bool quiet = false;
};

// 0 when every step worked and the receipt verified offline; 1 otherwise, naming the failed step.
int demo_run(const DemoRunOptions& options);

}  // namespace barid::app
