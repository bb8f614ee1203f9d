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
