// decode_request() judges bytes exactly as the server does; these pin its verdicts without sockets.
#include <barid/http/request_decoding.hpp>

#include <gtest/gtest.h>

namespace barid::http {
namespace {

TEST(RequestDecodingTest, DecodesCompleteRequest) {
  const auto result = decode_request(
      "POST /a%20b?x=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nX-Request-Id: abc\r\n\r\nxyzTRAILING", {});
  ASSERT_TRUE(result.request);
  EXPECT_EQ(result.status, 200);
  EXPECT_EQ(result.request->method, Method::post);
  EXPECT_EQ(result.request->path, "/a b");
  EXPECT_EQ(result.request->query, "x=1");
  EXPECT_EQ(result.request->body, "xyz");
  EXPECT_EQ(result.request->header("x-request-id"), "abc");
}

TEST(RequestDecodingTest, ReportsIncompleteRequest) {
  for (const char* raw : {"GET / HTTP/1.1\r\nHost:", "", "POST / HTTP/1.1\r\nContent-Length: 000001\r\n\r\n",
                          "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"}) {
    const auto result = decode_request(raw, {});
    EXPECT_FALSE(result.request) << raw;
    EXPECT_EQ(result.status, 0) << raw;
    EXPECT_EQ(result.code, "incomplete") << raw;
  }
}

TEST(RequestDecodingTest, RejectsWhatTheServerRejects) {
  ServerOptions limits;
  limits.max_body_bytes = 4;
  limits.max_header_bytes = 64;
  struct Case {
    std::string raw;
    int status;
    std::string code;
  };
  const std::vector<Case> cases = {
      {"GET /%zz HTTP/1.1\r\n\r\n", 400, "bad_request"},
      {"GET /%0 HTTP/1.1\r\n\r\n", 400, "bad_request"},
      {"GET /%00 HTTP/1.1\r\n\r\n", 400, "bad_request"},
      {"GET * HTTP/1.1\r\n\r\n", 400, "bad_request"},
      {"GET / HTTP/1.1\r\nX: " + std::string(100, 'x') + "\r\n\r\n", 431, "header_too_large"},
      {"POST / HTTP/1.1\r\nContent-Length: 5\r\n\r\n", 413, "payload_too_large"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n", 413,
       "payload_too_large"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501, "unsupported_transfer_encoding"},
      {"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400, "bad_request"},
      {"\x01\x02\x03\r\n\r\n", 400, "bad_request"},
  };
  for (const auto& c : cases) {
    const auto result = decode_request(c.raw, limits);
    EXPECT_FALSE(result.request) << c.raw;
    EXPECT_EQ(result.status, c.status) << c.raw;
    EXPECT_EQ(result.code, c.code) << c.raw;
  }
}

TEST(RequestDecodingTest, PercentDecodingTreatsPlusOnlyInQueries) {
  EXPECT_EQ(percent_decode("a+b%2B", false), "a+b+");
  EXPECT_EQ(percent_decode("a+b%2B", true), "a b+");
  EXPECT_EQ(percent_decode("%", true), std::nullopt);
  EXPECT_EQ(percent_decode("%4", true), std::nullopt);
  EXPECT_EQ(percent_decode("%4g", true), std::nullopt);
}

}  // namespace
}  // namespace barid::http
