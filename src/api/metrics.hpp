// Request counters and latency histograms per route and status, in the Prometheus text format.
#pragma once

#include <barid/store/store.hpp>

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <tuple>

namespace barid::api {

class Metrics {
 public:
  void observe(const std::string& route, std::string_view method, int status, std::int64_t duration_us);
  std::string render(const store::StoreStats& store_stats, int open_connections) const;

 private:
  static constexpr std::array<double, 12> kBucketsSeconds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                             0.05,   0.1,   0.25,   0.5,   1.0,  5.0};
  struct Series {
    std::uint64_t count = 0;
    double sum_seconds = 0;
    std::array<std::uint64_t, kBucketsSeconds.size()> buckets{};
  };
  using Key = std::tuple<std::string, std::string, int>;  // route, method, status
  // Each worker thread records into its own shard (picked by thread id), so recording a request
  // rarely waits for another thread; render() merges the shards.
  static constexpr std::size_t kShards = 16;
  struct Shard {
    std::mutex mutex;
    std::map<Key, Series> series;
  };
  mutable std::array<Shard, kShards> shards_;
};

}  // namespace barid::api
