/**
 * msmtpd's two ways of reading (spec msmtpd.md §4, §7) over the shared {@link LineReader}:
 * commands of at most 1023 bytes including the line end (a longer one ends the session without
 * a reply), and DATA lines of any length.
 */
import { LineReader } from "../framing.ts";
import type { Wire } from "../wire.ts";
import { latin1 } from "./text.ts";

/** msmtpd's 1024-byte command buffer holds 1023 bytes and the terminating NUL. */
export const MAX_COMMAND_LINE = 1023;

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;

/** Raised through the reader when a command line cannot fit. */
class CommandTooLong extends Error {}

/** The reading side of one msmtpd session. */
export class MsmtpdInput {
  readonly #reader: LineReader;
  #commandMode = true;

  constructor(wire: Wire) {
    // The cap is applied when the reader asks for more bytes: it only does so while no LF is
    // buffered, so `buffered` is then the length of the unfinished line. A client streaming a
    // command without LF is cut off at 1023 bytes; DATA lines are not limited.
    this.#reader = new LineReader(() => {
      if (this.#commandMode && this.#reader.buffered >= MAX_COMMAND_LINE) {
        return Promise.reject(new CommandTooLong());
      }
      return wire.read();
    }, Infinity);
  }

  /**
   * The next command without its line end (LF, or CRLF: one CR before the LF is dropped), as
   * one char per byte; `null` for end of input, a read error, an unterminated last line or a
   * line longer than {@link MAX_COMMAND_LINE}.
   */
  async command(): Promise<string | null> {
    this.#commandMode = true;
    const line = await this.#line();
    if (line === null || line.length > MAX_COMMAND_LINE) return null;
    return latin1(line.subarray(0, contentEnd(line)));
  }

  /**
   * One DATA line including its line end as sent; `null` when the input ends before a complete
   * line arrived.
   */
  dataLine(): Promise<Uint8Array | null> {
    this.#commandMode = false;
    return this.#line();
  }

  /**
   * The DATA lines up to the lone `.` (`.` + LF or CRLF), each leading dot removed, line ends as
   * sent; `null` when the input ends first. Dots inside a line are never touched.
   */
  async mailBody(): Promise<Uint8Array | null> {
    const parts: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const line = await this.dataLine();
      if (line === null) return null;
      const dot = line[0] === DOT;
      if (dot && contentEnd(line) === 1) break;
      const part = dot ? line.subarray(1) : line;
      parts.push(part);
      size += part.length;
    }
    const body = new Uint8Array(size);
    let at = 0;
    for (const p of parts) {
      body.set(p, at);
      at += p.length;
    }
    return body;
  }

  async #line(): Promise<Uint8Array | null> {
    let line: Uint8Array | null;
    try {
      line = await this.#reader.readLine();
    } catch {
      return null;
    }
    return line !== null && line[line.length - 1] === LF ? line : null;
  }
}

/** Length of a complete line without its LF and the one CR directly before it. */
export function contentEnd(line: Uint8Array): number {
  let end = line.length - 1;
  if (end > 0 && line[end - 1] === CR) end--;
  return end;
}
