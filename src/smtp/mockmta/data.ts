/**
 * The DATA body collector (spec §3.6, §5.2): ends at a line holding a single `.`, removes one
 * leading dot from every other line (RFC 5321 §4.5.2), keeps line endings as sent. Memory is
 * bounded by `maxSize`: past it, or after an over-long line, the rest is only counted until the
 * terminator so the session stays in step with the client.
 */
const DOT = 0x2e;
const CR = 0x0d;
const LF = 0x0a;

/** True for `.` CRLF and `.` LF. */
export function isEndOfData(line: Uint8Array): boolean {
  return line[0] === DOT &&
    ((line.length === 2 && line[1] === LF) ||
      (line.length === 3 && line[1] === CR && line[2] === LF));
}

/** Why a finished body cannot be delivered. */
export type BodyProblem = "line-too-long" | "too-big";

export class MessageCollector {
  #parts: Uint8Array[] = [];
  #size = 0;
  #problem: BodyProblem | null = null;

  constructor(private readonly maxSize: number) {}

  /** Adds one line (with its line ending); returns true when it was the terminator. */
  push(line: Uint8Array): boolean {
    if (isEndOfData(line)) return true;
    if (this.#problem) return false;
    const content = line[0] === DOT ? line.subarray(1) : line;
    if (this.#size + content.length > this.maxSize) {
      this.#fail("too-big");
      return false;
    }
    this.#parts.push(content);
    this.#size += content.length;
    return false;
  }

  /** A line longer than the reader's cap went by (its bytes were dropped). */
  lineTooLong(): void {
    this.#fail("line-too-long");
  }

  /** What prevents delivery, if anything. */
  get problem(): BodyProblem | null {
    return this.#problem;
  }

  /** The unstuffed body. */
  bytes(): Uint8Array {
    if (this.#parts.length === 1) return this.#parts[0];
    const out = new Uint8Array(this.#size);
    let at = 0;
    for (const part of this.#parts) {
      out.set(part, at);
      at += part.length;
    }
    return out;
  }

  #fail(problem: BodyProblem): void {
    this.#problem ??= problem;
    this.#parts = [];
    this.#size = 0;
  }
}
