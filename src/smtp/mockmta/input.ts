/**
 * A mockmta session's input: lines from the wire with the idle timeout applied to every wait
 * for data (so any data renews it), over-long lines dropped whole, and the source switched
 * after STARTTLS.
 */
import type { Clock } from "../clock.ts";
import { LineReader, LineTooLongError } from "../framing.ts";
import { TimeoutError, type Wire } from "../wire.ts";
import type { LineEnding } from "./data.ts";

const CR = 0x0d;

/** Why there is no more input. */
export type End = "eof" | "timeout" | "closed";

/** A line (with its line end), or why there is none. `too-long`: a line was dropped. */
export type Read = Uint8Array | "too-long" | End;

/** Runs `work`, rejecting with a TimeoutError (and calling `onTimeout`) after `ms` (0: never). */
export function within<T>(
  clock: Clock,
  ms: number,
  work: Promise<T>,
  onTimeout?: (late: Promise<T>) => void,
): Promise<T> {
  if (ms <= 0) return work;
  return new Promise((resolve, reject) => {
    const timer = clock.setTimeout(() => {
      reject(new TimeoutError());
      onTimeout?.(work);
    }, ms);
    work.then(
      (v) => {
        clock.clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clock.clearTimeout(timer);
        reject(e);
      },
    );
  });
}

export class SessionInput {
  readonly #reader: LineReader;
  /** The last byte of the latest chunk from the wire: where a dropped buffer ended. */
  #lastByte = -1;
  #droppedEnding: LineEnding | null = null;

  constructor(
    wire: Wire,
    private readonly maxLine: number,
    private readonly idleMs: number,
    private readonly clock: Clock,
    /** Aborted when the server closed the connection: reads then end as `closed`. */
    private readonly closed: AbortSignal,
  ) {
    this.#reader = new LineReader(this.#source(wire), maxLine, clock);
  }

  /** Reads from `wire` from now on; buffered plaintext is dropped (RFC 3207 §5). */
  switchTo(wire: Wire): void {
    this.#reader.replaceSource(this.#source(wire));
  }

  #source(wire: Wire): () => Promise<Uint8Array | null> {
    return () =>
      within(this.clock, this.idleMs, wire.read()).then((chunk) => {
        if (chunk?.length) this.#lastByte = chunk[chunk.length - 1];
        return chunk;
      });
  }

  /**
   * How the last line reported as `too-long` ended (null: at end of input). The DATA reader
   * needs it to know whether the next line starts an SMTP line (see `data.ts`).
   */
  get droppedEnding(): LineEnding | null {
    return this.#droppedEnding;
  }

  /** The next line, or why there is none. */
  async read(): Promise<Read> {
    let got: Uint8Array | "too-long" = "too-long";
    const end = await this.#pump((line) => {
      got = line;
      return true;
    });
    return end === "taken" ? got : end;
  }

  /**
   * Hands every line to `take` until it returns true (DATA: the terminator); resolves with
   * `taken`, or why the input ended first. One loop for a whole message, not one call per
   * line: every line less of promises and frames is less garbage, which Bun frees late.
   */
  readLines(take: (line: Uint8Array | "too-long") => boolean): Promise<"taken" | End> {
    return this.#pump(take);
  }

  async #pump(take: (line: Uint8Array | "too-long") => boolean): Promise<"taken" | End> {
    let tooLong = false;
    // The byte before the tail of a dropped line: the reader throws right after appending a
    // chunk, so the buffer it drops ends with that chunk's last byte.
    let beforeTail = -1;
    for (;;) {
      let line: Uint8Array | null;
      try {
        line = await this.#reader.readLine();
      } catch (e) {
        if (e instanceof LineTooLongError) {
          // Drop what we have and keep reading: the line's tail up to its LF goes too.
          beforeTail = this.#lastByte;
          this.#reader.discardBuffered();
          tooLong = true;
          continue;
        }
        return e instanceof TimeoutError ? "timeout" : "closed";
      }
      if (this.closed.aborted) return "closed";
      if (line === null) return "eof";
      // The reader only notices a long line while no LF has come; check it either way.
      if (!tooLong && line.length <= this.maxLine) {
        if (take(line)) return "taken";
        continue;
      }
      const n = line.length;
      const cr = n >= 2 ? line[n - 2] === CR : tooLong && beforeTail === CR;
      this.#droppedEnding = line[n - 1] !== 0x0a ? null : cr ? "crlf" : "lf";
      tooLong = false;
      if (take("too-long")) return "taken";
    }
  }
}
