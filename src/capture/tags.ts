/**
 * Tags as Mailpit makes them: from the `X-Tags` header (comma-separated) and from
 * plus-addresses (`user+tag@example.com` tags `tag`), cleaned to letters, digits, `-`, `_`,
 * `.` and single spaces.
 */
import type { ReceivedMessage } from "../smtp/message.ts";
import type { MessageView } from "../mime/view.ts";

// Anything else becomes a space; runs of spaces collapse (Mailpit's CleanTag).
const INVALID = /[^a-zA-Z0-9\-_. ]/g;

/** One tag cleaned as Mailpit cleans it; `""` when nothing valid is left. */
export function cleanTag(tag: string): string {
  return tag.replace(INVALID, " ").replace(/\s+/g, " ").trim();
}

/**
 * Cleaned, without empties, unique ignoring case (the first spelling wins), sorted by code
 * unit (upper case first) — Mailpit's `sortedUniqueTags`.
 */
export function normalizeTags(tags: readonly string[]): string[] {
  if (tags.length === 0) return []; // most messages: no map, no sort
  const seen = new Map<string, string>();
  for (const t of tags) {
    const c = cleanTag(t);
    if (c && !seen.has(c.toLowerCase())) seen.set(c.toLowerCase(), c);
  }
  return [...seen.values()].sort();
}

/**
 * The tags of a plus-address: what follows the first `+` of the local part, split at every
 * further `+` (`user+a+b@x` → `a`, `b`); none without a `+` or an `@`.
 */
export function plusTags(address: string): string[] {
  const at = address.indexOf("@");
  const plus = address.indexOf("+");
  if (at < 0 || plus < 0 || plus > at) return [];
  return address.slice(plus + 1, at).split("+").filter((t) => t !== "");
}

/**
 * The tags a message carries itself: its `X-Tags` headers, and (when `plus`) the plus parts
 * of its To, Cc, Bcc and From header addresses (Mailpit's rule) and of every envelope
 * recipient (ours: a Bcc'd plus-address tags too). Not yet normalized.
 */
export function messageTags(view: MessageView, message: ReceivedMessage, plus: boolean): string[] {
  const tags: string[] = [];
  for (const h of view.headers) {
    if (h.name.toLowerCase() === "x-tags") tags.push(...h.value.split(","));
  }
  if (plus) {
    const headers = [...view.to, ...view.cc, ...view.bcc, ...(view.from ? [view.from] : [])];
    for (const a of [...headers.map((h) => h.address), ...message.to]) tags.push(...plusTags(a));
  }
  return tags;
}

/** None: shared, since nobody changes a list of tags in place. */
const NO_TAGS: string[] = Object.freeze([]) as unknown as string[];

/**
 * The plus-address tags of the envelope recipients alone: no parse needed. Nearly every
 * message has none: looked for before any list is made (not a list per recipient).
 */
export function envelopeTags(message: ReceivedMessage, plus: boolean): string[] {
  let tags: string[] | null = null;
  if (plus) {
    for (const address of message.to) {
      if (address.includes("+")) (tags ??= []).push(...plusTags(address));
    }
  }
  return tags ?? NO_TAGS;
}

/** The header names that can give tags, lower case; X-Tags last (see {@link tagHeader}). */
const TAG_HEADERS = ["to", "cc", "bcc", "from", "x-tags"].map((n) =>
  [...n].map((c) => c.charCodeAt(0))
);

/** What `\s` matches among Latin-1 characters: TAB, LF, VT, FF, CR, SPACE and NBSP. */
function isSpace(b: number): boolean {
  return (b >= 0x09 && b <= 0x0d) || b === 0x20 || b === 0xa0;
}

/**
 * Which tag header the line `data[start, end)` begins: the index in {@link TAG_HEADERS}, or
 * -1. The name, then any white space, then `:`, all within the line's first 12 bytes; names
 * match ignoring ASCII case. Compared byte by byte: no string per header line.
 */
function tagHeader(data: Uint8Array, start: number, end: number): number {
  const stop = Math.min(end, start + 12);
  names: for (let n = 0; n < TAG_HEADERS.length; n++) {
    const name = TAG_HEADERS[n];
    let i = start;
    for (let k = 0; k < name.length; k++) {
      if (i >= stop) continue names;
      const b = data[i++];
      if ((b >= 0x41 && b <= 0x5a ? b + 0x20 : b) !== name[k]) continue names;
    }
    while (i < stop && isSpace(data[i])) i++;
    if (i < stop && data[i] === 0x3a) return n;
  }
  return -1;
}

const X_TAGS = TAG_HEADERS.length - 1;

/**
 * Whether the header section of `data` could give tags: an `X-Tags` header, or a `+` in a
 * To, Cc, Bcc or From header (a plus-address is written out, never encoded). False means
 * {@link messageTags} would find only {@link envelopeTags}, so a lazy store need not parse.
 */
export function mayCarryTags(data: Uint8Array, plus: boolean): boolean {
  let inAddressHeader = false;
  for (let start = 0; start <= data.length;) {
    let i = data.indexOf(0x0a, start);
    if (i < 0) i = data.length;
    let end = i;
    if (end > start && data[end - 1] === 0x0d) end--;
    if (end === start) return false; // the empty line: end of the header section
    const folded = data[start] === 0x20 || data[start] === 0x09;
    if (!folded) {
      const name = tagHeader(data, start, end);
      if (name === X_TAGS) return true;
      inAddressHeader = name >= 0;
    }
    if (plus && inAddressHeader) {
      for (let j = start; j < end; j++) if (data[j] === 0x2b) return true;
    }
    start = i + 1;
  }
  return false;
}
