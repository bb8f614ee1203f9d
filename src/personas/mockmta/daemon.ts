/**
 * Daemon mode (spec §2): listen (127.0.0.1:25 unless `-p`), serve sessions concurrently with
 * one message counter, write the pidfile, and stop cleanly (exit 0) on SIGTERM or SIGINT.
 * Used in the foreground (`-f`) and by the detached child of `-d`.
 */
import { MockmtaServer } from "../../api/mockmta.ts";
import { onStopSignals } from "../../cli/io.ts";
import { errorMessage, strerror } from "../../net/errno.ts";
import { ListenError, type TlsOptions } from "../../net/types.ts";
import { hostPort } from "../../smtp/reply.ts";
import type { LogFn } from "../../smtp/session.ts";
import type { MockmtaCli } from "./flags.ts";
import { removePidfile, writePidfile } from "./pidfile.ts";
import type { FaultRules } from "../../faults/rules.ts";

/** Where a daemon reports. */
export interface DaemonIO {
  /** A start-up failure, as one `prog: message` line without newline. */
  report(line: string): void;
  log: LogFn;
  /** Called once the listener is up and the pidfile written. */
  ready(): void;
}

/** The C library's wording for a bind failure, as the ancestor printed it (`bind: %m`). */
export function bindErrorText(e: ListenError): string {
  return strerror(e.code) ?? e.message;
}

/** Runs the daemon until a stop signal; resolves with the exit status. */
export async function runDaemon(
  cli: MockmtaCli,
  tls: TlsOptions | undefined,
  prog: string,
  io: DaemonIO,
  faults?: FaultRules,
): Promise<number> {
  let server: MockmtaServer;
  try {
    server = await MockmtaServer.start({
      host: cli.host,
      port: cli.port,
      mailbox: cli.mailbox,
      tls,
      timeout: cli.timeout,
      log: io.log,
      keepMessages: false,
      ...(faults && { faults }),
      ...(cli.lint && { lint: true }),
    });
  } catch (e) {
    if (!(e instanceof ListenError)) throw e;
    io.report(`${prog}: bind: ${bindErrorText(e)}`);
    return 1;
  }
  if (cli.pidfile !== undefined) {
    try {
      writePidfile(cli.pidfile);
    } catch (e) {
      io.report(`${prog}: cannot write ${cli.pidfile}: ${errorMessage(e)}`);
      await server.stop();
      return 1;
    }
  }
  const stopped = new Promise<void>((resolve) => {
    const off = onStopSignals(["SIGINT", "SIGTERM"], () => {
      off();
      resolve();
    });
  });
  io.log("notice", `listening on ${hostPort({ hostname: server.hostname, port: server.port })}`);
  io.ready();
  await stopped;
  await server.stop(); // waits for a delivery under way, so the mailbox is left whole
  if (cli.pidfile !== undefined) removePidfile(cli.pidfile);
  io.log("notice", "stopped");
  return 0;
}
