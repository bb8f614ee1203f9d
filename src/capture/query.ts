/**
 * Mailpit's search language, parsed once into a predicate over stored messages. Every term
 * must hold (AND); `-term` or `!term` negates one; `"quoted phrases"` keep their spaces,
 * also after a prefix (`subject:"two words"`). All matching ignores case. Like Mailpit, a
 * term it cannot use (a date that does not parse, a term with no letter or digit) is
 * dropped rather than failing the search, and `larger:`/`smaller:` with a size that does
 * not parse is searched for as plain text.
 *
 * Mailpit's terms: `to:` `from:` `cc:` `bcc:` `reply-to:` `addressed:` (any of those)
 * `subject:` `message-id:` `tag:` `is:read` `is:unread` `is:tagged` `has:attachment`
 * `has:inline` `before:` `after:` `larger:` `smaller:`, and bare words (subject, addresses,
 * attachment names, body text). Ours: `auth:USER` (the session's AUTH identity, exact),
 * `ip:ADDR` (client address, exact), `helo:NAME` (HELO/EHLO argument, substring),
 * `lint:ID` (a lint finding with that id, exact).
 */
import type { StoredMessage } from "./store.ts";
import type { MimeAddress } from "../mime/view.ts";
import { cleanSearchText } from "./summary.ts";

/** A parsed search: test stored messages with `matches`. */
export interface Query {
  /** The search as given. */
  readonly text: string;
  /** True when no usable term is left: everything matches. */
  readonly empty: boolean;
  /** The terms kept, in order, for display and debugging. */
  readonly terms: readonly Term[];
  /**
   * Some term reads the parsed message (subject, addresses, body, attachments): a store that
   * parses lazily must have parsed every message it tests (`CaptureStore.ready`).
   */
  readonly parsed: boolean;
  matches(m: StoredMessage): boolean;
}

/** One term: what it tests, and whether it is negated. */
export interface Term {
  readonly kind: string;
  readonly value: string;
  readonly negated: boolean;
  /** It reads `m.summary` (see {@link Query.parsed}). */
  readonly parsed: boolean;
  readonly test: (m: StoredMessage) => boolean;
}

const EVERYTHING: Query = Object.freeze({
  text: "",
  empty: true,
  terms: [],
  parsed: false,
  matches: () => true,
});

/** A query from what an API caller gives: text, an already parsed query, or nothing (all). */
export function toQuery(q: string | Query | undefined | null): Query {
  if (q === undefined || q === null) return EVERYTHING;
  return typeof q === "string" ? parseQuery(q) : q;
}

/** Parses Mailpit's search syntax; never throws (see the module comment). */
export function parseQuery(text: string, now: () => Date = () => new Date()): Query {
  const terms: Term[] = [];
  for (let word of splitArgs(text)) {
    let negated = false;
    if (word.length > 1 && (word[0] === "-" || word[0] === "!")) {
      negated = true;
      word = word.slice(1);
    }
    if (!/[\p{L}\p{N}]/u.test(word)) continue;
    const term = parseTerm(word, now);
    if (term) terms.push({ ...term, negated });
  }
  if (terms.length === 0) return { ...EVERYTHING, text };
  return {
    text,
    empty: false,
    terms,
    parsed: terms.some((t) => t.parsed),
    matches: (m) => terms.every((t) => t.test(m) !== t.negated),
  };
}

type Bare = Omit<Term, "negated">;

function parseTerm(word: string, now: () => Date): Bare | null {
  const lower = word.toLowerCase();
  const colon = lower.indexOf(":");
  const prefix = colon > 0 ? lower.slice(0, colon) : "";
  const value = colon > 0 ? word.slice(colon + 1).trim() : "";
  const v = value.toLowerCase();
  const term = (kind: string, test: (m: StoredMessage) => boolean, parsed = false): Bare => ({
    kind,
    value,
    parsed,
    test,
  });
  switch (prefix) {
    case "to":
    case "from":
    case "cc":
    case "bcc":
    case "reply-to":
    case "addressed":
      return v
        ? term(prefix, (m) => addressesOf(m, prefix).some((a) => addressHas(a, v)), true)
        : null;
    case "subject":
      return v ? term(prefix, (m) => m.summary.subject.toLowerCase().includes(v), true) : null;
    case "message-id":
      return v ? term(prefix, (m) => m.summary.messageId.toLowerCase().includes(v), true) : null;
    case "tag":
      return v ? term(prefix, (m) => m.tags.some((t) => t.toLowerCase() === v)) : null;
    case "auth":
      return v ? term(prefix, (m) => (m.message.authUser ?? "").toLowerCase() === v) : null;
    case "ip":
      return v ? term(prefix, (m) => sameIp(m.message.remoteAddress.hostname, v)) : null;
    case "helo":
      return v ? term(prefix, (m) => m.message.helo.toLowerCase().includes(v)) : null;
    case "lint":
      return v ? term(prefix, (m) => (m.lint ?? []).some((f) => findingId(f) === v)) : null;
    case "after":
    case "before": {
      const at = parseDate(value, now);
      if (at === null) return null;
      // Inclusive both ways, as Mailpit's `>=` / `<=` on the arrival time.
      return prefix === "after"
        ? term(prefix, (m) => m.created.getTime() >= at)
        : term(prefix, (m) => m.created.getTime() <= at);
    }
    case "larger":
    case "smaller": {
      const size = parseSize(value);
      if (size === null) break; // searched as text, as Mailpit does
      return prefix === "larger"
        ? term(prefix, (m) => m.size > size)
        : term(prefix, (m) => m.size < size);
    }
  }
  switch (lower) {
    case "is:read":
      return term(lower, (m) => m.read);
    case "is:unread":
      return term(lower, (m) => !m.read);
    case "is:tagged":
      return term(lower, (m) => m.tags.length > 0);
    case "has:attachment":
    case "has:attachments":
      return term("has:attachment", (m) => m.summary.attachments > 0, true);
    case "has:inline":
    case "has:inlines":
      return term("has:inline", (m) => m.summary.inline > 0, true);
  }
  const needle = cleanSearchText(word);
  if (!needle) return null;
  return {
    kind: "text",
    value: word,
    parsed: true,
    test: (m) => m.summary.searchText.includes(needle),
  };
}

/**
 * Splits on white space, keeping what is inside double quotes together and dropping the
 * quotes themselves (`subject:"a b"` → `subject:a b`). An unclosed quote runs to the end.
 */
export function splitArgs(text: string): string[] {
  const out: string[] = [];
  let cur = "";
  let quoted = false;
  let started = false;
  for (const ch of text) {
    if (ch === '"') {
      quoted = !quoted;
      started = true;
    } else if (!quoted && /\s/.test(ch)) {
      if (started) out.push(cur);
      cur = "";
      started = false;
    } else {
      cur += ch;
      started = true;
    }
  }
  if (started) out.push(cur);
  return out.filter((w) => w.trim() !== "");
}

function addressesOf(m: StoredMessage, field: string): MimeAddress[] {
  const s = m.summary;
  switch (field) {
    case "to":
      return s.to;
    case "from":
      // No From header: the envelope sender stands in, so `from:` still finds the mail.
      return s.from ? [s.from] : [{ name: "", address: m.message.from }];
    case "cc":
      return s.cc;
    case "bcc":
      return s.bcc;
    case "reply-to":
      return s.replyTo;
    default:
      return [...(s.from ? [s.from] : []), ...s.to, ...s.cc, ...s.bcc, ...s.replyTo];
  }
}

// Mailpit matches inside the JSON of the address list, so a term hits the name, the address,
// or both written together; "Name <address>" covers all three.
function addressHas(a: MimeAddress, v: string): boolean {
  return `${a.name} <${a.address}>`.toLowerCase().includes(v);
}

function sameIp(host: string, v: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  const want = v.replace(/^\[|\]$/g, "");
  // An IPv4 client on a dual-stack socket reports "::ffff:1.2.3.4".
  return h === want || h === `::ffff:${want}` || `::ffff:${h}` === want;
}

function findingId(f: unknown): string {
  const id = (f as { id?: unknown } | null)?.id;
  return typeof id === "string" ? id.toLowerCase() : "";
}

/**
 * Bytes in `2kb`, `4MB`, `1.5m`, `300` (k/kb and m/mb, 1024-based, as Mailpit), or null
 * when it is not a size.
 */
export function parseSize(v: string): number | null {
  const m = /^(\d+(?:\.\d+)?)\s?([a-z]{1,2})?$/i.exec(v.trim());
  if (!m) return null;
  const n = Number(m[1]);
  const unit = (m[2] ?? "").toLowerCase();
  const factor = unit === ""
    ? 1
    : unit === "k" || unit === "kb"
    ? 1024
    : unit === "m" || unit === "mb"
    ? 1024 * 1024
    : 0;
  const bytes = Math.floor(n * factor);
  return bytes > 0 ? bytes : null;
}

/**
 * Milliseconds since the epoch for a date as people write them: `2026-12-01`, `2026/12/01`,
 * `2026-12-01 14:30[:00]`, ISO 8601 with or without zone, `1 Dec 2026`, RFC 2822, or Unix
 * seconds/milliseconds. Without a zone, in the server's local time (as Mailpit). Relative
 * words: `today`, `yesterday`. Null when it is none of those.
 */
export function parseDate(v: string, now: () => Date = () => new Date()): number | null {
  const s = v.trim();
  const lower = s.toLowerCase();
  if (lower === "today" || lower === "yesterday") {
    const d = now();
    const day = new Date(d.getFullYear(), d.getMonth(), d.getDate());
    if (lower === "yesterday") day.setDate(day.getDate() - 1);
    return day.getTime();
  }
  if (/^\d{9,10}$/.test(s)) return Number(s) * 1000;
  if (/^\d{12,13}$/.test(s)) return Number(s);
  const local = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$/.exec(
    s,
  );
  if (local) {
    const [, y, mo, d, h, mi, se] = local.map((x) => (x === undefined ? 0 : Number(x)));
    const t = new Date(y, mo - 1, d, h, mi, se);
    return t.getMonth() === mo - 1 ? t.getTime() : null;
  }
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : t;
}
