/**
 * go-smtp-mock's configuration with its effective defaults (spec smtpmock.md §2.1): a zero,
 * negative-free-for-strings rule where an empty text or a 0 number means "use the default".
 */

/** Every reply text go-smtp-mock lets a user replace. */
export interface SmtpmockTexts {
  msgGreeting: string;
  msgInvalidCmd: string;
  msgInvalidCmdHeloSequence: string;
  msgInvalidCmdHeloArg: string;
  msgHeloBlacklistedDomain: string;
  msgHeloReceived: string;
  msgInvalidCmdMailfromSequence: string;
  msgInvalidCmdMailfromArg: string;
  msgMailfromBlacklistedEmail: string;
  msgMailfromReceived: string;
  msgInvalidCmdRcpttoSequence: string;
  msgInvalidCmdRcpttoArg: string;
  msgRcpttoNotRegisteredEmail: string;
  msgRcpttoBlacklistedEmail: string;
  msgRcpttoReceived: string;
  msgInvalidCmdDataSequence: string;
  msgDataReceived: string;
  msgMsgSizeIsTooBig: string;
  msgMsgReceived: string;
  msgInvalidCmdRsetSequence: string;
  msgInvalidCmdRsetArg: string;
  msgRsetReceived: string;
  msgNoopReceived: string;
  msgQuitCmd: string;
}

/** Per-command reply delays in whole seconds. */
export interface SmtpmockDelays {
  responseDelayHelo: number;
  responseDelayMailfrom: number;
  responseDelayRcptto: number;
  responseDelayData: number;
  responseDelayMessage: number;
  responseDelayRset: number;
  responseDelayNoop: number;
  responseDelayQuit: number;
}

export interface SmtpmockConfig extends SmtpmockTexts, SmtpmockDelays {
  /** Seconds; each command read (and a whole DATA body) must arrive within it. */
  sessionTimeout: number;
  /** Seconds a graceful stop waits for sessions. */
  shutdownTimeout: number;
  failFast: boolean;
  multipleRcptto: boolean;
  multipleMessageReceiving: boolean;
  blacklistedHeloDomains: string[];
  blacklistedMailfromEmails: string[];
  blacklistedRcpttoEmails: string[];
  notRegisteredEmails: string[];
  /** Bytes; a body longer than this is answered `msgMsgSizeIsTooBig`. */
  msgSizeLimit: number;
  /**
   * Extension, off by default: `.\r\n` ends a body only at the start of a line, i.e. after
   * CRLF (`\r\n.\r\n`), and a dot is unstuffed only there. go-smtp-mock splits the body at
   * LF, so `\n.\r\n` ends it too: text a relay passes on as one message would be two here.
   */
  strictDataEnd: boolean;
}

export const DEFAULT_SESSION_TIMEOUT = 30;
export const DEFAULT_SHUTDOWN_TIMEOUT = 1;
export const DEFAULT_MSG_SIZE_LIMIT = 10485760;

const INVALID_CMD =
  "502 Command unrecognized. Available commands: HELO, EHLO, MAIL FROM:, RCPT TO:, DATA, RSET, NOOP, QUIT";

/** The built-in texts; `msgMsgSizeIsTooBig` is derived from the size limit. */
export const DEFAULT_TEXTS: Omit<SmtpmockTexts, "msgMsgSizeIsTooBig"> = {
  msgGreeting: "220 Welcome",
  msgInvalidCmd: INVALID_CMD,
  msgInvalidCmdHeloSequence: "503 Bad sequence of commands. HELO should be the first",
  msgInvalidCmdHeloArg: "501 HELO requires domain address or valid address literal",
  msgHeloBlacklistedDomain: "421 Service not available",
  msgHeloReceived: "250 Received",
  msgInvalidCmdMailfromSequence:
    "503 Bad sequence of commands. MAIL FROM should be used after HELO",
  msgInvalidCmdMailfromArg: "501 MAIL FROM requires valid email address",
  msgMailfromBlacklistedEmail: "421 Service not available",
  msgMailfromReceived: "250 Received",
  msgInvalidCmdRcpttoSequence:
    "503 Bad sequence of commands. RCPT TO should be used after MAIL FROM",
  msgInvalidCmdRcpttoArg: "501 RCPT TO requires valid email address",
  msgRcpttoNotRegisteredEmail: "550 User not found",
  msgRcpttoBlacklistedEmail: "421 Service not available",
  msgRcpttoReceived: "250 Received",
  msgInvalidCmdDataSequence: "503 Bad sequence of commands. DATA should be used after RCPT TO",
  msgDataReceived: "354 Ready for receive message. End data with <CR><LF>.<CR><LF>",
  msgMsgReceived: "250 Received",
  msgInvalidCmdRsetSequence: "503 Bad sequence of commands. HELO should be the first",
  // Quirk §8.9: the RSET-argument text defaults to the built-in 502, not a custom msgInvalidCmd.
  msgInvalidCmdRsetArg: INVALID_CMD,
  msgRsetReceived: "250 Ok",
  msgNoopReceived: "250 Ok",
  msgQuitCmd: "221 Closing connection",
};

/** Everything a user may leave out; zero values mean "default", as in go-smtp-mock. */
export type SmtpmockOptions = Partial<SmtpmockConfig>;

/** Applies go-smtp-mock's effective defaults: empty text or 0 → default. */
export function resolveConfig(o: SmtpmockOptions = {}): SmtpmockConfig {
  const num = (v: number | undefined, d: number) => (v ? v : d);
  const msgSizeLimit = num(o.msgSizeLimit, DEFAULT_MSG_SIZE_LIMIT);
  const texts = {} as SmtpmockTexts;
  for (const [k, d] of Object.entries(DEFAULT_TEXTS)) {
    const key = k as keyof typeof DEFAULT_TEXTS;
    texts[key] = o[key] || d;
  }
  texts.msgMsgSizeIsTooBig = o.msgMsgSizeIsTooBig ||
    `552 Message exceeded max size of ${msgSizeLimit} bytes`;
  return {
    ...texts,
    sessionTimeout: num(o.sessionTimeout, DEFAULT_SESSION_TIMEOUT),
    shutdownTimeout: num(o.shutdownTimeout, DEFAULT_SHUTDOWN_TIMEOUT),
    failFast: !!o.failFast,
    multipleRcptto: !!o.multipleRcptto,
    multipleMessageReceiving: !!o.multipleMessageReceiving,
    strictDataEnd: !!o.strictDataEnd,
    blacklistedHeloDomains: o.blacklistedHeloDomains ?? [],
    blacklistedMailfromEmails: o.blacklistedMailfromEmails ?? [],
    blacklistedRcpttoEmails: o.blacklistedRcpttoEmails ?? [],
    notRegisteredEmails: o.notRegisteredEmails ?? [],
    msgSizeLimit,
    responseDelayHelo: o.responseDelayHelo ?? 0,
    responseDelayMailfrom: o.responseDelayMailfrom ?? 0,
    responseDelayRcptto: o.responseDelayRcptto ?? 0,
    responseDelayData: o.responseDelayData ?? 0,
    responseDelayMessage: o.responseDelayMessage ?? 0,
    responseDelayRset: o.responseDelayRset ?? 0,
    responseDelayNoop: o.responseDelayNoop ?? 0,
    responseDelayQuit: o.responseDelayQuit ?? 0,
  };
}
