// `barid send-batch`: uploads a bulk send over the HTTP API and follows it to the end with a live
// progress bar, as an authority's operator would from a terminal or a script.
#pragma once

#include <string>
#include <vector>

namespace barid::app {

struct SendBatchOptions {
  std::string recipients_file;
  std::string template_file;
  std::vector<std::string> attachments;
  std::string url;    // empty: BARID_URL or http://127.0.0.1:8080
  std::string token;  // empty: BARID_TOKEN
  std::string idempotency_key;
  std::string results_file;
  bool no_wait = false;
};

// Returns the process exit code: 0 when the batch was delivered (rejected recipients are reported,
// not an error), 1 when the upload was refused or the server could not be reached.
int send_batch(const SendBatchOptions& options);

}  // namespace barid::app
