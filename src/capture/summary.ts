/**
 * What the store keeps of a parsed message so that listing and searching never parse again:
 * the header facts of Mailpit's message summary, and the lower-cased text bare search words
 * are matched in.
 */
import type { ReceivedMessage } from "../smtp/message.ts";
import type { MessageView, MimeAddress } from "../mime/view.ts";
import { htmlToText } from "../mime/extract.ts";

/** Body characters kept for bare-word search: bounds the store's memory per message. */
export const SEARCH_TEXT_CHARS = 64 * 1024;

/** Header facts of one message, as Mailpit's `MessageSummary` has them. */
export interface Summary {
  subject: string;
  from: MimeAddress | null;
  to: MimeAddress[];
  cc: MimeAddress[];
  /**
   * The Bcc header's addresses, then every envelope recipient that no To, Cc or Bcc header
   * names: that is how a Bcc'd recipient becomes visible (as Mailpit shows it).
   */
  bcc: MimeAddress[];
  replyTo: MimeAddress[];
  /** Message-ID without angle brackets. */
  messageId: string;
  /** The Date header, or null. */
  date: Date | null;
  /** Number of attachments. */
  attachments: number;
  /** Number of inline parts. */
  inline: number;
  /** Mailpit's `Snippet`. */
  snippet: string;
  /**
   * Lower-cased subject, addresses, attachment names and body text (the HTML's text when
   * there is no text part), the body cut at {@link SEARCH_TEXT_CHARS}.
   */
  searchText: string;
}

/** The summary of a parsed message and its envelope. */
export function summarize(view: MessageView, message: ReceivedMessage): Summary {
  const named = new Set(
    [...view.to, ...view.cc, ...view.bcc].map((a) => a.address.toLowerCase()),
  );
  const bcc = [...view.bcc];
  for (const rcpt of message.to) {
    const key = rcpt.toLowerCase();
    if (named.has(key)) continue;
    named.add(key);
    bcc.push({ name: "", address: rcpt });
  }
  const body = view.text || (view.html ? htmlToText(view.html) : "");
  const addresses = [view.from, ...view.to, ...view.cc, ...bcc, ...view.replyTo]
    .filter((a): a is MimeAddress => a !== null)
    .map((a) => `${a.name} ${a.address}`);
  const files = [...view.attachments, ...view.inline].map((p) => p.fileName);
  const searchText = [
    view.subject,
    ...addresses,
    message.from,
    ...files,
    body.slice(0, SEARCH_TEXT_CHARS),
  ].join("\n").toLowerCase();
  return {
    subject: view.subject,
    from: view.from,
    to: view.to,
    cc: view.cc,
    bcc,
    replyTo: view.replyTo,
    messageId: view.messageId,
    date: view.date,
    attachments: view.attachments.length,
    inline: view.inline.length,
    snippet: view.snippet,
    searchText,
  };
}
