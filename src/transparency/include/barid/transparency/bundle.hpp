// Evidence bundles: one log entry with everything needed to check it offline — its inclusion proof,
// the signed tree head the proof leads to, and the operator's public key — and the offline check
// itself, used by `barid verify` and the public verification page.
#pragma once

#include <barid/core/json.hpp>
#include <barid/transparency/log.hpp>

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace barid::transparency {

inline constexpr const char* kBundleFormat = "barid-evidence-bundle/1";

// {"format", "entry": {index, kind, data_base64, leaf_hash}, "record": the entry's JSON (for people),
//  "inclusion_proof": {leaf_index, tree_size, hashes}, "tree_head": {tree_size, root_hash, timestamp,
//  timestamp_ms, signature}, "operator": {public_key, key_fingerprint}}. Hashes and keys in hex.
Json bundle_json(const LogEntry& entry, std::span<const Hash> proof, const StoredTreeHead& head);

// Builds the bundle of entry `index` against the newest head signed by `key`, signing a new head
// when none covers the entry yet.
Result<Json> make_bundle(TransparencyLog& log, const crypto::SigningKey& key, std::int64_t index, std::int64_t now_ms);

struct BundleCheck {
  std::string name;  // format, record, inclusion, signature, operator_key, content
  bool passed = false;
  std::string detail;  // what was checked or exactly what failed
};

struct BundleVerdict {
  bool ok = false;
  std::vector<BundleCheck> checks;
  Json record;  // the entry decoded from the signed bytes (null when they are not JSON)
};

// Checks a bundle offline: its entry's leaf hash, the inclusion proof against the tree head's root,
// the head's Ed25519 signature; with `pinned_public_key`, that the head was signed by that key; with
// `content`, that its SHA-256 is the record's content_sha256 or one of its attachments_sha256.
BundleVerdict verify_bundle(const Json& bundle, const std::optional<std::vector<std::uint8_t>>& content = std::nullopt,
                            const std::optional<std::array<std::uint8_t, 32>>& pinned_public_key = std::nullopt);

// A string member of an untrusted JSON object, or "" when it is absent, not a string, or the value
// is not an object at all.
std::string text_of(const Json& object, const char* key);

// The operator's public key fingerprint people compare: the first 16 hex digits of its SHA-256.
std::string operator_key_fingerprint(std::span<const std::uint8_t> public_key);

}  // namespace barid::transparency
