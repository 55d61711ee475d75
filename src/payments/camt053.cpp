// Account statements as ISO 20022 camt.053.001.08 (bank-to-customer statement) XML, the form
// billers' accounting systems import.
#include <barid/core/time.hpp>
#include <barid/payments/bills.hpp>

namespace barid::payments {

namespace {

std::string escape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      default: out.push_back(c);
    }
  }
  return out;
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
  const std::string id = "BARID-" + s.account.number + "-" + std::to_string(s.from_ms) + "-" + std::to_string(s.to_ms);
  std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  xml += "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.053.001.08\"><BkToCstmrStmt>";
  xml += "<GrpHdr><MsgId>" + escape(id) + "</MsgId><CreDtTm>" + date_time(created_at_ms) + "</CreDtTm></GrpHdr>";
  xml += "<Stmt><Id>" + escape(id) + "</Id><CreDtTm>" + date_time(created_at_ms) + "</CreDtTm>";
  xml += "<FrToDt><FrDtTm>" + date_time(s.from_ms) + "</FrDtTm><ToDtTm>" + date_time(s.to_ms) + "</ToDtTm></FrToDt>";
  xml += "<Acct><Id><IBAN>" + s.account.number + "</IBAN></Id><Ccy>" + currency + "</Ccy><Ownr><Nm>" +
         escape(s.account.holder_name) + "</Nm></Ownr><Svcr><FinInstnId><Nm>Barid</Nm></FinInstnId></Svcr></Acct>";
  xml += balance("OPBD", s.opening_balance, currency, s.from_ms);
  xml += balance("CLBD", s.closing_balance, currency, s.to_ms);
  xml += "<TxsSummry><TtlCdtNtries><NbOfNtries>";
  std::int64_t credits = 0;
  for (const auto& e : s.entries) credits += e.credit ? 1 : 0;
  xml += std::to_string(credits) + "</NbOfNtries><Sum>" + format_amount(s.total_credits, currency) +
         "</Sum></TtlCdtNtries><TtlDbtNtries><NbOfNtries>" +
         std::to_string(static_cast<std::int64_t>(s.entries.size()) - credits) + "</NbOfNtries><Sum>" +
         format_amount(s.total_debits, currency) + "</Sum></TtlDbtNtries></TxsSummry>";
  for (const auto& e : s.entries) {
    xml += "<Ntry><NtryRef>" + escape(e.transfer_id) + "</NtryRef>" + amount(e.amount, currency) + "<CdtDbtInd>" +
           (e.credit ? "CRDT" : "DBIT") + "</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts><BookgDt><DtTm>" +
           date_time(e.booked_at_ms) + "</DtTm></BookgDt><ValDt><Dt>" + date(e.booked_at_ms) +
           "</Dt></ValDt><AcctSvcrRef>" + escape(e.payment_id) + "</AcctSvcrRef>";
    xml += "<BkTxCd><Prtry><Cd>" + escape(e.kind) + "</Cd><Issr>Barid</Issr></Prtry></BkTxCd>";
    xml += "<NtryDtls><TxDtls><Refs><AcctSvcrRef>" + escape(e.payment_id) + "</AcctSvcrRef></Refs>" +
           amount(e.amount, currency) + "<CdtDbtInd>" + (e.credit ? "CRDT" : "DBIT") + "</CdtDbtInd>";
    if (e.counterparty || e.counterparty_name) {
      const char* side = e.credit ? "Dbtr" : "Cdtr";
      xml += std::string("<RltdPties><") + side + "><Pty><Nm>" + escape(e.counterparty_name.value_or("")) +
             "</Nm></Pty></" + side + ">";
      if (e.counterparty) {
        xml += std::string("<") + side + "Acct><Id><Othr><Id>" + escape(*e.counterparty) + "</Id></Othr></Id></" +
               side + "Acct>";
      }
      xml += "</RltdPties>";
    }
    if (e.reference) {
      if (e.kind == "bill") {
        xml += "<RmtInf><Strd><CdtrRefInf><Ref>" + escape(*e.reference) + "</Ref></CdtrRefInf></Strd></RmtInf>";
      } else {
        xml += "<RmtInf><Ustrd>" + escape(*e.reference) + "</Ustrd></RmtInf>";
      }
    }
    xml += "</TxDtls></NtryDtls></Ntry>";
  }
  xml += "</Stmt></BkToCstmrStmt></Document>\n";
  return xml;
}

}  // namespace barid::payments
