/**
 * mockmta's DATA body (spec §3.6, §5.2), read by `readData` in `../framing.ts`: ends at a line
 * holding a single `.`, removes one leading dot from every other line (RFC 5321 §4.5.2), keeps
 * line endings as sent. Past the size limit, or after an over-long line, the rest is only
 * counted until the terminator so the session stays in step with the client.
 *
 * Lines are split at every LF, but only the session's own line ending starts a new SMTP line
 * (SMTP smuggling, issue 14.3): in a session whose commands used CRLF, a line begins after
 * CRLF only, so `\n.\n`, `\n.\r\n` and `\r\n.\n` are content, never the end of the message, and a
 * dot after a bare LF is not un-stuffed. A session that has used bare LF for every command so
 * far (the mailutils testsuite style) has bare LF as its line ending, and `\n.\n` ends its data.
 */
import type { DataEnding } from "../framing.ts";

const CR = 0x0d;
const LF = 0x0a;

/** The line ending a session uses: CRLF once any command ended in it, else bare LF. */
export type LineEnding = "crlf" | "lf";

/** True when `line` ends in exactly `ending` (for `lf`: an LF without a CR before it). */
export function endsWith(line: Uint8Array, ending: LineEnding): boolean {
  const n = line.length;
  if (n === 0 || line[n - 1] !== LF) return false;
  const cr = n >= 2 && line[n - 2] === CR;
  return ending === "crlf" ? cr : !cr;
}

/** The terminator policy of a session whose line ending is `ending`. */
export const MOCKMTA_ENDING: Readonly<Record<LineEnding, DataEnding>> = {
  crlf: { lineStart: "crlf", dotCrlf: true, dotLf: false, sameEnding: false, keepLoneDot: false },
  lf: { lineStart: "lf", dotCrlf: false, dotLf: true, sameEnding: false, keepLoneDot: false },
};

/** Why a finished body cannot be delivered. */
export type BodyProblem = "line-too-long" | "too-big";
