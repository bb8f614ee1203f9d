/** Byte-exact text helpers: msmtpd compares bytes in the C locale, so the engine does too. */

/** The byte arrays one after the other, in a new array. */
export function concatBytes(
  parts: readonly Uint8Array[],
  length = parts.reduce((n, p) => n + p.length, 0),
): Uint8Array {
  const out = new Uint8Array(length);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Bytes as ISO-8859-1 text: one char per byte, so lengths and positions stay byte counts. */
export function latin1(bytes: Uint8Array): string {
  let s = "";
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode(...bytes.subarray(i, i + 8192));
  }
  return s;
}

/** ASCII-only upper case (`strcasecmp` in the C locale folds nothing else). */
export function asciiUpper(s: string): string {
  return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

/** `strncasecmp(line, prefix, prefix.length) == 0` for an upper-case ASCII `prefix`. */
export function hasPrefixCI(line: string, prefix: string): boolean {
  return asciiUpper(line.slice(0, prefix.length)) === prefix;
}

/** `strcasecmp(line, word) == 0` for an upper-case ASCII `word`. */
export function equalsCI(line: string, word: string): boolean {
  return line.length === word.length && asciiUpper(line) === word;
}
