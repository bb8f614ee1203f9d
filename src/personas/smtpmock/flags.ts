/**
 * go-smtp-mock's `smtpmock` flag set (spec smtpmock.md §2.1), with our help texts, plus two
 * extensions, `-httpApi` and `-strictDataEnd`.
 */
import { DEFAULT_TEXTS } from "../../smtp/smtpmock/config.ts";
import { parseFaultSeed } from "../../api/faults.ts";

export type FlagKind = "bool" | "int" | "string";
export interface FlagDef {
  name: string;
  kind: FlagKind;
  usage: string;
  check?: (value: string) => string | undefined;
  repeatable?: boolean;
}

/** Where `-httpApi` listens. */
export interface HttpApiAddress {
  host: string;
  port: number;
}

const HTTP_API_FORMS = "want HOST:PORT, :PORT or PORT, PORT from 0 to 65535";

/**
 * `-httpApi`'s value: `HOST:PORT`, `[IPv6]:PORT`, `:PORT` or `PORT` (no host: 127.0.0.1);
 * port 0 picks a free one. Returns Go-style error text for anything else.
 */
export function httpApiAddress(value: string): HttpApiAddress | string {
  const m = value.match(/^(?:(?:\[([^\]]+)\]|([^:\[\]]*)):)?(\d{1,5})$/);
  const port = Number(m?.[3]);
  if (!m || port > 65535) return HTTP_API_FORMS;
  return { host: m[1] ?? (m[2] || "127.0.0.1"), port };
}

const delay = (cmd: string): FlagDef => ({
  name: `responseDelay${cmd}`,
  kind: "int",
  usage: `Delay in seconds before the reply to ${cmd.toUpperCase()} (0 = none)`,
});

const text = (name: keyof typeof DEFAULT_TEXTS | "msgMsgSizeIsTooBig", what: string): FlagDef => ({
  name,
  kind: "string",
  usage: `Reply ${what}` +
    (name === "msgMsgSizeIsTooBig"
      ? ` (default: 552 Message exceeded max size of <msgSizeLimit> bytes)`
      : ` (default: ${DEFAULT_TEXTS[name as keyof typeof DEFAULT_TEXTS]})`),
});

export const SMTPMOCK_FLAGS: FlagDef[] = [
  { name: "v", kind: "bool", usage: "Prints the version and build data, then exits" },
  {
    name: "host",
    kind: "string",
    usage: "Host address to listen on, 127.0.0.1 by default (mocksmtp really binds 127.0.0.1; " +
      "go-smtp-mock bound 0.0.0.0). IPv6 needs brackets: -host=[::1]",
  },
  {
    name: "port",
    kind: "int",
    usage: "Port to listen on; a free port by default. Without -port the start line " +
      '("SMTP mock server started on port: N") is printed on stdout even without -log',
  },
  {
    name: "httpApi",
    kind: "string",
    usage: "Extension (not in go-smtp-mock): keep received messages and serve them as JSON at " +
      "http://`HOST:PORT`/api/messages (also :PORT or PORT for 127.0.0.1; port 0 picks a free " +
      "one, printed in a start line). GET lists (?wait=N&timeout=MS waits for N), " +
      "GET /api/messages/I and /api/messages/I/raw read one, DELETE purges",
    check: (v) => {
      const a = httpApiAddress(v);
      return typeof a === "string" ? a : undefined;
    },
  },
  {
    name: "strictDataEnd",
    kind: "bool",
    usage: "Extension (not in go-smtp-mock): end a message body only at <CR><LF>.<CR><LF>. " +
      "go-smtp-mock reads the body line by line up to LF, so <LF>.<CR><LF> ends it too, and a " +
      "client or relay that sees one message there can smuggle a second one",
  },
  {
    name: "lint",
    kind: "bool",
    usage: "Extension (not in go-smtp-mock): lint what clients send (docs/lint.md): one " +
      '"lint: session N: …" line per session on stdout, and the findings of each message ' +
      'in its "lint" field of -httpApi',
  },
  {
    name: "fault",
    kind: "string",
    repeatable: true,
    usage: "Extension (not in go-smtp-mock): fail a step as `RULE` says, e.g. " +
      "'rcpt:*@full.example => 452 Mailbox full' or 'dot#2 => 451'; repeatable " +
      "(grammar in mocksmtp's docs/faults.md)",
  },
  {
    name: "faults",
    kind: "string",
    repeatable: true,
    usage: "Extension (not in go-smtp-mock): fault rules from `FILE`, one per line, # comments",
  },
  {
    name: "fault-seed",
    kind: "string",
    usage: "Extension (not in go-smtp-mock): seed (0 to 4294967295) of the generator behind " +
      "%P fault rules, for reproducible runs",
    check: (v) =>
      parseFaultSeed(v) === null ? "want a whole number from 0 to 4294967295" : undefined,
  },
  { name: "log", kind: "bool", usage: "Log server activity to stdout (errors to stderr)" },
  { name: "sessionTimeout", kind: "int", usage: "Session timeout in seconds, 30 by default" },
  {
    name: "shutdownTimeout",
    kind: "int",
    usage: "Graceful shutdown timeout in seconds, 1 by default",
  },
  { name: "failFast", kind: "bool", usage: "Close the session after the first failed command" },
  { name: "multipleRcptto", kind: "bool", usage: "Accept several RCPT TO in one transaction" },
  {
    name: "multipleMessageReceiving",
    kind: "bool",
    usage: "Accept several messages in one session (RSET between them)",
  },
  {
    name: "blacklistedHeloDomains",
    kind: "string",
    usage: "Comma separated HELO domains answered 421",
  },
  {
    name: "blacklistedMailfromEmails",
    kind: "string",
    usage: "Comma separated MAIL FROM addresses answered 421",
  },
  {
    name: "blacklistedRcpttoEmails",
    kind: "string",
    usage: "Comma separated RCPT TO addresses answered 421",
  },
  {
    name: "notRegisteredEmails",
    kind: "string",
    usage: "Comma separated RCPT TO addresses answered 550",
  },
  delay("Helo"),
  delay("Mailfrom"),
  delay("Rcptto"),
  delay("Data"),
  { ...delay("Message"), usage: "Delay in seconds before the reply to the message body" },
  delay("Rset"),
  delay("Noop"),
  delay("Quit"),
  {
    name: "msgSizeLimit",
    kind: "int",
    usage: "Message body size limit in bytes, 10485760 by default. It also bounds one body " +
      "line; a command line over 1 MiB is answered 500 and the connection closed (deviation: " +
      "go-smtp-mock has no line limit)",
  },
  text("msgGreeting", "on connect"),
  text("msgInvalidCmd", "to an unknown command"),
  {
    ...text("msgInvalidCmdHeloSequence", "(accepted for compatibility, never sent)"),
  },
  text("msgInvalidCmdHeloArg", "to HELO/EHLO with an invalid argument"),
  text("msgHeloBlacklistedDomain", "to a blacklisted HELO domain"),
  text("msgHeloReceived", "to an accepted HELO/EHLO"),
  text("msgInvalidCmdMailfromSequence", "to MAIL FROM before HELO"),
  text("msgInvalidCmdMailfromArg", "to MAIL FROM with an invalid address"),
  text("msgMailfromBlacklistedEmail", "to a blacklisted MAIL FROM address"),
  text("msgMailfromReceived", "to an accepted MAIL FROM"),
  text("msgInvalidCmdRcpttoSequence", "to RCPT TO before MAIL FROM"),
  text("msgInvalidCmdRcpttoArg", "to RCPT TO with an invalid address"),
  text("msgRcpttoNotRegisteredEmail", "to a not registered RCPT TO address"),
  text("msgRcpttoBlacklistedEmail", "to a blacklisted RCPT TO address"),
  text("msgRcpttoReceived", "to an accepted RCPT TO"),
  text("msgInvalidCmdDataSequence", "to DATA before RCPT TO"),
  text("msgDataReceived", "to an accepted DATA"),
  text("msgMsgSizeIsTooBig", "to a message over the size limit"),
  text("msgMsgReceived", "to an accepted message"),
  text("msgInvalidCmdRsetSequence", "to RSET before HELO"),
  text("msgInvalidCmdRsetArg", "to RSET with arguments"),
  text("msgRsetReceived", "to RSET"),
  text("msgNoopReceived", "to NOOP"),
  text("msgQuitCmd", "to QUIT"),
];
