/**
 * Any command as a child process whose output can be awaited (the CLI helper only starts
 * mocksmtp itself): used to run mocksmtp through `/bin/sh -c`, as wrappers do.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { ROOT } from "./cli.ts";

export interface Watched {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Exit code, or 128 + signal number. */
  exited: Promise<number>;
  /** Resolves once `re` matches stdout; rejects if the process exits first. */
  waitStdout(re: RegExp): Promise<RegExpMatchArray>;
}

const SIGNALS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGKILL: 9,
  SIGTERM: 15,
};

export function watch(cmd: string, args: string[]): Watched {
  const child = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let done = false;
  const waiters = new Set<() => void>();
  const wake = () => {
    for (const w of [...waiters]) w();
  };
  const w: Watched = {
    child,
    stdout: "",
    stderr: "",
    exited: new Promise((resolve) =>
      child.on("close", (code, sig) => {
        done = true;
        wake();
        resolve(code ?? 128 + (SIGNALS[sig ?? ""] ?? 0));
      })
    ),
    waitStdout: (re) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const m = w.stdout.match(re);
          if (m || done) waiters.delete(check);
          if (m) resolve(m);
          else if (done) reject(new Error(`exited; stdout=${w.stdout} stderr=${w.stderr}`));
        };
        waiters.add(check);
        check();
      }),
  };
  child.stdout!.on("data", (d) => {
    w.stdout += d.toString();
    wake();
  });
  child.stderr!.on("data", (d) => {
    w.stderr += d.toString();
    wake();
  });
  return w;
}
