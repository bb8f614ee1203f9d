/**
 * The catalogue of finding ids: severity, the rule broken and one line of advice each. The
 * ids and their severities are a contract (records, the HTTP API, `assertNoLint` allow lists,
 * docs/lint.md); evidence is what a rule adds per occurrence.
 */
import type { Finding, FindingId, Severity } from "./finding.ts";

interface Entry {
  readonly severity: Severity;
  readonly rfc: string;
  readonly advice: string;
}

/** Every id with its severity, RFC section and advice. */
export const CATALOGUE: Readonly<Record<FindingId, Entry>> = {
  "early-talker": {
    severity: "error",
    rfc: "RFC 5321 §4.3.1",
    advice: "Wait for the 220 greeting before sending anything.",
  },
  "unadvertised-pipelining": {
    severity: "error",
    rfc: "RFC 2920 §3.1",
    advice: "Wait for each reply unless EHLO offered PIPELINING, and even then end a group " +
      "at EHLO, DATA, STARTTLS, AUTH or QUIT.",
  },
  "helo-invalid": {
    severity: "warning",
    rfc: "RFC 5321 §4.1.1.1",
    advice: "Give EHLO your fully qualified domain name or an address literal like [192.0.2.1].",
  },
  "no-ehlo": {
    severity: "error",
    rfc: "RFC 5321 §4.1.4",
    advice: "Send EHLO (or HELO) before MAIL FROM.",
  },
  "no-quit": {
    severity: "warning",
    rfc: "RFC 5321 §4.1.1.10",
    advice: "End the session with QUIT and wait for its 221 before closing the connection.",
  },
  "rset-storm": {
    severity: "warning",
    rfc: "RFC 5321 §4.1.1.5",
    advice: "Send RSET only to abandon a transaction; servers drop clients that repeat it.",
  },
  "auth-cleartext": {
    severity: "warning",
    rfc: "RFC 4954 §4",
    advice: "Start TLS (STARTTLS or implicit TLS) before AUTH; most servers refuse it in clear.",
  },
  "size-mismatch": {
    severity: "warning",
    rfc: "RFC 1870 §3",
    advice: "Announce in SIZE= at least the octets you send (CRLF line ends, before dot-stuffing).",
  },
  "bare-lf": {
    severity: "error",
    rfc: "RFC 5321 §2.3.8",
    advice: "End every line with CRLF; servers reject bare LF since the SMTP smuggling fixes.",
  },
  "bare-cr": {
    severity: "error",
    rfc: "RFC 5321 §2.3.8",
    advice: "Send CR only as part of CRLF.",
  },
  "smuggling-sequence": {
    severity: "error",
    rfc: "RFC 5321 §4.1.1.4",
    advice: "A lone dot line must be CRLF . CRLF; normalise line endings before dot-stuffing.",
  },
  "8bit-without-8bitmime": {
    severity: "error",
    rfc: "RFC 6152 §3",
    advice: "Send MAIL FROM with BODY=8BITMIME (when offered) or encode the body as " +
      "quoted-printable or base64.",
  },
  "utf8-address-without-smtputf8": {
    severity: "error",
    rfc: "RFC 6531 §3.4",
    advice: "Add SMTPUTF8 to MAIL FROM (when offered) for non-ASCII addresses.",
  },
  "raw-8bit-header": {
    severity: "warning",
    rfc: "RFC 6532 §3",
    advice: "Encode non-ASCII header text as RFC 2047 encoded words, or send with SMTPUTF8.",
  },
  "line-too-long": {
    severity: "error",
    rfc: "RFC 5322 §2.1.1",
    advice: "Keep lines within 998 octets: fold headers, use quoted-printable or base64 bodies.",
  },
  "missing-date": {
    severity: "error",
    rfc: "RFC 5322 §3.6",
    advice: "Add a Date: header (the time the message was composed).",
  },
  "missing-from": {
    severity: "error",
    rfc: "RFC 5322 §3.6",
    advice: "Add a From: header naming the author.",
  },
  "missing-message-id": {
    severity: "warning",
    rfc: "RFC 5322 §3.6.4",
    advice: "Add a Message-ID: <unique@your.domain>; Gmail refuses mail without one.",
  },
  "duplicate-header": {
    severity: "error",
    rfc: "RFC 5322 §3.6",
    advice: "Send this header once; Gmail and others refuse a repeated singleton header.",
  },
  "header-syntax": {
    severity: "error",
    rfc: "RFC 5322 §2.2",
    advice: "Write each header as Name: value, continuation lines starting with a space or tab.",
  },
  "mime-boundary-missing": {
    severity: "error",
    rfc: "RFC 2046 §5.1.1",
    advice: "Give multipart types a boundary= parameter and close the parts with --boundary--.",
  },
  "mime-bad-base64": {
    severity: "error",
    rfc: "RFC 2045 §6.8",
    advice: "Encode base64 parts with only A-Z a-z 0-9 + / and = padding, lines ≤ 76 characters.",
  },
  "mime-bad-charset": {
    severity: "warning",
    rfc: "RFC 2046 §4.1.2",
    advice: "Declare the charset the text is really in (utf-8 for non-ASCII text).",
  },
};

/** The severity of `id`. */
export function severityOf(id: FindingId): Severity {
  return CATALOGUE[id].severity;
}

/** A finding of `id` with its catalogue entry. */
export function finding(id: FindingId, evidence: string, line?: number): Finding {
  const { severity, rfc, advice } = CATALOGUE[id];
  return line === undefined
    ? { id, severity, rfc, evidence, advice }
    : { id, severity, rfc, evidence, advice, line };
}
