// @ts-check
/**
 * Stopping the server the main step left running: SIGTERM to its process group, SIGKILL after a
 * grace period; `taskkill /T` (then `/F`) on Windows.
 * @module
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import process from "node:process";

/**
 * Whether `pid` is a live process. A zombie (exited, not yet reaped: the server is not our
 * child here) still answers signal 0, so on Linux /proc has the last word.
 * @param {number} pid
 * @returns {boolean}
 */
export function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return /** @type {NodeJS.ErrnoException} */ (err).code === "EPERM";
  }
  if (process.platform !== "linux") return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/**
 * Resolves true as soon as `pid` is gone, false after `ms`. Polls: an unrelated process's exit
 * cannot be awaited.
 * @param {number} pid
 * @param {number} ms
 * @returns {Promise<boolean>}
 */
async function waitGone(pid, ms) {
  const deadline = Date.now() + ms;
  while (isAlive(pid)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return true;
}

/**
 * @param {number} pid
 * @param {NodeJS.Signals} signal
 */
function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal); // the server was started detached: it leads its own group
  } catch {
    try {
      process.kill(pid, signal);
    } catch { /* already gone */ }
  }
}

/**
 * @param {string[]} args
 * @returns {Promise<void>}
 */
function taskkill(args) {
  return new Promise((resolve) =>
    execFile("taskkill", args, { windowsHide: true }, () => resolve())
  );
}

/**
 * Stops `pid` and says how.
 * @param {number} pid
 * @param {number} graceMs time between the polite request and the forced kill
 * @returns {Promise<string>} e.g. `stopped by SIGTERM`
 */
export async function stopProcess(pid, graceMs) {
  if (!isAlive(pid)) return "had already exited";
  const windows = process.platform === "win32";
  if (windows) await taskkill(["/PID", String(pid), "/T"]);
  else signalGroup(pid, "SIGTERM");
  if (await waitGone(pid, graceMs)) return windows ? "stopped by taskkill" : "stopped by SIGTERM";
  if (windows) await taskkill(["/F", "/PID", String(pid), "/T"]);
  else signalGroup(pid, "SIGKILL");
  const gone = await waitGone(pid, 5000);
  const how = windows ? "taskkill /F" : "SIGKILL";
  return gone ? `killed by ${how} after ${graceMs / 1000} s` : `still running after ${how}`;
}
