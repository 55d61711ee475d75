#include "metrics.hpp"

#include <functional>
#include <sstream>
#include <thread>

namespace barid::api {

void Metrics::observe(const std::string& route, std::string_view method, int status, std::int64_t duration_us) {
  const double seconds = static_cast<double>(duration_us) / 1e6;
  Shard& shard = shards_[std::hash<std::thread::id>{}(std::this_thread::get_id()) % kShards];
  std::lock_guard lock(shard.mutex);
  Series& series = shard.series[Key{route, std::string(method), status}];
  ++series.count;
  series.sum_seconds += seconds;
  for (std::size_t i = 0; i < kBucketsSeconds.size(); ++i) {
    if (seconds <= kBucketsSeconds[i]) ++series.buckets[i];
  }
}

namespace {

std::string escape_label(const std::string& value) {
  std::string out;
  for (const char c : value) {
    if (c == '\\' || c == '"') out.push_back('\\');
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string Metrics::render(const store::StoreStats& store_stats, int open_connections) const {
  std::ostringstream out;
  std::map<Key, Series> snapshot;
  for (auto& shard : shards_) {
    std::lock_guard lock(shard.mutex);
    for (const auto& [key, series] : shard.series) {
      Series& merged = snapshot[key];
      merged.count += series.count;
      merged.sum_seconds += series.sum_seconds;
      for (std::size_t i = 0; i < kBucketsSeconds.size(); ++i) merged.buckets[i] += series.buckets[i];
    }
  }
  out << "# HELP barid_http_requests_total HTTP requests answered, by route template, method and status.\n"
      << "# TYPE barid_http_requests_total counter\n";
  for (const auto& [key, series] : snapshot) {
    const auto& [route, method, status] = key;
    out << "barid_http_requests_total{route=\"" << escape_label(route) << "\",method=\"" << method << "\",status=\""
        << status << "\"} " << series.count << "\n";
  }
  out << "# HELP barid_http_request_duration_seconds Time from request decoded to response built.\n"
      << "# TYPE barid_http_request_duration_seconds histogram\n";
  for (const auto& [key, series] : snapshot) {
    const auto& [route, method, status] = key;
    const std::string labels =
        "route=\"" + escape_label(route) + "\",method=\"" + method + "\",status=\"" + std::to_string(status) + "\"";
    for (std::size_t i = 0; i < kBucketsSeconds.size(); ++i) {
      out << "barid_http_request_duration_seconds_bucket{" << labels << ",le=\"" << kBucketsSeconds[i] << "\"} "
          << series.buckets[i] << "\n";
    }
    out << "barid_http_request_duration_seconds_bucket{" << labels << ",le=\"+Inf\"} " << series.count << "\n"
        << "barid_http_request_duration_seconds_sum{" << labels << "} " << series.sum_seconds << "\n"
        << "barid_http_request_duration_seconds_count{" << labels << "} " << series.count << "\n";
  }
  out << "# HELP barid_http_open_connections Client connections open now.\n"
      << "# TYPE barid_http_open_connections gauge\n"
      << "barid_http_open_connections " << open_connections << "\n"
      << "# HELP barid_store_connections Database connections in the pool, by state.\n"
      << "# TYPE barid_store_connections gauge\n"
      << "barid_store_connections{state=\"total\"} " << store_stats.connections_total << "\n"
      << "barid_store_connections{state=\"in_use\"} " << store_stats.connections_in_use << "\n"
      << "# HELP barid_store_acquisitions_total Connections handed out by the pool.\n"
      << "# TYPE barid_store_acquisitions_total counter\n"
      << "barid_store_acquisitions_total " << store_stats.acquisitions << "\n"
      << "# HELP barid_store_acquisition_waits_total Times a request waited for a free connection.\n"
      << "# TYPE barid_store_acquisition_waits_total counter\n"
      << "barid_store_acquisition_waits_total " << store_stats.acquisition_waits << "\n"
      << "# HELP barid_store_transactions_total Transactions by outcome.\n"
      << "# TYPE barid_store_transactions_total counter\n"
      << "barid_store_transactions_total{outcome=\"committed\"} " << store_stats.transactions_committed << "\n"
      << "barid_store_transactions_total{outcome=\"rolled_back\"} " << store_stats.transactions_rolled_back << "\n"
      << "barid_store_transactions_total{outcome=\"retried\"} " << store_stats.transaction_retries << "\n";
  return out.str();
}

}  // namespace barid::api
