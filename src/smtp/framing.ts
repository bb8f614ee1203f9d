/**
 * Framing: every way a session reads its input, for every dialect. {@link LineReader} turns
 * the chunks a wire delivers into lines (every byte up to and including LF; a lone CR is
 * data) and reads fixed-length BDAT chunks; {@link readData} reads a DATA body under a
 * dialect's {@link DataEnding} (which `.` line ends it, where a line starts, what is
 * unstuffed), a size limit and an optional line cap, into a {@link BodyStore}.
 *
 * Memory is bounded by a cap, never by what a client sends: a command line longer than
 * `maxLine` (line end included) gets a {@link LineTooLongError}, at once when the buffer
 * passes the cap without a line end (a peer streaming without newlines), and the caller
 * decides how to answer; a body line read with
 * {@link LineReader.readLineWithin} that passes its cap is consumed and dropped instead, so a
 * dialect can answer it where its original would (after the line's end).
 */
import { TimeoutError, type Wire } from "./wire.ts";
import { type Clock, systemClock } from "./clock.ts";

/**
 * A command line is longer than `maxLine` bytes, line end included. Nothing was consumed:
 * the line's start is still buffered, for the caller to stop there or to drop it
 * ({@link LineReader.dropLine}).
 */
export class LineTooLongError extends Error {
  constructor(readonly limit: number) {
    super(`line longer than ${limit} bytes`);
    this.name = "LineTooLongError";
  }
}

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;
const EMPTY = new Uint8Array(0);

/**
 * What {@link LineReader.readLineWithin} returns for a line longer than its cap: the line was
 * read through its LF and its bytes were not kept.
 */
export const LINE_DROPPED: unique symbol = Symbol("line dropped");

/** A read waiting on a deadline. */
interface Waiter {
  readonly deadline: number;
  /** Where the queue holds it; -1 when it is not queued. */
  index: number;
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
  /**
   * An array with swap-removal rather than a Set: a Set rehashes as it grows and shrinks,
   * which with dozens of sessions waiting in turn was garbage on every read.
   */
  readonly #waiters: Waiter[] = [];
  #timer: unknown = null;
  /** When the armed timer fires; Infinity when none is armed. */
  #armedFor = Infinity;

  constructor(private readonly clock: Clock) {}

  add(w: Waiter): void {
    if (w.index < 0) {
      w.index = this.#waiters.length;
      this.#waiters.push(w);
    }
    if (w.deadline < this.#armedFor) this.#arm(w.deadline);
  }

  delete(w: Waiter): void {
    if (!this.#remove(w) || this.#waiters.length > 0) return;
    this.clock.clearTimeout(this.#timer);
    this.#timer = null;
    this.#armedFor = Infinity;
  }

  /** Takes `w` out of the queue: false when it was not in it. */
  #remove(w: Waiter): boolean {
    const i = w.index;
    if (i < 0) return false;
    const last = this.#waiters.pop()!;
    if (last !== w) {
      this.#waiters[i] = last;
      last.index = i;
    }
    w.index = -1;
    return true;
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
    const due: Waiter[] = [];
    let next = Infinity;
    for (const w of this.#waiters) {
      if (w.deadline <= now) due.push(w);
      else if (w.deadline < next) next = w.deadline;
    }
    // Expired after the scan: removal reorders the array, and an expiry may add a waiter.
    for (const w of due) {
      this.#remove(w);
      w.expire();
    }
    if (next < Infinity) this.#arm(next);
  }
}

/**
 * The read a reader's caller waits for with a deadline. One per reader, reused: a promise,
 * a waiter and closures made per read were most of what a session allocated per command.
 */
interface ReadWait extends Waiter {
  deadline: number;
  /** The source read it waits for. */
  read: Promise<Uint8Array | null> | null;
  resolve: ((chunk: Uint8Array | null) => void) | null;
  reject: ((e: unknown) => void) | null;
  /** The executor of the waiting call's promise. */
  readonly park: (
    resolve: (chunk: Uint8Array | null) => void,
    reject: (e: unknown) => void,
  ) => void;
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
  /** #pending brought this chunk while no call waited with a deadline. */
  #arrivedFor: Promise<Uint8Array | null> | null = null;
  #arrived: Uint8Array | null = null;
  /** #pending failed with this while no call waited with a deadline (nor had timed out). */
  #failedFor: Promise<Uint8Array | null> | null = null;
  #failure: unknown = undefined;
  /** The read a call with a deadline stopped waiting for. */
  #expiredFor: Promise<Uint8Array | null> | null = null;
  /**
   * The one call waiting with a deadline, made once per reader (see {@link ReadWait}), on its
   * first wait with a deadline: a session that reads without deadlines never needs it.
   */
  #wait: ReadWait | null = null;
  #eof = false;
  #droppedCrlf = false;
  /** See {@link linesTaken}. */
  #linesTaken = 0;
  /** The deadline of the {@link readLine} waiting in {@link #lineFrom}. */
  #lineDeadline: number | undefined = undefined;
  readonly #deadlines: DeadlineQueue;

  constructor(
    source: Wire["read"],
    readonly maxLine: number,
    private readonly clock: Clock = systemClock,
  ) {
    this.#source = source;
    this.#deadlines = deadlineQueue(clock);
  }

  /** What {@link #wait} holds once a call first waits with a deadline. */
  #makeWait(): ReadWait {
    const wait: ReadWait = {
      deadline: 0,
      index: -1,
      read: null,
      resolve: null,
      reject: null,
      park: (resolve, reject) => {
        wait.resolve = resolve;
        wait.reject = reject;
      },
      expire: () => this.#expire(),
    };
    return wait;
  }

  /** Number of bytes read from the wire but not yet returned as lines. */
  get buffered(): number {
    return this.#buf.length - this.#start;
  }

  /**
   * The next line including its LF; at end of input a final unterminated fragment is returned
   * once, then `null`. A line longer than `maxLine` is never returned: {@link LineTooLongError}
   * whether its LF came in the same read or not, so the answer does not depend on chunking.
   * `deadline` is an absolute time on the reader's clock.
   */
  readLine(deadline?: number): Promise<Uint8Array | null> {
    // A buffered line is the common case: answer it without an async function's frame, which
    // dominated the allocations per message.
    const at = this.#buf.indexOf(LF, this.#scanned);
    if (at >= 0) {
      if (at + 1 - this.#start > this.maxLine) {
        return Promise.reject(new LineTooLongError(this.maxLine));
      }
      return Promise.resolve(this.#take(at + 1));
    }
    // Nothing buffered, the next command still to come: a then() on the read, not #fill's frame.
    if (this.#buf.length === this.#start && !this.#eof) {
      this.#lineDeadline = deadline;
      if (deadline === undefined && this.#lineRead === null) {
        // No deadline: one then() on the source's read for the whole line. Through #next it
        // was three (its hook, its settling, the line), each a promise, one also a closure.
        const read = this.#lineRead = this.#pending ??= this.#source();
        return read.then(this.#lineArrived) as Promise<Uint8Array | null>;
      }
      return this.#next(deadline).then(this.#lineFrom);
    }
    return this.#fill(deadline, this.maxLine, false) as Promise<Uint8Array | null>;
  }

  /**
   * `readLine(undefined).then(then)`, with `then` run in the reaction that makes the line
   * when the line comes with the next chunk into an empty buffer (the usual case for a client
   * that waits for each reply): one promise and one turn less per line than the `then` on
   * {@link readLine}'s promise. `then` runs exactly when, and with what, that `then` would.
   */
  readLineThen<T>(then: (line: Uint8Array | null) => T | Promise<T>): Promise<T> {
    // readLine's path without a deadline into an empty buffer, with `then` taken along.
    if (this.#buf.length === this.#start && !this.#eof && this.#lineRead === null) {
      this.#lineDeadline = undefined;
      this.#lineThen = then;
      const read = this.#lineRead = this.#pending ??= this.#source();
      return read.then(this.#lineArrived) as Promise<T>;
    }
    return this.readLine().then(then);
  }

  /**
   * The read {@link #lineArrived} waits for; `null` when none does. A read that fails leaves it
   * set (no handler per reader for what ends a session): later lines take the general path.
   */
  #lineRead: Promise<Uint8Array | null> | null = null;
  /** What {@link readLineThen} has {@link #lineArrived} do with its line. */
  #lineThen: ((line: Uint8Array | null) => unknown) | null = null;

  readonly #lineArrived = (chunk: Uint8Array | null): unknown => {
    const read = this.#lineRead!;
    this.#lineRead = null;
    const line = this.#lineFrom(this.#settle(read, chunk));
    const then = this.#lineThen;
    if (then === null) return line;
    this.#lineThen = null;
    return line instanceof Promise ? line.then(then) : then(line);
  };

  /** {@link readLine} once a chunk arrived into an empty buffer; made once per reader. */
  readonly #lineFrom = (
    chunk: Uint8Array | null,
  ): Uint8Array | null | Promise<Uint8Array | null> => {
    if (chunk === null) {
      this.#eof = true;
      return null;
    }
    this.#append(chunk);
    const at = this.#buf.indexOf(LF, this.#scanned);
    if (at >= 0 && at + 1 - this.#start <= this.maxLine) return this.#take(at + 1);
    return this.#fill(this.#lineDeadline, this.maxLine, false) as Promise<Uint8Array | null>;
  };

  /**
   * Starts reading the next chunk now (it is buffered by the next read that needs input) and
   * returns that read, so a caller can tell whether input arrived before some moment.
   */
  readAhead(): Promise<Uint8Array | null> {
    const read = this.#pending ??= this.#source();
    this.#hook(read); // what nobody waits for yet must still be heard of (a failure, say)
    this.#ahead = read;
    this.#aheadChunk = undefined;
    return read;
  }

  /**
   * What the last {@link readAhead} brought, if its hook heard it arrive by now (taken or
   * not since); `undefined` while it has not (or it failed). Asked once: from then on its
   * arrival is not kept. The hook {@link readAhead} needs anyway tells, so a caller that only
   * wants to know what came before some moment needs no reaction of its own.
   */
  takeAhead(): Uint8Array | null | undefined {
    const chunk = this.#aheadChunk;
    this.#ahead = null;
    this.#aheadChunk = undefined;
    return chunk;
  }

  /** The read {@link readAhead} started, until {@link takeAhead}; and what it brought. */
  #ahead: Promise<Uint8Array | null> | null = null;
  #aheadChunk: Uint8Array | null | undefined = undefined;

  /**
   * Drops the current line through its LF, however much of it is buffered (after a
   * {@link LineTooLongError}, to skip the refused line and go on): {@link LINE_DROPPED}, or
   * `null` when the input ends before an LF. Memory: one chunk at a time.
   */
  dropLine(deadline?: number): Promise<typeof LINE_DROPPED | null> {
    const at = this.#buf.indexOf(LF, this.#scanned);
    if (at >= 0) return Promise.resolve(this.#dropped(this.#take(at + 1)));
    return this.#dropRestOfLine(deadline);
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
    return Promise.resolve(line.length > cap ? this.#dropped(line) : line);
  }

  /**
   * The next piece of a body: up to and including the next LF, or, when no LF is buffered,
   * all that is (a part of a longer line) once it is at least 3 bytes, so that a piece that
   * starts a line and has no LF is never a `.` CRLF or `.` LF line. At end of input a final
   * fragment once, then `null`. Memory: a chunk and two bytes, however long the line.
   */
  readPiece(deadline?: number): Promise<Uint8Array | null> {
    return this.#fillPiece(deadline);
  }

  /**
   * {@link readPiece} without waiting: the piece when one is buffered, else `undefined`. A
   * body arrives many lines per chunk, and a promise per line is garbage Bun frees late.
   */
  takePiece(): Uint8Array | undefined {
    const at = this.#buf.indexOf(LF, this.#scanned);
    if (at >= 0) return this.#take(at + 1);
    if (this.buffered >= 3) return this.#take(this.#buf.length);
    return undefined;
  }

  async #fillPiece(deadline?: number): Promise<Uint8Array | null> {
    for (;;) {
      const at = this.#buf.indexOf(LF, this.#scanned);
      if (at >= 0) return this.#take(at + 1);
      this.#scanned = this.#buf.length;
      if (this.buffered >= 3) return this.#take(this.#buf.length);
      if (this.#eof) return this.buffered ? this.#take(this.#buf.length) : null;
      const chunk = await this.#next(deadline);
      if (chunk === null) this.#eof = true;
      else this.#append(chunk);
    }
  }

  /**
   * Waits for the next chunk and buffers it: `false` at end of input. For a caller that takes
   * what is buffered itself ({@link takeLines}, {@link takePiece}) and found too little.
   */
  more(deadline?: number): Promise<boolean> {
    if (this.#eof) return Promise.resolve(false);
    return this.#next(deadline).then(this.#buffer);
  }

  /** {@link more} once its chunk came: a then() made once per reader, not an async frame per call. */
  readonly #buffer = (chunk: Uint8Array | null): boolean => {
    if (chunk === null) {
      this.#eof = true;
      return false;
    }
    this.#append(chunk);
    return true;
  };

  /**
   * Every buffered whole line up to the first one that starts with a dot (which may end a body
   * or lose its dot), in one piece of at most `max` bytes; `undefined` when no whole line fits.
   * Reading a body in bulk makes one view per chunk instead of one per line. How many lines the
   * piece holds is then {@link linesTaken}.
   */
  takeLines(max = Infinity): Uint8Array | undefined {
    const buf = this.#buf;
    let end = -1;
    let lines = 0;
    for (let at = this.#start; (at = buf.indexOf(LF, at) + 1) > 0;) {
      if (at - this.#start > max) break;
      end = at;
      lines++;
      if (at === buf.length || buf[at] === DOT) break;
    }
    this.#linesTaken = lines;
    return end < 0 ? undefined : this.#take(end);
  }

  /** Lines in the last piece {@link takeLines} returned: counted as it found them, not again. */
  get linesTaken(): number {
    return this.#linesTaken;
  }

  /** The next buffered byte, -1 when none is. */
  get nextByte(): number {
    return this.#start < this.#buf.length ? this.#buf[this.#start] : -1;
  }

  /**
   * Whether the last line {@link readLineWithin} dropped ended in CRLF (else in a bare LF):
   * a dialect whose lines start only after its own line ending needs it.
   */
  get droppedCrlf(): boolean {
    return this.#droppedCrlf;
  }

  #dropped(line: Uint8Array): typeof LINE_DROPPED {
    this.#droppedCrlf = line.length >= 2 && line[line.length - 2] === CR;
    return LINE_DROPPED;
  }

  /**
   * Exactly `n` bytes (a BDAT chunk), or `null` when the input ends first. The caller bounds
   * `n` (by its message size limit): the bytes are held until all have arrived.
   */
  async readBytes(n: number, deadline?: number): Promise<Uint8Array | null> {
    const out = new Uint8Array(n);
    let got = 0;
    while (got < n) {
      if (this.buffered === 0 && !(await this.more(deadline))) return null;
      const take = Math.min(n - got, this.buffered);
      out.set(this.#buf.subarray(this.#start, this.#start + take), got);
      got += take;
      this.#take(this.#start + take);
    }
    return out;
  }

  async #fill(
    deadline: number | undefined,
    cap: number,
    drop: boolean,
  ): Promise<Uint8Array | typeof LINE_DROPPED | null> {
    for (;;) {
      const at = this.#buf.indexOf(LF, this.#scanned);
      if (at >= 0) {
        const line = at + 1 - this.#start;
        if (line > cap && !drop) throw new LineTooLongError(cap);
        return line > cap ? this.#dropped(this.#take(at + 1)) : this.#take(at + 1);
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
    let before = this.#buf[this.#buf.length - 1];
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
      if (at < 0) {
        if (chunk.length) before = chunk[chunk.length - 1];
        continue;
      }
      this.#droppedCrlf = (at > 0 ? chunk[at - 1] : before) === CR;
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
    // A command usually arrives alone, in a chunk of its own: that chunk is the line, and
    // its view is not made again (one object per command less).
    const buf = this.#buf;
    const line = this.#start === 0 && end === buf.length ? buf : buf.subarray(this.#start, end);
    if (end === buf.length) {
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
    if (deadline === undefined) {
      // Without a deadline nothing needs the hooks (#arrive): the read itself is waited for.
      const read = this.#pending ??= this.#source();
      if (this.#plainRead !== null) return read.then((v) => this.#settle(read, v));
      this.#plainRead = read;
      return read.then(this.#plainArrived);
    }
    const read = this.#pending ??= this.#source();
    this.#hook(read);
    if (deadline - this.clock.now() <= 0) return Promise.reject(new TimeoutError());
    if (this.#arrivedFor === read) return Promise.resolve(this.#settle(read, this.#arrived));
    if (this.#failedFor === read) {
      const e = this.#failure;
      this.#settle(read, null);
      return Promise.reject(e);
    }
    const wait = this.#wait ??= this.#makeWait();
    if (wait.reject !== null) return this.#nextBesides(read, deadline);
    wait.deadline = deadline;
    wait.read = read;
    this.#deadlines.add(wait);
    return new Promise(wait.park);
  }

  /** The read {@link #plainArrived} waits for (a {@link #next} without deadline), as above. */
  #plainRead: Promise<Uint8Array | null> | null = null;

  readonly #plainArrived = (v: Uint8Array | null): Uint8Array | null => {
    const read = this.#plainRead!;
    this.#plainRead = null;
    return this.#settle(read, v);
  };

  /**
   * Has `read` reported to whoever waits for it with a deadline then, else kept for the next
   * call; once per read. Reads waited for without a deadline need none of this: it is done
   * for a read the first time one is waited for with a deadline, or read ahead.
   */
  #hook(read: Promise<Uint8Array | null>): void {
    if (read === this.#hookedRead) return;
    this.#hookedRead = read;
    if (this.#hooked === null) {
      this.#hooked = read;
      read.then(this.#hookedArrived, this.#hookedFailed);
    } else {
      // A read of the source replaced meanwhile is still out (after STARTTLS): its own hooks.
      read.then((v) => this.#arrive(read, v), (e) => this.#fail(read, e));
    }
  }

  /** The read {@link #hook} was last given. */
  #hookedRead: Promise<Uint8Array | null> | null = null;

  /** The read {@link #hookedArrived} and {@link #hookedFailed} wait for: one at a time. */
  #hooked: Promise<Uint8Array | null> | null = null;

  /** This reader's hooks of its reads, made once rather than per read. */
  readonly #hookedArrived = (v: Uint8Array | null): void => {
    const read = this.#hooked!;
    this.#hooked = null;
    this.#arrive(read, v);
  };

  readonly #hookedFailed = (e: unknown): void => {
    const read = this.#hooked!;
    this.#hooked = null;
    this.#fail(read, e);
  };

  #arrive(read: Promise<Uint8Array | null>, v: Uint8Array | null): void {
    if (read === this.#ahead) {
      this.#ahead = null;
      this.#aheadChunk = v;
    }
    const wait = this.#wait;
    const resolve = wait?.read === read ? wait.resolve : null;
    if (resolve !== null) {
      this.#unwait();
      resolve(this.#settle(read, v));
    } else if (this.#pending === read) {
      // Timed out, read ahead, or waited for without a deadline (which takes it itself).
      this.#arrivedFor = read;
      this.#arrived = v;
    }
  }

  #fail(read: Promise<Uint8Array | null>, e: unknown): void {
    const wait = this.#wait;
    const reject = wait?.read === read ? wait.reject : null;
    if (reject !== null) {
      this.#unwait();
      this.#settle(read, null);
      reject(e);
    } else if (this.#pending !== read) {
      return;
    } else if (this.#expiredFor === read) {
      this.#pending = null; // a read that outlived its deadline fails unseen
    } else {
      this.#failedFor = read;
      this.#failure = e;
    }
  }

  /** No call waits with a deadline any more (one did: the wait exists). */
  #clearWait(): void {
    const wait = this.#wait!;
    wait.resolve = wait.reject = null;
    wait.read = null;
  }

  #unwait(): void {
    this.#clearWait();
    this.#deadlines.delete(this.#wait!);
  }

  /** The deadline passed (the queue has already let go of the wait). */
  #expire(): void {
    const wait = this.#wait!;
    const reject = wait.reject;
    if (reject === null) return;
    this.#expiredFor = wait.read;
    this.#clearWait();
    reject(new TimeoutError());
  }

  /**
   * A second caller waiting with a deadline while one already does (no dialect does this):
   * its own wrapper around the same read, as before the one-waiter path existed.
   */
  #nextBesides(
    read: Promise<Uint8Array | null>,
    deadline: number,
  ): Promise<Uint8Array | null> {
    return new Promise((resolve, reject) => {
      let live = true;
      const waiter: Waiter = {
        deadline,
        index: -1,
        expire() {
          live = false;
          reject(new TimeoutError());
        },
      };
      this.#deadlines.add(waiter);
      read.then(
        (v) => {
          if (!live) return;
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
    if (this.#hookedRead === read) this.#hookedRead = null;
    if (this.#arrivedFor === read) {
      this.#arrivedFor = null;
      this.#arrived = null;
    }
    if (this.#failedFor === read) {
      this.#failedFor = null;
      this.#failure = undefined;
    }
    return v;
  }
}

/**
 * Where a DATA body's SMTP lines start and which `.` line ends it: the terminator policy of a
 * dialect. Lines are always split at LF; only a line at an SMTP line start may end the body
 * or lose a leading dot (RFC 5321 §4.5.2).
 */
export interface DataEnding {
  /** After which line ends the next line starts an SMTP line: every LF, or only this one. */
  readonly lineStart: "any" | "crlf" | "lf";
  /** `.` CRLF ends the body. */
  readonly dotCrlf: boolean;
  /** `.` LF ends the body. */
  readonly dotLf: boolean;
  /** The `.` line must end the way the line before it did (`\n.\r\n` is then content). */
  readonly sameEnding: boolean;
  /** A `.` line that does not end the body keeps its dot (msmtpd) instead of losing it. */
  readonly keepLoneDot: boolean;
}

/** Where a body's bytes go while it arrives; bounded by the limit {@link readData} enforces. */
export interface BodyStore {
  readonly length: number;
  push(bytes: Uint8Array): void;
  /** Gives the memory back (the body failed). */
  clear(): void;
  /** The body as received. */
  bytes(): Uint8Array;
}

export interface DataOptions {
  ending: DataEnding;
  body: BodyStore;
  /** Largest body in bytes after unstuffing; past it the body is `too-big`. */
  maxSize: number;
  /** `stop`: return at the line that passes a limit; `drain`: read on to the end, dropping. */
  overflow: "stop" | "drain";
  /**
   * Longest line, line end included; a longer one makes the body `line-too-long`. Without
   * it, lines are bounded by the room left under `maxSize`.
   */
  maxLine?: number;
  /** Whether the DATA command ended in CRLF (for {@link DataEnding.sameEnding}). */
  afterCrlf?: boolean;
  /** Absolute time on the reader's clock for every read of the body. */
  deadline?: number;
  /** Checked after each line: once aborted the body ends as `aborted`. */
  signal?: AbortSignal;
  /** Called for each line read, the final `.` line and dropped lines included. */
  onLine?: () => void;
}

/** How a body read ended; `lines` counts the lines before the final `.` line. */
export type DataResult =
  | { readonly end: "data"; readonly bytes: Uint8Array; readonly lines: number }
  | { readonly end: "too-big" | "line-too-long"; readonly lines: number }
  /** The input ended before the final `.` line (a fragment without LF included). */
  | { readonly end: "cut" | "aborted"; readonly lines: number };

/**
 * Reads one DATA body. Timeouts and read errors propagate; everything a client can send
 * is a {@link DataResult}. Memory: the body store within `maxSize`, plus one line within
 * `maxLine` when there is one, else a chunk (a long line streams into the store, and past
 * the limit is dropped as it arrives).
 */
export function readData(reader: LineReader, o: DataOptions): Promise<DataResult> {
  return o.maxLine === undefined ? streamData(reader, o) : readDataLines(reader, o, o.maxLine);
}

/** Whether a line that ended `crlf` (else in a bare LF) makes the next one start a line. */
function startsLine(ending: DataEnding, crlf: boolean): boolean {
  return ending.lineStart === "any" || (ending.lineStart === "crlf") === crlf;
}

/** True when `line` (a whole line at a line start) is a `.` line that ends the body. */
function isEnd(ending: DataEnding, line: Uint8Array, crlf: boolean, prevCrlf: boolean): boolean {
  return line.length === (crlf ? 3 : 2) && (crlf ? ending.dotCrlf : ending.dotLf) &&
    (!ending.sameEnding || prevCrlf === crlf);
}

/**
 * A line starting with a dot at a line start, without that dot; a `.` line that does not end
 * the body keeps it under {@link DataEnding.keepLoneDot}.
 */
function unstuff(ending: DataEnding, line: Uint8Array, lone: boolean): Uint8Array {
  return lone && ending.keepLoneDot ? line : line.subarray(1);
}

/** The body in pieces of lines, for dialects without a line cap. */
async function streamData(reader: LineReader, o: DataOptions): Promise<DataResult> {
  const { ending, body } = o;
  let lines = 0;
  let failed: "too-big" | null = null;
  let atLineStart = true;
  let prevCrlf = o.afterCrlf ?? true;
  /** The previous piece did not end its line; its last byte (a CR before a split CRLF). */
  let midLine = false;
  let lastByte = -1;
  for (;;) {
    // No line in a bulk piece can end the body or lose a dot, nor (in `drain`) does a failure
    // in it need answering at its own line: count the lines and keep going. `stop` takes in
    // bulk only the lines that fit, so the line that passes the limit is read on its own, and
    // only without a signal, which it checks after each line.
    const bulkOk = o.overflow === "drain" || (!failed && !o.signal);
    if (!midLine && bulkOk && reader.nextByte !== DOT) {
      const bulk = reader.takeLines(o.overflow === "drain" ? Infinity : o.maxSize - body.length);
      if (bulk !== undefined) {
        const taken = reader.linesTaken;
        lines += taken;
        if (o.onLine) { for (let i = 0; i < taken; i++) o.onLine(); }
        if (!failed) {
          if (body.length + bulk.length > o.maxSize) {
            failed = "too-big";
            body.clear();
          } else body.push(bulk);
        }
        const n = bulk.length;
        const crlf = n >= 2 && bulk[n - 2] === CR;
        atLineStart = startsLine(ending, crlf);
        prevCrlf = crlf;
        continue;
      }
    }
    let piece: Uint8Array | null | undefined = reader.takePiece();
    if (piece === undefined) {
      // Waited for rather than read as a piece, so that a chunk of many lines is taken in bulk.
      if (await reader.more(o.deadline)) {
        if (o.signal?.aborted) return { end: "aborted", lines };
        continue;
      }
      piece = await reader.readPiece(o.deadline); // end of input: a last fragment, then null
    }
    if (o.signal?.aborted) return { end: "aborted", lines };
    if (piece === null) return { end: "cut", lines };
    const n = piece.length;
    const ends = piece[n - 1] === LF;
    const crlf = ends && (n >= 2 ? piece[n - 2] === CR : midLine && lastByte === CR);
    if (ends) o.onLine?.();
    let content = piece;
    if (!midLine && atLineStart && piece[0] === DOT) {
      const lone = ends && n === (crlf ? 3 : 2);
      if (lone && isEnd(ending, piece, crlf, prevCrlf)) {
        if (failed) return { end: failed, lines };
        return { end: "data", bytes: body.bytes(), lines };
      }
      content = unstuff(ending, piece, lone);
    }
    if (!failed) {
      if (body.length + content.length > o.maxSize) {
        failed = "too-big";
        body.clear();
      } else body.push(content);
    }
    if (!ends) {
      midLine = true;
      lastByte = piece[n - 1];
      continue;
    }
    lines++;
    // `stop` answers once the failing line has ended, as go-smtp-mock after its line read.
    if (failed && o.overflow === "stop") return { end: failed, lines };
    midLine = false;
    atLineStart = startsLine(ending, crlf);
    prevCrlf = crlf;
  }
}

/** The body line by line, each within `maxLine` (mockmta). */
async function readDataLines(
  reader: LineReader,
  o: DataOptions,
  maxLine: number,
): Promise<DataResult> {
  const { ending, body } = o;
  let lines = 0;
  let failed: "too-big" | "line-too-long" | null = null;
  let atLineStart = true;
  let prevCrlf = o.afterCrlf ?? true;
  for (;;) {
    const line = await reader.readLineWithin(maxLine, o.deadline);
    if (o.signal?.aborted) return { end: "aborted", lines };
    if (line === null || (line !== LINE_DROPPED && line[line.length - 1] !== LF)) {
      return { end: "cut", lines };
    }
    o.onLine?.();
    let crlf: boolean;
    if (line === LINE_DROPPED) {
      crlf = reader.droppedCrlf;
      lines++;
      if (!failed) {
        failed = "line-too-long";
        body.clear();
        if (o.overflow === "stop") return { end: failed, lines };
      }
    } else {
      const n = line.length;
      crlf = n >= 2 && line[n - 2] === CR;
      let content = line;
      if (atLineStart && line[0] === DOT) {
        if (isEnd(ending, line, crlf, prevCrlf)) {
          if (failed) return { end: failed, lines };
          return { end: "data", bytes: body.bytes(), lines };
        }
        content = unstuff(ending, line, n === (crlf ? 3 : 2));
      }
      lines++;
      if (!failed) {
        if (body.length + content.length > o.maxSize) {
          failed = "too-big";
          body.clear();
          if (o.overflow === "stop") return { end: failed, lines };
        } else body.push(content);
      }
    }
    atLineStart = startsLine(ending, crlf);
    prevCrlf = crlf;
  }
}

/** The first buffer of a {@link GrowingBody} or {@link ReservedBody}: most messages fit in it. */
const SMALL = 8 * 1024;
/**
 * The second one; a larger {@link GrowingBody} gets a buffer of the full size limit, a larger
 * {@link ReservedBody} a resizable one.
 */
const MEDIUM = 1024 * 1024;
/** Above this a {@link GrowingBody} doubles rather than take its whole limit at once. */
const LARGE = 1024 * 1024 * 1024;

/**
 * A body copied into one buffer, not kept as views (a view per line cost more heap than the
 * line itself and kept every read chunk alive). The buffer is 8 KiB, then 1 MiB, then `max`
 * at once: a fresh buffer costs memory only for the pages written to, whereas doubling
 * would leave every earlier size behind as garbage, which Bun frees late (issue 14.7).
 */
export class GrowingBody implements BodyStore {
  #buf: Uint8Array = EMPTY;
  /**
   * The first piece, kept as the reader's view until a second one comes: a body read in one
   * piece (most, since the reader hands over every buffered line at once) is then copied once,
   * at its size, instead of into an 8 KiB buffer first. The reader never writes over a view
   * it returned.
   */
  #first: Uint8Array | null = null;
  length = 0;

  constructor(private readonly max: number) {}

  push(bytes: Uint8Array): void {
    if (this.length === 0) {
      if (bytes.length > 0) this.#first = bytes;
      this.length = bytes.length;
      return;
    }
    const first = this.#first;
    if (first) {
      this.#first = null;
      this.#grow(this.length + bytes.length);
      this.#buf.set(first);
    }
    const size = this.length + bytes.length;
    if (size > this.#buf.length) this.#grow(size);
    this.#buf.set(bytes, this.length);
    this.length = size;
  }

  #grow(needed: number): void {
    let capacity = needed <= SMALL ? SMALL : needed <= MEDIUM ? MEDIUM : this.max;
    // A limit too large to allocate at once (or none): double instead.
    if (capacity > LARGE) capacity = Math.max(needed, 2 * this.#buf.length);
    const grown = new Uint8Array(Math.min(capacity, this.max));
    grown.set(this.#buf.subarray(0, this.length));
    this.#buf = grown;
  }

  clear(): void {
    this.#buf = EMPTY;
    this.#first = null;
    this.length = 0;
  }

  /**
   * Copied to its exact size unless it fills more than half its buffer: a kept message then
   * never holds more than twice its size, and the copy never takes the total past one buffer.
   * A single piece is always copied, so the message does not keep the reader's chunk alive.
   */
  bytes(): Uint8Array {
    if (this.#first) return this.#first.slice();
    return this.length <= this.#buf.length / 2 || this.length <= SMALL
      ? this.#buf.slice(0, this.length)
      : this.#buf.subarray(0, this.length);
  }
}

/** The smallest address-space reservation of a {@link ReservedBody}. */
const RESERVATION = 64 * 1024 * 1024;

/**
 * A body that a big mail holds once and hands on without a copy (msmtpd). Past {@link MEDIUM}
 * it goes into a resizable ArrayBuffer: the runtime reserves address space and commits pages
 * only as the body grows (Deno and Bun alike), whereas a doubling array would need its size once
 * more. Smaller bodies grow in plain arrays from 8 KiB and are handed on as exact copies, since
 * reserving costs more than the whole of a small mail (a third of msmtpd's time per message on
 * Bun), a reservation is held until the buffer is collected, and their sum is limited (Deno and
 * Bun both fail near 1.7–1.9 TiB: about 28,000 buffers of 64 MiB, while a library may keep
 * thousands of mails). A big body reserves 64 MiB or 4 × its size, whichever is more, up to the
 * capacity (past 64 MiB, possible only with a larger capacity, each new reservation copies it).
 */
export class ReservedBody implements BodyStore {
  /** The resizable buffer, once the body passed {@link MEDIUM}. */
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
    const size = Math.min(this.capacity, Math.max(length, 2 * this.#bytes.length, SMALL));
    if (this.#buffer && size <= this.#buffer.maxByteLength) {
      this.#buffer.resize(size);
    } else if (!this.#buffer && size <= MEDIUM) {
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

  /** A view of the resizable buffer (no copy); a small body is copied to its exact size. */
  bytes(): Uint8Array {
    if (this.#buffer) return new Uint8Array(this.#buffer, 0, this.length);
    return this.#bytes.slice(0, this.length);
  }

  /** Gives the memory back (Deno returns a big body's pages at once; Bun at its next GC). */
  clear(): void {
    this.#buffer?.resize(0);
    this.#buffer = null;
    this.#bytes = EMPTY;
    this.length = 0;
  }
}
