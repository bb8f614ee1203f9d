/**
 * Message IDs in the shape Mailpit's clients expect: a random UUID written in shortuuid's
 * base57 alphabet (no look-alike characters 0, 1, I, O, l), always 22 characters.
 */

const ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
const LENGTH = 22;
/** Random bytes are fetched for this many IDs at once: each fetch is a call into the runtime. */
const BATCH = 256;
const pool = new Uint8Array(16 * BATCH);
let taken = pool.length;
/** The alphabet's char codes. */
const CODES = Array.from(ALPHABET, (c) => c.charCodeAt(0));
/**
 * The digits' char codes, reused for every ID (one string made, no array per ID): a packed
 * array of small integers, which `String.fromCharCode.apply` reads in place.
 */
const digits = Array.from({ length: LENGTH }, () => 0);
/** The number as four 32-bit limbs, most significant first: reused, no array per ID. */
const limbs = new Float64Array(4);

/**
 * A new random ID: 22 characters of base57 carrying a version-4 UUID's 122 random bits.
 * The 128-bit number is divided as four 32-bit limbs: a remainder times 2^32 plus a limb
 * stays below 2^38, exact in a double, where BigInt division allocated on every digit.
 */
export function newId(): string {
  if (taken === pool.length) {
    crypto.getRandomValues(pool);
    taken = 0;
  }
  const at = taken;
  taken += 16;
  pool[at + 6] = (pool[at + 6] & 0x0f) | 0x40;
  pool[at + 8] = (pool[at + 8] & 0x3f) | 0x80;
  for (let i = 0; i < 4; i++) {
    const j = at + 4 * i;
    limbs[i] = ((pool[j] << 24) >>> 0) + ((pool[j + 1] << 16) | (pool[j + 2] << 8) | pool[j + 3]);
  }
  for (let d = LENGTH - 1; d >= 0; d--) {
    let rest = 0;
    for (let i = 0; i < 4; i++) {
      const n = rest * 0x1_0000_0000 + limbs[i];
      limbs[i] = Math.floor(n / 57);
      rest = n - limbs[i] * 57;
    }
    digits[d] = CODES[rest];
  }
  return String.fromCharCode.apply(null, digits);
}

/** Whether `s` could be an ID made by {@link newId}. */
export function isId(s: string): boolean {
  if (s.length !== LENGTH) return false;
  for (const c of s) if (!ALPHABET.includes(c)) return false;
  return true;
}
