/**
 * One pass over a message's bytes that finds where each byte-level rule would first fire
 * (bare LF, bare CR, 8-bit, an over-long line; a smuggling `.` line only where there is a
 * bare line ending). Clean mail, the common case in `serve`, costs this pass (four bytes at
 * a time for the most part) and nothing else: evidence, line numbers and counts are worked
 * out only for what it found.
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

/** Shorter data is read byte by byte (copying it to read words would cost more). */
export const WORDS_FROM = 64;

/** Every byte's high bit, in a word. */
const HIGH = 0x80808080 | 0;
/** LF and CR are below 0x0e. */
const BELOW = 0x0e0e0e0e;

/**
 * Where data is copied to be read as words, a piece at a time. A copy, not a view of the
 * data's own buffer: on Bun, asking a byte array for its buffer makes one for it, which then
 * stays with the stored message (~370 bytes each).
 */
const PIECE = 16384;
const pieceWords = new Int32Array(PIECE / 4);
const pieceBytes = new Uint8Array(pieceWords.buffer);

/** What a scan found so far: one object for every scan (a scan never runs inside another). */
const found = {
  bareLf: -1,
  bareCr: -1,
  eightBit: -1,
  longLineAt: -1,
  longLineLength: 0,
  /** Where the line being read starts. */
  lineStart: 0,
};

/**
 * Scans `bytes` once; see {@link ByteScan}. Four bytes at a time: a word with no byte below
 * 0x0e and no 8-bit byte (while none was found) changes nothing, and in mail most words are
 * such; the bytes of the others are read one by one. `wordsFrom`: the length from which
 * words are read (tests lower it).
 */
export function scanBytes(bytes: Uint8Array, wordsFrom = WORDS_FROM): ByteScan {
  found.bareLf = -1;
  found.bareCr = -1;
  found.eightBit = -1;
  found.longLineAt = -1;
  found.longLineLength = 0;
  found.lineStart = 0;
  const n = bytes.length;
  if (n < wordsFrom) scanRange(bytes, 0, n);
  else {
    let high = HIGH;
    for (let from = 0; from < n; from += PIECE) {
      const length = Math.min(PIECE, n - from);
      // Whole data as it is (most messages): no view of it made.
      pieceBytes.set(length === n ? bytes : bytes.subarray(from, from + length));
      const count = length >>> 2;
      for (let w = 0; w < count; w++) {
        const x = pieceWords[w];
        // A byte below 0x0e: the lowest such sets its high bit in `x - BELOW` (a borrow
        // into it, none past it), which `~x` keeps only for bytes < 0x80 (Bit Twiddling
        // Hacks' hasless); `x & high`: an 8-bit byte, until the first is found.
        if ((((x - BELOW) & ~x & HIGH) | (x & high)) === 0) continue;
        const at = from + 4 * w;
        scanRange(bytes, at, at + 4);
        if (found.eightBit >= 0) high = 0;
      }
      scanRange(bytes, from + 4 * count, from + length);
    }
  }
  const { bareLf, bareCr, eightBit, lineStart } = found;
  let { longLineAt, longLineLength } = found;
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

/** The scan of `bytes[from, to)`, byte by byte, into {@link found}. */
function scanRange(bytes: Uint8Array, from: number, to: number): void {
  let { bareLf, bareCr, eightBit, longLineAt, longLineLength, lineStart } = found;
  for (let i = from; i < to; i++) {
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
  found.bareLf = bareLf;
  found.bareCr = bareCr;
  found.eightBit = eightBit;
  found.longLineAt = longLineAt;
  found.longLineLength = longLineLength;
  found.lineStart = lineStart;
}

/** Offset of the first `.` for which {@link smuggledDotAt} holds, or -1. */
export function firstSmuggledDot(bytes: Uint8Array): number {
  for (let i = bytes.indexOf(DOT); i >= 0; i = bytes.indexOf(DOT, i + 1)) {
    if (smuggledDotAt(bytes, i)) return i;
  }
  return -1;
}
