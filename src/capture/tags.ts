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

/** The plus-address tags of the envelope recipients alone: no parse needed. */
export function envelopeTags(message: ReceivedMessage, plus: boolean): string[] {
  return plus ? message.to.flatMap(plusTags) : [];
}

const HEADER_NAME = /^(to|cc|bcc|from|x-tags)\s*:/i;

/**
 * Whether the header section of `data` could give tags: an `X-Tags` header, or a `+` in a
 * To, Cc, Bcc or From header (a plus-address is written out, never encoded). False means
 * {@link messageTags} would find only {@link envelopeTags}, so a lazy store need not parse.
 */
export function mayCarryTags(data: Uint8Array, plus: boolean): boolean {
  let inAddressHeader = false;
  let start = 0;
  for (let i = 0; i <= data.length; i++) {
    if (i < data.length && data[i] !== 0x0a) continue;
    let end = i;
    if (end > start && data[end - 1] === 0x0d) end--;
    if (end === start) return false; // the empty line: end of the header section
    const folded = data[start] === 0x20 || data[start] === 0x09;
    if (!folded) {
      const name = HEADER_NAME.exec(latin1(data, start, Math.min(end, start + 12)));
      if (name?.[1].toLowerCase() === "x-tags") return true;
      inAddressHeader = name !== null;
    }
    if (plus && inAddressHeader && data.subarray(start, end).includes(0x2b)) return true;
    start = i + 1;
  }
  return false;
}

function latin1(data: Uint8Array, from: number, to: number): string {
  return String.fromCharCode(...data.subarray(from, to));
}
