/**
 * mockmta's reply catalogue (spec mockmta.md §3.2–§3.4, captured from the ancestor byte for
 * byte), plus the few texts of our own for limits the ancestor did not have.
 */
const GREETING = "localhost Mock MTA pleased to meet you";

/** Every fixed reply line, without CRLF. */
export const REPLY = {
  greeting: "220 Ready",
  helo: `250 ${GREETING}`,
  heloNoArg: "501 helo requires domain address",
  ehloNoArg: "501 ehlo requires domain address",
  senderOk: "250 Sender ok",
  mailNoArg: "501 mail requires email address",
  syntaxError: "501 syntax error",
  recipientOk: "250 Recipient ok",
  rcptNoArg: "501 rcpt requires email address",
  toNoArg: "501 to requires email address",
  tooManyRecipients: "501 too many recipients",
  dataGo: '354 Enter mail, end with "." on a line by itself',
  reset: "250 Reset state",
  rsetArg: "501 rset does not take arguments",
  help: "214 http://www.ietf.org/rfc/rfc2821.txt",
  tlsGo: "220 Ready to start TLS",
  tlsArg: "501 Syntax error (no parameters allowed)",
  bye: "221 Bye",
  notValid: "500 Command not valid",
  unrecognized: "500 Command unrecognized",
  // Ours [I]: the ancestor split or died on long lines and had no size limit.
  lineTooLong: "500 Line too long",
  tooMuchData: "552 Too much mail data",
  // Ours [I], spec §5.2's recommended text.
  cannotWrite: "451 Local error: cannot write mailbox",
  deliveryRefused: "554 Transaction failed",
} as const;

/** A message number as C's `%04d` prints it: `0001`, and five digits from 10000 on. */
export function messageNumberText(messageNumber: number): string {
  return String(messageNumber).padStart(4, "0");
}

/** `250 0001 Message accepted for delivery`. */
export function acceptedReply(messageNumber: number): string {
  return `250 ${messageNumberText(messageNumber)} Message accepted for delivery`;
}

/** The EHLO reply lines, STARTTLS only while it can still be used. */
export function ehloReply(offerStarttls: boolean): string[] {
  return offerStarttls
    ? [`250-${GREETING}`, "250-PIPELINING", "250-STARTTLS", "250 HELP"]
    : [`250-${GREETING}`, "250-PIPELINING", "250 HELP"];
}
