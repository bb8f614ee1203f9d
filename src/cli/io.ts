/**
 * Process-facing plumbing shared by the personas' entry points: writing to stdout/stderr in
 * order, and turning termination signals into one callback. `node:process` works unchanged
 * on Deno and Bun.
 */
import process from "node:process";

/** Where a persona writes; tests and the library can substitute their own. */
export interface ProgramIO {
  /** The name the program was invoked as, for messages (`argv[0]`). */
  prog: string;
  stdout(text: string): void;
  stderr(text: string): void;
}

export const processIO = (prog: string): ProgramIO => ({
  prog,
  stdout: (t) => void process.stdout.write(t),
  stderr: (t) => void process.stderr.write(t),
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
    process.on(s, h);
    return [s, h] as const;
  });
  return () => {
    for (const [s, h] of handlers) process.off(s, h);
  };
}

/** Keeps signals from killing the process (go-smtp-mock ignores SIGUSR1/SIGUSR2). */
export function ignoreSignals(signals: Array<"SIGUSR1" | "SIGUSR2" | "SIGHUP" | "SIGPIPE">): void {
  for (const s of signals) process.on(s, () => {});
}

/** Resolves once everything written to stdout and stderr so far has been flushed. */
export function flushOutput(): Promise<void> {
  const drain = (s: NodeJS.WriteStream) => new Promise<void>((r) => s.write("", () => r()));
  return Promise.all([drain(process.stdout), drain(process.stderr)]).then(() => {});
}
