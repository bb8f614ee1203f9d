/**
 * A message's own findings, from its bytes and envelope: line endings, 8-bit, SIZE, format
 * and MIME. Work per message is capped: the checks read at most `maxScan` bytes.
 */
import type { EsmtpParams } from "../smtp/params.ts";
import type { Finding } from "./finding.ts";
import { finding } from "./catalogue.ts";
import { dataLineEndings } from "./line_endings.ts";
import { eightBitFindings } from "./eightbit.ts";
import { scanHeaders } from "./headers.ts";
import { headerFindings, longLine } from "./format.ts";
import { mimeFindings } from "./mime.ts";
import { scanBytes } from "./scan.ts";

/** What the message checks read: the bytes as received and the MAIL parameters. */
export interface MessageInput {
  readonly data: Uint8Array;
  /** Octets of the whole message when `data` holds only its start (default its length). */
  readonly size?: number;
  readonly mailParams?: EsmtpParams;
}

/** How much to read. */
export interface MessageContext {
  readonly maxScan: number;
}

/** The findings of one message, in family order. */
export function messageFindings(m: MessageInput, ctx: MessageContext): Finding[] {
  // Past the cap, whole lines only: a line cut in two is neither long nor ends in a bare CR.
  const truncated = m.data.length > ctx.maxScan;
  const data = truncated
    ? m.data.subarray(0, m.data.lastIndexOf(0x0a, ctx.maxScan - 1) + 1)
    : m.data;
  const scan = scanBytes(data);
  const ascii = scan.eightBit < 0;
  const headers = scanHeaders(data, 0, data.length, 1, undefined, ascii);
  // Clean data has no line-ending or 8-bit finding: their lists are not made.
  const bare = scan.bareLf >= 0 || scan.bareCr >= 0;
  const out = bare ? dataLineEndings(data, scan) : [];
  if (!ascii) append(out, eightBitFindings(data, m.mailParams, headers.eightBitAt, scan.eightBit));
  const size = sizeMismatch(m.size ?? m.data.length, m.mailParams);
  if (size) out.push(size);
  const long = longLine(data, scan);
  if (long) out.push(long);
  headerFindings(data, headers, out);
  mimeFindings(data, headers, truncated, ascii, out);
  return out;
}

/** Adds `more` to `out` (no spread: most lists are empty). */
function append(out: Finding[], more: readonly Finding[]): void {
  for (let i = 0; i < more.length; i++) out.push(more[i]);
}

/** `size-mismatch`: more octets sent than MAIL FROM's SIZE= announced (RFC 1870 §3). */
function sizeMismatch(sent: number, params: EsmtpParams | undefined): Finding | null {
  const size = params?.SIZE;
  if (typeof size !== "string" || !/^\d+$/.test(size)) return null;
  const announced = Number(size);
  if (sent <= announced) return null;
  return finding("size-mismatch", `SIZE=${size} announced, ${sent} octets sent`);
}
