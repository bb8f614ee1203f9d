/**
 * Time as the core sees it. Injected so that the protocol core never reaches for a runtime
 * global it was not given, and so tests can drive deadlines deterministically.
 */
export interface Clock {
  /** Milliseconds on a monotonic scale. */
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The clock of the running program (web-standard timers, present on every runtime). */
export const systemClock: Clock = {
  now: () => performance.now(),
  // Timers overflow past 2^31-1 ms (firing at once); a Go duration that long is "forever".
  // A deadline already past (negative) fires at once; handed on as is, both runtimes print a
  // TimeoutNegativeWarning on stderr, which the clones never print.
  setTimeout: (fn, ms) => setTimeout(fn, Math.max(0, Math.min(ms, 2147483647))),
  clearTimeout: (handle) => clearTimeout(handle as number),
};

/** Resolves after `ms` (at once for `ms <= 0`), or when `signal` aborts. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0 || signal?.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clock.clearTimeout(timer);
      signal?.removeEventListener("abort", done);
      resolve();
    };
    const timer = clock.setTimeout(done, ms);
    signal?.addEventListener("abort", done, { once: true });
  });
}
