/**
 * A mockmta session's input: lines from the wire with the idle timeout applied to every wait
 * for data (so any data renews it), over-long lines dropped whole, and the source switched
 * after STARTTLS.
 */
import type { Clock } from "../clock.ts";
import type { Conversation } from "../conversation.ts";
import { type BodyStore, type DataEnding, type DataResult, LineTooLongError } from "../framing.ts";
import { TimeoutError, type Wire } from "../wire.ts";

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
  constructor(
    private readonly conv: Conversation,
    private readonly maxLine: number,
    /** Aborted when the server closed the connection: reads then end as `closed`. */
    private readonly closed: AbortSignal,
  ) {}

  /** How a session reads a wire: every wait for data bounded by the idle timeout. */
  static source(clock: Clock, idleMs: number): (wire: Wire) => () => Promise<Uint8Array | null> {
    return (wire) => () => within(clock, idleMs, wire.read());
  }

  /**
   * A DATA body: lines within the line cap, the body within `maxSize`, past either read on
   * to the terminator and dropped; or why the input ended first.
   */
  async data(ending: DataEnding, body: BodyStore, maxSize: number): Promise<DataResult | End> {
    let result: DataResult;
    try {
      result = await this.conv.readData({
        ending,
        body,
        maxSize,
        overflow: "drain",
        maxLine: this.maxLine,
        signal: this.closed,
      });
    } catch (e) {
      return e instanceof TimeoutError ? "timeout" : "closed";
    }
    return result.end === "cut" ? "eof" : result.end === "aborted" ? "closed" : result;
  }

  /**
   * The next line, or why there is none. A line over the cap is dropped through its LF and
   * reported once as `too-long`, also when the input ends inside it (the end is reported by
   * the next read), so the answer is the same however the line arrived.
   */
  async read(): Promise<Read> {
    try {
      const line = await this.conv.readCommand();
      if (this.closed.aborted) return "closed";
      return line ?? "eof";
    } catch (e) {
      if (!(e instanceof LineTooLongError)) return this.#ended(e);
    }
    try {
      // The dropped line is no command for observers.
      await this.conv.reader.dropLine();
    } catch (e) {
      return this.#ended(e);
    }
    return this.closed.aborted ? "closed" : "too-long";
  }

  #ended(e: unknown): End {
    return e instanceof TimeoutError ? "timeout" : "closed";
  }
}
