// Feeds untrusted JSON to the evidence bundle check that POST /api/v1/verify and `barid verify` run.
// Beyond "no crash": every verdict has at least one check, each with a name and a detail, and a
// verdict is never ok with a failed check.
#include <barid/core/json.hpp>
#include <barid/transparency/bundle.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto bundle = barid::parse_json(text);
  if (!bundle) return 0;
  const auto verdict = barid::transparency::verify_bundle(*bundle, std::vector<std::uint8_t>{'x'});
  if (verdict.checks.empty()) std::abort();
  for (const auto& check : verdict.checks) {
    if (check.name.empty() || check.detail.empty()) std::abort();
    if (verdict.ok && !check.passed) std::abort();
  }
  return 0;
}
