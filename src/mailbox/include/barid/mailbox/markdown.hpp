// The body of a letter from an authority: plain text or a safe subset of Markdown, rendered to HTML for
// the web mailbox and to plain text for printing on paper. The input is untrusted: nothing in it can
// produce markup, scripts, images or links other than the subset below.
#pragma once

#include <barid/core/result.hpp>

#include <cstddef>
#include <string>
#include <string_view>

namespace barid::mailbox {

inline constexpr std::size_t kMaxMarkdownBytes = 1024 * 1024;
// Blockquotes, lists and inline spans (emphasis, strong, strikethrough, code, links, images) open
// inside one another; more than this many at once is refused.
inline constexpr int kMaxMarkdownNesting = 16;

// Renders the safe subset (CommonMark with tables and ~~strikethrough~~) to HTML:
//   paragraphs <p>; headings: # → <h2>, ## → <h3>, ### and deeper → <h4> (the page owns <h1>);
//   <em>, <strong>, <del>, <ul>/<ol start>/<li>, <blockquote>, <code>, <pre><code>, <hr>, <br>,
//   <table>/<thead>/<tbody>/<tr>/<th>/<td> (align="left|center|right" when the table says so);
//   links whose destination is http:, https: or mailto: become
//   <a href="…" rel="noopener noreferrer nofollow" target="_blank">; any other destination (relative,
//   javascript:, data:, …) leaves only the link text.
// Raw HTML in the input is shown as text, images as their alt text. Every text and attribute is
// HTML-escaped; entities are decoded only when numeric or well known (&amp; &nbsp; &rlm; …), others are
// shown as written. Block elements carry dir="auto" so right-to-left paragraphs read correctly.
// Errors: markdown_too_large (over kMaxMarkdownBytes), invalid_utf8, markdown_too_deep.
Result<std::string> render_markdown_html(std::string_view markdown);

// A plain-text body as HTML: every character escaped, paragraphs (separated by a blank line) in
// <p dir="auto">, single line breaks as <br>.
std::string render_plain_text_html(std::string_view text);

// The same text without markup, for printing on paper: blocks separated by a blank line (items of a
// tight list by a line break), list items prefixed "• " or "1. " and indented when nested, blockquotes
// indented four spaces, table cells separated by " | ", links as "text (url)" (only "url" when the text
// is the address itself), no trailing line break. Same errors.
Result<std::string> markdown_to_plain_text(std::string_view markdown);

}  // namespace barid::mailbox
