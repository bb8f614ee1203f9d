/**
 * `--log=none|syslog|FILE` (spec msmtpd.md §9). File lines read
 * `YYYY-MM-DD HH:MM:SS msmtpd[PID] info|error: MESSAGE` in local time. The file is opened in
 * append mode for every line, so it may be rotated or removed while we run; when it cannot be
 * opened the line goes to syslog, after `cannot open log file, using syslog instead`.
 */
import fs from "node:fs";
import process from "node:process";
import { FACILITY, openSyslog, type SyslogPipe, syslogSocketPath } from "../../log/syslog.ts";
import { localDateTime } from "../../log/timestamp.ts";
import type { LogFn, LogLevel } from "../../smtp/session.ts";
import type { LogTarget } from "./options.ts";

/** msmtpd has two levels: everything less important than a warning is `info`. */
function isError(level: LogLevel): boolean {
  return level === "err" || level === "crit" || level === "alert" || level === "emerg" ||
    level === "warning";
}

/** One line of a msmtpd log file, newline included. */
export function logFileLine(date: Date, pid: number, level: LogLevel, message: string): string {
  return `${localDateTime(date)} msmtpd[${pid}] ${isError(level) ? "error" : "info"}: ${message}\n`;
}

/** A log destination and how to flush it before exit. */
export interface MsmtpdLog {
  log: LogFn;
  close(): Promise<void>;
}

/**
 * `openlog("msmtpd", LOG_PID, LOG_MAIL)` on first use; like syslog(3), lines are dropped
 * silently when `logger` cannot run. The socket is `MOCKSMTP_SYSLOG_SOCKET` or /dev/log.
 */
function lazySyslog(): MsmtpdLog {
  let pipe: Promise<SyslogPipe | null> | null = null;
  const open = () =>
    pipe ??= openSyslog(syslogSocketPath(), { tag: "msmtpd", facility: FACILITY.mail })
      .catch(() => null);
  return {
    // Chained on one promise, so lines keep their order while logger starts.
    log: (level, message) =>
      void open().then((p) => p?.log(isError(level) ? "err" : "info", message)),
    close: async () => {
      if (pipe) await (await pipe)?.close();
    },
  };
}

/** The log function for `--log`; `close()` flushes syslog before exit. */
export function openMsmtpdLog(target: LogTarget): MsmtpdLog {
  if (target.kind === "none") return { log: () => {}, close: () => Promise.resolve() };
  const syslog = lazySyslog();
  if (target.kind === "syslog") return syslog;
  let failing = false;
  const log: LogFn = (level, message) => {
    try {
      fs.appendFileSync(target.path, logFileLine(new Date(), process.pid, level, message));
      failing = false;
    } catch {
      if (!failing) syslog.log("err", "cannot open log file, using syslog instead");
      failing = true;
      syslog.log(level, message);
    }
  };
  return { log, close: syslog.close };
}
