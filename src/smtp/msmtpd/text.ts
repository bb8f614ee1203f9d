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
