/**
 * `mocksmtp mockmta`: GNU mockmta's command line (spec mockmta.md) mapped onto the mockmta
 * engine: inetd mode by default, `-f` foreground daemon, `-d` detached daemon. Exit status 0
 * success, 1 failure, 2 I/O timeout (inetd), 3 usage error.
 */
import { flushOutput, type ProgramIO } from "../../cli/io.ts";
import { runDaemon } from "./daemon.ts";
import { startDetached, starterChannel, takeDetachedMarker } from "./detach.ts";
import { type MockmtaCli, parseMockmtaArgs } from "./flags.ts";
import { runInetd } from "./inetd.ts";
import { detachedLogging, stderrLogging } from "./logging.ts";
import { usageText, versionText } from "./texts.ts";
import { loadTls } from "./tls.ts";
import { loadFaultRules } from "../../api/faults.ts";
import type { FaultRules } from "../../faults/rules.ts";

/** Runs the persona; resolves with the exit status. */
export async function mockmtaMain(argv: string[], io: ProgramIO): Promise<number> {
  const detachedChild = takeDetachedMarker();
  const parsed = parseMockmtaArgs(io.prog, argv);
  switch (parsed.action) {
    case "version":
      io.stdout(versionText());
      return 0;
    case "usage":
      io.stdout(usageText(io.prog));
      return 0;
    case "error":
      io.stderr(`${parsed.message}\n`);
      return 3;
  }
  const { cli } = parsed;
  // Extension: a bad rule is a usage error, reported before the daemon detaches.
  const faults = await faultsOf(cli, (line) => io.stderr(`${io.prog}: ${line}\n`));
  if (faults === null) return 3;
  if (detachedChild) return await runDetachedChild(cli, io.prog, faults);
  if (cli.mode === "detach") return await startDetached(argv, io);
  const warn = (message: string) => io.stderr(`${io.prog}: ${message}\n`);
  if (cli.mode === "inetd" && cli.pidfile !== undefined) warn("-P is ignored in inetd mode");
  const tls = loadTls(cli, warn);
  const logging = stderrLogging(cli, io.prog, io.stderr);
  const code = cli.mode === "inetd"
    ? await runInetd(cli, tls, logging.log, faults)
    : await runDaemon(cli, tls, io.prog, {
      report: (line) => io.stderr(`${line}\n`),
      log: logging.log,
      ready() {},
    }, faults);
  await flushOutput();
  return code;
}

/** The daemon behind `-d`: reports start-up problems to the starter, then logs elsewhere. */
async function runDetachedChild(
  cli: MockmtaCli,
  prog: string,
  faults: FaultRules | undefined,
): Promise<number> {
  const channel = starterChannel();
  const warn = (message: string) => channel.report(`${prog}: ${message}`);
  const tls = loadTls(cli, warn);
  const logging = await detachedLogging(cli, warn);
  const code = await runDaemon(cli, tls, prog, {
    report: channel.report,
    log: logging.log,
    ready: channel.ready,
  }, faults);
  await logging.close();
  // Only a start-up failure has anything left for the starter, which is gone after `R`.
  if (code !== 0) await flushOutput();
  return code;
}

/** The rules of `--fault`/`--faults` (none without them); `null` after reporting a bad one. */
async function faultsOf(
  cli: MockmtaCli,
  report: (line: string) => void,
): Promise<FaultRules | undefined | null> {
  if (!cli.faults) return undefined;
  try {
    return await loadFaultRules(cli.faults, cli.faultSeed);
  } catch (e) {
    report((e as Error).message);
    return null;
  }
}
