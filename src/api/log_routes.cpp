// Routes of the transparency log, all public: the signed tree head, inclusion and consistency proofs
// (hashes only: the entries themselves are shown only to the parties they concern), and the
// verification of an evidence bundle for people without the command line.
#include <barid/api/api.hpp>
#include <barid/core/time.hpp>
#include <barid/transparency/bundle.hpp>

namespace barid::api {

namespace {

Json hashes_json(const std::vector<transparency::Hash>& hashes) {
  Json out = Json::array();
  for (const auto& hash : hashes) out.push_back(crypto::hex_encode(hash));
  return out;
}

Result<std::int64_t> size_query(Context& context, const char* name) {
  const auto text = context.request().query_param(name);
  if (!text) return invalid_input("missing_" + std::string(name), std::string("the query needs ") + name);
  if (text->empty() || text->size() > 15 || text->find_first_not_of("0123456789") != std::string::npos) {
    return invalid_input("invalid_" + std::string(name), std::string(name) + " must be a whole number");
  }
  return std::stoll(*text);
}

}  // namespace

void Api::add_log_routes() {
  auto& log = services_.log;
  const auto& key = services_.operator_key;
  const auto& options = options_;

  add({.method = http::Method::get,
       .path = "/api/v1/log/tree-head",
       .operation_id = "getTreeHead",
       .summary = "The newest signed tree head of the transparency log (signed now when entries arrived since the "
                  "last one), with the operator's public key",
       .tag = "log",
       .access = Access::public_route(),
       .response_schema = schema::object({{"tree_size", schema::integer()},
                                          {"root_hash", schema::string()},
                                          {"timestamp", schema::string_format("date-time")},
                                          {"timestamp_ms", schema::integer()},
                                          {"signature", schema::string("Ed25519, hex")},
                                          {"public_key", schema::string("Ed25519, hex")},
                                          {"key_fingerprint", schema::string()},
                                          {"signed_message", schema::string("how the signed bytes are made")}},
                                         {"tree_size", "root_hash", "timestamp_ms", "signature", "public_key"}),
       .handler = [&log, &key, &options](Context&) -> Result<http::Response> {
         const auto head = log.sign_head(key, options.clock ? options.clock() : now_ms());
         return json_response({{"tree_size", head.head.tree_size},
                               {"root_hash", crypto::hex_encode(head.head.root)},
                               {"timestamp", format_utc_ms(head.head.timestamp_ms)},
                               {"timestamp_ms", head.head.timestamp_ms},
                               {"signature", crypto::hex_encode(head.head.signature)},
                               {"public_key", crypto::hex_encode(head.public_key)},
                               {"key_fingerprint", transparency::operator_key_fingerprint(head.public_key)},
                               {"signed_message",
                                "\"barid-tree-head-v1\" || tree_size (8 bytes, big-endian) || timestamp_ms (8 bytes, "
                                "big-endian) || root_hash (32 bytes)"}});
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/log/proofs/inclusion",
       .operation_id = "getInclusionProof",
       .summary = "The RFC 6962 audit path of entry `index` in the tree of `tree_size` entries, with its leaf hash",
       .tag = "log",
       .access = Access::public_route(),
       .response_schema = schema::object({{"leaf_index", schema::integer()},
                                          {"tree_size", schema::integer()},
                                          {"leaf_hash", schema::string()},
                                          {"root_hash", schema::string()},
                                          {"hashes", schema::array(schema::string())}}),
       .query = {{"index", "the entry", schema::integer(), true}, {"tree_size", "the tree", schema::integer(), true}},
       .error_codes = {"missing_index", "invalid_index", "missing_tree_size", "invalid_tree_size", "index_out_of_range",
                       "tree_size_out_of_range"},
       .handler = [&log](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto index, size_query(context, "index"));
         BARID_ASSIGN_OR_RETURN(auto tree_size, size_query(context, "tree_size"));
         BARID_ASSIGN_OR_RETURN(auto proof, log.inclusion_proof(index, tree_size));
         BARID_ASSIGN_OR_RETURN(auto entry, log.entry(index));
         BARID_ASSIGN_OR_RETURN(auto root, log.root(tree_size));
         return json_response({{"leaf_index", index},
                               {"tree_size", tree_size},
                               {"leaf_hash", crypto::hex_encode(entry.leaf)},
                               {"root_hash", crypto::hex_encode(root)},
                               {"hashes", hashes_json(proof)}});
       }});

  add({.method = http::Method::get,
       .path = "/api/v1/log/proofs/consistency",
       .operation_id = "getConsistencyProof",
       .summary = "The RFC 6962 proof that the tree of `first` entries is a prefix of the tree of `second` entries",
       .tag = "log",
       .access = Access::public_route(),
       .response_schema = schema::object({{"first", schema::integer()},
                                          {"second", schema::integer()},
                                          {"first_root_hash", schema::string()},
                                          {"second_root_hash", schema::string()},
                                          {"hashes", schema::array(schema::string())}}),
       .query = {{"first", "the older tree size", schema::integer(), true},
                 {"second", "the newer tree size", schema::integer(), true}},
       .error_codes = {"missing_first", "invalid_first", "missing_second", "invalid_second", "tree_size_out_of_range"},
       .handler = [&log](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto first, size_query(context, "first"));
         BARID_ASSIGN_OR_RETURN(auto second, size_query(context, "second"));
         BARID_ASSIGN_OR_RETURN(auto proof, log.consistency_proof(first, second));
         BARID_ASSIGN_OR_RETURN(auto first_root, log.root(first));
         BARID_ASSIGN_OR_RETURN(auto second_root, log.root(second));
         return json_response({{"first", first},
                               {"second", second},
                               {"first_root_hash", crypto::hex_encode(first_root)},
                               {"second_root_hash", crypto::hex_encode(second_root)},
                               {"hashes", hashes_json(proof)}});
       }});

  add({.method = http::Method::post,
       .path = "/api/v1/verify",
       .operation_id = "verifyBundle",
       .summary = "Checks an evidence bundle exactly as `barid verify` does (signature, inclusion, record), and "
                  "whether it was signed by this node's operator key",
       .tag = "log",
       .access = Access::public_route(),
       .request_schema = schema::object({{"bundle", schema::object({})}}, {"bundle"}),
       .response_schema = schema::object(
           {{"valid", schema::boolean()},
            {"signed_by_this_node", schema::boolean()},
            {"checks", schema::array(schema::object(
                           {{"name", schema::string()}, {"passed", schema::boolean()}, {"detail", schema::string()}}))},
            {"record", schema::object({})}}),
       .error_codes = {"missing_field", "malformed_json", "unsupported_media_type"},
       .handler = [&key](Context& context) -> Result<http::Response> {
         BARID_ASSIGN_OR_RETURN(auto body, context.json_body());
         if (!body.contains("bundle")) return invalid_input("missing_field", "the field 'bundle' is required");
         const auto verdict = transparency::verify_bundle(body["bundle"], std::nullopt, key.public_key);
         Json checks = Json::array();
         bool signed_here = false;
         for (const auto& check : verdict.checks) {
           if (check.name == "operator_key") signed_here = check.passed;
           checks.push_back({{"name", check.name}, {"passed", check.passed}, {"detail", check.detail}});
         }
         // Valid means the bundle holds together; the operator key check says whose log it is.
         bool valid = !verdict.checks.empty();
         for (const auto& check : verdict.checks) {
           if (check.name != "operator_key") valid = valid && check.passed;
         }
         return json_response(
             {{"valid", valid}, {"signed_by_this_node", signed_here}, {"checks", checks}, {"record", verdict.record}});
       }});
}

}  // namespace barid::api
