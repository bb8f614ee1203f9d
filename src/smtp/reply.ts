/** Reply encoding shared by every dialect. */
const encoder = new TextEncoder();
const cache = new Map<string, Uint8Array>();

/** Bytes of the shared arena that replies missing the cache are written into. */
const ARENA = 8192;
/** Longer texts get an array of their own (an arena holds many replies). */
const MAX_IN_ARENA = 512;
let arena = new ArrayBuffer(0);
let arenaUsed = 0;

/**
 * `text` + CRLF as UTF-8 bytes (cached: dialects send the same few texts all day). A text
 * the cache misses (a queue id's, once per message) is written into a view of a shared
 * arena when it is short ASCII: a byte array of its own costs ~0.5–2 µs on Deno, the
 * encoder's call into Rust more. Arena bytes are never written twice: a view stays valid for
 * as long as whoever holds it.
 */
export function encodeReply(text: string): Uint8Array {
  let bytes = cache.get(text);
  if (!bytes) {
    bytes = asciiInArena(text) ?? encoder.encode(text + "\r\n");
    if (cache.size < 1024) cache.set(text, bytes);
  }
  return bytes;
}

/** `text` + CRLF in the arena, or `null` when it is long or not ASCII. */
function asciiInArena(text: string): Uint8Array | null {
  const n = text.length + 2;
  if (n > MAX_IN_ARENA) return null;
  if (arenaUsed + n > arena.byteLength) {
    arena = new ArrayBuffer(ARENA);
    arenaUsed = 0;
  }
  const bytes = new Uint8Array(arena, arenaUsed, n);
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return null; // the bytes written so far are not claimed: reused next time
    bytes[i] = c;
  }
  bytes[n - 2] = 0x0d;
  bytes[n - 1] = 0x0a;
  arenaUsed += n;
  return bytes;
}

/** Multi-line reply text: `250-a`, `250-b`, `250 c`, joined by CRLF (no final CRLF). */
export function multilineText(code: number, lines: readonly string[]): string {
  return replyText({ code, lines });
}

const decoder = new TextDecoder();

/** Bytes to text for matching; invalid UTF-8 becomes U+FFFD, which no grammar accepts. */
export function decodeLine(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** `host:port` the way Go prints a TCP address (IPv6 in brackets). */
export function hostPort(a: { hostname: string; port: number }): string {
  return a.hostname.includes(":") ? `[${a.hostname}]:${a.port}` : `${a.hostname}:${a.port}`;
}

/**
 * One SMTP reply, for every dialect: what observers see and decorators may replace. `lines`
 * are the texts after the code (and the enhanced code, when there is one); a reply has at
 * least one line.
 */
export interface Reply {
  readonly code: number;
  /** RFC 3463 enhanced status code, e.g. `2.0.0`. */
  readonly enhanced?: string;
  readonly lines: readonly string[];
}

/**
 * The reply's text without the final CRLF, lines joined by CRLF: `250-a`, `250 b`. The
 * enhanced code, when present, leads every line (RFC 2034 §4).
 */
export function replyText(reply: Reply): string {
  const { code, enhanced, lines } = reply;
  const last = lines.length - 1;
  let text = "";
  for (let i = 0; i <= last; i++) {
    if (i) text += "\r\n";
    text += `${code}${i === last ? " " : "-"}${enhanced ? `${enhanced} ` : ""}${lines[i]}`;
  }
  return text;
}

const REPLY_LINE = /^(\d{3})([ -])(.*)$/s;
const ENHANCED = /^([245]\.\d{1,3}\.\d{1,3}) (.*)$/s;

/**
 * A dialect's reply text (one or more CRLF-joined lines, as written) as a {@link Reply}; a
 * text that is not `NNN text` lines (go-smtp-mock lets users set any) is code 0 with the whole
 * text as its one line. `replyText(parseReply(t)) === t` for every well-formed reply.
 */
export function parseReply(text: string): Reply {
  const raw = text.split("\r\n");
  const lines: string[] = [];
  let code = -1;
  for (const line of raw) {
    const m = REPLY_LINE.exec(line);
    if (!m || (code >= 0 && Number(m[1]) !== code)) return { code: 0, lines: [text] };
    code = Number(m[1]);
    lines.push(m[3]);
  }
  const enhanced = lines.map((l) => ENHANCED.exec(l));
  if (enhanced.every((m) => m !== null && m[1] === enhanced[0]![1])) {
    return { code, enhanced: enhanced[0]![1], lines: enhanced.map((m) => m![2]) };
  }
  return { code, lines };
}
