/**
 * Message content in the serve dialect: the DATA terminator policy and the checks of a body's
 * line endings. End of data is CRLF `.` CRLF only (RFC 5321 §4.1.1.4): a line starts only
 * after CRLF, so `\n.\n`, `\n.\r\n`, `\r.\r\n` and `.\n` never end a message and cannot
 * smuggle a second one past a server that ends data differently.
 */
import type { DataEnding } from "../framing.ts";

/** The one terminator policy of the serve dialect. */
export const SERVE_ENDING: DataEnding = Object.freeze({
  lineStart: "crlf",
  dotCrlf: true,
  dotLf: false,
  sameEnding: false,
  keepLoneDot: false,
});

const CR = 0x0d;
const LF = 0x0a;

/** The first bare line ending in `bytes`: an LF without CR before it, a CR without LF after. */
export function bareLineEnding(bytes: Uint8Array): "lf" | "cr" | null {
  for (let at = bytes.indexOf(LF); at >= 0; at = bytes.indexOf(LF, at + 1)) {
    if (at === 0 || bytes[at - 1] !== CR) return "lf";
  }
  for (let at = bytes.indexOf(CR); at >= 0; at = bytes.indexOf(CR, at + 1)) {
    if (bytes[at + 1] !== LF) return "cr";
  }
  return null;
}

/** Largest piece a refused BDAT chunk is read in while it is dropped. */
export const DROP_PIECE = 64 * 1024;
