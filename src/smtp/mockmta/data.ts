/**
 * The DATA body collector (spec §3.6, §5.2): ends at a line holding a single `.`, removes one
 * leading dot from every other line (RFC 5321 §4.5.2), keeps line endings as sent. Memory is
 * bounded by `maxSize`: past it, or after an over-long line, the rest is only counted until the
 * terminator so the session stays in step with the client.
 *
 * Memory (issue 14.7): lines are copied into one buffer, not kept as views (a view per line
 * cost more heap than the line itself and kept every read chunk alive). The buffer is 8 KiB,
 * then 1 MiB, then `maxSize` at once: a fresh buffer costs memory only for the pages written
 * to, whereas doubling would leave every earlier size behind as garbage, which Bun frees
 * late, and blocks would need a full copy at the end. A body stays within one `maxSize` of
 * memory while it arrives, and within the same bound when it is handed over.
 *
 * Lines are split at every LF, but only the session's own line ending starts a new SMTP line
 * (SMTP smuggling, issue 14.3): in a session whose commands used CRLF, a line begins after
 * CRLF only, so `\n.\n`, `\n.\r\n` and `\r\n.\n` are content, never the end of the message, and a
 * dot after a bare LF is not un-stuffed. A session that has used bare LF for every command so
 * far (the mailutils testsuite style) has bare LF as its line ending, and `\n.\n` ends its data.
 */
const DOT = 0x2e;
const CR = 0x0d;
const LF = 0x0a;

/** The line ending a session uses: CRLF once any command ended in it, else bare LF. */
export type LineEnding = "crlf" | "lf";

/** True when `line` ends in exactly `ending` (for `lf`: an LF without a CR before it). */
export function endsWith(line: Uint8Array, ending: LineEnding): boolean {
  const n = line.length;
  if (n === 0 || line[n - 1] !== LF) return false;
  const cr = n >= 2 && line[n - 2] === CR;
  return ending === "crlf" ? cr : !cr;
}

/** True for `.` followed by exactly the session's line ending. */
export function isEndOfData(line: Uint8Array, ending: LineEnding): boolean {
  return line[0] === DOT && line.length === (ending === "crlf" ? 3 : 2) && endsWith(line, ending);
}

/** Why a finished body cannot be delivered. */
export type BodyProblem = "line-too-long" | "too-big";

/** The first buffer: most messages fit in it. */
const SMALL = 8 * 1024;
/** The second one; a body larger than this gets a buffer of the full size limit. */
const MEDIUM = 1024 * 1024;
const EMPTY = new Uint8Array(0);

export class MessageCollector {
  #buf: Uint8Array = EMPTY;
  #size = 0;
  #problem: BodyProblem | null = null;
  /** The previous line ended in the session's line ending (DATA's own line did). */
  #atLineStart = true;

  constructor(private readonly maxSize: number, private readonly ending: LineEnding = "crlf") {}

  /** Adds one line (with its line ending); returns true when it was the terminator. */
  push(line: Uint8Array): boolean {
    const atLineStart = this.#atLineStart;
    this.#atLineStart = endsWith(line, this.ending);
    if (atLineStart && isEndOfData(line, this.ending)) return true;
    if (this.#problem) return false;
    const content = atLineStart && line[0] === DOT ? line.subarray(1) : line;
    const size = this.#size + content.length;
    if (size > this.maxSize) {
      this.#fail("too-big");
      return false;
    }
    if (size > this.#buf.length) this.#grow(size);
    this.#buf.set(content, this.#size);
    this.#size = size;
    return false;
  }

  #grow(needed: number): void {
    const capacity = needed <= SMALL ? SMALL : needed <= MEDIUM ? MEDIUM : this.maxSize;
    const grown = new Uint8Array(Math.min(capacity, this.maxSize));
    grown.set(this.#buf.subarray(0, this.#size));
    this.#buf = grown;
  }

  /** A line longer than the reader's cap went by (its bytes were dropped); it ended `ending`. */
  lineTooLong(ending: LineEnding | null): void {
    this.#atLineStart = ending === this.ending;
    this.#fail("line-too-long");
  }

  /** What prevents delivery, if anything. */
  get problem(): BodyProblem | null {
    return this.#problem;
  }

  /**
   * The unstuffed body. Copied to its exact size unless it fills more than half its buffer:
   * a kept message then never holds more than twice its size (and runtimes that count a
   * buffer's full size toward collecting garbage see no large ones), and the copy never
   * takes the total past one buffer.
   */
  bytes(): Uint8Array {
    return this.#size <= this.#buf.length / 2 || this.#size <= SMALL
      ? this.#buf.slice(0, this.#size)
      : this.#buf.subarray(0, this.#size);
  }

  #fail(problem: BodyProblem): void {
    this.#problem ??= problem;
    this.#buf = EMPTY;
    this.#size = 0;
  }
}
