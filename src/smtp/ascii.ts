/**
 * Short byte runs as text without a decoder call: on Deno each `TextDecoder.decode` crosses
 * into Rust, which costs more than building a command-sized string in JavaScript. Only ASCII
 * takes the fast path, where every decoding (UTF-8, Latin-1, windows-1252) gives the same text.
 */

/** Longest run built in JavaScript; longer ones go to the decoder. */
const MAX_FAST = 1024;

/**
 * `bytes[from, to)` as text: the same string `decoder.decode` gives, built directly when the
 * run is short and all ASCII.
 */
export function decodeShort(
  decoder: TextDecoder,
  bytes: Uint8Array,
  from = 0,
  to = bytes.length,
): string {
  if (to - from > MAX_FAST) return decoder.decode(bytes.subarray(from, to));
  for (let i = from; i < to; i++) {
    if (bytes[i] >= 0x80) return decoder.decode(bytes.subarray(from, to));
  }
  // fromCharCode takes array-likes: a typed array's bytes are its char codes.
  return String.fromCharCode.apply(null, bytes.subarray(from, to) as unknown as number[]);
}
