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

interface Waiter {
  count: number;
  wake(): void;
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
    for (const w of this.#waiters) if (this.#items.length >= w.count) w.wake();
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
    if (this.#items.length >= count) return Promise.resolve(this.list());
    const timeout = opts.timeout ?? 5000;
    return new Promise((resolve, reject) => {
      const finish = (ok: boolean, reason?: unknown) => {
        this.#clock.clearTimeout(timer);
        opts.signal?.removeEventListener("abort", onAbort);
        this.#waiters.delete(waiter);
        if (ok) resolve(this.list());
        else reject(reason);
      };
      const waiter: Waiter = { count, wake: () => finish(true) };
      const onAbort = () => finish(false, opts.signal!.reason);
      const timer = this.#clock.setTimeout(
        () => finish(false, new WaitTimeoutError(count, this.list())),
        timeout,
      );
      if (opts.signal?.aborted) return finish(false, opts.signal.reason);
      opts.signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.add(waiter);
    });
  }
}
