/**
 * Syslog for runtimes without unix datagram sockets (Deno, Bun): a `logger` process (Debian
 * bsdutils / util-linux) reads our lines on a pipe and sends each to the syslog socket with
 * the priority given in its `<N>` prefix (`--prio-prefix`).
 */
import { spawn } from "node:child_process";
import { statSync } from "node:fs";
import process from "node:process";
import type { Writable } from "node:stream";
import type { LogFn, LogLevel } from "../smtp/session.ts";
import { oneLine, severity } from "./mockmta.ts";

/** Where syslog listens, unless `MOCKSMTP_SYSLOG_SOCKET` names another socket. */
export const DEFAULT_SYSLOG_SOCKET = "/dev/log";

/** Syslog facility numbers we use. */
export const FACILITY = { mail: 2 } as const;

/** The syslog socket path in effect. */
export function syslogSocketPath(): string {
  return process.env.MOCKSMTP_SYSLOG_SOCKET || DEFAULT_SYSLOG_SOCKET;
}

/** True when `path` exists and is a socket. */
export function isSocket(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

/** The `<PRI>` prefix of a line: facility × 8 + severity. */
export function priPrefix(facility: number, level: LogLevel): string {
  return `<${facility * 8 + severity(level)}>`;
}

/** A running `logger` and the log function that feeds it. */
export interface SyslogPipe {
  log: LogFn;
  /** Ends the pipe (resolving once our lines are handed over); `logger` then exits. */
  close(): Promise<void>;
}

/**
 * Starts `logger` for `socket`, tagging lines `tag[pid]` in facility `facility`. Rejects when
 * `logger` cannot be started (not installed).
 */
export function openSyslog(
  socket: string,
  options: { tag: string; facility: number },
): Promise<SyslogPipe> {
  const child = spawn(
    "logger",
    ["--prio-prefix", "-t", options.tag, `--id=${process.pid}`, "-u", socket],
    { stdio: ["pipe", "ignore", "ignore"] },
  );
  const input = child.stdin as Writable;
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.once("spawn", () => {
      child.off("error", reject);
      child.on("error", () => {});
      input.on("error", () => {}); // logger gone: lines are lost, the daemon carries on
      resolve({
        log: (level, message) => {
          if (input.writable) {
            input.write(`${priPrefix(options.facility, level)}${oneLine(message)}\n`);
          }
        },
        close: () =>
          new Promise<void>((done) => {
            const timer = setTimeout(done, 1000); // a stuck logger must not hold up the exit
            input.end(() => {
              clearTimeout(timer);
              done();
            });
          }),
      });
    });
  });
}
