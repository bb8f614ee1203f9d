/**
 * Framing: turns the chunks a wire delivers into lines. A line is every byte up to and
 * including LF (a lone CR is data). Memory is bounded by a cap, never by what a client sends:
 * for command lines a peer streaming bytes without a newline gets a {@link LineTooLongError}
 * once the buffer passes `maxLine`, and the caller decides how to answer; a body line read
 * with {@link LineReader.readLineWithin} that passes its cap is consumed and dropped instead,
 * so a dialect can answer it where its original would (after the line's end).
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

/**
 * What {@link LineReader.readLineWithin} returns for a line longer than its cap: the line was
 * read through its LF and its bytes were not kept.
 */
export const LINE_DROPPED: unique symbol = Symbol("line dropped");

/** A read waiting on a deadline. */
interface Waiter {
  readonly deadline: number;
  expire(): void;
}

/**
 * One timer per clock for every read that waits with a deadline. A timer armed and cleared per
 * read cost more than the read itself on Deno and doubled what survives each young-generation
 * GC, which makes V8 grow it (docs/benchmarks.md). Deadlines are far away and reads nearly
 * always win, so the timer stays armed for the earliest deadline and is moved only when an
 * earlier one arrives; it is cleared as soon as no read waits, so it never keeps a process
 * alive.
 */
class DeadlineQueue {
  readonly #waiters = new Set<Waiter>();
  #timer: unknown = null;
  /** When the armed timer fires; Infinity when none is armed. */
  #armedFor = Infinity;

  constructor(private readonly clock: Clock) {}

  add(w: Waiter): void {
    this.#waiters.add(w);
    if (w.deadline < this.#armedFor) this.#arm(w.deadline);
  }

  delete(w: Waiter): void {
    if (!this.#waiters.delete(w) || this.#waiters.size > 0) return;
    this.clock.clearTimeout(this.#timer);
    this.#timer = null;
    this.#armedFor = Infinity;
  }

  #arm(at: number): void {
    if (this.#timer !== null) this.clock.clearTimeout(this.#timer);
    this.#armedFor = at;
    this.#timer = this.clock.setTimeout(() => this.#fire(), at - this.clock.now());
  }

  #fire(): void {
    // The timer was armed for #armedFor: whoever's deadline that was has expired, even if
    // the clock reads a hair earlier.
    const now = Math.max(this.clock.now(), this.#armedFor);
    this.#timer = null;
    this.#armedFor = Infinity;
    let next = Infinity;
    for (const w of this.#waiters) {
      if (w.deadline <= now) {
        this.#waiters.delete(w);
        w.expire();
      } else if (w.deadline < next) next = w.deadline;
    }
    if (next < Infinity) this.#arm(next);
  }
}

const queues = new WeakMap<Clock, DeadlineQueue>();

function deadlineQueue(clock: Clock): DeadlineQueue {
  let q = queues.get(clock);
  if (!q) queues.set(clock, q = new DeadlineQueue(clock));
  return q;
}

export class LineReader {
  #source: Wire["read"];
  /** Holds the unconsumed input from #start on (consumed lines are not cut off: one view less). */
  #buf: Uint8Array = EMPTY;
  #start = 0;
  /** Storage #buf grows into while a line spans chunks (see #append). */
  #store: Uint8Array = EMPTY;
  /** Index in #buf up to which the input is known to hold no LF. */
  #scanned = 0;
  #pending: Promise<Uint8Array | null> | null = null;
  #eof = false;
  readonly #deadlines: DeadlineQueue;

  constructor(
    source: Wire["read"],
    readonly maxLine: number,
    private readonly clock: Clock = systemClock,
  ) {
    this.#source = source;
    this.#deadlines = deadlineQueue(clock);
  }

  /** Number of bytes read from the wire but not yet returned as lines. */
  get buffered(): number {
    return this.#buf.length - this.#start;
  }

  /**
   * The next line including its LF; at end of input a final unterminated fragment is returned
   * once, then `null`. `deadline` is an absolute time on the reader's clock.
   */
  readLine(deadline?: number): Promise<Uint8Array | null> {
    // A buffered line is the common case: answer it without an async function's frame, which
    // dominated the allocations per message.
    const at = this.#buf.indexOf(LF, this.#scanned);
    if (at >= 0) return Promise.resolve(this.#take(at + 1));
    return this.#fill(deadline, this.maxLine, false) as Promise<Uint8Array | null>;
  }

  /**
   * Like {@link readLine}, but with its own cap and no error for a longer line: such a line
   * is read on through its LF without being kept (memory stays within `cap` plus a chunk)
   * and {@link LINE_DROPPED} is returned. A DATA body is bounded by the message size limit,
   * not by the command-line cap, and one line may be most of a message. A line longer than
   * `cap` is never returned. End of input in the middle of a dropped line gives `null`; a
   * timeout there throws, and the part of the line that arrives later is read as new lines.
   */
  readLineWithin(
    cap: number,
    deadline?: number,
  ): Promise<Uint8Array | typeof LINE_DROPPED | null> {
    // The fast path again: a DATA body arrives many lines per chunk.
    const at = this.#buf.indexOf(LF, this.#scanned);
    if (at < 0) return this.#fill(deadline, cap, true);
    const line = this.#take(at + 1);
    return Promise.resolve(line.length > cap ? LINE_DROPPED : line);
  }

  async #fill(
    deadline: number | undefined,
    cap: number,
    drop: boolean,
  ): Promise<Uint8Array | typeof LINE_DROPPED | null> {
    for (;;) {
      const at = this.#buf.indexOf(LF, this.#scanned);
      if (at >= 0) {
        const line = this.#take(at + 1);
        return drop && line.length > cap ? LINE_DROPPED : line;
      }
      this.#scanned = this.#buf.length;
      if (this.buffered > cap) {
        if (!drop) throw new LineTooLongError(cap);
        return this.#dropRestOfLine(deadline);
      }
      if (this.#eof) return this.buffered ? this.#take(this.#buf.length) : null;
      const chunk = await this.#next(deadline);
      if (chunk === null) this.#eof = true;
      else this.#append(chunk);
    }
  }

  /**
   * Drops the buffered start of a line (it holds no LF) and every chunk until the one with
   * the line's LF; what follows that LF stays buffered. Memory: one chunk at a time.
   */
  async #dropRestOfLine(deadline?: number): Promise<typeof LINE_DROPPED | null> {
    this.discardBuffered();
    this.#store = EMPTY;
    for (;;) {
      if (this.#eof) return null;
      const chunk = await this.#next(deadline);
      if (chunk === null) {
        this.#eof = true;
        continue;
      }
      const at = chunk.indexOf(LF);
      if (at < 0) continue;
      if (at + 1 < chunk.length) this.#buf = chunk.subarray(at + 1);
      return LINE_DROPPED;
    }
  }

  /** Drops what has been read but not consumed (go-smtp-mock does this after a 552). */
  discardBuffered(): void {
    this.#buf = EMPTY;
    this.#start = 0;
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
    const line = this.#buf.subarray(this.#start, end);
    if (end === this.#buf.length) {
      this.#buf = EMPTY;
      this.#store = EMPTY; // a long line's storage is not kept once it is consumed
      this.#start = this.#scanned = 0;
    } else this.#start = this.#scanned = end;
    return line;
  }

  /**
   * Appends in place when #buf is the written tail of #store and the chunk fits after it;
   * otherwise moves #buf into a store twice the needed size. A line arriving in many small
   * chunks thus costs O(n) copying, not O(n²) (a 1 MiB line in 2 KiB reads allocated
   * ~256 MiB of short-lived buffers and pushed RSS up by tens of MiB). Lines already returned
   * are views before #buf and are never written over.
   */
  #append(chunk: Uint8Array): void {
    const buf = this.#start ? this.#buf.subarray(this.#start) : this.#buf; // all scanned, no LF
    this.#start = 0;
    this.#scanned = buf.length;
    if (buf.length === 0) {
      this.#buf = chunk;
      return;
    }
    const len = buf.length + chunk.length;
    const store = this.#store;
    const start = buf.byteOffset - store.byteOffset;
    if (buf.buffer === store.buffer && start + len <= store.length) {
      store.set(chunk, start + buf.length);
      this.#buf = store.subarray(start, start + len);
      return;
    }
    const grown = new Uint8Array(Math.max(2 * len, 4096));
    grown.set(buf);
    grown.set(chunk, buf.length);
    this.#store = grown;
    this.#buf = grown.subarray(0, len);
  }

  /**
   * One chunk, or a TimeoutError. A read that outlives its deadline stays pending, and what it
   * brings is returned by the next call.
   */
  #next(deadline?: number): Promise<Uint8Array | null> {
    const read = this.#pending ??= this.#source();
    if (deadline === undefined) return read.then((v) => this.#settle(read, v));
    if (deadline - this.clock.now() <= 0) return Promise.reject(new TimeoutError());
    return new Promise((resolve, reject) => {
      let live = true;
      const waiter: Waiter = {
        deadline,
        expire() {
          live = false;
          reject(new TimeoutError());
        },
      };
      this.#deadlines.add(waiter);
      read.then(
        (v) => {
          if (!live) return; // timed out: #pending keeps the chunk for the next call
          this.#deadlines.delete(waiter);
          resolve(this.#settle(read, v));
        },
        (e) => {
          this.#deadlines.delete(waiter);
          if (this.#pending === read) this.#pending = null;
          reject(e);
        },
      );
    });
  }

  #settle(read: Promise<Uint8Array | null>, v: Uint8Array | null): Uint8Array | null {
    if (this.#pending === read) this.#pending = null;
    return v;
  }
}
