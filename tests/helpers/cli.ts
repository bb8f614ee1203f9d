/**
 * Runs the mocksmtp CLI as a child process with the runtime that runs the tests (deno test
 * → deno, bun test → bun), or with a compiled binary when MOCKSMTP_BIN is set. With
 * MOCKSMTP_VIA_LINKS=1 as well, `mocksmtp <persona> …` is run as `<persona> …`, found on PATH
 * (scripts/test.sh puts the persona symlinks there), the way existing scripts call them.
 */
import { type ChildProcess, spawn, type SpawnOptions } from "node:child_process";
import path from "node:path";
import process from "node:process";

export const ROOT = path.resolve(import.meta.dirname ?? ".", "..", "..");
const PERSONAS = ["smtpmock", "mockmta", "msmtpd"];
export const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";

/** Command and arguments that start `mocksmtp …args`. */
export function cliCommand(args: string[]): [string, string[]] {
  const bin = process.env.MOCKSMTP_BIN;
  const persona = args[0];
  if (bin && process.env.MOCKSMTP_VIA_LINKS === "1" && PERSONAS.includes(persona)) {
    return [persona, args.slice(1)];
  }
  if (bin) return [bin, args];
  const cli = path.join(ROOT, "cli.ts");
  return isBun ? [process.execPath, ["run", cli, ...args]] : [
    process.execPath,
    ["run", "-A", "--quiet", cli, ...args],
  ];
}

export interface Cli {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  /** Resolves with the exit code (or 128+signal). */
  exited: Promise<number>;
  /** Resolves once `re` matches stdout; rejects if the process exits first. */
  waitStdout(re: RegExp): Promise<RegExpMatchArray>;
  waitStderr(re: RegExp): Promise<RegExpMatchArray>;
  /** Sends `signal` (default SIGTERM) by pid; {@link Cli.exited} still gets the real status. */
  kill(signal?: NodeJS.Signals): void;
}

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
function signalByPid(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(child.pid, signal);
  } catch {
    // Exited meanwhile.
  }
}

export function runCli(
  args: string[],
  opts: SpawnOptions & { input?: string | Uint8Array } = {},
): Cli {
  const [cmd, argv] = cliCommand(args);
  const child = spawn(cmd, argv, { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"], ...opts });
  const watchers: Array<() => void> = [];
  const cli: Cli = {
    child,
    stdout: "",
    stderr: "",
    exited: new Promise((resolve) =>
      child.on("close", (code, sig) => resolve(code ?? 128 + (SIGNALS[sig ?? ""] ?? 0)))
    ),
    waitStdout: (re) => wait(() => cli.stdout.match(re)),
    waitStderr: (re) => wait(() => cli.stderr.match(re)),
    kill: (signal = "SIGTERM") => signalByPid(child, signal),
  };
  let done = false;
  cli.exited.then(() => {
    done = true;
    for (const w of watchers.splice(0)) w();
  });
  const wait = (probe: () => RegExpMatchArray | null) =>
    new Promise<RegExpMatchArray>((resolve, reject) => {
      const check = () => {
        const m = probe();
        if (m) return resolve(m);
        if (done) {
          return reject(new Error(`process exited; stdout=${cli.stdout} stderr=${cli.stderr}`));
        }
        watchers.push(check);
      };
      check();
    });
  child.stdout!.on("data", (d) => {
    cli.stdout += d.toString();
    for (const w of watchers.splice(0)) w();
  });
  child.stderr!.on("data", (d) => {
    cli.stderr += d.toString();
    for (const w of watchers.splice(0)) w();
  });
  if (opts.input !== undefined) child.stdin!.end(opts.input);
  return cli;
}

/** Runs to completion and returns exit code and output. */
export async function runCliToEnd(
  args: string[],
  opts: SpawnOptions & { input?: string | Uint8Array } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const cli = runCli(args, opts);
  if (opts.input === undefined) cli.child.stdin!.end();
  const code = await cli.exited;
  return { code, stdout: cli.stdout, stderr: cli.stderr };
}

/** Starts `smtpmock` with the given flags and resolves with its port once it prints it. */
export async function startSmtpmockCli(flags: string[]): Promise<Cli & { port: number }> {
  const cli = runCli(["smtpmock", ...flags]);
  const m = await cli.waitStdout(/SMTP mock server started on port: (\d+)/);
  return Object.assign(cli, { port: Number(m[1]) });
}
