/**
 * msmtpd's command line (spec msmtpd.md §1): glibc `getopt_long` with no short options, each
 * option applied in order (so `--auth` runs its passwordeval while parsing and a repeated option's
 * last value wins), then the operand check. Every error is a startup error (exit 3).
 */
import { getoptLong, type GetoptOption, type LongOption } from "../../flags/getopt_long.ts";
import { DEFAULT_MAX_MAIL_SIZE } from "../../smtp/msmtpd/input.ts";
import { type FaultSource, parseFaultSeed } from "../../api/faults.ts";

/**
 * The option table of msmtpd 1.8.23, in its order (it decides the ambiguity message), then
 * mocksmtp's extension, whose name shares no prefix with msmtpd's options.
 */
export const MSMTPD_OPTIONS: readonly LongOption[] = [
  { name: "version", hasArg: "no_argument" },
  { name: "help", hasArg: "no_argument" },
  { name: "inetd", hasArg: "no_argument" },
  { name: "port", hasArg: "required_argument" },
  { name: "interface", hasArg: "required_argument" },
  { name: "log", hasArg: "required_argument" },
  { name: "command", hasArg: "required_argument" },
  { name: "auth", hasArg: "required_argument" },
  { name: "max-mail-size", hasArg: "required_argument" },
  // Extension: fault rules (docs/faults.md).
  { name: "fault", hasArg: "required_argument" },
  { name: "faults", hasArg: "required_argument" },
  { name: "fault-seed", hasArg: "required_argument" },
];

/**
 * Extension `--lint`, taken out of argv before getopt_long sees it: in the table it would make
 * msmtpd's `--l` (short for `--log`) ambiguous. Only the exact word is taken, and not where it
 * is the argument of the option before it or after `--`.
 */
function takeLint(argv: readonly string[]): { lint: boolean; rest: string[] } {
  const rest: string[] = [];
  let lint = false;
  for (let i = 0; i < argv.length; i++) {
    const word = argv[i];
    if (word === "--") {
      rest.push(...argv.slice(i));
      break;
    }
    if (word === "--lint") {
      lint = true;
      continue;
    }
    rest.push(word);
    if (word.startsWith("--") && !word.includes("=") && takesNextWord(word.slice(2))) {
      if (i + 1 < argv.length) rest.push(argv[++i]);
    }
  }
  return { lint, rest };
}

/** Whether the long option `name` (or the one it abbreviates) takes the next word. */
function takesNextWord(name: string): boolean {
  const exact = MSMTPD_OPTIONS.find((o) => o.name === name);
  const matches = exact ? [exact] : MSMTPD_OPTIONS.filter((o) => o.name.startsWith(name));
  return matches.length === 1 && matches[0].hasArg === "required_argument";
}

/** Where `--log` sends the log. */
export type LogTarget = { kind: "none" } | { kind: "syslog" } | { kind: "file"; path: string };

/** What the command line asks for. */
export interface MsmtpdSettings {
  printVersion: boolean;
  printHelp: boolean;
  inetd: boolean;
  interface: string;
  /** As C's `atoi` gives it (an `int`); the port bound is its low 16 bits. */
  port: number;
  log: LogTarget;
  command: string;
  auth?: { user: string; password: string };
  /** Extension `--max-mail-size`: bytes; `Infinity` for no cap. */
  maxMailSize: number;
  /** Extension `--lint`: lint clients (docs/lint.md). */
  lint?: boolean;
  /** Extension `--fault`/`--faults`: rules and rule files, in command-line order. */
  faults?: FaultSource[];
  /** Extension `--fault-seed`. */
  faultSeed?: number;
}

/** How `--auth` obtains a password; injected so tests need no terminal. */
export interface PasswordSources {
  /** First output line of `sh -c cmd` (LF, then CR, removed); `null` if it printed nothing. */
  evaluate(cmd: string): string | null;
  /** The password typed at the terminal after the prompt; `null` without a terminal. */
  prompt(user: string): string | null;
}

/** The settings, or the first error message (without newline). */
export type ParseResult = { ok: true; settings: MsmtpdSettings } | { ok: false; error: string };

/** msmtpd's SMTP_BUFSIZE: user name and password must be shorter. */
const BUFSIZE = 1024;
const byteLength = (s: string) => new TextEncoder().encode(s).length;

/**
 * C's `atoi` as glibc implements it (`(int) strtol(s, NULL, 10)`): leading white space, a sign,
 * digits up to the first other character; 0 when there are none; saturated to 64 bits, then
 * truncated to 32.
 */
export function atoi(text: string): number {
  const m = /^[ \t\n\v\f\r]*([+-]?)(\d*)/.exec(text)!;
  if (m[2] === "") return 0;
  let v = BigInt(m[2]);
  if (m[1] === "-") v = -v;
  const max = (1n << 63n) - 1n;
  v = v > max ? max : v < -max - 1n ? -max - 1n : v;
  return Number(BigInt.asIntN(32, v));
}

/** Parses `argv` (after the program name); `prog` prefixes every message. */
export function parseMsmtpdArgs(
  prog: string,
  argv: readonly string[],
  passwords: PasswordSources,
  defaultCommand: string,
): ParseResult {
  const settings: MsmtpdSettings = {
    printVersion: false,
    printHelp: false,
    inetd: false,
    interface: "127.0.0.1",
    port: 25,
    log: { kind: "none" },
    command: defaultCommand,
    maxMailSize: DEFAULT_MAX_MAIL_SIZE,
  };
  const extension = takeLint(argv);
  if (extension.lint) settings.lint = true;
  argv = extension.rest;
  const parsed = getoptLong(prog, argv, MSMTPD_OPTIONS);
  // msmtpd handles each option as getopt_long returns it, so those before a getopt error
  // still run (an empty value is reported first, a passwordeval has run).
  const options = parsed.ok ? parsed.options : optionsBefore(prog, argv, parsed.error);
  for (const option of options) {
    const error = apply(prog, settings, option, passwords);
    if (error !== null) return { ok: false, error };
  }
  if (!parsed.ok) return parsed;
  if (parsed.operands.length > 0) return { ok: false, error: `${prog}: too many arguments` };
  return { ok: true, settings };
}

/** One option; the error message, or `null`. */
function apply(
  prog: string,
  s: MsmtpdSettings,
  { opt, arg }: GetoptOption,
  passwords: PasswordSources,
): string | null {
  if (arg === "") return `${prog}: option '--${opt}' requires non-empty argument`;
  switch (opt) {
    case "version":
      s.printVersion = true;
      break;
    case "help":
      s.printHelp = true;
      break;
    case "inetd":
      s.inetd = true;
      break;
    case "port":
      s.port = atoi(arg!);
      break;
    case "interface":
      s.interface = arg!;
      break;
    case "log":
      s.log = arg === "none"
        ? { kind: "none" }
        : arg === "syslog"
        ? { kind: "syslog" }
        : { kind: "file", path: arg! };
      break;
    case "command":
      s.command = arg!;
      break;
    case "auth":
      return applyAuth(prog, s, arg!, passwords);
    case "max-mail-size": {
      const size = parseSize(arg!);
      if (size === null) return `${prog}: invalid argument '${arg}' for '--max-mail-size'`;
      s.maxMailSize = size;
      break;
    }
    case "fault":
      (s.faults ??= []).push({ rule: arg! });
      break;
    case "faults":
      (s.faults ??= []).push({ file: arg! });
      break;
    case "fault-seed": {
      const seed = parseFaultSeed(arg!);
      if (seed === null) return `${prog}: invalid argument '${arg}' for '--fault-seed'`;
      s.faultSeed = seed;
      break;
    }
  }
  return null;
}

const SIZE_UNITS: Record<string, number> = { "": 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3 };

/** `--max-mail-size`: decimal bytes, optionally with K, M or G (binary units); 0 = no cap. */
export function parseSize(text: string): number | null {
  const m = /^(\d+)([KMG]?)$/i.exec(text);
  if (!m) return null;
  const size = Number(m[1]) * SIZE_UNITS[m[2].toUpperCase()];
  if (!Number.isSafeInteger(size)) return null;
  return size === 0 ? Infinity : size;
}

function applyAuth(
  prog: string,
  s: MsmtpdSettings,
  arg: string,
  passwords: PasswordSources,
): string | null {
  const comma = arg.indexOf(",");
  const user = comma < 0 ? arg : arg.slice(0, comma);
  if (byteLength(user) >= BUFSIZE) return `${prog}: user name too long`;
  let password: string | null;
  if (comma < 0) {
    password = passwords.prompt(user);
    if (password === null) return `${prog}: cannot get password for (localhost, smtp, ${user})`;
  } else {
    const cmd = arg.slice(comma + 1);
    password = passwords.evaluate(cmd);
    if (password === null) return `${prog}: cannot get password: cannot read output of '${cmd}'`;
  }
  if (byteLength(password) >= BUFSIZE) return `${prog}: password too long`;
  s.auth = { user, password };
  return null;
}

/**
 * The options glibc returned before the one that failed. A missing argument can only concern
 * the last word; any other error is caused by one word, and the shortest prefix of `argv` that
 * reproduces the same message ends with it.
 */
function optionsBefore(prog: string, argv: readonly string[], error: string): GetoptOption[] {
  const prefix = (n: number) => getoptLong(prog, argv.slice(0, n), MSMTPD_OPTIONS);
  let end = argv.length - 1;
  if (!error.endsWith("requires an argument")) {
    end = 0;
    while (end < argv.length) {
      const r = prefix(end + 1);
      if (!r.ok && r.error === error) break;
      end++;
    }
  }
  const before = prefix(end);
  return before.ok ? before.options : [];
}
