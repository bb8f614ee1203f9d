/** The protocol family's checks that need no session state. */

const LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/;
const IPV4 = /^\[(?:25[0-5]|2[0-4]\d|1?\d?\d)(?:\.(?:25[0-5]|2[0-4]\d|1?\d?\d)){3}\]$/;
const IPV6 = /^\[IPv6:[0-9A-Fa-f:.]+\]$/i;

/**
 * Why an EHLO/HELO argument is not a domain or address literal (RFC 5321 §4.1.1.1,
 * §4.1.2), or `null` when it is one. A name without dots is allowed: servers differ on it,
 * and test machines commonly have such names.
 */
export function heloProblem(argument: string): string | null {
  // A client says the same name in every session: the last answer is kept.
  if (argument !== lastArgument) {
    lastProblem = problemOf(argument);
    lastArgument = argument;
  }
  return lastProblem;
}

let lastArgument: string | null = null;
let lastProblem: string | null = null;

function problemOf(argument: string): string | null {
  const arg = argument.trim();
  if (arg === "") return "no domain";
  if (arg.startsWith("[")) {
    return IPV4.test(arg) || IPV6.test(arg) ? null : "not an address literal";
  }
  if (/\s/.test(arg)) return "more than one word";
  if (/^\d+(\.\d+){3}$/.test(arg)) return "an IP address without brackets";
  const labels = arg.endsWith(".") ? arg.slice(0, -1).split(".") : arg.split(".");
  if (arg.length > 255 || labels.some((l) => l.length > 63 || !LABEL.test(l))) {
    return "not a domain name (letters, digits and inner hyphens per label)";
  }
  return null;
}

/**
 * After these commands a pipelining client must wait for the reply even when PIPELINING was
 * offered (RFC 2920 §3.1; STARTTLS and AUTH change the session).
 */
export const GROUP_ENDERS: ReadonlySet<string> = new Set([
  "EHLO",
  "HELO",
  "DATA",
  "VRFY",
  "EXPN",
  "TURN",
  "QUIT",
  "NOOP",
  "STARTTLS",
  "AUTH",
]);

/** RSETs without a message between them from which on it is a storm. */
export const RSET_STORM = 5;
