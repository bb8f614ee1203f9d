/**
 * How a persona words a reply a fault rule gives only as a code (`rcpt => 452`): the text for
 * the code, and whether an enhanced status code leads it (a persona that advertises
 * ENHANCEDSTATUSCODES, as serve does; the three clones do not).
 */
import type { Stage } from "../smtp/conversation.ts";

/** A persona's reply conventions, as fault rules need them. */
export interface FaultConventions {
  /** Lead a bare code's reply with an enhanced status code (RFC 2034). */
  readonly enhanced: boolean;
  /** The text after the code (and enhanced code) for a rule that gives none. */
  text(code: number, stage: Stage): string;
}

/** The RFC 5321 §4.2 meaning of each failure code a rule is likely to use. */
const TEXTS: Readonly<Record<number, string>> = {
  421: "Service not available, closing transmission channel",
  450: "Requested mail action not taken: mailbox unavailable",
  451: "Requested action aborted: local error in processing",
  452: "Requested action not taken: insufficient system storage",
  454: "TLS not available due to temporary reason",
  455: "Server unable to accommodate parameters",
  500: "Syntax error, command unrecognized",
  501: "Syntax error in parameters or arguments",
  502: "Command not implemented",
  503: "Bad sequence of commands",
  504: "Command parameter not implemented",
  530: "Authentication required",
  535: "Authentication credentials invalid",
  550: "Requested action not taken: mailbox unavailable",
  551: "User not local",
  552: "Requested mail action aborted: exceeded storage allocation",
  553: "Requested action not taken: mailbox name not allowed",
  554: "Transaction failed",
  555: "MAIL FROM/RCPT TO parameters not recognized or not implemented",
};

/** The standard text of `code`, or a generic one for its class. */
export function standardText(code: number): string {
  return TEXTS[code] ??
    (code >= 500 ? "Requested action not taken" : "Requested action not taken, try again later");
}

/** The clones' conventions: RFC 5321's texts, no enhanced codes. */
export const PLAIN_CONVENTIONS: FaultConventions = { enhanced: false, text: standardText };

/** A persona that advertises ENHANCEDSTATUSCODES (serve). */
export const ENHANCED_CONVENTIONS: FaultConventions = { enhanced: true, text: standardText };
