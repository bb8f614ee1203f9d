/**
 * One pass over a message's bytes that finds where each byte-level rule would first fire
 * (bare LF, bare CR, 8-bit, an over-long line; a smuggling `.` line only where there is a
 * bare line ending). Clean mail, the common case in `serve`, costs this loop and nothing
 * else: evidence, line numbers and counts are worked out only for what it found.
 */

const LF = 0x0a;
const CR = 0x0d;
const DOT = 0x2e;

/** Longest line RFC 5322 §2.1.1 allows, CRLF excluded. */
export const MAX_LINE = 998;

/** First offsets of what the byte-level rules look for; -1 where there is none. */
export interface ByteScan {
  /** The first LF not after a CR. */
  readonly bareLf: number;
  /** The first CR not before an LF. */
  readonly bareCr: number;
  /** The first `.` alone on a line where a line ending around it is bare. */
  readonly smuggledDot: number;
  /** The first byte ≥ 0x80. */
  readonly eightBit: number;
  /** Where the first line longer than {@link MAX_LINE} octets starts, and its length. */
  readonly longLineAt: number;
  readonly longLineLength: number;
}

/**
 * Whether the `.` at `i` is alone on a line with a bare line ending before or after it
 * (`\n.\n`, `\r\n.\n`, `\r.\r\n`, …). Data starts after DATA's CRLF, so offset 0 counts as
 * the start of a CRLF-ended line.
 */
export function smuggledDotAt(bytes: Uint8Array, i: number): boolean {
  const next = bytes[i + 1];
  if (next !== CR && next !== LF) return false;
  const afterCrlf = next === CR && bytes[i + 2] === LF;
  if (i === 0) return !afterCrlf;
  const before = bytes[i - 1];
  if (before === LF) return !(i >= 2 && bytes[i - 2] === CR) || !afterCrlf;
  return before === CR; // a `.` after a bare CR; any other byte: not alone on its line
}

/** Scans `bytes` once; see {@link ByteScan}. */
export function scanBytes(bytes: Uint8Array): ByteScan {
  let bareLf = -1;
  let bareCr = -1;
  let eightBit = -1;
  let longLineAt = -1;
  let longLineLength = 0;
  let lineStart = 0;
  const n = bytes.length;
  for (let i = 0; i < n; i++) {
    const b = bytes[i];
    if (b > CR) {
      if (b >= 0x80 && eightBit < 0) eightBit = i;
    } else if (b === LF) {
      const crlf = i > 0 && bytes[i - 1] === CR;
      if (!crlf && bareLf < 0) bareLf = i;
      const length = (crlf ? i - 1 : i) - lineStart;
      if (length > MAX_LINE && longLineAt < 0) {
        longLineAt = lineStart;
        longLineLength = length;
      }
      lineStart = i + 1;
    } else if (b === CR && bareCr < 0 && bytes[i + 1] !== LF) bareCr = i;
  }
  // The last line, when the bytes do not end with LF (a trailing CR is not counted).
  const tail = (n > lineStart && bytes[n - 1] === CR ? n - 1 : n) - lineStart;
  if (tail > MAX_LINE && longLineAt < 0) {
    longLineAt = lineStart;
    longLineLength = tail;
  }
  // A smuggling `.` has a bare CR or LF next to it (smuggledDotAt), so only data with one
  // is searched for it: clean data is not looked at per dot.
  const smuggledDot = bareLf < 0 && bareCr < 0 ? -1 : firstSmuggledDot(bytes);
  return { bareLf, bareCr, smuggledDot, eightBit, longLineAt, longLineLength };
}

/** Offset of the first `.` for which {@link smuggledDotAt} holds, or -1. */
export function firstSmuggledDot(bytes: Uint8Array): number {
  for (let i = bytes.indexOf(DOT); i >= 0; i = bytes.indexOf(DOT, i + 1)) {
    if (smuggledDotAt(bytes, i)) return i;
  }
  return -1;
}
