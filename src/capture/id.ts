/**
 * Message IDs in the shape Mailpit's clients expect: a random UUID written in shortuuid's
 * base57 alphabet (no look-alike characters 0, 1, I, O, l), always 22 characters.
 */

const ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const LENGTH = 22;

/** A new random ID: 22 characters of base57 carrying a version-4 UUID's 122 random bits. */
export function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = "";
  for (let i = 0; i < LENGTH; i++) {
    out = ALPHABET[Number(n % 57n)] + out;
    n /= 57n;
  }
  return out;
}

/** Whether `s` could be an ID made by {@link newId}. */
export function isId(s: string): boolean {
  if (s.length !== LENGTH) return false;
  for (const c of s) if (!ALPHABET.includes(c)) return false;
  return true;
}
