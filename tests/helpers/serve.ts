/**
 * Starts `mocksmtp serve` through tests/helpers/cli.ts (so the binary run repeats it) on free
 * ports, and reads its start line: SMTP port, SMTPS port, HTTP URL, CA file.
 */
import { type Cli, runCli } from "./cli.ts";

/** A running `mocksmtp serve` and what its start line said. */
export interface ServeCli extends Cli {
  smtpPort: number;
  /** 0 without `--smtps`. */
  smtpsPort: number;
  /** `http://127.0.0.1:N`, or `""` without an HTTP API. */
  url: string;
  /** The minted CA's file, or `""` with the caller's own certificate. */
  caFile: string;
  /** The whole start line. */
  line: string;
}

const START =
  /mocksmtp serve: SMTP on (\S+):(\d+)(?: \(implicit TLS\))?(?:, SMTPS on \S+:(\d+))?(?:, HTTP on (\S+))?(?:, CA (\S+))?\n/;

/**
 * `mocksmtp serve` with SMTP and HTTP on free loopback ports (unless `flags` name them) and
 * `flags`; resolves once the start line is out.
 */
export async function startServeCli(flags: string[] = []): Promise<ServeCli> {
  const args = ["serve"];
  if (!flags.some((f) => f.startsWith("--smtp=") || f === "--smtp")) {
    args.push("--smtp=127.0.0.1:0");
  }
  if (!flags.some((f) => f.startsWith("--listen"))) args.push("--listen=127.0.0.1:0");
  const cli = runCli([...args, ...flags]);
  const m = await cli.waitStdout(START);
  return Object.assign(cli, {
    smtpPort: Number(m[2]),
    smtpsPort: Number(m[3] ?? 0),
    url: m[4] ?? "",
    caFile: m[5] ?? "",
    line: m[0],
  });
}

/** SIGTERM, then the exit status. */
export async function stopServe(cli: Cli, signal: NodeJS.Signals = "SIGTERM"): Promise<number> {
  cli.kill(signal);
  return await cli.exited;
}
