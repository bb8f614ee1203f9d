/**
 * Pure conversion of an accepted message into the bytes of one mboxrd entry (mockmta spec §5.2).
 * No I/O here, so the exact format is tested without files.
 */
import type { ReceivedMessage } from "../smtp/message.ts";

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

const LF = 0x0a;
const CR = 0x0d;
const GT = 0x3e;
const FROM_SPACE = [0x46, 0x72, 0x6f, 0x6d, 0x20]; // "From "

/** `Www Mmm dd hh:mm:ss yyyy` in UTC, day padded with a space, as C's `asctime` prints it. */
export function ctimeUtc(date: Date): string {
  const day = String(date.getUTCDate()).padStart(2, " ");
  const time = [date.getUTCHours(), date.getUTCMinutes(), date.getUTCSeconds()]
    .map((n) => String(n).padStart(2, "0")).join(":");
  const weekday = DAYS[date.getUTCDay()];
  return `${weekday} ${MONTHS[date.getUTCMonth()]} ${day} ${time} ${date.getUTCFullYear()}`;
}

/**
 * The From_ line (without its LF): `From SENDER DATE`; the null sender `<>` becomes
 * `MAILER-DAEMON`. Every character of SENDER outside printable ASCII becomes `?`: readers take
 * the From_ line as ASCII (Python's `mailbox` fails on any other byte), and an 8-bit byte the
 * session could not decode would otherwise be written as U+FFFD.
 */
export function fromLine(sender: string, date: Date): string {
  const printable = sender.replace(/[^\x20-\x7e]/gu, "?");
  return `From ${sender === "" ? "MAILER-DAEMON" : printable} ${ctimeUtc(date)}`;
}

/** True when the line starting at `start` matches `^>*From ` (mboxrd quoting rule). */
function needsQuote(data: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end && data[i] === GT) i++;
  if (end - i < FROM_SPACE.length) return false;
  for (let k = 0; k < FROM_SPACE.length; k++) {
    if (data[i + k] !== FROM_SPACE[k]) return false;
  }
  return true;
}

/**
 * One complete mailbox entry: From_ line, the data with CRLF → LF (a lone CR is kept),
 * mboxrd `>` quoting of every line matching `^>*From `, a final LF if the data lacked one,
 * then one empty separator line. `message.data` is already dot-unstuffed by the session.
 */
export function formatMboxMessage(
  message: Pick<ReceivedMessage, "from" | "data" | "receivedAt">,
): Uint8Array {
  const head = new TextEncoder().encode(fromLine(message.from, message.receivedAt) + "\n");
  const data = message.data;
  let lines = 1;
  for (let i = 0; i < data.length; i++) if (data[i] === LF) lines++;
  // Upper bound: every line may gain one '>' and the last one an LF; plus the separator.
  const out = new Uint8Array(head.length + data.length + lines + 2);
  out.set(head, 0);
  let n = head.length;
  let start = 0;
  while (start < data.length) {
    const lf = data.indexOf(LF, start);
    const lineEnd = lf === -1 ? data.length : lf;
    // Only a CR immediately before the LF is a line-ending CR; any other CR is content.
    const contentEnd = lf !== -1 && lineEnd > start && data[lineEnd - 1] === CR
      ? lineEnd - 1
      : lineEnd;
    if (needsQuote(data, start, contentEnd)) out[n++] = GT;
    out.set(data.subarray(start, contentEnd), n);
    n += contentEnd - start;
    out[n++] = LF;
    start = lineEnd + 1;
  }
  out[n++] = LF;
  return out.subarray(0, n);
}
