/**
 * The 8-bit and Unicode family: 8-bit data without BODY=8BITMIME (RFC 6152), non-ASCII
 * addresses without SMTPUTF8 (RFC 6531), raw 8-bit header bytes without SMTPUTF8 (RFC 6532).
 */
import type { EsmtpParams } from "../smtp/params.ts";
import type { Finding } from "./finding.ts";
import { finding } from "./catalogue.ts";
import { excerpt } from "./escape.ts";
import { lineAt, lineStartOf } from "./line_endings.ts";

/** Whether the MAIL parameters allow 8-bit content: BODY=8BITMIME/BINARYMIME or SMTPUTF8. */
export function allows8bit(params: EsmtpParams | undefined): boolean {
  const body = params?.BODY;
  return (typeof body === "string" && /^(8bitmime|binarymime)$/i.test(body)) ||
    params?.SMTPUTF8 !== undefined;
}

/** Offset of the first byte ≥ 0x80, or -1 (a plain loop: no callback per byte). */
export function first8bit(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; i++) if (bytes[i] >= 0x80) return i;
  return -1;
}

/**
 * `8bit-without-8bitmime` and `raw-8bit-header` of a message's data; `eightBitAt`: its first
 * byte ≥ 0x80 when already known (a {@link scanBytes} of it).
 */
export function eightBitFindings(
  data: Uint8Array,
  params: EsmtpParams | undefined,
  headerEightBitAt: number,
  eightBitAt: number = first8bit(data),
): Finding[] {
  const out: Finding[] = [];
  if (eightBitAt < 0 && headerEightBitAt < 0) return out;
  if (!allows8bit(params)) {
    const at = eightBitAt;
    if (at >= 0) {
      const line = lineAt(data, at);
      out.push(finding(
        "8bit-without-8bitmime",
        `line ${line}: ${
          excerpt(data, at, lineStartOf(data, at))
        } (MAIL FROM had no BODY=8BITMIME)`,
        line,
      ));
    }
  }
  if (headerEightBitAt >= 0 && params?.SMTPUTF8 === undefined) {
    const line = lineAt(data, headerEightBitAt);
    out.push(finding(
      "raw-8bit-header",
      `line ${line}: ${excerpt(data, headerEightBitAt, lineStartOf(data, headerEightBitAt))}`,
      line,
    ));
  }
  return out;
}

/** Whether an address (as the client wrote it) has a byte ≥ 0x80. */
export function nonAscii(address: Uint8Array): boolean {
  return first8bit(address) >= 0;
}
