/** The message-format family (RFC 5322): required and singleton headers, syntax, line length. */
import type { Finding } from "./finding.ts";
import { finding } from "./catalogue.ts";
import { excerpt } from "./escape.ts";
import { type HeaderSection, KNOWN_FIELDS } from "./headers.ts";
import { lineAt } from "./line_endings.ts";
import { type ByteScan, scanBytes } from "./scan.ts";

/**
 * Fields RFC 5322 §3.6 allows at most once (its table's "max number: 1"): the first
 * {@link SINGLETONS} of {@link KNOWN_FIELDS}, a field's slot its place there.
 */
const SINGLETONS = KNOWN_FIELDS.indexOf("subject") + 1;

/** Fields RFC 5322 §3.6 requires: slot, finding, name as written. */
const REQUIRED = [
  [KNOWN_FIELDS.indexOf("date"), "missing-date", "Date"],
  [KNOWN_FIELDS.indexOf("from"), "missing-from", "From"],
  [KNOWN_FIELDS.indexOf("message-id"), "missing-message-id", "Message-ID"],
] as const;

/**
 * The line each singleton field was first seen on in the message being checked, by slot (0:
 * not seen): one array for every message, reset for each, not a map per message.
 */
const firstLines: number[] = Array.from({ length: SINGLETONS }, () => 0);

/** Required and singleton fields, and lines that are not fields: added to `out`. */
export function headerFindings(
  bytes: Uint8Array,
  h: HeaderSection,
  out: Finding[] = [],
): Finding[] {
  firstLines.fill(0);
  const fields = h.fields;
  for (let i = 0; i < fields.length; i++) {
    const f = fields[i];
    const slot = f.known;
    if (slot < 0 || slot >= SINGLETONS) continue;
    const first = firstLines[slot];
    if (first === 0) firstLines[slot] = f.line;
    else {
      out.push(finding(
        "duplicate-header",
        `line ${f.line}: ${f.name} again (first on line ${first}): ${excerpt(bytes, f.at, f.at)}`,
        f.line,
      ));
      firstLines[slot] = Infinity; // one finding per field name
    }
  }
  const n = h.fields.length;
  for (let i = 0; i < REQUIRED.length; i++) {
    const [slot, id, name] = REQUIRED[i];
    if (firstLines[slot] === 0) {
      out.push(finding(id, `no ${name}: header among ${n} header field${n === 1 ? "" : "s"}`));
    }
  }
  const p = h.problems[0];
  if (p) {
    out.push(finding(
      "header-syntax",
      `line ${p.line}: ${p.reason}: ${excerpt(bytes, p.at, p.at)}` +
        (h.problems.length > 1 ? ` (${h.problems.length} such lines)` : ""),
      p.line,
    ));
  }
  return out;
}

/**
 * The first line longer than 998 octets (CRLF or LF excluded), from the message's
 * {@link scanBytes} (made here when not given).
 */
export function longLine(bytes: Uint8Array, scan: ByteScan = scanBytes(bytes)): Finding | null {
  const at = scan.longLineAt;
  if (at < 0) return null;
  const line = lineAt(bytes, at);
  return finding(
    "line-too-long",
    `line ${line}: ${scan.longLineLength} octets: ${excerpt(bytes, at, at)}`,
    line,
  );
}
