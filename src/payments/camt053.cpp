// Account statements as ISO 20022 camt.053.001.08 (bank-to-customer statement) XML, the form
// billers' accounting systems import.
#include <barid/core/time.hpp>
#include <barid/crypto/crypto.hpp>
#include <barid/ledger/ledger.hpp>
#include <barid/payments/bills.hpp>

#include <cstdio>

namespace barid::payments {

namespace {

// Escaped for XML 1.0, without the characters it forbids (C0 controls but tab, line feed and carriage
// return; U+FFFE and U+FFFF), and cut to `max_chars` characters as the schema's text types demand.
std::string escape(std::string_view text, std::size_t max_chars = 140) {
  std::string out;
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') continue;
    if (c == 0xEF && i + 2 < text.size() && static_cast<unsigned char>(text[i + 1]) == 0xBF &&
        (static_cast<unsigned char>(text[i + 2]) == 0xBE || static_cast<unsigned char>(text[i + 2]) == 0xBF)) {
      i += 2;
      continue;
    }
    if ((c & 0xC0) != 0x80 && chars++ == max_chars) break;  // a character starts here: one too many
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

// A 128-bit decimal id as 32 hex digits, within the 35 characters camt allows for references.
std::string short_id(const std::string& decimal) {
  const auto id = ledger::Id::parse(decimal);
  if (!id) return escape(decimal, 35);
  char buffer[33];
  std::snprintf(buffer, sizeof buffer, "%016llx%016llx", static_cast<unsigned long long>(id->high),
                static_cast<unsigned long long>(id->low));
  return buffer;
}

// ISO date-times without fractions, as camt expects (UTC, with its zone).
std::string date_time(std::int64_t ms) {
  return format_utc_ms(ms - ms % 1000).substr(0, 19) + "Z";
}
std::string date(std::int64_t ms) {
  return format_utc_ms(ms).substr(0, 10);
}

std::string amount(std::int64_t minor, const std::string& currency) {
  std::string text = format_amount(minor < 0 ? -minor : minor, currency);
  return "<Amt Ccy=\"" + currency + "\">" + text + "</Amt>";
}

std::string balance(const char* code, std::int64_t minor, const std::string& currency, std::int64_t at_ms) {
  return "<Bal><Tp><CdOrPrtry><Cd>" + std::string(code) + "</Cd></CdOrPrtry></Tp>" + amount(minor, currency) +
         "<CdtDbtInd>" + (minor < 0 ? "DBIT" : "CRDT") + "</CdtDbtInd><Dt><Dt>" + date(at_ms) + "</Dt></Dt></Bal>";
}

}  // namespace

std::string camt053(const Statement& s, std::int64_t created_at_ms) {
  const std::string& currency = s.account.currency;
  // At most 35 characters: a digest of the account and period, the same for the same statement.
  const std::string id = "B" + crypto::hex_encode(crypto::sha256(s.account.number + "/" + std::to_string(s.from_ms) +
                                                                 "/" + std::to_string(s.to_ms)))
                                   .substr(0, 32);
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml += "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08\"><BkToCstmrStmt>";
  xml += "<GrpHdr><MsgId>" + escape(id) + "</MsgId><CreDtTm>" + date_time(created_at_ms) + "</CreDtTm></GrpHdr>";
  xml += "<Stmt><Id>" + escape(id) + "</Id><CreDtTm>" + date_time(created_at_ms) + "</CreDtTm>";
  xml += "<FrToDt><FrDtTm>" + date_time(s.from_ms) + "</FrDtTm><ToDtTm>" + date_time(s.to_ms) + "</ToDtTm></FrToDt>";
  xml += "<Acct><Id><IBAN>" + s.account.number + "</IBAN></Id><Ccy>" + currency + "</Ccy><Ownr><Nm>" +
         escape(s.account.holder_name) + "</Nm></Ownr><Svcr><FinInstnId><Nm>Barid</Nm></FinInstnId></Svcr></Acct>";
  xml += balance("OPBD", s.opening_balance, currency, s.from_ms);
  xml += balance("CLBD", s.closing_balance, currency, s.to_ms - 1);  // `to` is exclusive
  xml += "<TxsSummry><TtlCdtNtries><NbOfNtries>";
  std::int64_t credits = 0;
  for (const auto& e : s.entries) credits += e.credit ? 1 : 0;
  xml += std::to_string(credits) + "</NbOfNtries><Sum>" + format_amount(s.total_credits, currency) +
         "</Sum></TtlCdtNtries><TtlDbtNtries><NbOfNtries>" +
         std::to_string(static_cast<std::int64_t>(s.entries.size()) - credits) + "</NbOfNtries><Sum>" +
         format_amount(s.total_debits, currency) + "</Sum></TtlDbtNtries></TxsSummry>";
  for (const auto& e : s.entries) {
    xml += "<Ntry><NtryRef>" + short_id(e.transfer_id) + "</NtryRef>" + amount(e.amount, currency) + "<CdtDbtInd>" +
           (e.credit ? "CRDT" : "DBIT") + "</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><DtTm>" +
           date_time(e.booked_at_ms) + "</DtTm></BookgDt><ValDt><Dt>" + date(e.booked_at_ms) +
           "</Dt></ValDt><AcctSvcrRef>" + short_id(e.payment_id) + "</AcctSvcrRef>";
    xml += "<BkTxCd><Prtry><Cd>" + escape(e.kind) + "</Cd><Issr>Barid</Issr></Prtry></BkTxCd>";
    xml += "<NtryDtls><TxDtls><Refs><AcctSvcrRef>" + short_id(e.payment_id) + "</AcctSvcrRef></Refs>" +
           amount(e.amount, currency) + "<CdtDbtInd>" + (e.credit ? "CRDT" : "DBIT") + "</CdtDbtInd>";
    if (e.counterparty || e.counterparty_name) {
      const std::string side = e.credit ? "Dbtr" : "Cdtr";
      xml += "<RltdPties>";
      if (e.counterparty_name)
        xml += "<" + side + "><Pty><Nm>" + escape(*e.counterparty_name) + "</Nm></Pty></" + side + ">";
      if (e.counterparty) {
        xml +=
            "<" + side + "Acct><Id><Othr><Id>" + escape(*e.counterparty, 34) + "</Id></Othr></Id></" + side + "Acct>";
      }
      xml += "</RltdPties>";
    }
    if (e.reference) {
      // A bill reference is the creditor's reference (35 characters at most); the whole reference
      // also goes in the unstructured text.
      xml += "<RmtInf><Ustrd>" + escape(*e.reference) + "</Ustrd>";
      if (e.kind == "bill") xml += "<Strd><CdtrRefInf><Ref>" + escape(*e.reference, 35) + "</Ref></CdtrRefInf></Strd>";
      xml += "</RmtInf>";
    }
    xml += "<AddtlTxInf>payment " + escape(e.payment_id) + "</AddtlTxInf>";
    xml += "</TxDtls></NtryDtls></Ntry>";
  }
  xml += "</Stmt></BkToCstmrStmt></Document>\n";
  return xml;
}

}  // namespace barid::payments
