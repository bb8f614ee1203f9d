/**
 * The idle timeout of a serve session: every wait for client input may last at most `ms` on
 * the session's clock. The sessions of one clock and idle time share one timer, armed for the
 * oldest wait, rather than a timer per session (on Deno each is a Node `Timeout` and two calls
 * into Rust: most of what a short session's idle bookkeeping cost; docs/benchmarks.md).
 *
 * The wire's reads are handed on as they are, not wrapped: the seam tells an early talker by
 * whether the read it started before the greeting has already settled, which a wrapping
 * promise would hide for a turn. On expiry the session is told instead; it answers and closes
 * the wire, and closing is what ends the pending read.
 */
import type { Clock } from "../clock.ts";
import { TimeoutError, type Wire } from "../wire.ts";
import { type Linked, LinkedList } from "../linked_list.ts";

/** A session's place in its watch's list of waiting reads (one per session, reused). */
interface Waiting extends Linked<Waiting> {
  readonly session: IdleTimeout;
  /** When its read began waiting, on the clock. */
  since: number;
}

/**
 * The sessions of one clock and idle time: their waiting reads in the order they began (a
 * linked list: moving a session to the end allocates nothing, where a Map's entries would
 * be rehashed every few reads), and one timer.
 */
class IdleWatch {
  readonly #waiting = new LinkedList<Waiting>();
  /** Sessions that have read and not yet stopped: the timer goes when the last one stops. */
  #sessions = 0;
  #timer: unknown = null;
  readonly #fire = () => this.#expireDue();

  constructor(readonly clock: Clock, readonly ms: number) {}

  /** `session` reads for the first time: its place in the list. */
  join(session: IdleTimeout): Waiting {
    this.#sessions++;
    return { session, since: 0, prev: null, next: null, linked: false };
  }

  /** A read began waiting now. */
  wait(w: Waiting): void {
    this.#waiting.remove(w);
    w.since = this.clock.now();
    this.#waiting.push(w);
    if (this.#timer === null) this.#timer = this.clock.setTimeout(this.#fire, this.ms);
  }

  /** The read settled (or never began). */
  done(w: Waiting): void {
    this.#waiting.remove(w);
  }

  /** The session is over. */
  leave(w: Waiting): void {
    this.done(w);
    if (--this.#sessions > 0 || this.#timer === null) return;
    this.clock.clearTimeout(this.#timer);
    this.#timer = null;
  }

  #expireDue(): void {
    this.#timer = null;
    const now = this.clock.now();
    for (let w = this.#waiting.first; w !== null; w = this.#waiting.first) {
      const left = w.since + this.ms - now;
      if (left > 0) {
        this.#timer = this.clock.setTimeout(this.#fire, left);
        return;
      }
      this.done(w);
      w.session.expire();
    }
  }
}

const watches = new WeakMap<Clock, Map<number, IdleWatch>>();

function idleWatch(clock: Clock, ms: number): IdleWatch {
  let byMs = watches.get(clock);
  if (!byMs) watches.set(clock, byMs = new Map());
  let watch = byMs.get(ms);
  if (!watch) byMs.set(ms, watch = new IdleWatch(clock, ms));
  return watch;
}

/** Watches a session's reads against its idle time; see the module comment. */
export class IdleTimeout {
  readonly #watch: IdleWatch | null;
  /** The wire whose reads count: a read of an earlier one (before STARTTLS) settling is not. */
  #wire: Wire | null = null;
  /** Its place in the watch, from its first read on. */
  #waiting: Waiting | null = null;
  #stopped = false;
  #expired = false;

  /** `onExpire` is called once, when a read has waited `ms` (0: never). */
  constructor(
    private readonly clock: Clock,
    private readonly ms: number,
    private readonly onExpire: () => void,
  ) {
    this.#watch = ms > 0 ? idleWatch(clock, ms) : null;
  }

  /** True once a read has waited too long. */
  get expired(): boolean {
    return this.#expired;
  }

  /** A Conversation `source`: every read of every wire (plain, then TLS) is watched. */
  readonly source = (wire: Wire): () => Promise<Uint8Array | null> => {
    // One handler per wire, not per read: a reader has one read of its source pending at a
    // time, so what settles is the latest read of that wire.
    const settled = () => {
      if (this.#wire === wire && !this.#stopped) this.#watch!.done(this.#waiting!);
    };
    return () => {
      const watch = this.#watch;
      if (watch === null || this.#stopped) return wire.read();
      this.#wire = wire;
      watch.wait(this.#waiting ??= watch.join(this));
      const chunk = wire.read();
      chunk.then(settled, settled);
      return chunk;
    };
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

  /** Stops watching for good (the session is over). */
  stop(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    if (this.#waiting) this.#watch!.leave(this.#waiting);
  }

  /** Called by the watch: a read waited too long. */
  expire(): void {
    this.#expired = true;
    this.stop();
    this.onExpire();
  }
}
