/** IP address literals as a certificate's subjectAltName carries them (RFC 5280 §4.2.1.6). */

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** A name is an IP address literal (v4 dotted quad or anything with a colon). */
export function isIpLiteral(name: string): boolean {
  return IPV4.test(name) || name.includes(":");
}

/** The 4 or 16 bytes of an address literal; throws on anything else. */
export function ipBytes(literal: string): Uint8Array<ArrayBuffer> {
  const v4 = ipv4(literal);
  if (v4) return v4;
  const v6 = ipv6(literal);
  if (v6) return v6;
  throw new Error(`not an IP address: ${literal}`);
}

function ipv4(s: string): Uint8Array<ArrayBuffer> | null {
  if (!IPV4.test(s)) return null;
  const parts = s.split(".").map(Number);
  return parts.every((n) => n <= 255) ? Uint8Array.from(parts) : null;
}

/** RFC 4291 §2.2 text forms: eight groups, one `::` for a run of zeros, a dotted v4 tail. */
function ipv6(s: string): Uint8Array<ArrayBuffer> | null {
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const groups = halves.map((h) => (h === "" ? [] : h.split(":")));
  const last = groups[groups.length - 1];
  const tail = last.length ? ipv4(last[last.length - 1]) : null;
  if (tail) last.splice(last.length - 1, 1, "0", "0");
  const words: number[][] = [];
  for (const g of groups) {
    if (!g.every((w) => /^[0-9a-f]{1,4}$/i.test(w))) return null;
    words.push(g.map((w) => parseInt(w, 16)));
  }
  const given = words.reduce((n, w) => n + w.length, 0);
  if (halves.length === 1 ? given !== 8 : given > 7) return null;
  const all = halves.length === 1
    ? words[0]
    : [...words[0], ...new Array(8 - given).fill(0), ...words[1]];
  const out = new Uint8Array(16);
  all.forEach((w, i) => (out[2 * i] = w >> 8, out[2 * i + 1] = w & 0xff));
  if (tail) out.set(tail, 12);
  return out;
}
