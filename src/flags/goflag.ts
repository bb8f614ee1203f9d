/**
 * Go's `flag` package (a `FlagSet` with `ExitOnError`), reproduced as a pure parser: it returns
 * what Go would have done instead of printing and exiting, so the smtpmock persona can do the
 * printing and exiting itself.
 *
 * What the caller must do with each result, to match Go:
 * - `ok: true`: run with `values` (only the flags present on the command line; the last
 *   occurrence wins) and `positional` (everything from the first non-flag argument on).
 * - `help: true` (`-h`, `-help`, `--help`, when no such flag is defined): write
 *   `goUsage(argv0, set)` to stderr, exit 0.
 * - `error`: write `error + "\n"` and then `goUsage(argv0, set)` to stderr, exit 2.
 *
 * @module
 */

/** The flag types smtpmock uses. Go `int` is 64-bit here, so int values are `bigint`. */
export type GoFlagKind = "bool" | "int" | "string";

/** A parsed (or default) flag value: `boolean` for bool, `bigint` for int, `string` for string. */
export type GoFlagValue = boolean | bigint | string;

/** One flag definition, as given to `flag.Bool` / `flag.Int` / `flag.String`. */
export interface GoFlagDef {
  /** Name without the leading dash. */
  readonly name: string;
  readonly kind: GoFlagKind;
  /** Usage text; the first back-quoted word names the value in `goUsage`, as in Go. */
  readonly usage: string;
  /** Default shown by `goUsage` when it is not the zero value; the parser never applies it. */
  readonly default?: GoFlagValue;
  /**
   * For a string flag: checks the value while parsing, as a Go `flag.Value`'s `Set` does
   * (`flag.Func`). The error it returns stops the parse with Go's `invalid value` message.
   */
  readonly check?: (value: string) => string | undefined;
  /**
   * For a string flag: every occurrence counts, as with a Go `flag.Value` whose `Set`
   * appends. `values` still holds the last; `repeated` has them all, in command-line order.
   */
  readonly repeatable?: boolean;
}

/** A validated set of flag definitions (see `defineFlags`). */
export interface GoFlagSet {
  readonly defs: readonly GoFlagDef[];
  readonly byName: ReadonlyMap<string, GoFlagDef>;
}

/** Outcome of `parseGoFlags`; see the module documentation for what the caller must print. */
export type GoFlagResult =
  | {
    ok: true;
    values: Map<string, GoFlagValue>;
    positional: string[];
    /** Each occurrence of a repeatable flag, in command-line order (absent when none). */
    repeated?: Array<{ name: string; value: string }>;
  }
  | { ok: false; help: true }
  | { ok: false; help: false; error: string };

/** Result of `goParseInt`; the error texts are Go's `errParse` / `errRange`. */
export type GoIntResult =
  | { ok: true; value: bigint }
  | { ok: false; error: "parse error" | "value out of range" };

/**
 * Validates definitions the way Go's `FlagSet.Var` does (where it panics): a name must not
 * begin with `-`, contain `=`, or be defined twice. A default must match its flag's kind.
 * @throws TypeError on an invalid definition (a programming error, never a user error).
 */
export function defineFlags(defs: readonly GoFlagDef[]): GoFlagSet {
  const byName = new Map<string, GoFlagDef>();
  for (const def of defs) {
    if (def.name.startsWith("-")) throw new TypeError(`flag "${def.name}" begins with -`);
    if (def.name.includes("=")) throw new TypeError(`flag "${def.name}" contains =`);
    if (byName.has(def.name)) throw new TypeError(`flag redefined: ${def.name}`);
    if (def.default !== undefined && typeof def.default !== JS_TYPE[def.kind]) {
      throw new TypeError(`flag ${def.name}: default is not of kind ${def.kind}`);
    }
    byName.set(def.name, def);
  }
  return { defs: [...defs], byName };
}

const JS_TYPE = { bool: "boolean", int: "bigint", string: "string" } as const;

/**
 * Parses `argv` (without the program name) like Go's `FlagSet.Parse`: `-name`, `--name`,
 * `-name=value`, `-name value` (not for bool), stopping before the first non-flag argument
 * (a lone `-` is one) or after a consumed `--`.
 */
export function parseGoFlags(set: GoFlagSet, argv: readonly string[]): GoFlagResult {
  const values = new Map<string, GoFlagValue>();
  const repeated: Array<{ name: string; value: string }> = [];
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i];
    if (arg.length < 2 || arg[0] !== "-") break;
    const dashes = arg[1] === "-" ? 2 : 1;
    if (arg === "--") {
      i++;
      break;
    }
    let name = arg.slice(dashes);
    if (name === "" || name[0] === "-" || name[0] === "=") {
      return fail(`bad flag syntax: ${arg}`);
    }
    i++;
    // Go splits at the first "=" after the first character.
    let value: string | undefined;
    const eq = name.indexOf("=", 1);
    if (eq > 0) {
      value = name.slice(eq + 1);
      name = name.slice(0, eq);
    }
    const def = set.byName.get(name);
    if (def === undefined) {
      if (name === "help" || name === "h") return { ok: false, help: true };
      return fail(`flag provided but not defined: -${name}`);
    }
    if (def.kind === "bool") {
      if (value === undefined) {
        values.set(name, true);
        continue;
      }
      const parsed = goParseBool(value);
      if (parsed === undefined) {
        return fail(`invalid boolean value ${goQuote(value)} for -${name}: parse error`);
      }
      values.set(name, parsed);
      continue;
    }
    if (value === undefined) {
      if (i >= argv.length) return fail(`flag needs an argument: -${name}`);
      value = argv[i++];
    }
    if (def.kind === "string") {
      const error = def.check?.(value);
      if (error !== undefined) {
        return fail(`invalid value ${goQuote(value)} for flag -${name}: ${error}`);
      }
      values.set(name, value);
      if (def.repeatable) repeated.push({ name, value });
      continue;
    }
    const parsed = goParseInt(value);
    if (!parsed.ok) {
      return fail(`invalid value ${goQuote(value)} for flag -${name}: ${parsed.error}`);
    }
    values.set(name, parsed.value);
  }
  const positional = argv.slice(i);
  return repeated.length
    ? { ok: true, values, positional, repeated }
    : { ok: true, values, positional };
}

function fail(error: string): GoFlagResult {
  return { ok: false, help: false, error };
}

/** Go's `strconv.ParseBool`: `undefined` when the text is not one of the twelve spellings. */
export function goParseBool(s: string): boolean | undefined {
  switch (s) {
    case "1":
    case "t":
    case "T":
    case "true":
    case "TRUE":
    case "True":
      return true;
    case "0":
    case "f":
    case "F":
    case "false":
    case "FALSE":
    case "False":
      return false;
  }
  return undefined;
}

const MAX_UINT64 = (1n << 64n) - 1n;
const INT64_CUTOFF = 1n << 63n;

/**
 * Go's `strconv.ParseInt(s, 0, 64)`: optional sign, then `0x`/`0o`/`0b` (any case) or a
 * leading `0` for octal; `_` separators (base 0 allows them in every base, decimal included)
 * only between digits or right after a prefix. Overflow is reported as soon as it happens,
 * before later characters are looked at, exactly as Go does.
 */
export function goParseInt(s: string): GoIntResult {
  if (s === "") return { ok: false, error: "parse error" };
  let rest = s;
  const negative = rest[0] === "-";
  if (rest[0] === "+" || negative) rest = rest.slice(1);
  const magnitude = goParseUint0(rest);
  if (!magnitude.ok) return magnitude;
  const n = magnitude.value;
  if (negative ? n > INT64_CUTOFF : n >= INT64_CUTOFF) {
    return { ok: false, error: "value out of range" };
  }
  return { ok: true, value: negative ? -n : n };
}

/** Go's `strconv.ParseUint(s, 0, 64)` on the unsigned part. */
function goParseUint0(s0: string): GoIntResult {
  if (s0 === "") return { ok: false, error: "parse error" };
  let s = s0;
  let base = 10n;
  if (s[0] === "0") {
    const p = s.length >= 3 ? s[1].toLowerCase() : "";
    base = p === "b" ? 2n : p === "o" ? 8n : p === "x" ? 16n : 8n;
    s = s.slice(p === "b" || p === "o" || p === "x" ? 2 : 1);
  }
  let n = 0n;
  let underscores = false;
  for (const c of s) {
    if (c === "_") {
      underscores = true;
      continue;
    }
    const d = digitValue(c);
    if (d === undefined || d >= base) return { ok: false, error: "parse error" };
    n = n * base + d;
    if (n > MAX_UINT64) return { ok: false, error: "value out of range" };
  }
  if (underscores && !underscoreOK(s0)) return { ok: false, error: "parse error" };
  return { ok: true, value: n };
}

function digitValue(c: string): bigint | undefined {
  const code = c.charCodeAt(0);
  if (c.length !== 1 || code > 0x7f) return undefined;
  if (code >= 0x30 && code <= 0x39) return BigInt(code - 0x30);
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x7a) return BigInt(lower - 0x61 + 10);
  return undefined;
}

/** Go's `underscoreOK`: every `_` sits between digits (a base prefix counts as a digit). */
function underscoreOK(s0: string): boolean {
  let s = s0;
  if (s[0] === "-" || s[0] === "+") s = s.slice(1);
  let saw = "^";
  let i = 0;
  let hex = false;
  const p = s.length >= 2 && s[0] === "0" ? s[1].toLowerCase() : "";
  if (p === "b" || p === "o" || p === "x") {
    i = 2;
    saw = "0";
    hex = p === "x";
  }
  for (; i < s.length; i++) {
    const c = s[i];
    if ((c >= "0" && c <= "9") || (hex && /^[a-fA-F]$/.test(c))) {
      saw = "0";
    } else if (c === "_") {
      if (saw !== "0") return false;
      saw = "_";
    } else {
      if (saw === "_") return false;
      saw = "!";
    }
  }
  return saw !== "_";
}

// Go's unicode.IsPrint: letters, marks, numbers, punctuation, symbols and the ASCII space.
const PRINTABLE = /^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u;
const SHORT_ESCAPES: Record<string, string> = {
  "\x07": "\\a",
  "\b": "\\b",
  "\f": "\\f",
  "\n": "\\n",
  "\r": "\\r",
  "\t": "\\t",
  "\v": "\\v",
};

/**
 * Go's `strconv.Quote` (what `%q` prints for a string). A lone UTF-16 surrogate, which Go
 * strings cannot hold, is shown as `\ufffd`.
 */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const r = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += "\\" + ch;
    else if (PRINTABLE.test(ch)) out += ch;
    else if (SHORT_ESCAPES[ch] !== undefined) out += SHORT_ESCAPES[ch];
    else if (r < 0x20 || r === 0x7f) out += "\\x" + hex(r, 2);
    else if (r >= 0xd800 && r <= 0xdfff) out += "\\ufffd";
    else if (r < 0x10000) out += "\\u" + hex(r, 4);
    else out += "\\U" + hex(r, 8);
  }
  return out + '"';
}

function hex(n: number, width: number): string {
  return n.toString(16).padStart(width, "0");
}

/**
 * The text Go's default usage function writes (to stderr): `Usage of <prog>:` (or `Usage:` for
 * an empty name), then `PrintDefaults`: one entry per flag in byte order of the names. Every
 * line ends with `\n`.
 */
export function goUsage(progName: string, set: GoFlagSet): string {
  let out = progName === "" ? "Usage:\n" : `Usage of ${progName}:\n`;
  const sorted = [...set.defs].sort((a, b) => compareCodePoints(a.name, b.name));
  for (const def of sorted) {
    const [valueName, usage] = unquoteUsage(def);
    let line = `  -${def.name}`;
    if (valueName !== "") line += " " + valueName;
    // Go keeps one-letter bool flags on one line: the test is on the byte length.
    line += utf8Length(line) <= 4 ? "\t" : "\n    \t";
    line += usage.replaceAll("\n", "\n    \t");
    const shown = defaultText(def);
    if (shown !== undefined) line += ` (default ${shown})`;
    out += line + "\n";
  }
  return out;
}

/** Go's `UnquoteUsage`: the first back-quoted word, or the type name ("" for bool). */
function unquoteUsage(def: GoFlagDef): [string, string] {
  const open = def.usage.indexOf("`");
  if (open >= 0) {
    const close = def.usage.indexOf("`", open + 1);
    if (close >= 0) {
      const name = def.usage.slice(open + 1, close);
      return [name, def.usage.slice(0, open) + name + def.usage.slice(close + 1)];
    }
  }
  return [def.kind === "bool" ? "" : def.kind, def.usage];
}

/** The `(default …)` text, or undefined when the default is the type's zero value. */
function defaultText(def: GoFlagDef): string | undefined {
  const v = def.default;
  if (v === undefined || v === false || v === 0n || v === "") return undefined;
  return typeof v === "string" ? goQuote(v) : String(v);
}

function compareCodePoints(a: string, b: string): number {
  // Code point order equals Go's byte order on UTF-8, unlike JS's UTF-16 `<`.
  const x = [...a];
  const y = [...b];
  for (let k = 0; k < Math.min(x.length, y.length); k++) {
    const d = x[k].codePointAt(0)! - y[k].codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}

const encoder = new TextEncoder();
function utf8Length(s: string): number {
  return encoder.encode(s).length;
}
