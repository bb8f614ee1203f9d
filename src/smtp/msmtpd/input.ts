/**
 * msmtpd's two ways of reading (spec msmtpd.md §4, §7), straight from the wire: command lines
 * of at most 1023 bytes including the line end (a longer one ends the session without a reply),
 * and the mail after DATA, read as it streams by, in bounded memory apart from the mail itself,
 * which is capped.
 *
 * The end of the mail is stricter than msmtpd's "any line that is just `.`", which lets a mail
 * hide SMTP commands behind a fake ending (SMTP smuggling): `CRLF . CRLF` always ends it, and
 * `LF . LF` only in a session whose command lines all ended in bare LF. Every other `.` line
 * (`\n.\r\n`, `\r\n.\n`, `\n.\n` after CRLF commands) is mail content, dot kept. docs/msmtpd.md
 * "The end of a mail" has the reasoning.
 */
import type { Wire } from "../wire.ts";
import { concatBytes, latin1 } from "./text.ts";

/** msmtpd's 1024-byte command buffer holds 1023 bytes and the terminating NUL. */
export const MAX_COMMAND_LINE = 1023;

/** The default cap on a mail (bytes after dot-unstuffing, without the Received header). */
export const DEFAULT_MAX_MAIL_SIZE = 64 * 1024 * 1024;

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const EMPTY = new Uint8Array(0);

/** What {@link MsmtpdInput.mail} read. */
export type MailResult =
  /**
   * The mail up to its final `.`, dot-unstuffed, line ends as sent. `release()` gives its memory
   * back at once (`data` is then empty), for when nobody keeps it: an idle Deno runs no garbage
   * collection for a long time.
   */
  | { kind: "mail"; data: Uint8Array; release(): void }
  /** The input ended (or failed) before the final `.`. */
  | { kind: "cut" }
  /** The mail passed the cap; it was read up to its final `.` and thrown away. */
  | { kind: "tooLarge" };

const CUT: MailResult = { kind: "cut" };

/** The input ended before the mail did: what was read of it goes at once. */
function cut(body: MailBuffer): MailResult {
  body.clear();
  return CUT;
}
const TOO_LARGE: MailResult = { kind: "tooLarge" };

/** The reading side of one msmtpd session. */
export class MsmtpdInput {
  readonly #wire: Wire;
  /** The chunk being read and the position of the next unread byte in it. */
  #chunk: Uint8Array = EMPTY;
  #pos = 0;
  /** The stream byte before `#chunk[0]` (-1 at the start), for a CR split from its LF. */
  #byteBefore = -1;
  #eof = false;
  /** True while every command line of the session ended in a bare LF. */
  #bareLfSession = true;
  /** Whether the last command line ended in CRLF: the line end before the mail's first line. */
  #lastCommandCrlf = false;

  constructor(wire: Wire) {
    this.#wire = wire;
  }

  /**
   * The next command without its line end (LF, or CRLF: one CR before the LF is dropped), as
   * one char per byte; `null` for end of input, a read error, an unterminated last line or a
   * line longer than {@link MAX_COMMAND_LINE} (cut off as soon as it is, so a client streaming
   * bytes without a line end holds at most that much).
   */
  async command(): Promise<string | null> {
    const pieces: Uint8Array[] = [];
    let length = 0;
    for (;;) {
      if (!await this.#fill()) return null;
      const c = this.#chunk;
      const lf = c.indexOf(LF, this.#pos);
      const end = lf < 0 ? c.length : lf + 1;
      length += end - this.#pos;
      if (length > MAX_COMMAND_LINE) return null;
      pieces.push(c.subarray(this.#pos, end));
      this.#pos = end;
      if (lf >= 0) break;
    }
    const line = pieces.length === 1 ? pieces[0] : concatBytes(pieces, length);
    const crlf = line.length >= 2 && line[line.length - 2] === CR;
    this.#lastCommandCrlf = crlf;
    if (crlf) this.#bareLfSession = false;
    return latin1(line.subarray(0, line.length - (crlf ? 2 : 1)));
  }

  /**
   * The mail after `354`, up to its final `.` line (see the module comment for which `.` line
   * that is). Each other line starting with `.` loses that dot, unless it is a `.` line that
   * would have ended the mail for msmtpd; dots inside a line are never touched. Past `maxSize`
   * bytes (at most {@link LARGEST_MAIL}) the rest is read and dropped, so memory stays at the
   * cap whatever the client sends.
   */
  async mail(maxSize = DEFAULT_MAX_MAIL_SIZE): Promise<MailResult> {
    const bareLf = this.#bareLfSession;
    const limit = Math.min(maxSize, LARGEST_MAIL);
    const body = new MailBuffer(limit);
    let tooLarge = false;
    /** How the line before the current one ended; the first line follows the DATA command. */
    let afterCrlf = this.#lastCommandCrlf;
    let atLineStart = true;
    for (;;) {
      if (!await this.#fill()) return cut(body);
      if (atLineStart && this.#chunk[this.#pos] === DOT) {
        // A dot line may start at the end of a chunk. Never ask for a byte the decision does
        // not need: a client that sent `.` LF waits for the reply.
        if (!await this.#have(2)) return cut(body);
        const dotLf = this.#chunk[this.#pos + 1] === LF;
        if (this.#chunk[this.#pos + 1] === CR && !await this.#have(3)) return cut(body);
        const dotCrlf = !dotLf && this.#chunk[this.#pos + 1] === CR &&
          this.#chunk[this.#pos + 2] === LF;
        if ((dotCrlf && afterCrlf) || (dotLf && bareLf && !afterCrlf)) {
          this.#pos += dotLf ? 2 : 3;
          if (tooLarge) return TOO_LARGE;
          return { kind: "mail", data: body.bytes(), release: () => body.clear() };
        }
        // A stuffed dot goes; the dot of a fake ending stays, so the mail keeps what was sent.
        if (!dotLf && !dotCrlf) this.#pos++;
      }
      // Copy up to the next line that starts with a dot (or the end of the chunk) in one go.
      const c = this.#chunk;
      const start = this.#pos;
      let end = c.length;
      atLineStart = false;
      for (let at = start; (at = c.indexOf(LF, at) + 1) > 0;) {
        if (at === c.length || c[at] === DOT) {
          end = at;
          atLineStart = true;
          afterCrlf = (at >= 2 ? c[at - 2] : this.#byteBefore) === CR;
          break;
        }
      }
      this.#pos = end;
      if (tooLarge) continue;
      if (body.length + (end - start) > limit) {
        tooLarge = true;
        body.clear();
      } else body.push(c.subarray(start, end));
    }
  }

  /** Makes sure an unread byte is at `#pos`; `false` at end of input or after a read error. */
  async #fill(): Promise<boolean> {
    while (this.#pos >= this.#chunk.length) {
      const next = await this.#next();
      if (next === null) return false;
      if (this.#chunk.length > 0) this.#byteBefore = this.#chunk[this.#chunk.length - 1];
      this.#chunk = next;
      this.#pos = 0;
    }
    return true;
  }

  /**
   * Makes sure `n` unread bytes are in `#chunk` (joining the few left with the next chunk);
   * `false` when the input ends first.
   */
  async #have(n: number): Promise<boolean> {
    while (this.#chunk.length - this.#pos < n) {
      const next = await this.#next();
      if (next === null) return false;
      if (this.#pos > 0) this.#byteBefore = this.#chunk[this.#pos - 1];
      this.#chunk = concatBytes([this.#chunk.subarray(this.#pos), next]);
      this.#pos = 0;
    }
    return true;
  }

  /** The next chunk; `null` from the end of input or a read error on. */
  async #next(): Promise<Uint8Array | null> {
    if (this.#eof) return null;
    let next: Uint8Array | null;
    try {
      next = await this.#wire.read();
    } catch {
      next = null;
    }
    if (next === null) this.#eof = true;
    return next;
  }
}

/** The most one mail can hold even without a cap (`0`/`Infinity`): what one array may hold. */
export const LARGEST_MAIL = 2 ** 32;

/** Up to this size a mail grows in a plain array; beyond it, in a resizable ArrayBuffer. */
const SMALL_MAIL = 1024 * 1024;
/** The smallest address-space reservation for a big mail. */
const RESERVATION = 64 * 1024 * 1024;

/**
 * A mail being received. A big one goes into a resizable ArrayBuffer: the runtime reserves
 * address space and commits pages only as the mail grows (Deno and Bun alike), so holding it
 * costs its size once and handing it on no copy (a block list, or a doubling array, would need
 * the size once more). But a reservation is held until the buffer is collected, and their sum
 * is limited (Deno and Bun both fail near 1.7–1.9 TiB: about 28,000 buffers of 64 MiB), so a small
 * mail — nearly all of them, and the library may keep thousands — grows in a plain array and
 * is handed on as an exact copy, and a big one reserves 64 MiB or 4 × its size, whichever is
 * more, up to the cap (past 64 MiB, possible only with a larger cap, growing copies it once per
 * step).
 */
class MailBuffer {
  /** The resizable buffer, once the mail passed {@link SMALL_MAIL}. */
  #buffer: ArrayBuffer | null = null;
  /** Where bytes go: the plain array, or a view that tracks the resizable buffer's length. */
  #bytes: Uint8Array = EMPTY;
  length = 0;

  constructor(private readonly capacity: number) {}

  /** Appends `bytes`; the caller keeps the total within the capacity. */
  push(bytes: Uint8Array): void {
    const length = this.length + bytes.length;
    if (length > this.#bytes.length) this.#grow(length);
    this.#bytes.set(bytes, this.length);
    this.length = length;
  }

  /** Growing in doubling steps keeps copies and resizes few; untouched pages cost no memory. */
  #grow(length: number): void {
    const size = Math.min(this.capacity, Math.max(length, 2 * this.#bytes.length, 4096));
    if (this.#buffer && size <= this.#buffer.maxByteLength) {
      this.#buffer.resize(size);
    } else if (!this.#buffer && size <= SMALL_MAIL) {
      const grown = new Uint8Array(size);
      grown.set(this.#bytes.subarray(0, this.length));
      this.#bytes = grown;
    } else {
      const reserve = Math.min(this.capacity, Math.max(RESERVATION, 4 * size));
      const buffer = new ArrayBuffer(size, { maxByteLength: reserve });
      const view = new Uint8Array(buffer);
      view.set(this.#bytes.subarray(0, this.length));
      this.#buffer?.resize(0);
      this.#buffer = buffer;
      this.#bytes = view;
    }
  }

  /** The mail: a view of the resizable buffer, or a copy of the exact size of a small one. */
  bytes(): Uint8Array {
    if (this.#buffer) return new Uint8Array(this.#buffer, 0, this.length);
    return this.#bytes.slice(0, this.length);
  }

  /** Gives the memory back (Deno returns a big mail's pages at once; Bun at its next GC). */
  clear(): void {
    this.#buffer?.resize(0);
    this.#buffer = null;
    this.#bytes = EMPTY;
    this.length = 0;
  }
}
