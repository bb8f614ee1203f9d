/**
 * Every reply msmtpd sends (spec msmtpd.md §5.1), word for word. Apart from 220, the 250s,
 * 334, 354 and 235, each of them is followed by closing the connection.
 */
import type { DeliveryResult } from "../message.ts";

/** The reply texts, without CRLF. */
export const R = {
  greeting: "220 localhost ESMTP msmtpd",
  hello: "250 localhost",
  expectedHello: "500 Expected EHLO or HELO",
  ok: "250 Ok",
  bye: "221 Bye",
  authRequired: "530 Authentication required",
  authContinue: "334 ",
  authOk: "235 Authentication successful",
  authFailed: "535 Authentication failed",
  expectedMail: "500 Expected MAIL FROM:<addr> or QUIT",
  invalidAddress: "501 Invalid address",
  expectedRcpt: "500 Expected RCPT TO:<addr>",
  expectedRcptOrData: "500 Expected RCPT TO:<addr> or DATA",
  tooManyRecipients: "554 Too many recipients",
  sendData: "354 Send data",
  piped: "250 Ok, mail was piped",
  /** `strerror(ENOMEM)`, msmtpd's reply when it cannot hold something; here: a mail over the cap. */
  noMemory: "554 Cannot allocate memory",
} as const;

/** The EHLO reply when AUTH is required: the only extension msmtpd ever advertises. */
export const EHLO_AUTH_LINES = ["localhost", "AUTH PLAIN"];

/** sysexits codes msmtpd reports as temporary (451): EX_NOHOST, EX_UNAVAILABLE, EX_OSERR, EX_TEMPFAIL. */
const TEMPORARY_EXITS = new Set([68, 69, 71, 75]);

/** §8: whether msmtpd calls a pipe command's exit `status` a temporary failure. */
export function isTemporaryExit(status: number): boolean {
  return TEMPORARY_EXITS.has(status);
}

/** §8: the reply for a pipe command that exited with `status` (not 0). */
export function exitStatusReply(status: number): string {
  return `${isTemporaryExit(status) ? 451 : 554} Pipe command reported error ${status}`;
}

/** §8: the reply text for a pipe command that did not exit normally (killed by a signal). */
export const FAILED_TO_EXECUTE = "Pipe command failed to execute";
/** §5.1: the reply text when the mail could not be written to the command. */
export const CANNOT_PIPE = "Cannot pipe mail to command";
/** §5.1: the reply text when the command could not be started. */
export const CANNOT_START = "Cannot start pipe command";

/** The reply and log text for a failed delivery (§8). */
export function failureReply(result: Exclude<DeliveryResult, { ok: true }>): string {
  if (result.signaled) return `554 ${FAILED_TO_EXECUTE}`;
  if (result.exitCode !== undefined) return exitStatusReply(result.exitCode);
  return `${result.temporary ? 451 : 554} ${result.reason}`;
}
