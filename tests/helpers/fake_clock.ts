/**
 * A {@link Clock} that stands still until a test moves it, for the time behaviour of engines
 * and servers (delays, timeouts, the stop timeout, the AUTH brake) without waiting in real time.
 * A test awaits the timer it expects ({@link FakeClock.timerSet}), then moves the clock past it.
 */
import type { Clock } from "../../src/smtp/clock.ts";

interface Timer {
  at: number;
  /** The delay it was set with. */
  ms: number;
  seq: number;
  fn: () => void;
}

/** Timers due at the same instant fire in the order they were set. */
export class FakeClock implements Clock {
  #now = 0;
  #seq = 0;
  readonly #timers = new Map<number, Timer>();
  #watchers: Array<{ matches(t: Timer): boolean; wake(): void }> = [];

  now(): number {
    return this.#now;
  }

  setTimeout(fn: () => void, ms: number): unknown {
    const seq = ++this.#seq;
    const timer = { at: this.#now + Math.max(0, ms), ms, seq, fn };
    this.#timers.set(seq, timer);
    this.#watchers = this.#watchers.filter((w) => {
      if (!w.matches(timer)) return true;
      w.wake();
      return false;
    });
    return seq;
  }

  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }

  /** Timers set and not yet fired nor cleared. */
  get pending(): number {
    return this.#timers.size;
  }

  /**
   * Resolves once a timer set with a delay of `ms` (any delay, without `ms`) is pending: at
   * once if one is, else when the code under test sets it.
   */
  timerSet(ms?: number): Promise<void> {
    const matches = (t: Timer) => ms === undefined || t.ms === ms;
    for (const t of this.#timers.values()) if (matches(t)) return Promise.resolve();
    return new Promise((wake) => this.#watchers.push({ matches, wake }));
  }

  /** Moves `ms` forward, firing every timer due on the way, each at its own instant. */
  advance(ms: number): void {
    const end = this.#now + ms;
    for (let t = this.#earliest(); t && t.at <= end; t = this.#earliest()) {
      this.#now = Math.max(this.#now, t.at);
      this.#timers.delete(t.seq);
      t.fn();
    }
    this.#now = end;
  }

  /** Moves to the earliest timer and fires every timer due then; false when none is set. */
  advanceToNext(): boolean {
    const first = this.#earliest();
    if (!first) return false;
    this.#now = Math.max(this.#now, first.at);
    const due = [...this.#timers.values()].filter((t) => t.at <= this.#now)
      .sort((a, b) => a.at - b.at || a.seq - b.seq);
    for (const t of due) {
      // An earlier callback may have cleared a later one.
      if (this.#timers.delete(t.seq)) t.fn();
    }
    return true;
  }

  #earliest(): Timer | null {
    let first: Timer | null = null;
    for (const t of this.#timers.values()) {
      if (!first || t.at < first.at || (t.at === first.at && t.seq < first.seq)) first = t;
    }
    return first;
  }
}

/**
 * Lets time pass, timer by timer, until `settled` settles, and resolves with its value. Meant
 * for code that keeps one timer at a time (a session waiting for its timeout): with several
 * pending it does not wait for what one timer's callback sets off before firing the next.
 */
export async function runUntil<T>(clock: FakeClock, settled: Promise<T>): Promise<T> {
  let done = false;
  const result = settled.finally(() => done = true);
  while (!done) {
    await Promise.race([result, clock.timerSet()]);
    if (!done) clock.advanceToNext();
  }
  return result;
}
