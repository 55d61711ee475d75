// multipart/form-data as browsers and hostile clients send it: parts found, views into the body, and
// each malformed form refused with invalid_multipart.
#include <barid/http/multipart.hpp>

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace barid::http {
namespace {

using namespace std::string_literals;

constexpr std::string_view kContentType = "multipart/form-data; boundary=XyZ";

std::string invalid_message(std::string_view content_type, std::string_view body, const MultipartLimits& limits = {}) {
  const auto result = parse_multipart_form_data(content_type, body, limits);
  if (result.ok()) return "accepted";
  EXPECT_EQ(result.error().code, "invalid_multipart");
  EXPECT_EQ(result.error().kind, ErrorKind::invalid_input);
  return result.error().message;
}

bool view_is_inside(std::string_view view, std::string_view body) {
  return view.data() >= body.data() && view.data() + view.size() <= body.data() + body.size();
}

TEST(MultipartTest, ParsesFieldsAndFilesAsBrowsersSendThem) {
  const std::string body =
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"subject\"\r\n"
      "\r\n"
      "Tax notice\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"attachment\"; filename=\"notice.pdf\"\r\n"
      "Content-Type: Application/PDF; name=x\r\n"
      "\r\n"
      "%PDF-1.7\r\n\r\nbinary\0data\r\n"
      "--XyZ--\r\n"s;
  const auto parts = parse_multipart_form_data(kContentType, body);
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].name, "subject");
  EXPECT_EQ((*parts)[0].filename, std::nullopt);
  EXPECT_EQ((*parts)[0].content_type, "text/plain");
  EXPECT_EQ((*parts)[0].body, "Tax notice");
  EXPECT_EQ((*parts)[1].name, "attachment");
  EXPECT_EQ((*parts)[1].filename, "notice.pdf");
  EXPECT_EQ((*parts)[1].content_type, "application/pdf");
  EXPECT_EQ((*parts)[1].body, "%PDF-1.7\r\n\r\nbinary\0data"s);
  for (const auto& part : *parts) EXPECT_TRUE(view_is_inside(part.body, body));
}

TEST(MultipartTest, KeepsBinaryBodiesAsViewsWithoutCopying) {
  const std::string data("\0\r\n--Xy\r\n-\xFF", 12);
  const std::string body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.bin\"\r\n\r\n" + data + "\r\n--XyZ--";
  const auto parts = parse_multipart_form_data(kContentType, body);
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0].body, data);
  EXPECT_EQ((*parts)[0].body.data(), body.data() + body.find('\0'));
}

TEST(MultipartTest, AcceptsQuotedBoundaryPreambleEpilogueAndPadding) {
  const std::string body =
      "This is the preamble.\r\n"
      "--a b:c\t \r\n"
      "content-disposition: FORM-DATA; NAME=x\r\n"
      "\r\n"
      "1\r\n"
      "--a b:c--  trailing\r\n"
      "epilogue --a b:c\r\n";
  const auto parts = parse_multipart_form_data("Multipart/Form-Data; charset=utf-8; boundary=\"a b:c\"", body);
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0].name, "x");
  EXPECT_EQ((*parts)[0].body, "1");
}

TEST(MultipartTest, AcceptsMissingFinalCrlfAndEmptyBodies) {
  const auto parts =
      parse_multipart_form_data(kContentType,
                                "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n\r\n--XyZ\r\n"
                                "Content-Disposition: form-data; name=\"b\"\r\n\r\n--XyZ--");
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].body, "");
  EXPECT_EQ((*parts)[1].body, "");
  const auto none = parse_multipart_form_data(kContentType, "--XyZ--");
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(MultipartTest, TreatsBoundaryLookalikesInsideDataAsContent) {
  // Quoted-printable soft breaks, a longer boundary, the boundary without CRLF before it, a bare LF.
  const std::string data =
      "=3D--XyZ=\r\n"
      "--XyZ=\r\n"
      "\r\n--XyZZ\r\n"
      "x--XyZ\r\n"
      "\n--XyZ\r\n"
      "\r\n--XyZ-\r\n"
      "\r\n--XyZ x\r\n"
      "end";
  const std::string body = "--XyZ\r\nContent-Disposition: form-data; name=\"q\"\r\n\r\n" + data + "\r\n--XyZ--\r\n";
  const auto parts = parse_multipart_form_data(kContentType, body);
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0].body, data);
}

TEST(MultipartTest, PrefersFilenameStarAndStripsPaths) {
  const auto filename_of = [](std::string_view disposition) -> std::string {
    const std::string body =
        "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; " + std::string(disposition) + "\r\n\r\nx\r\n--XyZ--";
    const auto parts = parse_multipart_form_data(kContentType, body);
    if (!parts.ok()) return "error: " + parts.error().message;
    return (*parts)[0].filename.value_or("(none)");
  };
  EXPECT_EQ(filename_of("filename=\"a.txt\"; filename*=UTF-8''%D8%B9%D9%82%D8%AF.pdf"), "\xD8\xB9\xD9\x82\xD8\xAF.pdf");
  EXPECT_EQ(filename_of("filename*=utf-8'ar'r%C3%A9sum%C3%A9.txt"), "r\xC3\xA9sum\xC3\xA9.txt");
  EXPECT_EQ(filename_of("filename*=ISO-8859-1''caf%E9.txt"), "caf\xC3\xA9.txt");
  EXPECT_EQ(filename_of("filename=\"C:\\Users\\amina\\Desktop\\scan.pdf\""), "scan.pdf");
  EXPECT_EQ(filename_of("filename=\"../../etc/passwd\""), "passwd");
  EXPECT_EQ(filename_of("filename=\"a\\\"b.txt\""), "a\"b.txt");
  EXPECT_EQ(filename_of("filename=\"\xD8\xB9\xD9\x82\xD8\xAF.pdf\""), "\xD8\xB9\xD9\x82\xD8\xAF.pdf");
  EXPECT_EQ(filename_of("filename=plain.txt"), "plain.txt");
  EXPECT_EQ(filename_of("filename=\"" + std::string(255, 'a') + "\""), std::string(255, 'a'));
}

TEST(MultipartTest, RefusesInvalidFilenames) {
  for (const std::string& disposition : std::vector<std::string>{
           "filename=\"\"",  // with a non-empty body
           "filename=\"dir/\"",
           "filename=\"..\"",
           "filename=\".\"",
           "filename=\"" + std::string(256, 'a') + "\"",
           "filename=\"bad\xC3(.txt\"",
           "filename=\"tab\there.txt\"",
           "filename*=UTF-8''a%0D%0AContent-Type%3A%20text%2Fhtml",
           "filename*=UTF-8''nul%00.txt",
           "filename*=UTF-8''%C2%85.txt",
           "filename*=UTF-8''invoice%E2%80%AEfdp.exe",
           "filename*=UTF-8''isolate%E2%81%A6.exe",
           "filename*=UTF-8''%ZZ",
           "filename*=UTF-8''%4",
           "filename*=UTF-16''%00a",
           "filename*=a.txt",
       }) {
    const std::string body =
        "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; " + disposition + "\r\n\r\nx\r\n--XyZ--";
    EXPECT_TRUE(invalid_message(kContentType, body).starts_with("invalid filename")) << disposition;
  }
}

TEST(MultipartTest, TreatsEmptyFilenameWithEmptyBodyAsNoFile) {
  const auto parts = parse_multipart_form_data(kContentType,
                                               "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"\"\r\n"
                                               "Content-Type: application/octet-stream\r\n\r\n\r\n--XyZ--\r\n");
  ASSERT_TRUE(parts.ok()) << parts.error().message;
  EXPECT_EQ((*parts)[0].filename, std::nullopt);
  EXPECT_EQ((*parts)[0].content_type, "application/octet-stream");
}

TEST(MultipartTest, RefusesHeaderInjectionInPartHeaders) {
  const std::string start = "--XyZ\r\nContent-Disposition: form-data; name=\"f\"";
  for (const std::string& headers : std::vector<std::string>{
           start + "; filename=\"a.txt\r\nContent-Type: text/html\"\r\n",  // CRLF inside quotes
           start + "; filename=\"a\nb.txt\"\r\n",                          // bare LF
           start + "; filename=\"a\rb.txt\"\r\n",                          // bare CR
           start + "\r\n folded: continuation\r\n",
           start + "\r\nContent-Disposition: form-data; name=\"g\"\r\n",
           start + "; name=\"g\"\r\n",
           start + "; filename=\"a\"; filename=\"b\"\r\n",
           start + "\r\nContent-Type: text/plain\r\nContent-Type: text/html\r\n",
           start + "\r\nContent-Type: texthtml\r\n",
           start + "\r\nContent-Type: text/html/x\r\n",
           start + "\r\nNo colon here\r\n",
           start + "\r\nBad Name: x\r\n",
           start + "; filename=\"unterminated\r\n",
           start + "; =x\r\n",
       }) {
    const std::string body = headers + "\r\nbody\r\n--XyZ--";
    EXPECT_TRUE(invalid_message(kContentType, body).starts_with("malformed part header")) << headers;
  }
}

TEST(MultipartTest, RequiresFormDataDispositionWithName) {
  for (const std::string& headers : std::vector<std::string>{
           std::string("Content-Type: text/plain\r\n"),
           std::string("Content-Disposition: attachment; name=\"a\"\r\n"),
           std::string("Content-Disposition: form-data\r\n"),
           std::string("Content-Disposition: form-data; name=\"\"\r\n"),
           std::string("Content-Disposition: form-data; filename=\"a.txt\"\r\n"),
       }) {
    EXPECT_EQ(invalid_message(kContentType, "--XyZ\r\n" + headers + "\r\nx\r\n--XyZ--"),
              "missing Content-Disposition form-data name")
        << headers;
  }
  EXPECT_EQ(invalid_message(kContentType, "--XyZ\r\n\r\nx\r\n--XyZ--"), "missing Content-Disposition form-data name");
  EXPECT_EQ(
      invalid_message(kContentType, "--XyZ\r\nContent-Disposition: form-data; name=\"a\xC2\x85\"\r\n\r\n\r\n--XyZ--"),
      "invalid field name");
}

TEST(MultipartTest, RefusesOtherMediaTypes) {
  for (const char* content_type : {"application/json", "multipart/mixed; boundary=XyZ", "", "text/plain"}) {
    const auto result = parse_multipart_form_data(content_type, "--XyZ--");
    ASSERT_FALSE(result.ok()) << content_type;
    EXPECT_EQ(result.error().code, "not_multipart");
    EXPECT_EQ(result.error().kind, ErrorKind::unsupported_media);
  }
}

TEST(MultipartTest, RequiresValidBoundary) {
  EXPECT_EQ(invalid_message("multipart/form-data", "--XyZ--"), "missing boundary");
  EXPECT_EQ(invalid_message("multipart/form-data; charset=utf-8", "--XyZ--"), "missing boundary");
  EXPECT_EQ(invalid_message("multipart/form-data; boundary=a; boundary=b", "--a--"), "malformed Content-Type header");
  EXPECT_EQ(invalid_message("multipart/form-data; boundary=\"unterminated", "--a--"), "malformed Content-Type header");
  EXPECT_EQ(invalid_message("multipart/form-data; boundary=\"cr\rlf\"", "--a--"), "malformed Content-Type header");
  for (const std::string& content_type : std::vector<std::string>{
           "multipart/form-data; boundary=\"\"",
           "multipart/form-data; boundary=\"ends with space \"",
           "multipart/form-data; boundary=" + std::string(71, 'a'),
           "multipart/form-data; boundary=\"semi;colon\"",
           "multipart/form-data; boundary=\"\xD8\xA8\"",
       }) {
    EXPECT_TRUE(invalid_message(content_type, "x").starts_with("invalid boundary")) << content_type;
  }
  const std::string seventy(70, 'a');
  EXPECT_TRUE(parse_multipart_form_data("multipart/form-data; boundary=" + seventy, "--" + seventy + "--").ok());
}

TEST(MultipartTest, RequiresDelimiters) {
  EXPECT_EQ(invalid_message(kContentType, ""), "no delimiter line for the boundary");
  EXPECT_EQ(invalid_message(kContentType, "--XyZZ\r\n"), "no delimiter line for the boundary");
  EXPECT_EQ(invalid_message(kContentType, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nbody"),
            "no closing delimiter");
  EXPECT_EQ(
      invalid_message(kContentType, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nbody\r\n--XyZ\r\n"),
      "no closing delimiter");
  EXPECT_EQ(invalid_message(kContentType, "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\n\nbody\n--XyZ--\n"),
            "malformed part header: no blank line after the headers");
}

TEST(MultipartTest, EnforcesPartAndHeaderLimits) {
  MultipartLimits limits;
  limits.max_parts = 2;
  limits.max_part_header_bytes = 64;
  const std::string part = "--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n";
  EXPECT_TRUE(parse_multipart_form_data(kContentType, part + part + "--XyZ--", limits).ok());
  EXPECT_EQ(invalid_message(kContentType, part + part + part + "--XyZ--", limits), "too many parts (more than 2)");

  const std::string header = "Content-Disposition: form-data; name=\"" + std::string(23, 'n') + "\"\r\n";  // 64 bytes
  ASSERT_EQ(header.size(), 64u);
  EXPECT_TRUE(parse_multipart_form_data(kContentType, "--XyZ\r\n" + header + "\r\nx\r\n--XyZ--", limits).ok());
  const std::string longer = "Content-Disposition: form-data; name=\"" + std::string(24, 'n') + "\"\r\n";
  EXPECT_EQ(invalid_message(kContentType, "--XyZ\r\n" + longer + "\r\nx\r\n--XyZ--", limits),
            "part header too large (more than 64 bytes)");
}

TEST(MultipartTest, ParsesLargeBodyAsOneView) {
  std::string data(8 * 1024 * 1024, 'a');
  for (std::size_t i = 0; i < data.size(); i += 1000) data[i] = '\r';
  const std::string body =
      "--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"big.bin\"\r\n\r\n" + data + "\r\n--XyZ--\r\n";
  const auto parts = parse_multipart_form_data(kContentType, body);
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ((*parts)[0].body.size(), data.size());
  EXPECT_TRUE(view_is_inside((*parts)[0].body, body));
}

}  // namespace
}  // namespace barid::http
