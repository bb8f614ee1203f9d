/**
 * The MIME family (RFC 2045/2046): multipart boundaries, base64 bodies and declared charsets,
 * walked with lint's own header scanner. At most MAX_PARTS parts and MAX_DEPTH levels.
 */
import type { Finding, FindingId } from "./finding.ts";
import { finding } from "./catalogue.ts";
import { excerpt } from "./escape.ts";
import { field, type HeaderSection, parseContentType, scanHeaders } from "./headers.ts";
import { lineAt } from "./line_endings.ts";
import { MAX_PARTS } from "./limits.ts";

const LF = 0x0a;
const CR = 0x0d;
const MAX_DEPTH = 10;

/** An entity without a Content-Type (RFC 2045 §5.2): shared, not parsed per message. */
const TEXT_PLAIN = parseContentType("text/plain");

/** Walk state: findings (one per id per message) and the part budget. */
interface Walk {
  readonly bytes: Uint8Array;
  /** The message goes on past `bytes` (the scan cap): a boundary may come later. */
  readonly truncated: boolean;
  readonly out: Finding[];
  /** Made when a first finding fires: most messages have none. */
  fired: Set<FindingId> | null;
  /** No byte of the message is ≥ 0x80: a part not base64/QP-encoded is ASCII text. */
  readonly ascii: boolean;
  parts: number;
}

function report(w: Walk, id: FindingId, at: number, what: string): void {
  const fired = w.fired ??= new Set();
  if (fired.has(id)) return;
  fired.add(id);
  const line = lineAt(w.bytes, at);
  w.out.push(finding(id, `line ${line}: ${what}`, line));
}

/**
 * MIME findings of a message whose top-level header section is `h`, added to `out`; `ascii`:
 * no byte of `bytes` is ≥ 0x80 (known from a scan already made: spares the charset checks a
 * pass).
 */
export function mimeFindings(
  bytes: Uint8Array,
  h: HeaderSection,
  truncated = false,
  ascii = false,
  out: Finding[] = [],
): Finding[] {
  // ASCII text/plain in 7bit, the default (no Content-Type or -Transfer-Encoding): nothing
  // to decode, and ASCII is what its charset says.
  if (ascii && !field(h, "content-type") && !field(h, "content-transfer-encoding")) return out;
  const w: Walk = { bytes, truncated, out, fired: null, ascii, parts: 0 };
  entity(w, h, bytes.length, 0);
  return w.out;
}

/** One entity: its header section `h`, its body up to `end`. */
function entity(w: Walk, h: HeaderSection, end: number, depth: number): void {
  if (++w.parts > MAX_PARTS || depth > MAX_DEPTH) return;
  const ctField = field(h, "content-type");
  const ct = ctField ? parseContentType(ctField.value) : TEXT_PLAIN;
  if (ct.type.startsWith("multipart/")) {
    return multipart(w, h, ctField!.at, ct.params.get("boundary"), end, depth);
  }
  const cte = (field(h, "content-transfer-encoding")?.value ?? "7bit").trim().toLowerCase();
  // Only text is decoded (for its charset); any other part is only checked.
  const text = ct.type.startsWith("text/");
  const encoded = cte === "base64" || (cte === "quoted-printable" && text);
  // Text as sent in an ASCII message is ASCII: its charset is checked without its bytes.
  if (!encoded && !(text && !w.ascii)) {
    if (text) charset(w, ct.params.get("charset"), null, ctField?.at ?? h.bodyAt, h.bodyAt);
    return;
  }
  const body = w.bytes.subarray(h.bodyAt, end);
  let decoded: Uint8Array | null = body;
  if (cte === "base64") decoded = base64(w, body, h.bodyAt, text);
  else if (cte === "quoted-printable" && text) decoded = quotedPrintable(body);
  if (text && decoded) {
    const known = w.ascii && decoded === body ? null : decoded;
    charset(w, ct.params.get("charset"), known, ctField?.at ?? h.bodyAt, h.bodyAt);
  }
}

function multipart(
  w: Walk,
  h: HeaderSection,
  ctAt: number,
  boundary: string | undefined,
  end: number,
  depth: number,
): void {
  if (!boundary) {
    report(
      w,
      "mime-boundary-missing",
      ctAt,
      `multipart without a boundary parameter: ${excerpt(w.bytes, ctAt, ctAt)}`,
    );
    return;
  }
  const delimiter = new TextEncoder().encode("--" + boundary);
  // Delimiter lines at a line start: each part runs from after one to before the next.
  const starts: number[] = [];
  let closedAt = -1;
  for (let at = h.bodyAt; at < end;) {
    let lineEnd = w.bytes.indexOf(LF, at);
    if (lineEnd < 0 || lineEnd > end) lineEnd = end;
    if (startsWith(w.bytes, at, delimiter)) {
      const rest = at + delimiter.length;
      if (w.bytes[rest] === 0x2d && w.bytes[rest + 1] === 0x2d) {
        closedAt = at;
        starts.push(at);
        break;
      }
      starts.push(at);
    }
    at = lineEnd + 1;
  }
  if (starts.length === 0) {
    if (w.truncated) return;
    report(
      w,
      "mime-boundary-missing",
      h.bodyAt,
      `boundary "${boundary}" never appears in the body`,
    );
    return;
  }
  if (closedAt < 0) {
    if (!w.truncated) {
      report(
        w,
        "mime-boundary-missing",
        starts[starts.length - 1],
        `no closing --${boundary}-- line`,
      );
    }
    starts.push(end);
  }
  for (let i = 0; i + 1 < starts.length; i++) {
    const from = w.bytes.indexOf(LF, starts[i]) + 1;
    if (from <= 0 || from >= starts[i + 1]) continue;
    // The CRLF before a delimiter belongs to the delimiter (RFC 2046 §5.1.1).
    let to = starts[i + 1];
    if (w.bytes[to - 1] === LF) to--;
    if (w.bytes[to - 1] === CR) to--;
    // Line numbers are worked out from offsets when a finding is reported, not per part.
    const part = scanHeaders(w.bytes, from, to, 1, undefined, w.ascii);
    entity(w, part, Math.max(to, part.bodyAt), depth + 1);
  }
}

function startsWith(bytes: Uint8Array, at: number, prefix: Uint8Array): boolean {
  if (at + prefix.length > bytes.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[at + i] !== prefix[i]) return false;
  return true;
}

/** Whether `b` is a base64 alphabet character. */
function isBase64(b: number): boolean {
  return (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) ||
    b === 0x2b || b === 0x2f;
}

/** The decoded body, or `null` after reporting why it is not base64. */
function base64(w: Walk, body: Uint8Array, bodyAt: number, decode: boolean): Uint8Array | null {
  let chars = 0;
  let padding = 0;
  for (let i = 0; i < body.length; i++) {
    const b = body[i];
    if (b === CR || b === LF || b === 0x20 || b === 0x09) continue;
    if (b === 0x3d) padding++;
    else if (padding > 0 || !isBase64(b)) {
      report(
        w,
        "mime-bad-base64",
        bodyAt + i,
        `${padding > 0 ? "data after = padding" : "not a base64 character"}: ${
          excerpt(body, i, Math.max(0, i - 10))
        }`,
      );
      return null;
    } else chars++;
  }
  if (padding > 2 || (chars + padding) % 4 !== 0) {
    report(
      w,
      "mime-bad-base64",
      bodyAt,
      `${chars + padding} base64 characters, not a multiple of 4`,
    );
    return null;
  }
  if (!decode) return null;
  let clean = "";
  for (let i = 0; i < body.length; i++) {
    const b = body[i];
    if (b !== CR && b !== LF && b !== 0x20 && b !== 0x09) clean += String.fromCharCode(b);
  }
  const text = atob(clean);
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}

function hex(b: number): number {
  if (b >= 0x30 && b <= 0x39) return b - 0x30;
  if (b >= 0x41 && b <= 0x46) return b - 0x37;
  if (b >= 0x61 && b <= 0x66) return b - 0x57;
  return -1;
}

/** Quoted-printable decoded loosely (soft breaks dropped, bad escapes kept). */
function quotedPrintable(body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length);
  let n = 0;
  for (let i = 0; i < body.length; i++) {
    const b = body[i];
    if (b !== 0x3d) {
      out[n++] = b;
      continue;
    }
    if (body[i + 1] === CR && body[i + 2] === LF) i += 2;
    else if (body[i + 1] === LF) i += 1;
    else if (hex(body[i + 1]) >= 0 && hex(body[i + 2]) >= 0) {
      out[n++] = hex(body[i + 1]) * 16 + hex(body[i + 2]);
      i += 2;
    } else out[n++] = b;
  }
  return out.subarray(0, n);
}

/** Checks UTF-8 text strictly; `decode` without `stream` starts afresh, so one serves all. */
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Labels seen and the encoding each names (`null`: unknown), so a label is looked up once. */
const encodings = new Map<string, string | null>();

/** Most labels {@link encodings} keeps: a client may send any number of made-up ones. */
const MAX_LABELS = 64;

/** The WHATWG encoding a charset label names, or `null` when it names none. */
function encodingOf(label: string): string | null {
  let encoding = encodings.get(label);
  if (encoding !== undefined) return encoding;
  try {
    encoding = new TextDecoder(label).encoding;
  } catch {
    encoding = null;
  }
  if (encodings.size < MAX_LABELS) encodings.set(label, encoding);
  return encoding;
}

/**
 * Checks the declared charset (RFC 2046 §4.1.2: none means US-ASCII) against the text;
 * `text` `null`: it is known to have no byte ≥ 0x80.
 */
function charset(
  w: Walk,
  declared: string | undefined,
  text: Uint8Array | null,
  ctAt: number,
  bodyAt: number,
): void {
  const label = (declared ?? "us-ascii").trim().toLowerCase();
  const isAscii = label === "us-ascii" || label === "ascii";
  const encoding = label === "us-ascii" ? "utf-8" : encodingOf(label);
  if (encoding === null) {
    report(
      w,
      "mime-bad-charset",
      ctAt,
      `unknown charset "${declared}": ${excerpt(w.bytes, ctAt, ctAt)}`,
    );
    return;
  }
  // ASCII text is valid US-ASCII and UTF-8, and only those two are checked further.
  if (text === null || (!isAscii && encoding !== "utf-8")) return;
  if (isAscii) {
    let at = 0;
    while (at < text.length && text[at] < 0x80) at++;
    if (at < text.length) {
      report(
        w,
        "mime-bad-charset",
        bodyAt,
        `8-bit text ${declared ? `declared ${declared}` : "without a charset (US-ASCII)"}: ${
          excerpt(text, at, Math.max(0, at - 10))
        }`,
      );
    }
    return;
  }
  try {
    strictUtf8.decode(text);
  } catch {
    report(w, "mime-bad-charset", bodyAt, `text declared ${declared} is not valid UTF-8`);
  }
}
