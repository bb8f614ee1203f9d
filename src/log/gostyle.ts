/**
 * go-smtp-mock's log lines: `LEVEL: YYYY/MM/DD HH:MM:SS.ffffff message` in local time, and
 * Go's `log.Fatalf` form without level and microseconds.
 */
import { localDateTime, zeroPad } from "./timestamp.ts";

const date = (d: Date) => localDateTime(d, "/");

/** Wall clock with the microseconds Go prints (from the high-resolution timer). */
function nowMicros(): { d: Date; micros: number } {
  const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  return { d: new Date(Math.floor(us / 1000)), micros: us % 1_000_000 };
}

export type GoLevel = "INFO" | "WARNING" | "ERROR";

export function goLogLine(level: GoLevel, message: string): string {
  const { d, micros } = nowMicros();
  return `${level}: ${date(d)}.${zeroPad(micros, 6)} ${message}\n`;
}

export function goFatalLine(message: string): string {
  return `${date(new Date())} ${message}\n`;
}
