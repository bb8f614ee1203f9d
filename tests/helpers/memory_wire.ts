/**
 * Sessions without sockets: an in-memory {@link Wire} that hands out scripted chunks and then
 * end of input, collects what the engine writes, and a {@link FakeClock} that only moves when
 * the engine has nothing left to do but wait for it. {@link runEngine} drives one engine over
 * them to its end, so a test sees its replies, how it ended, and never waits in real time.
 */
import { setImmediate } from "node:timers";
import { FakeClock } from "./fake_clock.ts";
import type { Clock } from "../../src/smtp/clock.ts";
import type { LogFn, SessionContext, SessionEngine } from "../../src/smtp/session.ts";
import type { Address, Wire } from "../../src/smtp/wire.ts";

export { FakeClock };

/** What the wire tells its observer. */
export interface WireObserver {
  /** Called before each read is answered: `chunk` is what it will hand out (`null`: EOF). */
  beforeRead?(chunk: Uint8Array | null): void;
  /** Called for each write, with the bytes as written. */
  onWrite?(bytes: Uint8Array): void;
}

export interface MemoryWireOptions extends WireObserver {
  /** Writes after this many have succeeded reject, as they do once the peer is gone. */
  failWritesAfter?: number;
  /**
   * After the chunks the peer stays connected and sends nothing: reads wait until the wire
   * is closed (then end of input), so only a timeout on the clock moves the session on.
   */
  silentAtEnd?: boolean;
}

/** The peer of a session: sends `chunks`, then closes its side; records every reply. */
export class MemoryWire implements Wire {
  readonly #chunks: Uint8Array[];
  #next = 0;
  #closed = false;
  readonly #opts: MemoryWireOptions;
  /** Reads waiting on a silent peer, answered with end of input by close(). */
  #waiting: Array<(chunk: null) => void> = [];
  /** Every write, in order (copies: an engine may reuse its buffers). */
  readonly writes: Uint8Array[] = [];
  /** Reads answered, end of input included. */
  reads = 0;

  constructor(chunks: Uint8Array[], options: MemoryWireOptions = {}) {
    this.#chunks = chunks;
    this.#opts = options;
  }

  get closed(): boolean {
    return this.#closed;
  }

  read(): Promise<Uint8Array | null> {
    // A closed socket reads as end of input, like the transports' reads after close().
    const chunk = this.#closed ? null : this.#chunks[this.#next] ?? null;
    if (chunk) this.#next++;
    else if (!this.#closed && this.#opts.silentAtEnd) {
      return new Promise((resolve) => this.#waiting.push(resolve));
    }
    this.#opts.beforeRead?.(chunk);
    this.reads++;
    return Promise.resolve(chunk);
  }

  write(data: Uint8Array): Promise<void> {
    const limit = this.#opts.failWritesAfter ?? Infinity;
    if (this.#closed || this.writes.length >= limit) {
      return Promise.reject(new Error("broken pipe"));
    }
    const copy = data.slice();
    this.writes.push(copy);
    this.#opts.onWrite?.(copy);
    return Promise.resolve();
  }

  close(): void {
    this.#closed = true;
    for (const resolve of this.#waiting.splice(0)) resolve(null);
  }

  /** Everything written, as one byte string. */
  get written(): Uint8Array {
    return concat(this.writes);
  }
}

/** How a run ended. */
export type RunOutcome =
  | { kind: "resolved" }
  | { kind: "rejected"; error: unknown }
  /** Still pending with no timer left to fire: it waits for something that never comes. */
  | { kind: "hung" };

export interface RunResult {
  outcome: RunOutcome;
  /** How often the fake clock had to move for the session to go on. */
  clockMoves: number;
  /** What the engine logged, as `level message`. */
  log: string[];
}

/** Where the session's peer and the session's own end are said to be. */
export const REMOTE: Address = { hostname: "192.0.2.7", port: 40025 };
export const LOCAL: Address = { hostname: "192.0.2.1", port: 2525 };

/** One event-loop turn: every promise job queued so far has run when it resolves. */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** A session context over `wire` between {@link REMOTE} and {@link LOCAL}, for engine parts. */
export function memoryContext(
  wire: Wire,
  options: { clock?: Clock; log?: LogFn; closed?: AbortSignal; upgradeTls?: () => Promise<Wire> } =
    {},
): SessionContext {
  return {
    wire,
    remote: REMOTE,
    local: LOCAL,
    clock: options.clock ?? new FakeClock(),
    log: options.log ?? (() => {}),
    stopping: new AbortController().signal,
    closed: options.closed ?? new AbortController().signal,
    ...(options.upgradeTls && { upgradeTls: options.upgradeTls }),
  };
}

/**
 * Runs `engine` over `wire` to its end. Reads and writes settle at once (or, from a silent
 * peer, never), so whenever the engine is still pending after an event-loop turn it can only
 * be waiting for the clock: the clock then moves to its next timer. `maxClockMoves` bounds a session that keeps setting
 * timers (a failure of its own kind, reported as `hung`).
 */
export async function runEngine(
  engine: SessionEngine,
  wire: Wire,
  options: { clock?: FakeClock; maxClockMoves?: number; upgradeTls?: () => Promise<Wire> } = {},
): Promise<RunResult> {
  const clock = options.clock ?? new FakeClock();
  const log: string[] = [];
  const closed = new AbortController();
  const ctx = memoryContext(wire, {
    clock,
    log: (level, message) => log.push(`${level} ${message}`),
    closed: closed.signal,
    upgradeTls: options.upgradeTls,
  });
  let outcome: RunOutcome | null = null;
  let engineRun: Promise<void>;
  try {
    engineRun = engine(ctx);
  } catch (error) {
    return { outcome: { kind: "rejected", error }, clockMoves: 0, log };
  }
  engineRun.then(
    () => outcome = { kind: "resolved" },
    (error) => outcome = { kind: "rejected", error },
  );
  let clockMoves = 0;
  const maxMoves = options.maxClockMoves ?? 1000;
  for (;;) {
    await turn();
    if (outcome) break;
    if (clockMoves >= maxMoves || !clock.advanceToNext()) {
      outcome = { kind: "hung" };
      break;
    }
    clockMoves++;
  }
  closed.abort("test over");
  wire.close();
  return { outcome, clockMoves, log };
}

/** `bytes` cut into chunks of the given sizes, taken in turn and repeated to the end. */
export function chunked(bytes: Uint8Array, sizes: number[]): Uint8Array[] {
  const chunks: Uint8Array[] = [];
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = Math.max(1, sizes.length ? sizes[i % sizes.length] : bytes.length);
    chunks.push(bytes.slice(at, at + size));
    at += size;
  }
  return chunks;
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
