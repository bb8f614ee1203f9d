/**
 * In-process capture for the library: keeps what arrives until purged and wakes waiters on
 * the arrival itself (no polling loop, unlike go-smtp-mock's 1 ms poll).
 */
import { type Clock, systemClock } from "../smtp/clock.ts";

/** `waitFor` gave up: carries what did arrive so a failing test can show it. */
export class WaitTimeoutError<T> extends Error {
  constructor(readonly expected: number, readonly received: T[]) {
    super(`timeout waiting for ${expected} messages, got ${received.length}`);
    this.name = "WaitTimeoutError";
  }
}

export interface WaitOptions {
  /** Milliseconds; default 5000. */
  timeout?: number;
  signal?: AbortSignal;
}

export class MemoryStore<T> {
  #items: T[] = [];
  #waiters = new Set<Waiter>();
  readonly #clock: Clock;

  /** @param clock times `waitFor`'s timeout: the server's, so a fake one drives it too. */
  constructor(clock: Clock = systemClock) {
    this.#clock = clock;
  }

  add(item: T): void {
    this.#items.push(item);
    for (const w of [...this.#waiters]) w.check();
  }

  list(): T[] {
    return [...this.#items];
  }

  /** Copy and clear in one step, so nothing arriving in between is lost. */
  take(): T[] {
    const items = this.#items;
    this.#items = [];
    return items;
  }

  get size(): number {
    return this.#items.length;
  }

  /** Resolves with a copy once at least `count` items are stored. */
  waitFor(count: number, opts: WaitOptions = {}): Promise<T[]> {
    return waitUntil({
      clock: this.#clock,
      waiters: this.#waiters,
      ready: () => this.#items.length >= count,
      result: () => this.list(),
      timedOut: () => new WaitTimeoutError(count, this.list()),
    }, opts);
  }
}

/** A pending wait: its owner calls `check()` whenever what it waits for may have changed. */
export interface Waiter {
  check(): void;
}

/** What {@link waitUntil} needs from the store it waits on. */
export interface WaitSpec<R> {
  clock: Clock;
  /** The owner's set: the pending wait sits here until it settles, then leaves. */
  waiters: Set<Waiter>;
  ready(): boolean;
  result(): R;
  timedOut(): Error;
}

/**
 * Resolves with `result()` once `ready()` holds, at once if it does; rejects with `timedOut()`
 * after `opts.timeout` ms (default 5000) or with the signal's reason on abort. However it
 * ends, its timer, abort listener and entry in `waiters` are gone.
 */
export function waitUntil<R>(spec: WaitSpec<R>, opts: WaitOptions = {}): Promise<R> {
  if (spec.ready()) return Promise.resolve(spec.result());
  const timeout = opts.timeout ?? 5000;
  return new Promise((resolve, reject) => {
    const finish = (ok: boolean, reason?: unknown) => {
      spec.clock.clearTimeout(timer);
      opts.signal?.removeEventListener("abort", onAbort);
      spec.waiters.delete(waiter);
      if (ok) resolve(spec.result());
      else reject(reason);
    };
    const waiter: Waiter = { check: () => spec.ready() && finish(true) };
    const onAbort = () => finish(false, opts.signal!.reason);
    const timer = spec.clock.setTimeout(() => finish(false, spec.timedOut()), timeout);
    if (opts.signal?.aborted) return finish(false, opts.signal.reason);
    opts.signal?.addEventListener("abort", onAbort, { once: true });
    spec.waiters.add(waiter);
  });
}
