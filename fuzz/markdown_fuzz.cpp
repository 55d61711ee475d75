// Feeds arbitrary bytes to the letter renderer (render_markdown_html, markdown_to_plain_text). Beyond
// "no crash": the HTML holds only the tags of the safe subset, properly nested, with only their known
// attributes; "<script", "<img" never appear; "javascript:" and "onerror" never appear in a tag outside
// its quoted attribute values (in text and in a URL's path or a title they are harmless words); every
// href is http:, https: or mailto:;
// both renderers agree on success and on the error code; whatever renders is valid UTF-8.
#include <barid/core/json.hpp>
#include <barid/mailbox/markdown.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace {

std::string lowercase(std::string_view text) {
  std::string lower(text);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; });
  return lower;
}

constexpr std::string_view kContainerTags[] = {"p",     "h2",    "h3", "h4",         "em",   "strong", "del",
                                               "ul",    "ol",    "li", "blockquote", "code", "pre",    "table",
                                               "thead", "tbody", "tr", "th",         "td",   "a"};
constexpr std::string_view kVoidTags[] = {"hr", "br"};
constexpr std::string_view kAttributes[] = {"dir", "start", "align", "href", "title", "rel", "target"};

template <std::size_t N>
bool contains(const std::string_view (&list)[N], std::string_view item) {
  return std::find(std::begin(list), std::end(list), item) != std::end(list);
}

// Checks every tag: allowed name, allowed attributes with quoted values, safe href, proper nesting.
void check_html(std::string_view html) {
  const std::string lower = lowercase(html);
  if (lower.find("<script") != std::string::npos || lower.find("<img") != std::string::npos) std::abort();
  std::vector<std::string_view> open;
  for (std::size_t pos = html.find('<'); pos != std::string_view::npos; pos = html.find('<', pos + 1)) {
    const std::size_t end = html.find('>', pos);
    if (end == std::string_view::npos) std::abort();
    const std::string_view tag = html.substr(pos + 1, end - pos - 1);
    if (tag.find('<') != std::string_view::npos) std::abort();
    const bool closing = !tag.empty() && tag.front() == '/';
    const std::string_view rest = tag.substr(closing ? 1 : 0);
    const std::string_view name = rest.substr(0, rest.find(' '));
    if (closing) {
      if (rest != name || open.empty() || open.back() != name) std::abort();
      open.pop_back();
      continue;
    }
    if (contains(kContainerTags, name)) {
      open.push_back(name);
    } else if (!contains(kVoidTags, name)) {
      std::abort();
    }
    // Attributes: name="value" separated by single spaces, values without quotes inside. The tag
    // without its attribute values (URLs and titles, which may quote any text) holds no script.
    std::string_view attributes = rest.substr(name.size());
    std::string tag_markup(name);
    while (!attributes.empty()) {
      if (attributes.front() != ' ') std::abort();
      attributes.remove_prefix(1);
      const std::size_t equals = attributes.find("=\"");
      if (equals == std::string_view::npos) std::abort();
      const std::string_view attribute = attributes.substr(0, equals);
      if (!contains(kAttributes, attribute)) std::abort();
      const std::size_t value_end = attributes.find('"', equals + 2);
      if (value_end == std::string_view::npos) std::abort();
      const std::string value = lowercase(attributes.substr(equals + 2, value_end - equals - 2));
      if (value.find('\'') != std::string::npos) std::abort();
      if (attribute == "href" && !value.starts_with("https:") && !value.starts_with("http:") &&
          !value.starts_with("mailto:")) {
        std::abort();
      }
      tag_markup += " " + std::string(attribute) + "=\"\"";
      attributes.remove_prefix(value_end + 1);
    }
    const std::string markup_lower = lowercase(tag_markup);
    if (markup_lower.find("javascript:") != std::string::npos || markup_lower.find("onerror") != std::string::npos) {
      std::abort();
    }
  }
  if (!open.empty()) std::abort();
  if (html.find('>') != std::string_view::npos) {
    // Every '>' closes a tag: text never holds a raw one.
    std::size_t tags = 0;
    for (std::size_t pos = html.find('<'); pos != std::string_view::npos; pos = html.find('<', pos + 1)) ++tags;
    if (static_cast<std::size_t>(std::count(html.begin(), html.end(), '>')) != tags) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view markdown(reinterpret_cast<const char*>(data), size);
  const auto html = barid::mailbox::render_markdown_html(markdown);
  const auto text = barid::mailbox::markdown_to_plain_text(markdown);
  if (html.ok() != text.ok()) std::abort();
  if (!html.ok()) {
    const std::string& code = html.error().code;
    if (code != "invalid_utf8" && code != "markdown_too_large" && code != "markdown_too_deep") std::abort();
    if (text.error().code != code) std::abort();
    return 0;
  }
  check_html(*html);
  if (!barid::is_valid_utf8(*html) || !barid::is_valid_utf8(*text)) std::abort();
  return 0;
}
