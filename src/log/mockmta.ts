/**
 * mockmta's logging (spec mockmta.md §6): `-l PRIO` keeps messages of that syslog priority and
 * more important ones; lines go to stderr (`mockmta: message`), to syslog, or to a file.
 */
import { appendFileSync } from "node:fs";
import process from "node:process";
import type { LogFn, LogLevel } from "../smtp/session.ts";

/** The eight syslog priorities, most important first (their index is the syslog severity). */
export const PRIORITIES: readonly LogLevel[] = [
  "emerg",
  "alert",
  "crit",
  "err",
  "warning",
  "notice",
  "info",
  "debug",
];

/** True when `name` is one of {@link PRIORITIES}. */
export function isPriority(name: string): name is LogLevel {
  return (PRIORITIES as readonly string[]).includes(name);
}

/** The syslog severity number of a level (0 = emerg … 7 = debug). */
export function severity(level: LogLevel): number {
  return PRIORITIES.indexOf(level);
}

/** Passes on what is at least as important as `threshold`. */
export function atLeast(threshold: LogLevel, write: LogFn): LogFn {
  const max = severity(threshold);
  return (level, message) => {
    if (severity(level) <= max) write(level, message);
  };
}

/** Log lines hold one line each: control characters would forge or split entries. */
export function oneLine(message: string): string {
  // deno-lint-ignore no-control-regex
  return message.replace(/[\x00-\x1f\x7f]/g, " ");
}

/** `prog: message` lines through `write` (the ancestor's stderr diagnostics). */
export function stderrLog(prog: string, write: (text: string) => void): LogFn {
  return (_level, message) => write(`${prog}: ${oneLine(message)}\n`);
}

/**
 * Appends `2026-01-02T03:04:05Z mockmta[PID] LEVEL: message` lines to `path` (created 0600).
 * Synchronous, so lines are never lost when the process is stopped; failures are dropped.
 */
export function fileLog(path: string, tag = "mockmta"): LogFn {
  return (level, message) => {
    const stamp = new Date().toISOString().replace(/\.\d+Z$/, "Z");
    try {
      appendFileSync(path, `${stamp} ${tag}[${process.pid}] ${level}: ${oneLine(message)}\n`, {
        mode: 0o600,
      });
    } catch {
      // Nowhere left to report it.
    }
  };
}
