/**
 * The parsed view of one message: what a test asserts on (subject, addresses, decoded text and
 * HTML, attachments with checksums, links, one-time codes). Parsing is postal-mime's job,
 * imported on first use so that nothing loads it until a view is asked for; this module only
 * adds what postal-mime does not give (Mailpit-style part IDs, checksums, links, codes, snippet)
 * and turns every failure into a best-effort view, because a listing must never break on one
 * malformed message.
 */
import { createHash } from "node:crypto";
import { extractCodes, extractLinks, htmlToText, makeSnippet } from "./extract.ts";
import { parseTree, type PartRecorder } from "./tree.ts";

/** A mailbox as a header names it. */
export interface MimeAddress {
  /** Decoded display name, `""` when none. */
  name: string;
  address: string;
}

/** Digests of a part's decoded content, as Mailpit's `Checksums` (lower-case hex). */
export interface Checksums {
  md5: string;
  sha1: string;
  sha256: string;
}

/** One non-body part: an attachment or an inline resource. */
export interface MimePart {
  /**
   * Where the part sits in the MIME tree, Mailpit's (enmime's) numbering: children of the
   * top-level multipart are `"1"`, `"2"`, …; a child of part `"2"` is `"2.1"`; a message that is
   * one single non-text part is `"0"`. Parts of an inline `message/rfc822` are numbered under
   * that part (`"2.1"`, …) by their order in it.
   */
  partId: string;
  /** Decoded file name, `""` when the part names none. */
  fileName: string;
  /** Lower-case MIME type. */
  contentType: string;
  /** Content-ID without angle brackets, `""` when none. */
  contentId: string;
  /** `"attachment"`, `"inline"`, other token as sent, or `""`. */
  disposition: string;
  /** Decoded size in bytes. */
  size: number;
  checksums: Checksums;
  /** The decoded bytes. */
  content: Uint8Array;
}

/** One header line as sent, unfolded. */
export interface MimeHeader {
  /** The name as spelled in the message. */
  name: string;
  value: string;
}

/** Everything a test or the UI reads from one message. Built by {@link parseMessage}. */
export interface MessageView {
  subject: string;
  from: MimeAddress | null;
  to: MimeAddress[];
  cc: MimeAddress[];
  bcc: MimeAddress[];
  replyTo: MimeAddress[];
  /** Return-Path header value without angle brackets, `""` when none. */
  returnPath: string;
  /** The Date header, `null` when absent or unparseable. */
  date: Date | null;
  /** Message-ID without angle brackets, `""` when none. */
  messageId: string;
  /** In-Reply-To without angle brackets, `""` when none. */
  inReplyTo: string;
  /** Every top-level header in order, duplicates kept. */
  headers: MimeHeader[];
  /** Decoded text body (`""` when none). */
  text: string;
  /** Decoded HTML body (`""` when none). */
  html: string;
  /** Parts with `Content-Disposition: attachment` or no inline role. */
  attachments: MimePart[];
  /** Parts shown inside the HTML (`multipart/related` with a Content-ID, or `inline`). */
  inline: MimePart[];
  /**
   * http/https URLs: HTML `href`s, then URLs written in the text part (in the HTML's text when
   * there is no text part); deduplicated, first kept.
   */
  links: string[];
  /** One-time codes found in the subject and body, see {@link extractCodes}. */
  codes: string[];
  /** Up to 250 characters of the body with white space collapsed, Mailpit's `Snippet`. */
  snippet: string;
  /** Size of the raw message in bytes. */
  size: number;
  /** The message exactly as received: always there, whatever went wrong parsing it. */
  raw: Uint8Array;
  /** What went wrong parsing, one line each; empty for a well-formed message. */
  problems: string[];
}

/** Limits that bound what one parse costs. */
export interface ParseLimits {
  /**
   * Text (subject + body) scanned for links and codes, in characters; the rest is skipped.
   * Default 1 MiB: sign-up mails are small, and a huge body must not make every view slow.
   */
  scanChars?: number;
  /** Header bytes postal-mime accepts across all parts; default 1 MiB. */
  maxHeaderBytes?: number;
}

const DEFAULT_SCAN = 1024 * 1024;
const DEFAULT_HEADERS = 1024 * 1024;
/** Body characters a snippet is made from: plenty for 200 characters after the markup. */
const SNIPPET_SOURCE = 256 * 1024;

/**
 * Parses `raw` into a {@link MessageView}. Never rejects: when postal-mime gives up (a header
 * section past the limit, nesting too deep), the headers alone are tried, and failing that an
 * empty view with the raw bytes and the reason in `problems` is returned.
 */
export async function parseMessage(
  raw: Uint8Array,
  limits: ParseLimits = {},
): Promise<MessageView> {
  const problems: string[] = [];
  const headerLimit = limits.maxHeaderBytes ?? DEFAULT_HEADERS;
  let parsed = await parseTree(raw, headerLimit).catch((e) => {
    problems.push(`unparseable MIME: ${errorText(e)}`);
    return null;
  });
  if (!parsed) {
    // The header section alone (up to the first empty line) usually still parses, so a
    // listing can show subject and addresses of a message whose body is broken.
    const head = headerSection(raw, headerLimit);
    parsed = head ? await parseTree(head, headerLimit).catch(() => null) : null;
  }
  if (!parsed) return emptyView(raw, problems);
  return buildView(raw, parsed.email, parsed.parts, problems, limits.scanChars ?? DEFAULT_SCAN);
}

type Parsed = Awaited<ReturnType<typeof parseTree>>;

function buildView(
  raw: Uint8Array,
  email: Parsed["email"],
  recorded: PartRecorder[],
  problems: string[],
  scanChars: number,
): MessageView {
  const attachments: MimePart[] = [];
  const inline: MimePart[] = [];
  email.attachments.forEach((a, i) => {
    const content = toBytes(a.content);
    const part = withLazyChecksums({
      partId: recorded[i]?.partId ?? String(i + 1),
      fileName: a.filename ?? "",
      contentType: a.mimeType,
      contentId: stripAngles(a.contentId ?? ""),
      disposition: a.disposition ?? "",
      size: content.length,
      content,
    });
    (isInline(a) ? inline : attachments).push(part);
  });
  const text = email.text ?? "";
  const html = email.html ?? "";
  const subject = email.subject ?? "";
  // Markup is verbose: four times the scan limit of HTML leaves about that much text.
  const bodyText = text || (html ? htmlToText(html.slice(0, scanChars * 4)) : "");
  const scanned = (subject + "\n" + bodyText).slice(0, scanChars);
  if (subject.length + 1 + bodyText.length > scanChars) {
    problems.push(`links and codes looked for in the first ${scanChars} characters only`);
  }
  const date = email.date ? new Date(email.date) : null;
  return {
    subject,
    from: firstMailbox(email.from),
    to: mailboxes(email.to),
    cc: mailboxes(email.cc),
    bcc: mailboxes(email.bcc),
    replyTo: mailboxes(email.replyTo),
    returnPath: stripAngles(email.returnPath ?? ""),
    date: date && !Number.isNaN(date.getTime()) ? date : null,
    messageId: stripAngles(email.messageId ?? ""),
    inReplyTo: stripAngles(email.inReplyTo ?? ""),
    headers: email.headers.map((h) => ({ name: h.originalKey, value: h.value })),
    text,
    html,
    attachments,
    inline,
    // Without a text part, URLs written out in the HTML's text count too.
    links: extractLinks(html.slice(0, scanChars), bodyText.slice(0, scanChars)),
    codes: extractCodes(scanned),
    snippet: makeSnippet(text.slice(0, SNIPPET_SOURCE), html.slice(0, SNIPPET_SOURCE)),
    size: raw.length,
    raw,
    problems,
  };
}

function emptyView(raw: Uint8Array, problems: string[]): MessageView {
  return {
    subject: "",
    from: null,
    to: [],
    cc: [],
    bcc: [],
    replyTo: [],
    returnPath: "",
    date: null,
    messageId: "",
    inReplyTo: "",
    headers: [],
    text: "",
    html: "",
    attachments: [],
    inline: [],
    links: [],
    codes: [],
    snippet: "",
    size: raw.length,
    raw,
    problems,
  };
}

// An inline resource is one the HTML shows: postal-mime marks Content-ID parts of a
// multipart/related as `related`; an explicit inline disposition with a Content-ID counts too.
function isInline(a: { related?: boolean; disposition: string | null; contentId?: string }) {
  return a.related === true || (a.disposition === "inline" && !!a.contentId);
}

/** The bytes up to and including the first empty line, or null when there is none in reach. */
function headerSection(raw: Uint8Array, limit: number): Uint8Array | null {
  const end = Math.min(raw.length, limit);
  for (let i = 0; i + 1 < end; i++) {
    if (raw[i] !== 0x0a) continue;
    if (raw[i + 1] === 0x0a) return raw.subarray(0, i + 2);
    if (raw[i + 1] === 0x0d && raw[i + 2] === 0x0a) return raw.subarray(0, i + 3);
  }
  return null;
}

type PostalAddress = {
  name: string;
  address?: string;
  group?: { name: string; address: string }[];
};

function mailboxes(list: PostalAddress[] | undefined): MimeAddress[] {
  const out: MimeAddress[] = [];
  for (const a of list ?? []) {
    if (a.group) { for (const m of a.group) out.push({ name: m.name, address: m.address }); }
    else if (a.address !== undefined) out.push({ name: a.name, address: a.address });
  }
  return out;
}

function firstMailbox(a: PostalAddress | undefined): MimeAddress | null {
  return a ? mailboxes([a])[0] ?? null : null;
}

function stripAngles(s: string): string {
  const t = s.trim();
  return t.startsWith("<") && t.endsWith(">") ? t.slice(1, -1).trim() : t;
}

function toBytes(content: ArrayBuffer | Uint8Array | string): Uint8Array {
  if (typeof content === "string") return new TextEncoder().encode(content);
  return content instanceof Uint8Array ? content : new Uint8Array(content);
}

/** The attachment or inline part with this Mailpit PartID (`/part/{PartID}`), or undefined. */
export function partById(view: MessageView, partId: string): MimePart | undefined {
  return view.attachments.find((p) => p.partId === partId) ??
    view.inline.find((p) => p.partId === partId);
}

/**
 * Digests are computed when first read: the store parses every message on arrival, and
 * hashing a large attachment three times is wasted unless someone asks for it.
 */
function withLazyChecksums(part: Omit<MimePart, "checksums">): MimePart {
  let memo: Checksums | undefined;
  return Object.defineProperty(part, "checksums", {
    enumerable: true,
    get: () => (memo ??= checksums(part.content)),
  }) as MimePart;
}

/** MD5, SHA-1 and SHA-256 of `bytes` (synchronous: node:crypto, on Deno and Bun alike). */
export function checksums(bytes: Uint8Array): Checksums {
  const hex = (alg: string) => createHash(alg).update(bytes).digest("hex");
  return { md5: hex("md5"), sha1: hex("sha1"), sha256: hex("sha256") };
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
