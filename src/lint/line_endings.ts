/**
 * The line-endings family: bare LF, bare CR and the `.` lines that smuggling attacks use
 * (RFC 5321 §2.3.8, §4.1.1.4), in command lines and in message data.
 */
import type { Finding } from "./finding.ts";
import { finding } from "./catalogue.ts";
import { escapeBytes, excerpt } from "./escape.ts";
import { type ByteScan, scanBytes } from "./scan.ts";

const LF = 0x0a;
const CR = 0x0d;

/** The 1-based line of `bytes` that holds offset `at`. */
export function lineAt(bytes: Uint8Array, at: number): number {
  let line = 1;
  for (let i = bytes.indexOf(LF); i >= 0 && i < at; i = bytes.indexOf(LF, i + 1)) line++;
  return line;
}

/** Where the line that holds `at` starts. */
export function lineStartOf(bytes: Uint8Array, at: number): number {
  return at === 0 ? 0 : bytes.lastIndexOf(LF, at - 1) + 1;
}

/** Offset of the first LF not after a CR, or -1. */
export function firstBareLf(bytes: Uint8Array): number {
  for (let i = bytes.indexOf(LF); i >= 0; i = bytes.indexOf(LF, i + 1)) {
    if (i === 0 || bytes[i - 1] !== CR) return i;
  }
  return -1;
}

/** Offset of the first CR not before an LF, or -1. */
export function firstBareCr(bytes: Uint8Array): number {
  for (let i = bytes.indexOf(CR); i >= 0; i = bytes.indexOf(CR, i + 1)) {
    if (bytes[i + 1] !== LF) return i;
  }
  return -1;
}

/** How many LFs of `bytes` are bare (for the evidence's count). */
function countBareLf(bytes: Uint8Array): number {
  let n = 0;
  for (let i = bytes.indexOf(LF); i >= 0; i = bytes.indexOf(LF, i + 1)) {
    if (i === 0 || bytes[i - 1] !== CR) n++;
  }
  return n;
}

/**
 * Offset of the first `.` alone on a line where a line ending around it is bare (`\n.\n`,
 * `\r\n.\n`, `\r.\r\n`, …): a server with another terminator policy would end the message
 * there and read what follows as commands. Data starts after DATA's CRLF.
 */
export { firstSmuggledDot } from "./scan.ts";

/**
 * Line-ending findings of a message's data (lines counted from 1), from its {@link scanBytes}
 * (made here when not given).
 */
export function dataLineEndings(data: Uint8Array, scan: ByteScan = scanBytes(data)): Finding[] {
  const out: Finding[] = [];
  const lf = scan.bareLf;
  if (lf >= 0) {
    const n = countBareLf(data);
    const line = lineAt(data, lf);
    out.push(finding(
      "bare-lf",
      `line ${line}: ${excerpt(data, lf, lineStartOf(data, lf))}` +
        (n > 1 ? ` (${n} bare LFs)` : ""),
      line,
    ));
  }
  const cr = scan.bareCr;
  if (cr >= 0) {
    const line = lineAt(data, cr);
    out.push(finding("bare-cr", `line ${line}: ${excerpt(data, cr, lineStartOf(data, cr))}`, line));
  }
  const dot = scan.smuggledDot;
  if (dot >= 0) {
    const from = Math.max(0, dot - 2);
    const seq = `"${escapeBytes(data.subarray(from, Math.min(data.length, dot + 3)))}"`;
    const line = lineAt(data, dot);
    out.push(finding("smuggling-sequence", `line ${line}: ${seq}`, line));
  }
  return out;
}

/** `bare-lf` or `bare-cr` of one command line (line end included), `null` when it is clean. */
export function commandLineEnding(line: Uint8Array, lineNo: number): Finding | null {
  const cr = firstBareCrOfLine(line);
  if (cr >= 0) return finding("bare-cr", `line ${lineNo}: ${excerpt(line, cr, 0)}`, lineNo);
  const lf = line.length - 1;
  if (line[lf] === LF && (lf === 0 || line[lf - 1] !== CR)) {
    return finding("bare-lf", `line ${lineNo}: ${excerpt(line, lf, 0)}`, lineNo);
  }
  return null;
}

/**
 * {@link firstBareCr} of a command line, by a loop: lines are short, and on Deno each
 * `indexOf` of a byte array costs more than a loop over a whole command (~45 ns a call).
 */
export function firstBareCrOfLine(line: Uint8Array): number {
  const n = line.length;
  for (let i = 0; i < n; i++) if (line[i] === CR && line[i + 1] !== LF) return i;
  return -1;
}
