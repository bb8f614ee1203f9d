/**
 * The serve dialect's reply catalogue: every reply it gives, with its RFC 3463 enhanced code.
 * Texts follow Postfix where Postfix has one (clients and their users know them); the session
 * drops the enhanced code when ENHANCEDSTATUSCODES is disabled.
 */
import type { Reply } from "../reply.ts";

function r(code: number, enhanced: string | undefined, text: string): Reply {
  return enhanced === undefined
    ? Object.freeze({ code, lines: Object.freeze([text]) })
    : Object.freeze({ code, enhanced, lines: Object.freeze([text]) });
}

/** Fixed replies by name. */
export const REPLY = {
  ok: r(250, "2.0.0", "Ok"),
  senderOk: r(250, "2.1.0", "Ok"),
  recipientOk: r(250, "2.1.5", "Ok"),
  dataGo: r(354, undefined, "End data with <CR><LF>.<CR><LF>"),
  bye: r(221, "2.0.0", "Bye"),
  vrfy: r(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery"),
  help: r(
    214,
    "2.0.0",
    "Commands: HELO EHLO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY AUTH STARTTLS",
  ),
  tlsGo: r(220, "2.0.0", "Ready to start TLS"),
  authOk: r(235, "2.7.0", "Authentication successful"),

  unrecognized: r(500, "5.5.2", "Error: command not recognized"),
  lineTooLong: r(500, "5.5.2", "Error: line too long"),
  notImplemented: r(502, "5.5.1", "Error: command not implemented"),
  heloFirst: r(503, "5.5.1", "Error: send HELO/EHLO first"),
  ehloFirst: r(503, "5.5.1", "Error: send EHLO first"),
  nestedMail: r(503, "5.5.1", "Error: nested MAIL command"),
  needMail: r(503, "5.5.1", "Error: need MAIL command"),
  needRcpt: r(503, "5.5.1", "Error: need RCPT command"),
  dataAfterBdat: r(503, "5.5.1", "Error: DATA not allowed after BDAT"),
  rcptAfterBdat: r(503, "5.5.1", "Error: RCPT not allowed after BDAT"),
  binaryNeedsBdat: r(503, "5.5.1", "Error: BODY=BINARYMIME requires BDAT"),
  tlsActive: r(503, "5.5.1", "Error: TLS already active"),
  authTwice: r(503, "5.5.1", "Error: already authenticated"),
  authInTransaction: r(503, "5.5.1", "Error: MAIL transaction in progress"),
  tlsNotAvailable: r(454, "4.7.0", "TLS not available due to temporary reason"),

  syntaxHelo: r(501, "5.5.4", "Syntax: HELO hostname"),
  syntaxEhlo: r(501, "5.5.4", "Syntax: EHLO hostname"),
  syntaxMail: r(501, "5.5.4", "Syntax: MAIL FROM:<address>"),
  syntaxRcpt: r(501, "5.5.4", "Syntax: RCPT TO:<address>"),
  syntaxData: r(501, "5.5.4", "Syntax: DATA"),
  syntaxBdat: r(501, "5.5.4", "Syntax: BDAT size [LAST]"),
  syntaxRset: r(501, "5.5.4", "Syntax: RSET"),
  syntaxQuit: r(501, "5.5.4", "Syntax: QUIT"),
  syntaxVrfy: r(501, "5.5.4", "Syntax: VRFY address"),
  syntaxStarttls: r(501, "5.5.4", "Syntax: STARTTLS"),
  syntaxAuth: r(501, "5.5.4", "Syntax: AUTH mechanism [initial-response]"),
  badSender: r(501, "5.1.7", "Bad sender address syntax"),
  badRecipient: r(501, "5.1.3", "Bad recipient address syntax"),
  utf8Sender: r(553, "5.6.7", "Non-ASCII sender address requires SMTPUTF8"),
  utf8Recipient: r(553, "5.6.7", "Non-ASCII recipient address requires SMTPUTF8"),
  tooManyRecipients: r(452, "4.5.3", "Error: too many recipients"),
  tooBig: r(552, "5.3.4", "Error: message size exceeds fixed maximum message size"),

  authMechanism: r(504, "5.5.4", "Unrecognized authentication type"),
  authCancelled: r(501, "5.0.0", "Authentication cancelled"),
  authBadBase64: r(501, "5.5.2", "Error: invalid base64 data"),
  authBadResponse: r(501, "5.5.2", "Error: malformed authentication response"),
  authNoInitial: r(501, "5.5.4", "Error: no initial response allowed for CRAM-MD5"),
  authFailed: r(535, "5.7.8", "Error: authentication failed"),
  authTemporary: r(454, "4.7.0", "Temporary authentication failure"),
  authEncryption: r(538, "5.7.11", "Encryption required for requested authentication mechanism"),
  authRequired: r(530, "5.7.0", "Authentication required"),
  tlsRequired: r(530, "5.7.0", "Must issue a STARTTLS command first"),

  bareLf: r(550, "5.5.2", "Error: bare <LF> received"),
  bareCr: r(550, "5.5.2", "Error: bare <CR> received"),
  http: r(554, "5.7.0", "Error: HTTP requests are not accepted on an SMTP port"),
  deliveryTemporary: r(451, "4.3.0", "Error: queue file write error"),
  deliveryPermanent: r(554, "5.3.0", "Error: message refused"),
} as const;

/** `421 4.4.2 host Error: timeout exceeded`. */
export function timeoutReply(host: string): Reply {
  return r(421, "4.4.2", `${host} Error: timeout exceeded`);
}

/** `421 4.7.0 host Error: too many errors`. */
export function tooManyErrorsReply(host: string): Reply {
  return r(421, "4.7.0", `${host} Error: too many errors`);
}

/** `421 4.7.0 host Error: talked before the greeting` (an early talker, refused). */
export function earlyTalkerReply(host: string): Reply {
  return r(421, "4.7.0", `${host} Error: talked before the greeting`);
}

/** `421 4.3.2 host Service shutting down` (the server began a graceful stop). */
export function shuttingDownReply(host: string): Reply {
  return r(421, "4.3.2", `${host} Service shutting down`);
}

/** The `220` greeting (no enhanced code: RFC 2034 adds them only after EHLO exists). */
export function greetingReply(host: string, text: string): Reply {
  return r(220, undefined, text ? `${host} ${text}` : host);
}

/** `250 host` for HELO. */
export function heloReply(host: string): Reply {
  return r(250, undefined, host);
}

/** The EHLO reply: the host, then one extension per line. */
export function ehloReply(host: string, extensions: readonly string[]): Reply {
  return Object.freeze({ code: 250, lines: Object.freeze([host, ...extensions]) });
}

/**
 * `250 2.0.0 Ok: queued as ID`. Not frozen: one is made per message, nothing keeps it, and
 * freezing costs (Bun) more than building it.
 */
export function queuedReply(id: string): Reply {
  return { code: 250, enhanced: "2.0.0", lines: [`Ok: queued as ${id}`] };
}

/** `250 2.0.0 Ok: N octets received` for a BDAT chunk that is not the last. */
export function chunkReply(octets: number): Reply {
  return r(250, "2.0.0", `Ok: ${octets} octets received`);
}

/** `555 5.5.4 Unsupported option: KEYWORD` (an unknown or not negotiated parameter). */
export function unsupportedParamReply(keyword: string): Reply {
  return r(555, "5.5.4", `Unsupported option: ${keyword}`);
}

/** `555 5.5.4 Invalid KEYWORD parameter` (a known parameter with a malformed value). */
export function invalidParamReply(keyword: string): Reply {
  return r(555, "5.5.4", `Invalid ${keyword} parameter`);
}

/** A `334` AUTH challenge (base64 text, possibly empty). */
export function challengeReply(base64: string): Reply {
  return Object.freeze({ code: 334, lines: Object.freeze([base64]) });
}
