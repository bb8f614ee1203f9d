/** Evidence text: bytes shown escaped so CR, LF and 8-bit bytes are visible in logs and JSON. */
import { EVIDENCE_BYTES } from "./limits.ts";
import { latin1 } from "../smtp/latin1.ts";

/** `bytes` as text: printable ASCII as is, `\r` `\n` `\t` `\\`, others `\xHH`. */
export function escapeBytes(bytes: Uint8Array, max = EVIDENCE_BYTES): string {
  let out = "";
  const end = Math.min(bytes.length, max);
  // Runs of printable bytes as one string each, not a string per char.
  let run = 0;
  for (let i = 0; i < end; i++) {
    const b = bytes[i];
    if (b >= 0x20 && b < 0x7f && b !== 0x5c) continue;
    if (run < i) out += latin1(bytes, run, i);
    run = i + 1;
    if (b === 0x0d) out += "\\r";
    else if (b === 0x0a) out += "\\n";
    else if (b === 0x09) out += "\\t";
    else if (b === 0x5c) out += "\\\\";
    else out += "\\x" + b.toString(16).padStart(2, "0");
  }
  if (run < end) out += latin1(bytes, run, end);
  return bytes.length > max ? out + "…" : out;
}

/**
 * The escaped bytes of the line that holds `at`, through its LF, quoted: from the line's
 * start (`lineStart`) when `at` is near it, at most {@link EVIDENCE_BYTES}, `…` where cut.
 */
export function excerpt(bytes: Uint8Array, at: number, lineStart = at): string {
  const from = Math.max(lineStart, at - EVIDENCE_BYTES / 2, 0);
  const lf = bytes.indexOf(0x0a, at);
  const lineEnd = lf < 0 ? bytes.length : lf + 1;
  const to = Math.min(lineEnd, from + EVIDENCE_BYTES);
  return `"${from > lineStart ? "…" : ""}${escapeBytes(bytes.subarray(from, to))}${
    to < lineEnd ? "…" : ""
  }"`;
}
