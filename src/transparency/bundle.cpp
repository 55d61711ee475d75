#include <barid/core/time.hpp>
#include <barid/transparency/bundle.hpp>

namespace barid::transparency {
namespace {

std::string hex(std::span<const std::uint8_t> bytes) {
  return crypto::hex_encode(bytes);
}

template <std::size_t N>
bool from_hex(const Json& value, std::array<std::uint8_t, N>& out) {
  if (!value.is_string()) return false;
  crypto::Bytes bytes;
  if (!crypto::hex_decode(value.get<std::string>(), bytes) || bytes.size() != N) return false;
  std::copy(bytes.begin(), bytes.end(), out.begin());
  return true;
}

bool non_negative_integer(const Json& value) {
  return value.is_number_integer() && value.get<std::int64_t>() >= 0;
}

// Reads the parts of a bundle, naming the first missing or malformed field.
struct ParsedBundle {
  std::int64_t index = 0;
  std::vector<std::uint8_t> data;
  std::vector<Hash> proof;
  TreeHead head;
  std::array<std::uint8_t, 32> public_key{};
};

std::optional<std::string> parse(const Json& bundle, ParsedBundle& out) {
  if (!bundle.is_object()) return "the bundle is not a JSON object";
  if (text_of(bundle, "format") != kBundleFormat) return std::string("the format is not ") + kBundleFormat;
  const Json& entry = bundle.contains("entry") ? bundle["entry"] : Json();
  const Json& proof = bundle.contains("inclusion_proof") ? bundle["inclusion_proof"] : Json();
  const Json& head = bundle.contains("tree_head") ? bundle["tree_head"] : Json();
  const Json& operator_part = bundle.contains("operator") ? bundle["operator"] : Json();
  if (!entry.is_object() || !non_negative_integer(entry.value("index", Json()))) return "entry.index is missing";
  out.index = entry["index"].get<std::int64_t>();
  if (!entry.contains("data_base64") || !entry["data_base64"].is_string() ||
      !crypto::base64_decode(entry["data_base64"].get<std::string>(), out.data)) {
    return "entry.data_base64 is missing or not base64";
  }
  if (!proof.is_object() || !proof.contains("hashes") || !proof["hashes"].is_array() ||
      !non_negative_integer(proof.value("leaf_index", Json())) ||
      !non_negative_integer(proof.value("tree_size", Json()))) {
    return "inclusion_proof is missing leaf_index, tree_size or hashes";
  }
  if (proof["hashes"].size() > 64) return "inclusion_proof.hashes is longer than any tree needs";
  for (const auto& item : proof["hashes"]) {
    Hash hash{};
    if (!from_hex(item, hash)) return "inclusion_proof.hashes holds something that is not a 32-byte hex hash";
    out.proof.push_back(hash);
  }
  if (!head.is_object() || !non_negative_integer(head.value("tree_size", Json())) || !head.contains("timestamp_ms") ||
      !head["timestamp_ms"].is_number_integer() || !from_hex(head.value("root_hash", Json()), out.head.root) ||
      !from_hex(head.value("signature", Json()), out.head.signature)) {
    return "tree_head is missing tree_size, timestamp_ms, root_hash or signature";
  }
  out.head.tree_size = head["tree_size"].get<std::int64_t>();
  out.head.timestamp_ms = head["timestamp_ms"].get<std::int64_t>();
  if (!operator_part.is_object() || !from_hex(operator_part.value("public_key", Json()), out.public_key)) {
    return "operator.public_key is missing or not a 32-byte hex key";
  }
  if (proof["leaf_index"].get<std::int64_t>() != out.index) return "the proof is for another entry than the bundle's";
  if (proof["tree_size"].get<std::int64_t>() != out.head.tree_size) {
    return "the proof is for another tree size than the tree head's";
  }
  return std::nullopt;
}

}  // namespace

std::string text_of(const Json& object, const char* key) {
  if (!object.is_object()) return "";
  const auto found = object.find(key);
  return found != object.end() && found->is_string() ? found->get<std::string>() : "";
}

std::string operator_key_fingerprint(std::span<const std::uint8_t> public_key) {
  return hex(crypto::sha256(public_key)).substr(0, 16);
}

Json bundle_json(const LogEntry& entry, std::span<const Hash> proof, const StoredTreeHead& head) {
  Json hashes = Json::array();
  for (const Hash& hash : proof) hashes.push_back(hex(hash));
  const std::string text(entry.entry.begin(), entry.entry.end());
  auto parsed = parse_json(text);
  Json record = parsed.ok() ? std::move(*parsed) : Json();
  return {{"format", kBundleFormat},
          {"entry",
           {{"index", entry.index},
            {"kind", entry.kind},
            {"data_base64", crypto::base64_encode(entry.entry)},
            {"leaf_hash", hex(entry.leaf)}}},
          {"record", std::move(record)},
          {"inclusion_proof", {{"leaf_index", entry.index}, {"tree_size", head.head.tree_size}, {"hashes", hashes}}},
          {"tree_head",
           {{"tree_size", head.head.tree_size},
            {"root_hash", hex(head.head.root)},
            {"timestamp", format_utc_ms(head.head.timestamp_ms)},
            {"timestamp_ms", head.head.timestamp_ms},
            {"signature", hex(head.head.signature)}}},
          {"operator",
           {{"public_key", hex(head.public_key)}, {"key_fingerprint", operator_key_fingerprint(head.public_key)}}}};
}

Result<Json> make_bundle(TransparencyLog& log, const crypto::SigningKey& key, std::int64_t index, std::int64_t now_ms) {
  BARID_ASSIGN_OR_RETURN(auto entry, log.entry(index));
  StoredTreeHead head = log.sign_head(key, now_ms);
  if (head.head.tree_size <= index) head = log.sign_head(key, now_ms, /*force=*/true);
  BARID_ASSIGN_OR_RETURN(auto proof, log.inclusion_proof(index, head.head.tree_size));
  return bundle_json(entry, proof, head);
}

BundleVerdict verify_bundle(const Json& bundle, const std::optional<std::vector<std::uint8_t>>& content,
                            const std::optional<std::array<std::uint8_t, 32>>& pinned_public_key) {
  BundleVerdict verdict;
  auto add = [&verdict](std::string name, bool passed, std::string detail) {
    verdict.checks.push_back({std::move(name), passed, std::move(detail)});
    return passed;
  };
  ParsedBundle parsed;
  if (auto problem = parse(bundle, parsed)) {
    add("format", false, *problem);
    return verdict;
  }
  add("format", true, kBundleFormat);

  const std::string text(parsed.data.begin(), parsed.data.end());
  auto record = parse_json(text);
  verdict.record = record.ok() ? *record : Json();
  bool ok = true;
  if (bundle.contains("record") && !bundle["record"].is_null()) {
    ok &= add("record", record.ok() && bundle["record"] == *record,
              record.ok() && bundle["record"] == *record
                  ? "the readable record is the signed entry"
                  : "the readable record differs from the signed entry bytes: it was altered");
  }

  const Hash leaf = leaf_hash(parsed.data);
  const bool included =
      verify_inclusion(leaf, static_cast<std::size_t>(parsed.index), static_cast<std::size_t>(parsed.head.tree_size),
                       parsed.proof, parsed.head.root);
  ok &= add("inclusion", included,
            included ? "entry " + std::to_string(parsed.index) + " is in the tree of " +
                           std::to_string(parsed.head.tree_size) + " entries with root " + hex(parsed.head.root)
                     : "the entry and its proof do not lead to the tree head's root: the entry, the proof or the "
                       "root was altered");

  const bool signed_ok = verify_tree_head(parsed.public_key, parsed.head);
  ok &= add("signature", signed_ok,
            signed_ok ? "the tree head is signed by the key " + operator_key_fingerprint(parsed.public_key)
                      : "the tree head's signature does not verify with the operator key in the bundle");

  if (pinned_public_key) {
    const bool same = *pinned_public_key == parsed.public_key;
    ok &= add("operator_key", same,
              same ? "signed by the pinned operator key"
                   : "signed by " + operator_key_fingerprint(parsed.public_key) + ", not by the pinned key " +
                         operator_key_fingerprint(*pinned_public_key));
  }

  if (content) {
    const std::string digest = hex(crypto::sha256(*content));
    std::string matched;
    if (verdict.record.is_object()) {
      if (text_of(verdict.record, "content_sha256") == digest) matched = "the letter's content";
      const Json attachments = verdict.record.value("attachments_sha256", Json::array());
      for (std::size_t i = 0; matched.empty() && attachments.is_array() && i < attachments.size(); ++i) {
        if (attachments[i] == digest) matched = "attachment " + std::to_string(i + 1);
      }
    }
    ok &= add("content", !matched.empty(),
              matched.empty() ? "the file's SHA-256 " + digest + " is not the one the evidence records"
                              : "the file is " + matched + " (SHA-256 " + digest + ")");
  }
  verdict.ok = ok;
  return verdict;
}

}  // namespace barid::transparency
