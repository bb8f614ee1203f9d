/** Unique file names for sinks that write one file per message (Maildir, .eml). */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";

let counter = 0;
/**
 * The host part, read once (not a system call per message). "/" and ":" would break the path or
 * Maildir's info suffix; hosts rarely have them.
 */
let safeHost: string | undefined;
/** Random per process: two processes started in the same microsecond still differ. */
const processTag = randomBytes(4).toString("hex");

/**
 * A name no other delivery of this or another process uses: the Maildir convention
 * `seconds.M<µs>P<pid>Q<n>R<random>.<host>` (cr.yp.to/proto/maildir.html), built from the
 * message's arrival time, the process, a counter and randomness.
 */
export function uniqueMessageName(at: Date, pid: number): string {
  const ms = at.getTime();
  const seconds = Math.floor(ms / 1000);
  const micros = (ms % 1000) * 1000;
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  const host = safeHost ??= hostname().replace(/\//g, "\\057").replace(/:/g, "\\072") ||
    "localhost";
  return `${seconds}.M${micros}P${pid}Q${counter}R${processTag}.${host}`;
}
