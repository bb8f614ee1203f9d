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
 * Cleaned, without empties, unique ignoring case (the first spelling wins, as Mailpit's
 * case-insensitive tag table keeps the first), sorted ignoring case.
 */
export function normalizeTags(tags: readonly string[]): string[] {
  const seen = new Map<string, string>();
  for (const t of tags) {
    const c = cleanTag(t);
    if (c && !seen.has(c.toLowerCase())) seen.set(c.toLowerCase(), c);
  }
  return [...seen.values()].sort((a, b) => {
    const la = a.toLowerCase(), lb = b.toLowerCase();
    return la < lb ? -1 : la > lb ? 1 : 0;
  });
}

/** The `+tag` of `user+tag@domain`, or null. `user+a+b@` gives `a+b` (cleaned later to `a b`). */
export function plusTag(address: string): string | null {
  const at = address.lastIndexOf("@");
  const local = at < 0 ? address : address.slice(0, at);
  const plus = local.indexOf("+");
  return plus < 0 || plus === local.length - 1 ? null : local.slice(plus + 1);
}

/**
 * The tags a message carries itself: its `X-Tags` headers, and (when `plus`) the plus part
 * of every To, Cc and Bcc header address and every envelope recipient (so Bcc'd plus-addresses
 * tag too). Not yet normalized.
 */
export function messageTags(view: MessageView, message: ReceivedMessage, plus: boolean): string[] {
  const tags: string[] = [];
  for (const h of view.headers) {
    if (h.name.toLowerCase() === "x-tags") tags.push(...h.value.split(","));
  }
  if (plus) {
    const addresses = [...view.to, ...view.cc, ...view.bcc].map((a) => a.address);
    for (const a of [...addresses, ...message.to]) {
      const t = plusTag(a);
      if (t) tags.push(t);
    }
  }
  return tags;
}
