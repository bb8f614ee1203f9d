/**
 * go-smtp-mock's log lines: `LEVEL: YYYY/MM/DD HH:MM:SS.ffffff message` in local time, and
 * Go's `log.Fatalf` form without level and microseconds.
 */
const pad = (n: number, w = 2) => String(n).padStart(w, "0");

function date(d: Date): string {
  return `${d.getFullYear()}/${pad(d.getMonth() + 1)}/${pad(d.getDate())} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** Wall clock with the microseconds Go prints (from the high-resolution timer). */
function nowMicros(): { d: Date; micros: number } {
  const us = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  return { d: new Date(Math.floor(us / 1000)), micros: us % 1_000_000 };
}

export type GoLevel = "INFO" | "WARNING" | "ERROR";

export function goLogLine(level: GoLevel, message: string): string {
  const { d, micros } = nowMicros();
  return `${level}: ${date(d)}.${pad(micros, 6)} ${message}\n`;
}

export function goFatalLine(message: string): string {
  return `${date(new Date())} ${message}\n`;
}
