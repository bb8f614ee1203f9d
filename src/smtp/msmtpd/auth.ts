/**
 * AUTH PLAIN as msmtpd checks it (spec msmtpd.md §5.3) and its brute-force brake: the
 * server-wide window during which every new session answers AUTH only after one second.
 */
import type { Clock } from "../clock.ts";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const VALUE = new Map([...ALPHABET].map((c, i) => [c, i]));

/**
 * Strict base64 (gnulib's `base64_decode_ctx` without a context): alphabet only, length a
 * multiple of four, `=` only as one or two final padding characters, and zero bits where the
 * padding leaves some over. `null` when any rule is broken; `""` decodes to zero bytes.
 */
export function decodeBase64Strict(text: string): Uint8Array | null {
  if (text.length % 4 !== 0) return null;
  const pad = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const last = i + 4 === text.length;
    let n = 0;
    for (let k = 0; k < 4; k++) {
      const c = text[i + k];
      const v = VALUE.get(c);
      if (v === undefined && !(last && c === "=" && k >= 4 - pad)) return null;
      n = (n << 6) | (v ?? 0);
    }
    const bytes = [(n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff];
    if (last && pad > 0 && bytes.slice(3 - pad).some((b) => b !== 0)) return null;
    for (const b of bytes.slice(0, last ? 3 - pad : 3)) out[o++] = b;
  }
  return out;
}

const encoder = new TextEncoder();

/**
 * True when `decoded` is `authzid NUL user NUL password` with exactly the configured user and
 * password (byte for byte). The authzid may be anything without NUL and is ignored, as since
 * msmtpd 1.8.25.
 */
export function plainCredentialsMatch(
  decoded: Uint8Array,
  user: string,
  password: string,
): boolean {
  const nul = decoded.indexOf(0);
  if (nul < 0) return false;
  const expected = encoder.encode(`${user}\0${password}`);
  const rest = decoded.subarray(nul + 1);
  if (rest.length !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < rest.length; i++) diff |= rest[i] ^ expected[i];
  return diff === 0;
}

/** msmtpd's AUTH_DELAY_SECONDS, in milliseconds. */
export const AUTH_DELAY_MS = 1000;
/** msmtpd's AUTH_DELAY_EXPIRATION_SECONDS, in milliseconds. */
export const AUTH_DELAY_WINDOW_MS = 60_000;

/**
 * Remembers when the last session that failed authentication ended (daemon mode, shared by all
 * sessions). A session asks {@link armed} once, when it starts: within the window its AUTH
 * answer is delayed, whatever the credentials — so a failure never delays its own answer.
 */
export class AuthFailureWindow {
  #lastFailure: number | null = null;

  constructor(private readonly clock: Clock, private readonly windowMs = AUTH_DELAY_WINDOW_MS) {}

  /** A session ended with an authentication failure just now. */
  failed(): void {
    this.#lastFailure = this.clock.now();
  }

  /** Whether a session starting now must delay its AUTH answer. */
  armed(): boolean {
    return this.#lastFailure !== null && this.clock.now() - this.#lastFailure <= this.windowMs;
  }
}
