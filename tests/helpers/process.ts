/**
 * Child processes for the tests: spawn any command and watch its output (await a match, the exit
 * status, or the whole result), and signal it by pid. `cli.ts` starts mocksmtp itself with this.
 */
import { type ChildProcess, spawn, type SpawnOptions } from "node:child_process";
import process from "node:process";

/** A running child whose output is collected as text. */
export interface Watched {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves with the exit code (or 128+signal); rejects if the command could not start. */
  exited: Promise<number>;
  /** Resolves once `re` matches stdout; rejects if the process exits first. */
  waitStdout(re: RegExp): Promise<RegExpMatchArray>;
  waitStderr(re: RegExp): Promise<RegExpMatchArray>;
  /** Sends `signal` (default SIGTERM) by pid; {@link Watched.exited} still gets the real status. */
  kill(signal?: NodeJS.Signals): void;
}

/** Spawn options plus `input`, written to stdin (which is then closed). */
export type WatchOptions = SpawnOptions & { input?: string | Uint8Array };

const SIGNALS: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGKILL: 9,
  SIGTERM: 15,
};

/**
 * Sends `signal` by pid to a child that has not exited yet. Not `child.kill()`: on Deno the
 * child's `close` event then reports that signal even when the child caught it and exited 0.
 */
export function signalByPid(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(child.pid, signal);
  } catch {
    // Exited meanwhile.
  }
}

/**
 * Starts `cmd args`. Without `input` and without `stdio` in `opts`, stdin is ignored; stdout
 * and stderr are piped unless `opts.stdio` says otherwise.
 */
export function spawnWatched(cmd: string, args: string[], opts: WatchOptions = {}): Watched {
  const { input, ...spawnOpts } = opts;
  const child = spawn(cmd, args, {
    stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    ...spawnOpts,
  });
  const watchers: Array<() => void> = [];
  const wakeAll = () => {
    for (const w of watchers.splice(0)) w();
  };
  let done = false;
  const w: Watched = {
    child,
    stdout: "",
    stderr: "",
    exited: new Promise((resolve, reject) => {
      child.on("close", (code, sig) => resolve(code ?? 128 + (SIGNALS[sig ?? ""] ?? 0)));
      child.on("error", reject);
    }),
    waitStdout: (re) => wait(() => w.stdout.match(re)),
    waitStderr: (re) => wait(() => w.stderr.match(re)),
    kill: (signal = "SIGTERM") => signalByPid(child, signal),
  };
  const finish = () => {
    done = true;
    wakeAll();
  };
  w.exited.then(finish, finish);
  const wait = (probe: () => RegExpMatchArray | null) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const m = probe();
        if (m) return resolve(m);
        if (done) {
          return reject(new Error(`process exited; stdout=${w.stdout} stderr=${w.stderr}`));
        }
        watchers.push(check);
      };
      check();
    });
  child.stdout?.on("data", (d) => {
    w.stdout += d.toString();
    wakeAll();
  });
  child.stderr?.on("data", (d) => {
    w.stderr += d.toString();
    wakeAll();
  });
  if (input !== undefined) child.stdin!.end(input);
  return w;
}

export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** A process to await for its result; `child` and `exited` are there to stop it early. */
export type RunningProcess = Promise<ProcessResult> & {
  child: ChildProcess;
  exited: Promise<number>;
};

/** Runs `cmd args` to its end (see {@link spawnWatched} for stdin). */
export function runProcess(cmd: string, args: string[], opts: WatchOptions = {}): RunningProcess {
  const w = spawnWatched(cmd, args, opts);
  const result = w.exited.then((code) => ({ code, stdout: w.stdout, stderr: w.stderr }));
  return Object.assign(result, { child: w.child, exited: w.exited });
}

/** A shell word for `sh -c` (single quotes). */
export function shellQuote(word: string): string {
  return `'${word.replaceAll("'", `'\\''`)}'`;
}
