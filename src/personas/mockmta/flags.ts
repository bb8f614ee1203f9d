/**
 * mockmta's command line (spec mockmta.md §1): glibc getopt over `a:c:dfk:l:P:p:t:v?`, then
 * the checks of the spec's usage-error list, each reported as one `prog: message` line.
 */
import { isIP } from "node:net";
import { getopt } from "../../flags/getopt.ts";
import { type ExtensionOption, takeExtensionOptions } from "../../flags/extension_options.ts";
import { type FaultSource, parseFaultSeed } from "../../api/faults.ts";
import { isPriority } from "../../log/mockmta.ts";
import type { LogLevel } from "../../smtp/session.ts";

export const OPTSTRING = "a:c:dfk:l:P:p:t:v?";

/** How the program runs. */
export type Mode = "inetd" | "foreground" | "detach";

/** A valid command line. */
export interface MockmtaCli {
  mode: Mode;
  mailbox: string;
  cert?: string;
  key?: string;
  ca?: string;
  priority: LogLevel;
  pidfile?: string;
  host: string;
  port: number;
  /** Idle timeout in seconds; absent: none. */
  timeout?: number;
  /** Extension: fault rules (`--fault`, `--faults`), in command-line order. */
  faults?: FaultSource[];
  /** Extension: `--fault-seed`. */
  faultSeed?: number;
  /** Extension: `--lint` (docs/lint.md). */
  lint?: boolean;
}

/** mocksmtp's long options (not in mockmta), taken out before getopt reads the rest. */
export const EXTENSION_OPTIONS: readonly ExtensionOption[] = [
  { name: "fault", hasArg: true },
  { name: "faults", hasArg: true },
  { name: "fault-seed", hasArg: true },
  { name: "lint", hasArg: false },
];

/** What the command line asks for. */
export type ParsedArgs =
  | { action: "run"; cli: MockmtaCli }
  | { action: "version" }
  | { action: "usage" }
  /** A usage error: `message` is the whole stderr line, without newline (exit 3). */
  | { action: "error"; message: string };

export const DEFAULT_HOST = "127.0.0.1";
export const DEFAULT_PORT = 25;

/** `[IP:]PORT`; IPv6 as `[::1]:PORT` or `::1:PORT`. Null when not valid. */
export function parseListen(text: string): { host: string; port: number } | null {
  const colon = text.lastIndexOf(":");
  let host = colon < 0 ? DEFAULT_HOST : text.slice(0, colon);
  const portText = colon < 0 ? text : text.slice(colon + 1);
  if (host.startsWith("[") && host.endsWith("]")) host = host.slice(1, -1);
  if (!/^[0-9]{1,5}$/.test(portText)) return null;
  const port = Number(portText);
  if (port < 1 || port > 65535) return null;
  if (host === "") host = DEFAULT_HOST;
  else if (isIP(host) === 0) return null;
  return { host, port };
}

/** Parses `argv` (the words after the program name) as mockmta does. */
export function parseMockmtaArgs(prog: string, argv: readonly string[]): ParsedArgs {
  const extensions = takeExtensionOptions(prog, argv, OPTSTRING, EXTENSION_OPTIONS);
  if (!extensions.ok) return { action: "error", message: extensions.error };
  const parsed = getopt(prog, extensions.rest, OPTSTRING);
  if (!parsed.ok) return { action: "error", message: parsed.error };
  const error = (text: string): ParsedArgs => ({ action: "error", message: `${prog}: ${text}` });
  let detach = false;
  let foreground = false;
  const cli: Omit<MockmtaCli, "mode" | "mailbox"> = {
    priority: "info",
    host: DEFAULT_HOST,
    port: DEFAULT_PORT,
  };
  for (const { name, value = "" } of extensions.options) {
    if (name === "lint") cli.lint = true;
    else if (name === "fault") (cli.faults ??= []).push({ rule: value });
    else if (name === "faults") (cli.faults ??= []).push({ file: value });
    else {
      const seed = parseFaultSeed(value);
      if (seed === null) return error(`invalid fault seed: ${value}`);
      cli.faultSeed = seed;
    }
  }
  // Checked in command-line order, as a C program's getopt loop would.
  for (const { opt, arg = "" } of parsed.options) {
    switch (opt) {
      case "v":
        return { action: "version" };
      case "?":
        return { action: "usage" };
      case "a":
        cli.ca = arg;
        break;
      case "c":
        cli.cert = arg;
        break;
      case "k":
        cli.key = arg;
        break;
      case "d":
        detach = true;
        break;
      case "f":
        foreground = true;
        break;
      case "P":
        cli.pidfile = arg;
        break;
      case "l":
        if (!isPriority(arg)) return error(`invalid priority: ${arg}`);
        cli.priority = arg;
        break;
      case "t":
        if (!/^[0-9]+$/.test(arg) || Number(arg) === 0) return error("wrong timeout value");
        cli.timeout = Number(arg);
        break;
      case "p": {
        const listen = parseListen(arg);
        if (!listen) return error(`invalid port: ${arg}`);
        cli.host = listen.host;
        cli.port = listen.port;
        break;
      }
    }
  }
  if (parsed.operands.length === 0) return error("MAILBOX is required");
  if (parsed.operands.length > 1) return error("too many arguments");
  const mode: Mode = foreground ? "foreground" : detach ? "detach" : "inetd";
  return { action: "run", cli: { ...cli, mode, mailbox: parsed.operands[0] } };
}
