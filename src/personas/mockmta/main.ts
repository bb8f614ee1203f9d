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
  if (detachedChild) return await runDetachedChild(cli, io.prog);
  if (cli.mode === "detach") return await startDetached(argv, io);
  const warn = (message: string) => io.stderr(`${io.prog}: ${message}\n`);
  if (cli.mode === "inetd" && cli.pidfile !== undefined) warn("-P is ignored in inetd mode");
  const tls = loadTls(cli, warn);
  const logging = stderrLogging(cli, io.prog, io.stderr);
  const code = cli.mode === "inetd"
    ? await runInetd(cli, tls, logging.log)
    : await runDaemon(cli, tls, io.prog, {
      report: (line) => io.stderr(`${line}\n`),
      log: logging.log,
      ready() {},
    });
  await flushOutput();
  return code;
}

/** The daemon behind `-d`: reports start-up problems to the starter, then logs elsewhere. */
async function runDetachedChild(cli: MockmtaCli, prog: string): Promise<number> {
  const channel = starterChannel();
  const warn = (message: string) => channel.report(`${prog}: ${message}`);
  const tls = loadTls(cli, warn);
  const logging = await detachedLogging(cli, warn);
  const code = await runDaemon(cli, tls, prog, {
    report: channel.report,
    log: logging.log,
    ready: channel.ready,
  });
  await logging.close();
  // Only a start-up failure has anything left for the starter, which is gone after `R`.
  if (code !== 0) await flushOutput();
  return code;
}
