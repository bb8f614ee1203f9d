/**
 * Where each mode logs (spec §6): inetd and `-f` to stderr; the detached daemon to syslog
 * facility `mail` through `logger`, or, where there is no syslog socket (containers), to
 * `MAILBOX.log` after saying so once on the starter's stderr.
 */
import { resolve } from "node:path";
import { atLeast, fileLog, stderrLog } from "../../log/mockmta.ts";
import { FACILITY, isSocket, openSyslog, syslogSocketPath } from "../../log/syslog.ts";
import type { LogFn } from "../../smtp/session.ts";
import type { MockmtaCli } from "./flags.ts";

/** A log destination with its priority filter applied. */
export interface Logging {
  log: LogFn;
  close(): Promise<void>;
}

/** `prog: message` lines on stderr. */
export function stderrLogging(cli: MockmtaCli, prog: string, write: (t: string) => void): Logging {
  return { log: atLeast(cli.priority, stderrLog(prog, write)), close: () => Promise.resolve() };
}

/** The fallback log file of a detached daemon without syslog. */
export function fallbackLogFile(mailbox: string): string {
  return `${resolve(mailbox)}.log`;
}

/** Syslog if there is a socket and `logger` runs, else the fallback file (`warn` is told). */
export async function detachedLogging(
  cli: MockmtaCli,
  warn: (message: string) => void,
): Promise<Logging> {
  const socket = syslogSocketPath();
  const file = fallbackLogFile(cli.mailbox);
  if (!isSocket(socket)) {
    warn(`no syslog socket at ${socket}; logging to ${file}`);
  } else {
    try {
      const pipe = await openSyslog(socket, { tag: "mockmta", facility: FACILITY.mail });
      return { log: atLeast(cli.priority, pipe.log), close: pipe.close };
    } catch (e) {
      warn(`cannot run logger (${(e as Error).message}); logging to ${file}`);
    }
  }
  return { log: atLeast(cli.priority, fileLog(file)), close: () => Promise.resolve() };
}
