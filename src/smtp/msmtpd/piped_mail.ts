/**
 * The bytes msmtpd hands to its pipe command (spec msmtpd.md §7): a Received header whose lines
 * end in CRLF, then the dot-unstuffed message with every line ending turned into a bare LF.
 */
import type { ReceivedMessage } from "../message.ts";
import { sanitizeEhloName } from "./address.ts";
import { expandCommand } from "./command_line.ts";
import { CANNOT_PIPE, CANNOT_START, FAILED_TO_EXECUTE, isTemporaryExit } from "./replies.ts";
import { concatBytes } from "./text.ts";

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad = (n: number, w = 2) => String(n).padStart(w, "0");

/** `strftime("%a, %d %b %Y %T %z")` in local time and the C locale. */
export function rfc2822Date(d: Date): string {
  const offset = -d.getTimezoneOffset();
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  return `${DAYS[d.getDay()]}, ${pad(d.getDate())} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ` +
    `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())} ` +
    `${sign}${pad(Math.floor(abs / 60))}${pad(abs % 60)}`;
}

/** Reverse-lookup results for the two ends of the connection; absent when there is no name. */
export interface HostNames {
  remote?: string | null;
  local?: string | null;
}

/**
 * msmtpd's way of piping a mail (a `PipeFormat` for `src/sinks/pipe.ts`, which takes it from
 * its caller): the `--command` line with `%F` and the recipients, the Received header and LF
 * line ends on stdin, and msmtpd's failure texts.
 */
export const MSMTPD_PIPE_FORMAT = {
  commandLine: (template: string, message: ReceivedMessage): string =>
    expandCommand(template, message.from, message.to),
  input: pipedMailParts,
  cannotStart: CANNOT_START,
  cannotPipe: CANNOT_PIPE,
  failedToExecute: FAILED_TO_EXECUTE,
  isTemporaryExit,
} as const;

/** `NAME [IP]`, or `[IP]` without a name. */
function endpoint(ip: string, name?: string | null): string {
  return name ? `${name} [${ip}]` : `[${ip}]`;
}

/** The three-line Received header msmtpd writes first (CRLF line ends). */
export function receivedHeader(message: ReceivedMessage, names: HostNames = {}): string {
  return `Received: from ${sanitizeEhloName(message.helo)} ` +
    `(${endpoint(message.remoteAddress.hostname, names.remote)})\r\n` +
    `\tby ${endpoint(message.localAddress.hostname, names.local)} (msmtpd) with ESMTP;\r\n` +
    `\t${rfc2822Date(message.receivedAt)}\r\n`;
}

const CR = 0x0d;
const LF = 0x0a;

/** Received header + `message.data` with each CRLF turned into LF (a CR elsewhere is kept). */
export function pipedMail(message: ReceivedMessage, names: HostNames = {}): Uint8Array {
  return concatBytes([...pipedMailParts(message, names)]);
}

/** How much of the body one part of {@link pipedMailParts} covers. */
const PART_SIZE = 64 * 1024;

/**
 * {@link pipedMail} in parts of at most 64 KiB, converted one at a time, so that feeding a big
 * mail to a command costs one part of memory, not a second copy of the mail.
 */
export function* pipedMailParts(
  message: ReceivedMessage,
  names: HostNames = {},
): Generator<Uint8Array> {
  yield new TextEncoder().encode(receivedHeader(message, names));
  const data = message.data;
  for (let from = 0; from < data.length; from += PART_SIZE) {
    const part = data.subarray(from, Math.min(from + PART_SIZE, data.length));
    const out = new Uint8Array(part.length);
    let o = 0;
    for (let i = 0; i < part.length;) {
      const cr = part.indexOf(CR, i);
      const end = cr < 0 ? part.length : cr;
      out.set(part.subarray(i, end), o);
      o += end - i;
      if (cr < 0) break;
      // A CR is dropped before an LF, also when the LF starts the next part.
      if (data[from + cr + 1] !== LF) out[o++] = CR;
      i = cr + 1;
    }
    yield out.subarray(0, o);
  }
}
