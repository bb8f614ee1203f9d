/** The message-format family (RFC 5322): required and singleton headers, syntax, line length. */
import type { Finding } from "./finding.ts";
import { finding } from "./catalogue.ts";
import { excerpt } from "./escape.ts";
import type { HeaderSection } from "./headers.ts";

const LF = 0x0a;
const CR = 0x0d;

/** Longest line RFC 5322 §2.1.1 allows, CRLF excluded. */
const MAX_LINE = 998;

/** Fields RFC 5322 §3.6 allows at most once (its table's "max number: 1"). */
const SINGLETONS = new Set([
  "date",
  "from",
  "sender",
  "reply-to",
  "to",
  "cc",
  "bcc",
  "message-id",
  "in-reply-to",
  "references",
  "subject",
]);

/** Required and singleton fields, and lines that are not fields. */
export function headerFindings(bytes: Uint8Array, h: HeaderSection): Finding[] {
  const out: Finding[] = [];
  const seen = new Map<string, number>();
  for (const f of h.fields) {
    if (!SINGLETONS.has(f.key)) continue;
    const first = seen.get(f.key);
    if (first === undefined) seen.set(f.key, f.line);
    else {
      out.push(finding(
        "duplicate-header",
        `line ${f.line}: ${f.name} again (first on line ${first}): ${excerpt(bytes, f.at, f.at)}`,
        f.line,
      ));
      seen.set(f.key, Infinity); // one finding per field name
    }
  }
  const n = h.fields.length;
  const among = `among ${n} header field${n === 1 ? "" : "s"}`;
  for (
    const [key, id, name] of [
      ["date", "missing-date", "Date"],
      ["from", "missing-from", "From"],
      ["message-id", "missing-message-id", "Message-ID"],
    ] as const
  ) {
    if (!seen.has(key)) out.push(finding(id, `no ${name}: header ${among}`));
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

/** The first line longer than 998 octets (CRLF or LF excluded). */
export function longLine(bytes: Uint8Array): Finding | null {
  let start = 0;
  let line = 1;
  while (start < bytes.length) {
    let end = bytes.indexOf(LF, start);
    if (end < 0) end = bytes.length;
    const len = (end > start && bytes[end - 1] === CR ? end - 1 : end) - start;
    if (len > MAX_LINE) {
      return finding(
        "line-too-long",
        `line ${line}: ${len} octets: ${excerpt(bytes, start, start)}`,
        line,
      );
    }
    start = end + 1;
    line++;
  }
  return null;
}
