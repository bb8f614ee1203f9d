/**
 * What client lint reports: one {@link Finding} per fault of the sender under test, with a
 * stable id (the contract users filter and allow by), how bad it is, the RFC section it breaks,
 * the offending bytes and one line of advice.
 */

/**
 * `error`: a real server would reject or corrupt it; `warning`: risky, some servers refuse
 * it; `info`: worth knowing, harmless on its own.
 */
export type Severity = "error" | "warning" | "info";

/** Every finding id lint can report (docs/lint.md explains each one). */
export type FindingId =
  // protocol
  | "early-talker"
  | "unadvertised-pipelining"
  | "helo-invalid"
  | "no-ehlo"
  | "no-quit"
  | "rset-storm"
  | "auth-cleartext"
  | "size-mismatch"
  // line endings
  | "bare-lf"
  | "bare-cr"
  | "smuggling-sequence"
  // 8-bit and Unicode
  | "8bit-without-8bitmime"
  | "utf8-address-without-smtputf8"
  | "raw-8bit-header"
  // message format and MIME
  | "line-too-long"
  | "missing-date"
  | "missing-from"
  | "missing-message-id"
  | "duplicate-header"
  | "header-syntax"
  | "mime-boundary-missing"
  | "mime-bad-base64"
  | "mime-bad-charset";

/** One fault of the client, as the records, the HTTP API and the log show it. */
export interface Finding {
  readonly id: FindingId;
  readonly severity: Severity;
  /** The rule broken, e.g. `RFC 5321 §2.3.8`. */
  readonly rfc: string;
  /** The offending bytes, escaped (`\r`, `\n`, `\xHH`), with where they were. */
  readonly evidence: string;
  /** One line: what the sender should do instead. */
  readonly advice: string;
  /** 1-based line: of the message for message findings, of the session's input otherwise. */
  readonly line?: number;
}
