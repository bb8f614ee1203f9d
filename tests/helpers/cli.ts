/**
 * Runs the mocksmtp CLI as a child process with the runtime that runs the tests (deno test
 * → deno, bun test → bun), or with a compiled binary when MOCKSMTP_BIN is set. With
 * MOCKSMTP_VIA_LINKS=1 as well, `mocksmtp <persona> …` is run as `<persona> …`, found on PATH
 * (scripts/test.sh puts the persona symlinks there), the way existing scripts call them.
 */
import net from "node:net";
import path from "node:path";
import process from "node:process";
import { spawnWatched, type Watched, type WatchOptions } from "./process.ts";

export const ROOT = path.resolve(import.meta.dirname ?? ".", "..", "..");
const PERSONAS = ["smtpmock", "mockmta", "msmtpd"];
export const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";

/** Command and arguments that run the TypeScript file `script` with the test's runtime. */
export function scriptCommand(script: string, args: string[] = []): [string, string[]] {
  return [
    process.execPath,
    isBun ? ["run", script, ...args] : ["run", "-A", "--quiet", script, ...args],
  ];
}

/** Command and arguments that start `mocksmtp …args`. */
export function cliCommand(args: string[]): [string, string[]] {
  const bin = process.env.MOCKSMTP_BIN;
  const persona = args[0];
  if (bin && process.env.MOCKSMTP_VIA_LINKS === "1" && PERSONAS.includes(persona)) {
    return [persona, args.slice(1)];
  }
  if (bin) return [bin, args];
  return scriptCommand(path.join(ROOT, "cli.ts"), args);
}

/** A running CLI: its collected output, exit status, and signals sent by pid. */
export type Cli = Watched;

export function runCli(args: string[], opts: WatchOptions = {}): Cli {
  const [cmd, argv] = cliCommand(args);
  return spawnWatched(cmd, argv, { cwd: ROOT, stdio: ["pipe", "pipe", "pipe"], ...opts });
}

/** Runs to completion and returns exit code and output. */
export async function runCliToEnd(
  args: string[],
  opts: WatchOptions = {},
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

/** A port that was free a moment ago, for a CLI that cannot be given 0 or does not print it. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
