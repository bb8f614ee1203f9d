/** `-P FILE`: the daemon's PID, written once it listens and removed when it stops cleanly. */
import { readFileSync, unlinkSync, writeFileSync } from "node:fs";
import process from "node:process";

/** Writes `PID\n` to `path` (replacing a stale file). Throws on failure. */
export function writePidfile(path: string): void {
  writeFileSync(path, `${process.pid}\n`, { mode: 0o644 });
}

/** Removes `path` if it still names this process; never throws. */
export function removePidfile(path: string): void {
  try {
    if (readFileSync(path, "utf8").trim() === String(process.pid)) unlinkSync(path);
  } catch {
    // Already gone or not ours.
  }
}
