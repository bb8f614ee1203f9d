/**
 * The two password sources of `--auth` (msmtp's `password_eval` and `getpass`), run
 * synchronously while the command line is parsed, as msmtpd does.
 */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import type { PasswordSources } from "./options.ts";

const LF = 0x0a;
const CR = 0x0d;

/**
 * The first line `sh -c cmd` prints, without its LF and then one CR; `null` when it printed
 * nothing or could not run. Its exit status is ignored, as msmtp ignores it. The command reads
 * /dev/null: in inetd mode our stdin is the SMTP client.
 */
export function evaluatePassword(cmd: string): string | null {
  const r = spawnSync("/bin/sh", ["-c", cmd], {
    stdio: ["ignore", "pipe", "inherit"],
    maxBuffer: 64 * 1024 * 1024,
  });
  const out: Uint8Array | null = r.stdout ?? null;
  if (!out || out.length === 0) return null;
  let end = out.indexOf(LF);
  if (end < 0) end = out.length;
  else if (end > 0 && out[end - 1] === CR) end--;
  const nul = out.subarray(0, end).indexOf(0); // a C string ends there
  return new TextDecoder().decode(out.subarray(0, nul < 0 ? end : nul));
}

/** `stty` on the controlling terminal (through the shell: it opens /dev/tty itself). */
function stty(setting: string): void {
  spawnSync("/bin/sh", ["-c", `stty ${setting} < /dev/tty`], { stdio: "ignore" });
}

/**
 * Asks `password for USER at localhost: ` on the controlling terminal with echo off and reads one
 * line; `null` without a terminal or at end of input before any character.
 */
export function promptPassword(user: string): string | null {
  let fd: number;
  try {
    fd = fs.openSync("/dev/tty", "r+");
  } catch {
    return null;
  }
  const bytes: number[] = [];
  let eof = false;
  try {
    stty("-echo"); // before the prompt, as getpass(3): nothing typed after it is echoed
    fs.writeSync(fd, `password for ${user} at localhost: `);
    const one = new Uint8Array(1);
    for (;;) {
      if (fs.readSync(fd, one, 0, 1, null) === 0) {
        eof = bytes.length === 0;
        break;
      }
      if (one[0] === LF) break;
      bytes.push(one[0]);
    }
  } catch {
    eof = true;
  } finally {
    stty("echo");
    try {
      fs.writeSync(fd, "\n");
      fs.closeSync(fd);
    } catch { /* terminal gone */ }
  }
  return eof ? null : new TextDecoder().decode(new Uint8Array(bytes));
}

/** The real sources. */
export const systemPasswords: PasswordSources = {
  evaluate: evaluatePassword,
  prompt: promptPassword,
};
