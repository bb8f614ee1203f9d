/**
 * Are file descriptors free? Bun's accept loop (Bun.listen and node:net alike) retries an
 * accept that failed with EMFILE at once and forever, without telling JavaScript: the process
 * spins at full CPU while the shortage lasts. Deno's node:net (2.9) stops accepting for good,
 * also silently. The transports ask this instead after each accepted connection, and stop
 * listening before the kernel's accept would fail; and, for descriptors taken by anything else
 * (files, pipes to commands), every {@link WATCH_INTERVAL_MS}.
 */
import { closeSync, openSync } from "node:fs";
import { clearInterval, setInterval } from "node:timers";
import { AcceptError } from "./types.ts";

/**
 * `null` while `count` more descriptors can be opened, else the errno (`EMFILE`: this process
 * is at its limit; `ENFILE`: the system is).
 */
export function fdShortage(count = 1): string | null {
  const opened: number[] = [];
  try {
    while (opened.length < count) opened.push(openSync("/dev/null", "r"));
    return null;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === "EMFILE" || code === "ENFILE") return code;
    // No /dev/null (a sandbox, another OS): no way to tell, so no shortage is assumed.
    return null;
  } finally {
    for (const fd of opened) closeSync(fd);
  }
}

/** What accept() reports while a transport does not listen for want of descriptors. */
export function fdShortageError(code: string): AcceptError {
  const who = code === "ENFILE" ? "the system" : "the process";
  return new AcceptError(`accept: ${who} is out of file descriptors`, code);
}

/** How long a shortage not caused by an accept may go unnoticed (and Bun spin) at most. */
export const WATCH_INTERVAL_MS = 1000;

/**
 * Probes every {@link WATCH_INTERVAL_MS} and calls `onShortage` with the errno when no
 * descriptor is free. Returns the function that stops it. Never keeps the process alive.
 */
export function watchFds(onShortage: (code: string) => void): () => void {
  const timer = setInterval(() => {
    const code = fdShortage();
    if (code) onShortage(code);
  }, WATCH_INTERVAL_MS);
  timer.unref();
  return () => clearInterval(timer);
}
