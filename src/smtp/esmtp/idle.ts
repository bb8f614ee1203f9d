/**
 * The idle timeout of a serve session: every wait for client input may last at most `ms` on
 * the session's clock. One timer per session, re-armed only when it fires early, rather than a
 * timer per read (a read costs less than arming and clearing one; docs/benchmarks.md).
 *
 * The wire's reads are handed on as they are, not wrapped: the seam tells an early talker by
 * whether the read it started before the greeting has already settled, which a wrapping
 * promise would hide for a turn. On expiry the session is told instead; it answers and closes
 * the wire, and closing is what ends the pending read.
 */
import type { Clock } from "../clock.ts";
import { TimeoutError, type Wire } from "../wire.ts";

/** Watches a session's reads against its idle time; see the module comment. */
export class IdleTimeout {
  /** When the pending read began waiting; null when no read waits. */
  #since: number | null = null;
  /** Names the pending read, so that an older read settling late does not clear it. */
  #read = 0;
  #timer: unknown = null;
  #stopped = false;
  #expired = false;

  /** `onExpire` is called once, when a read has waited `ms` (0: never). */
  constructor(
    private readonly clock: Clock,
    private readonly ms: number,
    private readonly onExpire: () => void,
  ) {}

  /** True once a read has waited too long. */
  get expired(): boolean {
    return this.#expired;
  }

  /** A Conversation `source`: every read of every wire (plain, then TLS) is watched. */
  readonly source = (wire: Wire): () => Promise<Uint8Array | null> => () => {
    if (this.ms <= 0 || this.#stopped) return wire.read();
    const read = ++this.#read;
    this.#since = this.clock.now();
    this.#arm(this.ms);
    const chunk = wire.read();
    const done = () => {
      if (this.#read === read) this.#since = null;
    };
    chunk.then(done, done);
    return chunk;
  };

  /**
   * What `start` waits for (a TLS handshake), or a TimeoutError after the idle time; the
   * clock starts before `start` is called.
   */
  bound<T>(start: () => Promise<T>): Promise<T> {
    if (this.ms <= 0) return start();
    return new Promise<T>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => reject(new TimeoutError()), this.ms);
      const settle = () => this.clock.clearTimeout(timer);
      start().then((v) => (settle(), resolve(v)), (e) => (settle(), reject(e)));
    });
  }

  /** Clears the timer for good (the session is over). */
  stop(): void {
    this.#stopped = true;
    this.#since = null;
    if (this.#timer !== null) this.clock.clearTimeout(this.#timer);
    this.#timer = null;
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
    this.#since = null;
    this.#stopped = true;
    this.#expired = true;
    this.onExpire();
  }
}
