/**
 * Framing: turns the chunks a wire delivers into lines. A line is every byte up to and
 * including LF (a lone CR is data). Memory is bounded by `maxLine`, never by what a client
 * sends: a peer streaming bytes without a newline gets a {@link LineTooLongError} once the
 * buffer passes the cap, and the caller decides how to answer.
 */
import { TimeoutError, type Wire } from "./wire.ts";
import { type Clock, systemClock } from "./clock.ts";

/** The buffered input passed `maxLine` bytes without a line end. */
export class LineTooLongError extends Error {
  constructor(readonly limit: number) {
    super(`line longer than ${limit} bytes`);
    this.name = "LineTooLongError";
  }
}

const LF = 0x0a;
const EMPTY = new Uint8Array(0);

export class LineReader {
  #source: Wire["read"];
  #buf: Uint8Array = EMPTY;
  /** Bytes of #buf already known to hold no LF. */
  #scanned = 0;
  #pending: Promise<Uint8Array | null> | null = null;
  #eof = false;

  constructor(
    source: Wire["read"],
    readonly maxLine: number,
    private readonly clock: Clock = systemClock,
  ) {
    this.#source = source;
  }

  /** Number of bytes read from the wire but not yet returned as lines. */
  get buffered(): number {
    return this.#buf.length;
  }

  /**
   * The next line including its LF; at end of input a final unterminated fragment is returned
   * once, then `null`. `deadline` is an absolute time on the reader's clock.
   */
  async readLine(deadline?: number): Promise<Uint8Array | null> {
    for (;;) {
      const at = this.#buf.indexOf(LF, this.#scanned);
      if (at >= 0) return this.#take(at + 1);
      this.#scanned = this.#buf.length;
      if (this.#buf.length > this.maxLine) throw new LineTooLongError(this.maxLine);
      if (this.#eof) return this.#buf.length ? this.#take(this.#buf.length) : null;
      const chunk = await this.#next(deadline);
      if (chunk === null) this.#eof = true;
      else this.#append(chunk);
    }
  }

  /** Drops what has been read but not consumed (go-smtp-mock does this after a 552). */
  discardBuffered(): void {
    this.#buf = EMPTY;
    this.#scanned = 0;
  }

  /**
   * Switches to a new source (after a TLS handshake). Plaintext that was buffered before the
   * switch is dropped, so nothing injected ahead of the handshake is read as a command.
   */
  replaceSource(source: Wire["read"]): void {
    this.discardBuffered();
    this.#source = source;
    this.#pending = null;
    this.#eof = false;
  }

  #take(end: number): Uint8Array {
    const line = this.#buf.subarray(0, end);
    this.#buf = end === this.#buf.length ? EMPTY : this.#buf.subarray(end);
    this.#scanned = 0;
    return line;
  }

  #append(chunk: Uint8Array): void {
    if (this.#buf.length === 0) {
      this.#buf = chunk;
      return;
    }
    const joined = new Uint8Array(this.#buf.length + chunk.length);
    joined.set(this.#buf);
    joined.set(chunk, this.#buf.length);
    this.#buf = joined;
  }

  /** One chunk, or a TimeoutError; an unfinished read is kept for the next call. */
  #next(deadline?: number): Promise<Uint8Array | null> {
    const read = this.#pending ??= this.#source();
    const settle = (v: Uint8Array | null) => {
      if (this.#pending === read) this.#pending = null;
      return v;
    };
    if (deadline === undefined) return read.then(settle);
    const wait = deadline - this.clock.now();
    if (wait <= 0) return Promise.reject(new TimeoutError());
    return new Promise((resolve, reject) => {
      const timer = this.clock.setTimeout(() => reject(new TimeoutError()), wait);
      read.then(
        (v) => {
          this.clock.clearTimeout(timer);
          resolve(settle(v));
        },
        (e) => {
          this.clock.clearTimeout(timer);
          if (this.#pending === read) this.#pending = null;
          reject(e);
        },
      );
    });
  }
}
