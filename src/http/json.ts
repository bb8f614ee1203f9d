/**
 * Stored messages as Mailpit's JSON (`MessageSummary` in lists and events, `Message` for one
 * message), with mocksmtp's additions: the envelope, the session, links, codes, transcript,
 * lint. Field names are Mailpit's (PascalCase), so its clients read them unchanged. Lists
 * are built from the store's summaries (a lazy store's page is summarized first), one message
 * from its parsed view.
 */
import type { StoredMessage } from "../capture/store.ts";
import type { MessageView, MimeAddress, MimePart } from "../mime/view.ts";
import type { TranscriptLine } from "../smtp/transcript.ts";
import { bccOf } from "../capture/summary.ts";

/** `{ Name, Address }` as Go's `mail.Address`. */
export interface MailpitAddress {
  Name: string;
  Address: string;
}

const address = (a: MimeAddress): MailpitAddress => ({ Name: a.name, Address: a.address });
const addresses = (list: MimeAddress[]): MailpitAddress[] => list.map(address);
// Mailpit's From is never null: an empty address when the header is missing.
const from = (a: MimeAddress | null): MailpitAddress => a ? address(a) : { Name: "", Address: "" };

/** The envelope: the sender and every recipient as given to MAIL and RCPT (Bcc included). */
function envelope(s: StoredMessage) {
  return { MailFrom: s.message.from, RcptTo: [...s.message.to] };
}

/** One item of `messages` in a list or a `new` event (Mailpit's `MessageSummary`). */
export function summaryJson(s: StoredMessage) {
  const m = s.summary;
  return {
    ID: s.id,
    MessageID: m.messageId,
    Read: s.read,
    From: from(m.from),
    To: addresses(m.to),
    Cc: addresses(m.cc),
    Bcc: addresses(m.bcc),
    ReplyTo: addresses(m.replyTo),
    Subject: m.subject,
    Created: s.created.toISOString(),
    Username: s.message.authUser ?? "",
    Tags: [...s.tags],
    Size: s.size,
    Attachments: m.attachments,
    Snippet: m.snippet,
    ...envelope(s),
  };
}

/** One attachment or inline part (Mailpit's `Attachment`). */
export function partJson(p: MimePart) {
  return {
    PartID: p.partId,
    FileName: p.fileName,
    ContentType: p.contentType,
    ContentID: p.contentId,
    Size: p.size,
    Checksums: { MD5: p.checksums.md5, SHA1: p.checksums.sha1, SHA256: p.checksums.sha256 },
  };
}

/** The session the message arrived in. */
function sessionJson(s: StoredMessage) {
  const m = s.message as StoredMessage["message"] & { authMechanism?: string };
  const tls = m.tlsSession;
  return {
    SessionID: m.sessionId ?? null,
    ClientAddress: m.remoteAddress.hostname,
    ClientPort: m.remoteAddress.port,
    ServerAddress: m.localAddress.hostname,
    ServerPort: m.localAddress.port,
    Helo: m.helo,
    StartedAt: m.sessionStartedAt?.toISOString() ?? null,
    // A protected session whose transport did not say what it negotiated still shows as TLS.
    TLS: tls || m.tls
      ? {
        Version: tls?.version ?? "",
        Cipher: tls?.cipher ?? "",
        ServerName: tls?.servername ?? "",
      }
      : null,
    AuthUser: m.authUser ?? "",
    AuthMechanism: m.authMechanism ?? "",
  };
}

/** A stored transcript as lines of text (`C: …`, `S: …`, `*: …`). */
export function transcriptLines(t: unknown): string[] | undefined {
  if (Array.isArray(t)) return t.map(String);
  const lines = (t as { lines?: TranscriptLine[] } | undefined)?.lines;
  if (!Array.isArray(lines)) return undefined;
  return lines.map((l) => `${l.side}: ${l.text}`);
}

/** Mailpit's `ListUnsubscribe`: the headers and the links in them (not validated further). */
function listUnsubscribe(view: MessageView) {
  const header = (name: string) =>
    view.headers.find((h) => h.name.toLowerCase() === name)?.value ?? "";
  const value = header("list-unsubscribe");
  const links = [...value.matchAll(/<([^>]+)>/g)].map((m) => m[1]);
  return { Header: value, Links: links, Errors: "", HeaderPost: header("list-unsubscribe-post") };
}

/** One message (Mailpit's `Message`) plus mocksmtp's fields. */
export function messageJson(s: StoredMessage, view: MessageView) {
  const transcript = transcriptLines(s.transcript);
  return {
    ID: s.id,
    MessageID: view.messageId,
    From: from(view.from),
    To: addresses(view.to),
    Cc: addresses(view.cc),
    Bcc: addresses(bccOf(view, s.message)),
    ReplyTo: addresses(view.replyTo),
    ReturnPath: view.returnPath,
    Subject: view.subject,
    ListUnsubscribe: listUnsubscribe(view),
    Date: (view.date ?? s.created).toISOString(),
    Created: s.created.toISOString(),
    Tags: [...s.tags],
    Username: s.message.authUser ?? "",
    Text: view.text,
    HTML: view.html,
    Size: s.size,
    Inline: view.inline.map(partJson),
    Attachments: view.attachments.map(partJson),
    ...envelope(s),
    Session: sessionJson(s),
    Links: view.links,
    Codes: view.codes,
    ...(transcript && { Transcript: transcript }),
    ...(s.lint && { Lint: s.lint }),
  };
}
