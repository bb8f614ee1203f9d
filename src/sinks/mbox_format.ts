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

type Formattable = Pick<ReceivedMessage, "from" | "data" | "receivedAt">;

/** Default size of the pieces {@link mboxEntryPieces} yields. */
export const MBOX_PIECE_SIZE = 1024 * 1024;

/**
 * An upper bound of the length of the entry {@link mboxEntryPieces} formats: every line may
 * gain one `>` and the last one an LF, plus the separator line.
 */
export function mboxEntryLengthBound(message: Formattable): number {
  const data = message.data;
  let lines = 1;
  for (let at = data.indexOf(LF); at !== -1; at = data.indexOf(LF, at + 1)) lines++;
  return fromLine(message.from, message.receivedAt).length + 1 + data.length + lines + 2;
}

/**
 * One complete mailbox entry: From_ line, the data with CRLF → LF (a lone CR is kept),
 * mboxrd `>` quoting of every line matching `^>*From `, a final LF if the data lacked one,
 * then one empty separator line. `message.data` is already dot-unstuffed by the session.
 *
 * Yielded in pieces of at most `pieceSize` bytes, so a large message is written without a
 * second full-size copy of it. Every piece is a view of one reused buffer: it is valid until
 * the next one is asked for.
 */
export function* mboxEntryPieces(
  message: Formattable,
  pieceSize = MBOX_PIECE_SIZE,
): Generator<Uint8Array> {
  const head = new TextEncoder().encode(fromLine(message.from, message.receivedAt) + "\n");
  const out = new Uint8Array(
    Math.max(Math.min(pieceSize, mboxEntryLengthBound(message)), head.length),
  );
  out.set(head);
  let n = head.length;
  const data = message.data;
  let start = 0;
  while (start < data.length) {
    const lf = data.indexOf(LF, start);
    const lineEnd = lf === -1 ? data.length : lf;
    // Only a CR immediately before the LF is a line-ending CR; any other CR is content.
    const contentEnd = lf !== -1 && lineEnd > start && data[lineEnd - 1] === CR
      ? lineEnd - 1
      : lineEnd;
    const quote = needsQuote(data, start, contentEnd);
    // The line's output: at most one '>', its content, one LF.
    const need = contentEnd - start + 2;
    if (n + need > out.length && n > 0) {
      yield out.subarray(0, n);
      n = 0;
    }
    if (need > out.length) {
      // Longer than a piece: its content goes out as a view of the data itself.
      if (quote) yield new Uint8Array([GT]);
      yield data.subarray(start, contentEnd);
    } else {
      if (quote) out[n++] = GT;
      out.set(data.subarray(start, contentEnd), n);
      n += contentEnd - start;
    }
    out[n++] = LF;
    start = lineEnd + 1;
  }
  if (n === out.length) {
    yield out.subarray(0, n);
    n = 0;
  }
  out[n++] = LF;
  yield out.subarray(0, n);
}

/** The whole entry of {@link mboxEntryPieces} in one buffer. */
export function formatMboxMessage(message: Formattable): Uint8Array {
  // Pieces as large as the whole entry: always exactly one.
  const [entry] = mboxEntryPieces(message, Infinity);
  return entry;
}
