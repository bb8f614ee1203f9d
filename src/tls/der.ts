/**
 * The few DER (ITU-T X.690) encodings a certificate needs, each a complete TLV. Small on
 * purpose: minting loads this in the server's own thread, where a general X.509 library cost
 * ~50 ms of evaluation and a worker to hide it, and that worker's memory stayed with the process.
 */

export type Der = Uint8Array<ArrayBuffer>;

const SEQUENCE = 0x30;
const SET = 0x31;

/** Type, length (short or long form) and the value's bytes. */
export function tlv(tag: number, ...value: Der[]): Der {
  const n = value.reduce((sum, v) => sum + v.length, 0);
  const len: number[] = [];
  if (n < 0x80) len.push(n);
  else {
    for (let rest = n; rest > 0; rest = Math.floor(rest / 256)) len.unshift(rest % 256);
    len.unshift(0x80 | len.length);
  }
  const out = new Uint8Array(1 + len.length + n);
  out[0] = tag;
  out.set(len, 1);
  let at = 1 + len.length;
  for (const v of value) (out.set(v, at), at += v.length);
  return out;
}

export const sequence = (...items: Der[]): Der => tlv(SEQUENCE, ...items);
export const set = (...items: Der[]): Der => tlv(SET, ...items);
/** `[n]` wrapping a whole encoding (EXPLICIT tagging). */
export const explicit = (n: number, inner: Der): Der => tlv(0xa0 | n, inner);
export const octets = (bytes: Der): Der => tlv(0x04, bytes);
export const utf8 = (s: string): Der => tlv(0x0c, new TextEncoder().encode(s));
export const boolean = (b: boolean): Der => tlv(0x01, Uint8Array.of(b ? 0xff : 0));

/** A BIT STRING of whole bytes (no unused bits). */
export const bits = (bytes: Der): Der => tlv(0x03, Uint8Array.of(0), bytes);

/** A non-negative INTEGER from its big-endian magnitude (leading zeros dropped, sign kept). */
export function unsigned(magnitude: Der): Der {
  let i = 0;
  while (i < magnitude.length - 1 && magnitude[i] === 0) i++;
  const trimmed = magnitude.subarray(i);
  return trimmed[0] & 0x80 ? tlv(0x02, Uint8Array.of(0), trimmed) : tlv(0x02, trimmed);
}

export const small = (n: number): Der => unsigned(Uint8Array.of(n));

/** An OBJECT IDENTIFIER from its dotted form. */
export function oid(dotted: string): Der {
  const [a, b, ...rest] = dotted.split(".").map(Number);
  const out = [40 * a + b];
  for (const arc of rest) {
    const base128 = [arc & 0x7f];
    for (let v = Math.floor(arc / 128); v > 0; v = Math.floor(v / 128)) {
      base128.unshift(0x80 | (v & 0x7f));
    }
    out.push(...base128);
  }
  return tlv(0x06, Uint8Array.from(out));
}

/** UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 §4.1.2.5), to the second. */
export function time(t: Date): Der {
  const iso = t.toISOString(); // 2026-12-01T19:15:21.123Z
  const digits = iso.slice(0, 19).replace(/[-T:]/g, "") + "Z"; // 20261201191521Z
  const utc = t.getUTCFullYear() < 2050;
  return tlv(utc ? 0x17 : 0x18, new TextEncoder().encode(utc ? digits.slice(2) : digits));
}

/** A PEM block: base64 of `der` in lines of 64, between BEGIN and END lines of `label`. */
export function pem(label: string, der: Der): string {
  let binary = "";
  for (let i = 0; i < der.length; i += 0x8000) {
    binary += String.fromCharCode(...der.subarray(i, i + 0x8000));
  }
  const lines = btoa(binary).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----`;
}
