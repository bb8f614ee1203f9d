/**
 * `mocksmtp serve`'s command line: GNU long options (`--x=v` and `--x v`, unambiguous
 * prefixes) through getopt_long, with Mailpit's names where Mailpit has a flag of the same
 * meaning, so a Mailpit user's command line still parses. Pure: flags → settings; files are
 * read by the caller.
 */
import { getoptLong, type LongOption } from "../../flags/getopt_long.ts";
import { EXTENSIONS } from "../../smtp/esmtp/config.ts";
import { type ListenAddress, SERVE_DEFAULTS } from "../../api/serve_options.ts";
import type { FaultSource } from "../../api/faults.ts";
import { parseChaosTriggers } from "../../faults/chaos.ts";

/** What the command line asks for; file names not yet read. */
export interface ServeSettings {
  help: boolean;
  version: boolean;
  quiet: boolean;
  smtp: Required<ListenAddress>;
  http: Required<ListenAddress>;
  smtps?: Required<ListenAddress>;
  max: number;
  authAcceptAny: boolean;
  authFile?: string;
  authAllowInsecure: boolean;
  requireAuth: boolean;
  tlsCert?: string;
  tlsKey?: string;
  requireStartTls: boolean;
  /** `--smtp-require-tls`: the SMTP port speaks TLS from the first byte. */
  implicitTls: boolean;
  maxRecipients?: number;
  disable: string[];
  maxSize?: number;
  maxLine?: number;
  timeoutMs?: number;
  maxConnections?: number;
  bareLf?: "accept" | "reject";
  tlsNames: string[];
  caOut?: string;
  maildir?: string;
  mbox?: string;
  emlDir?: string;
  transcripts: number;
  /** `--fault RULE` and `--faults FILE`, in command-line order. */
  faultSources: FaultSource[];
  faultSeed?: number;
  strict: boolean;
  /** Mailpit's `--chaos-triggers` (validated here, applied as fault rules). */
  chaosTriggers?: string;
}

/** Applies one flag; returns the error line for a bad value. */
type Apply = (s: ServeSettings, arg: string) => string | undefined;

/** `[HOST]:PORT`, `HOST:PORT`, `:PORT` (every IPv4 interface) or `PORT` (the default host). */
export function parseAddress(text: string, defaultHost: string): Required<ListenAddress> | null {
  let host: string;
  let portText: string;
  const bracketed = /^\[([^\]]+)\]:(\d+)$/.exec(text);
  if (bracketed) [, host, portText] = bracketed;
  else if (/^\d+$/.test(text)) [host, portText] = [defaultHost, text];
  else {
    const colon = text.lastIndexOf(":");
    // A bare IPv6 literal (`::1:25`) is ambiguous: brackets are required, as in Go and Mailpit.
    if (colon < 0 || text.indexOf(":") !== colon) return null;
    host = colon === 0 ? "0.0.0.0" : text.slice(0, colon);
    portText = text.slice(colon + 1);
  }
  if (!/^\d{1,5}$/.test(portText) || Number(portText) > 65535) return null;
  return { host, port: Number(portText) };
}

function count(name: string, min: number): (arg: string) => number | string {
  return (arg) => {
    if (!/^\d+$/.test(arg) || Number(arg) < min || !Number.isSafeInteger(Number(arg))) {
      return `invalid value '${arg}' for --${name}: a whole number${min > 0 ? ` >= ${min}` : ""}`;
    }
    return Number(arg);
  };
}

/** `30`, `30s`, `1500ms`, `5m`: a duration in milliseconds; a bare number is seconds. */
export function parseDuration(arg: string): number | null {
  const m = /^(\d+)(ms|s|m)?$/.exec(arg);
  if (!m) return null;
  const n = Number(m[1]);
  return m[2] === "ms" ? n : m[2] === "m" ? n * 60_000 : n * 1000;
}

function numeric(name: string, min: number, set: (s: ServeSettings, n: number) => void): Apply {
  const parse = count(name, min);
  return (s, arg) => {
    const n = parse(arg);
    if (typeof n === "string") return n;
    set(s, n);
    return undefined;
  };
}

function address(name: string, set: (s: ServeSettings, a: Required<ListenAddress>) => void): Apply {
  return (s, arg) => {
    const a = parseAddress(arg, "127.0.0.1");
    if (!a) return `invalid address '${arg}' for --${name}: HOST:PORT, [IPv6]:PORT or :PORT`;
    set(s, a);
    return undefined;
  };
}

const FLAGS: Record<string, { arg: boolean; apply: Apply }> = {
  "help": { arg: false, apply: (s) => void (s.help = true) },
  "version": { arg: false, apply: (s) => void (s.version = true) },
  "quiet": { arg: false, apply: (s) => void (s.quiet = true) },
  "smtp": { arg: true, apply: address("smtp", (s, a) => s.smtp = a) },
  "listen": { arg: true, apply: address("listen", (s, a) => s.http = a) },
  "smtps": { arg: true, apply: address("smtps", (s, a) => s.smtps = a) },
  "max": { arg: true, apply: numeric("max", 0, (s, n) => s.max = n) },
  "smtp-auth-accept-any": { arg: false, apply: (s) => void (s.authAcceptAny = true) },
  "smtp-auth-file": { arg: true, apply: (s, a) => void (s.authFile = a) },
  "smtp-auth-allow-insecure": { arg: false, apply: (s) => void (s.authAllowInsecure = true) },
  "smtp-require-auth": { arg: false, apply: (s) => void (s.requireAuth = true) },
  "smtp-tls-cert": { arg: true, apply: (s, a) => void (s.tlsCert = a) },
  "smtp-tls-key": { arg: true, apply: (s, a) => void (s.tlsKey = a) },
  "smtp-require-starttls": { arg: false, apply: (s) => void (s.requireStartTls = true) },
  "smtp-require-tls": { arg: false, apply: (s) => void (s.implicitTls = true) },
  "smtp-max-recipients": {
    arg: true,
    apply: numeric("smtp-max-recipients", 1, (s, n) => s.maxRecipients = n),
  },
  "smtp-disable": {
    arg: true,
    apply: (s, arg) => {
      for (const word of arg.split(",").map((w) => w.trim().toUpperCase()).filter(Boolean)) {
        if (!(EXTENSIONS as readonly string[]).includes(word)) {
          return `unknown extension '${word}' for --smtp-disable (known: ${EXTENSIONS.join(",")})`;
        }
        s.disable.push(word);
      }
      return undefined;
    },
  },
  "smtp-max-size": { arg: true, apply: numeric("smtp-max-size", 1, (s, n) => s.maxSize = n) },
  "smtp-max-line": { arg: true, apply: numeric("smtp-max-line", 512, (s, n) => s.maxLine = n) },
  "smtp-timeout": {
    arg: true,
    apply: (s, arg) => {
      const ms = parseDuration(arg);
      if (ms === null) return `invalid duration '${arg}' for --smtp-timeout: 30, 30s, 1500ms, 5m`;
      s.timeoutMs = ms;
      return undefined;
    },
  },
  "smtp-max-connections": {
    arg: true,
    apply: numeric("smtp-max-connections", 1, (s, n) => s.maxConnections = n),
  },
  "smtp-bare-lf": {
    arg: true,
    apply: (s, arg) => {
      if (arg !== "accept" && arg !== "reject") {
        return `invalid value '${arg}' for --smtp-bare-lf: accept or reject`;
      }
      s.bareLf = arg;
      return undefined;
    },
  },
  "tls-name": { arg: true, apply: (s, a) => void s.tlsNames.push(a) },
  "ca-out": { arg: true, apply: (s, a) => void (s.caOut = a) },
  "maildir": { arg: true, apply: (s, a) => void (s.maildir = a) },
  "mbox": { arg: true, apply: (s, a) => void (s.mbox = a) },
  "eml-dir": { arg: true, apply: (s, a) => void (s.emlDir = a) },
  "transcripts": { arg: true, apply: numeric("transcripts", 0, (s, n) => s.transcripts = n) },
  // Fault rules (docs/faults.md) and strict lint (docs/lint.md).
  "fault": { arg: true, apply: (s, a) => void s.faultSources.push({ rule: a }) },
  "faults": { arg: true, apply: (s, a) => void s.faultSources.push({ file: a }) },
  "fault-seed": { arg: true, apply: numeric("fault-seed", 0, (s, n) => s.faultSeed = n) },
  "strict": { arg: false, apply: (s) => void (s.strict = true) },
  // Mailpit's chaos flags map onto fault rules (docs/faults.md). Serve always has the chaos
  // API, so `--enable-chaos` is accepted for Mailpit command lines and changes nothing.
  "enable-chaos": { arg: false, apply: () => undefined },
  "chaos-triggers": {
    arg: true,
    apply: (s, arg) => {
      const error = chaosTriggersError(arg);
      if (error) return error;
      s.chaosTriggers = arg;
      return undefined;
    },
  },
};

/** Why a `--chaos-triggers` value is refused, or nothing. */
function chaosTriggersError(text: string): string | undefined {
  const parsed = parseChaosTriggers(text);
  return typeof parsed === "string" ? `invalid --chaos-triggers: ${parsed}` : undefined;
}

const LONG_OPTIONS: LongOption[] = Object.entries(FLAGS).map(([name, f]) => ({
  name,
  hasArg: f.arg ? "required_argument" : "no_argument",
}));

/** The settings of an empty command line: the defaults `--help` documents. */
export function defaultSettings(): ServeSettings {
  return {
    help: false,
    version: false,
    quiet: false,
    smtp: { host: SERVE_DEFAULTS.smtpHost, port: SERVE_DEFAULTS.smtpPort },
    http: { host: SERVE_DEFAULTS.httpHost, port: SERVE_DEFAULTS.httpPort },
    max: SERVE_DEFAULTS.max,
    authAcceptAny: false,
    authAllowInsecure: false,
    requireAuth: false,
    requireStartTls: false,
    implicitTls: false,
    disable: [],
    tlsNames: [],
    transcripts: 100,
    faultSources: [],
    strict: false,
  };
}

/** Parses `argv`; the error is one line without the program name (the caller adds it). */
export function parseServeArgs(
  argv: readonly string[],
): { ok: true; settings: ServeSettings } | { ok: false; error: string } {
  // getopt_long's own diagnostics start with the program name: parse with an empty one.
  const parsed = getoptLong("", argv, LONG_OPTIONS, { shortopts: "hqV" });
  if (!parsed.ok) return { ok: false, error: parsed.error.replace(/^: /, "") };
  if (parsed.operands.length > 0) {
    return { ok: false, error: `unexpected argument '${parsed.operands[0]}'` };
  }
  const s = defaultSettings();
  for (const { opt, arg } of parsed.options) {
    const name = opt === "h" ? "help" : opt === "q" ? "quiet" : opt === "V" ? "version" : opt;
    const error = FLAGS[name].apply(s, arg ?? "");
    if (error) return { ok: false, error };
  }
  if ((s.tlsCert === undefined) !== (s.tlsKey === undefined)) {
    return { ok: false, error: "--smtp-tls-cert and --smtp-tls-key go together" };
  }
  if (s.authAcceptAny && s.authFile !== undefined) {
    return { ok: false, error: "--smtp-auth-accept-any and --smtp-auth-file exclude each other" };
  }
  if (s.caOut !== undefined && s.tlsCert !== undefined) {
    return { ok: false, error: "--ca-out needs the minted CA: not with --smtp-tls-cert" };
  }
  return { ok: true, settings: s };
}
