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
export interface Summary extends
  Pick<
    MessageView,
    "subject" | "from" | "to" | "cc" | "replyTo" | "messageId" | "date" | "snippet"
  > {
  /**
   * The Bcc header's addresses, then every envelope recipient that no To, Cc or Bcc header
   * names: that is how a Bcc'd recipient becomes visible (as Mailpit shows it).
   */
  bcc: MimeAddress[];
  /** Number of attachments. */
  attachments: number;
  /** Number of inline parts. */
  inline: number;
  /**
   * Subject, addresses (headers, Return-Path, envelope), attachment names and body (the
   * HTML's text when there is HTML, else the text part, as Mailpit), the body cut at
   * {@link SEARCH_TEXT_CHARS}; cleaned by {@link cleanSearchText}.
   */
  searchText: string;
}

/**
 * Lower case, with line breaks, tabs, `<`, `>`, `"`, `,` and `;` as spaces and runs of white
 * space as one (Mailpit's cleaning): applied to stored text and to searched words alike, so
 * `"signing up"` finds the words across a line break.
 */
export function cleanSearchText(s: string): string {
  return s.replace(/[\r\n\t<>",;\uFEFF]/g, " ").replace(/\s+/g, " ").trim().toLowerCase();
}

/**
 * A copy of `s` that holds nothing else: a slice of a longer string keeps the whole of it
 * alive (a snippet would keep the decoded body), and a summary is kept as long as its message.
 */
function own(s: string): string {
  return s.length < 13 ? s : JSON.parse(JSON.stringify(s));
}

const ownAddress = (a: MimeAddress): MimeAddress => ({
  name: own(a.name),
  address: own(a.address),
});
const ownList = (list: MimeAddress[]): MimeAddress[] =>
  list.length ? list.map(ownAddress) : NO_ADDRESSES;
const NO_ADDRESSES: MimeAddress[] = Object.freeze([]) as unknown as MimeAddress[];

/**
 * The Bcc header's addresses, then every envelope recipient that no To, Cc or Bcc header
 * names (see {@link Summary.bcc}).
 */
export function bccOf(view: MessageView, message: ReceivedMessage): MimeAddress[] {
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
  return bcc;
}

/** The summary of a parsed message and its envelope, in strings of its own. */
export function summarize(view: MessageView, message: ReceivedMessage): Summary {
  const bcc = bccOf(view, message);
  // Mailpit searches the HTML's text when there is HTML, else the text part.
  const htmlText = view.html ? htmlToText(view.html.slice(0, SEARCH_TEXT_CHARS * 4)).trim() : "";
  const body = htmlText || view.text;
  const addresses = [view.from, ...view.to, ...view.cc, ...bcc, ...view.replyTo]
    .filter((a): a is MimeAddress => a !== null)
    .map((a) => `${a.name} ${a.address}`);
  const files = [...view.attachments, ...view.inline].map((p) => p.fileName);
  const searchText = cleanSearchText([
    view.subject,
    ...addresses,
    view.returnPath,
    message.from,
    ...files,
    body.slice(0, SEARCH_TEXT_CHARS),
  ].join(" "));
  return {
    subject: own(view.subject),
    from: view.from && ownAddress(view.from),
    to: ownList(view.to),
    cc: ownList(view.cc),
    bcc: ownList(bcc),
    replyTo: ownList(view.replyTo),
    messageId: own(view.messageId),
    date: view.date,
    attachments: view.attachments.length,
    inline: view.inline.length,
    snippet: own(view.snippet),
    searchText,
  };
}
