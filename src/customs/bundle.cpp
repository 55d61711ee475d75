// The pure parts of pre-advice bundles: the bytes a signature covers, signing, and checking the form
// and the signature of a bundle received from a partner.
#include <barid/crypto/crypto.hpp>
#include <barid/customs/customs.hpp>

namespace barid::customs {

namespace {

Error malformed(std::string message) {
  return invalid_input("invalid_pre_advice", std::move(message));
}

bool is_short_string(const Json& bundle, const char* name, std::size_t min, std::size_t max) {
  if (!bundle.contains(name) || !bundle[name].is_string()) return false;
  const auto size = bundle[name].get_ref<const std::string&>().size();
  return size >= min && size <= max;
}

}  // namespace

std::string bundle_signing_bytes(const Json& bundle) {
  Json unsigned_bundle = bundle;
  if (unsigned_bundle.is_object()) unsigned_bundle.erase("signature");
  // nlohmann's objects keep their keys sorted; dump() writes no whitespace and leaves UTF-8 as is.
  return unsigned_bundle.dump(-1, ' ', false, Json::error_handler_t::strict);
}

Json sign_bundle(Json bundle, const crypto::SigningKey& key) {
  const auto bytes = bundle_signing_bytes(bundle);
  const auto signature = crypto::sign(
      key, std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()));
  bundle["signature"] = {{"algorithm", "Ed25519"},
                         {"public_key", crypto::base64_encode(key.public_key)},
                         {"value", crypto::base64_encode(signature)}};
  return bundle;
}

Status verify_bundle(const Json& bundle, std::span<const std::uint8_t> public_key) {
  if (!bundle.is_object()) return malformed("a bundle is a JSON object");
  if (!bundle.contains("format") || bundle["format"] != "barid.pre_advice.v1")
    return malformed("format must be \"barid.pre_advice.v1\"");
  if (!is_short_string(bundle, "id", 1, 64)) return malformed("id must be a string of 1 to 64 bytes");
  if (!is_short_string(bundle, "origin_operator", 1, 64))
    return malformed("origin_operator must be a string of 1 to 64 bytes");
  if (!is_short_string(bundle, "destination_country", 2, 2))
    return malformed("destination_country must be an ISO 3166-1 alpha-2 code");
  if (!is_short_string(bundle, "created_at", 1, 40)) return malformed("created_at must be an RFC 3339 time");
  if (!bundle.contains("items") || !bundle["items"].is_array() || bundle["items"].empty() ||
      bundle["items"].size() > kMaxBundleItems)
    return malformed("items must be an array of 1 to " + std::to_string(kMaxBundleItems) + " items");
  if (!bundle.contains("signature") || !bundle["signature"].is_object())
    return make_error(ErrorKind::unprocessable, "bad_signature", "the bundle is not signed");
  const auto& signature = bundle["signature"];
  if (!signature.contains("algorithm") || signature["algorithm"] != "Ed25519")
    return make_error(ErrorKind::unprocessable, "bad_signature", "signature.algorithm must be Ed25519");
  crypto::Bytes value;
  if (!signature.contains("value") || !signature["value"].is_string() ||
      !crypto::base64_decode(signature["value"].get_ref<const std::string&>(), value) || value.size() != 64)
    return make_error(ErrorKind::unprocessable, "bad_signature", "signature.value must be 64 bytes in base64");
  std::string bytes;
  try {
    bytes = bundle_signing_bytes(bundle);
  } catch (const Json::exception&) {
    return malformed("the bundle holds text that is not UTF-8");
  }
  if (!crypto::verify_signature(
          public_key, std::span<const std::uint8_t>(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size()),
          value))
    return make_error(ErrorKind::unprocessable, "bad_signature",
                      "the signature does not match the bundle and the partner's registered key");
  return {};
}

}  // namespace barid::customs
