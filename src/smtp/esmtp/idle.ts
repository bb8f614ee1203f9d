/**
 * The idle timeout of a serve session: every wait for client input may last at most `ms` on
 * the session's clock. One timer per session, re-armed only when it fires early, rather than a
 * timer per read (a read costs less than arming and clearing one; docs/benchmarks.md).
 */
import type { Clock } from "../clock.ts";
import { TimeoutError, type Wire } from "../wire.ts";

export class IdleTimeout {
  /** When the pending read began waiting; null when no read waits. */
  #since: number | null = null;
  #fail: ((e: Error) => void) | null = null;
  #timer: unknown = null;
  #stopped = false;

  constructor(private readonly clock: Clock, private readonly ms: number) {}

  /** A Conversation `source`: every read of every wire (plain, then TLS) is bounded. */
  readonly source = (wire: Wire): () => Promise<Uint8Array | null> => () =>
    this.bound(() => wire.read());

  /**
   * What `start` waits for, or a TimeoutError once that has been pending for the idle time
   * (the clock starts before `start` is called).
   */
  bound<T>(start: () => Promise<T>): Promise<T> {
    if (this.ms <= 0 || this.#stopped) return start();
    return new Promise<T>((resolve, reject) => {
      this.#fail = reject;
      this.#since = this.clock.now();
      this.#arm(this.ms);
      start().then(
        (v) => {
          this.#settled(reject);
          resolve(v);
        },
        (e) => {
          this.#settled(reject);
          reject(e);
        },
      );
    });
  }

  /** Clears the timer for good (the session is over). */
  stop(): void {
    this.#stopped = true;
    this.#since = null;
    if (this.#timer !== null) this.clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #settled(reject: (e: Error) => void): void {
    if (this.#fail !== reject) return; // a later wait took over
    this.#fail = null;
    this.#since = null;
  }

  #arm(delay: number): void {
    if (this.#timer !== null) return;
    this.#timer = this.clock.setTimeout(() => this.#fire(), delay);
  }

  #fire(): void {
    this.#timer = null;
    if (this.#since === null || this.#stopped) return;
    const left = this.#since + this.ms - this.clock.now();
    if (left > 0) return this.#arm(left);
    const fail = this.#fail;
    this.#fail = null;
    this.#since = null;
    fail?.(new TimeoutError());
  }
}
