/**
 * Process-facing plumbing shared by the personas' entry points: writing to stdout/stderr in
 * order, and turning termination signals into one callback, over the runtime's
 * {@link ProcessHost} (not `node:process`, which costs Deno's start-up ~9 ms).
 */
import { type ProcessHost, processHost } from "../net/runtime.ts";

/** The process this program runs in. */
export const host: ProcessHost = await processHost();

/** Where a persona writes; tests and the library can substitute their own. */
export interface ProgramIO {
  /** The name the program was invoked as, for messages (`argv[0]`). */
  prog: string;
  stdout(text: string): void;
  stderr(text: string): void;
}

export const processIO = (prog: string): ProgramIO => ({
  prog,
  stdout: (t) => host.write(1, t),
  stderr: (t) => host.write(2, t),
});

export type StopSignal = "SIGINT" | "SIGTERM" | "SIGQUIT";

/**
 * Calls `onSignal` for the first of `signals` (later ones are ignored while it runs) and
 * returns a function that removes the handlers.
 */
export function onStopSignals(
  signals: StopSignal[],
  onSignal: (s: StopSignal) => void,
): () => void {
  let fired = false;
  const handlers = signals.map((s) => {
    const h = () => {
      if (fired) return;
      fired = true;
      onSignal(s);
    };
    return host.onSignal(s, h);
  });
  return () => {
    for (const off of handlers) off();
  };
}

/** Keeps signals from killing the process (go-smtp-mock ignores SIGUSR1/SIGUSR2). */
export function ignoreSignals(signals: Array<"SIGUSR1" | "SIGUSR2" | "SIGHUP" | "SIGPIPE">): void {
  for (const s of signals) host.onSignal(s, () => {});
}

/** Resolves once everything written to stdout and stderr so far has been flushed. */
export function flushOutput(): Promise<void> {
  return host.flush();
}
