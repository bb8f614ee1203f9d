/**
 * Are file descriptors free? Bun's accept loop (Bun.listen and node:net alike) retries an
 * accept that failed with EMFILE at once and forever, without telling JavaScript: the process
 * spins at full CPU while the shortage lasts. Deno's node:net (2.9) stops accepting for good,
 * also silently. The transports ask this instead after each accepted connection, and stop
 * listening before the kernel's accept would fail; and, for descriptors taken by anything else
 * (files, pipes to commands), every {@link WATCH_INTERVAL_MS}.
 *
 * The probe needs `node:fs`, whose first import costs Bun ~2 ms: a transport that has not
 * loaded it ({@link loadFdProbe}) has it loaded after its first accepted connection's turn,
 * so that the first greeting does not wait for it. Until then no accept is probed; the watch
 * covers those first milliseconds as it covers descriptors taken by anything else.
 */
import { AcceptError } from "./types.ts";

type Fs = Pick<typeof import("node:fs"), "openSync" | "closeSync">;

let fs: Fs | null = null;
let loading: Promise<Fs> | null = null;

/** Loads what the probe needs now (a transport for which node:fs costs nothing more). */
export async function loadFdProbe(): Promise<void> {
  await (loading ??= import("node:fs").then((m) => fs = m));
}

/** Loads what the probe needs in a later turn than the caller's, once. */
function loadLater(): Promise<Fs> {
  return loading ??= new Promise((later) => setTimeout(later, 0))
    .then(() => import("node:fs"))
    .then((m) => fs = m);
}

/**
 * `null` while `count` more descriptors can be opened, else the errno (`EMFILE`: this process
 * is at its limit; `ENFILE`: the system is). Also `null` before the probe is loaded (the first
 * call loads it, see above).
 */
export function fdShortage(count = 1): string | null {
  if (!fs) {
    loadLater();
    return null;
  }
  const opened: number[] = [];
  try {
    while (opened.length < count) opened.push(fs.openSync("/dev/null", "r"));
    return null;
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === "EMFILE" || code === "ENFILE") return code;
    // No /dev/null (a sandbox, another OS): no way to tell, so no shortage is assumed.
    return null;
  } finally {
    for (const fd of opened) fs.closeSync(fd);
  }
}

/** What accept() reports while a transport does not listen for want of descriptors. */
export function fdShortageError(code: string): AcceptError {
  const who = code === "ENFILE" ? "the system" : "the process";
  return new AcceptError(`accept: ${who} is out of file descriptors`, code);
}

/** How long a shortage not caused by an accept may go unnoticed (and Bun spin) at most. */
export const WATCH_INTERVAL_MS = 1000;

/** Bun's and Node's timers (the transports that use this run there). */
interface Timer {
  unref(): void;
}

/**
 * Probes every {@link WATCH_INTERVAL_MS} and calls `onShortage` with the errno when no
 * descriptor is free. Returns the function that stops it. Never keeps the process alive.
 */
export function watchFds(onShortage: (code: string) => void): () => void {
  let watching = true;
  const probe = () => {
    const code = fdShortage();
    if (code && watching) onShortage(code);
  };
  // The global timer, not node:timers: that import alone costs Bun ~0.5 ms of start-up.
  const timer = setInterval(() => fs ? probe() : loadLater().then(probe), WATCH_INTERVAL_MS);
  (timer as unknown as Timer).unref();
  return () => {
    watching = false;
    clearInterval(timer);
  };
}
