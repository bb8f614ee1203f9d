/** Bytes as text, one char per byte (ISO-8859-1): lengths and positions stay byte counts. */

/** Bytes per `String.fromCharCode` call: well under any engine's argument limit. */
const SLICE = 8192;

/** Runs up to this long are copied into a reused array first (see {@link latin1}). */
const SHORT = 64;

/**
 * One reused array of char codes per length up to {@link SHORT}. `apply` reads a packed array
 * of small integers in place, where it first copies a typed array into a new list: for a
 * command line, no view and no list per call (on Deno half the time and a fifth of the
 * garbage of `apply` over a view, measured).
 */
const codes: number[][] = [];

/**
 * `bytes[from, to)` as text, no byte lost. Whole runs at once: appending char by char leaves
 * a string per char behind, and spreading goes through the iterator (four times slower than
 * `apply`, measured); no decoder call (on Deno one crosses into Rust).
 */
export function latin1(bytes: Uint8Array, from = 0, to = bytes.length): string {
  const n = to - from;
  if (n <= SHORT) {
    const run = codes[n] ??= new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) run[i] = bytes[from + i];
    return String.fromCharCode.apply(null, run);
  }
  if (n <= SLICE) return fromCodes(bytes.subarray(from, to));
  let s = "";
  for (let i = from; i < to; i += SLICE) s += fromCodes(bytes.subarray(i, Math.min(i + SLICE, to)));
  return s;
}

function fromCodes(bytes: Uint8Array): string {
  return String.fromCharCode.apply(null, bytes as unknown as number[]);
}

/** The inverse of {@link latin1}: one byte per char of `text` (its low 8 bits). */
export function latin1Bytes(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i);
  return out;
}
