/**
 * mockmta's command grammar (spec §3.1, §3.3): the verb is the text up to the first SP or TAB,
 * matched case-insensitively as a whole word; the argument is the rest after blanks, kept
 * verbatim (trailing blanks included), absent when nothing remains.
 */

/** The verbs mockmta knows; anything else is `500 Command unrecognized`. */
export type Keyword =
  | "HELP"
  | "RSET"
  | "EHLO"
  | "HELO"
  | "MAIL"
  | "RCPT"
  | "DATA"
  | "STARTTLS"
  | "QUIT";

const KEYWORDS: ReadonlySet<string> = new Set<Keyword>([
  "HELP",
  "RSET",
  "EHLO",
  "HELO",
  "MAIL",
  "RCPT",
  "DATA",
  "STARTTLS",
  "QUIT",
]);

/** One parsed command line. */
export interface Command {
  /** The known verb, or null for an unknown one (including the empty line). */
  keyword: Keyword | null;
  /** The argument, or null when there is none. */
  arg: string | null;
}

function isBlank(c: string | undefined): boolean {
  return c === " " || c === "\t";
}

/** ASCII-only upper case, as C's `strcasecmp` compares: `quıt` or `rſet` are no verbs. */
function asciiUpper(s: string): string {
  return s.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

/** Splits a command line (line ending already removed) into verb and argument. */
export function parseCommand(line: string): Command {
  let end = 0;
  while (end < line.length && !isBlank(line[end])) end++;
  const word = asciiUpper(line.slice(0, end));
  let start = end;
  while (isBlank(line[start])) start++;
  const arg = start < line.length ? line.slice(start) : null;
  return { keyword: KEYWORDS.has(word) ? word as Keyword : null, arg };
}

/** The result of {@link pathArgument}. */
export type PathArgument = { path: string } | { error: "syntax" | "empty" };

/**
 * The path after `FROM:` / `TO:` (case-insensitive), leading blanks skipped and the rest kept
 * verbatim. Error `syntax` when the prefix is missing, `empty` when nothing follows it.
 */
export function pathArgument(arg: string, prefix: "FROM:" | "TO:"): PathArgument {
  if (asciiUpper(arg.slice(0, prefix.length)) !== prefix) return { error: "syntax" };
  let start = prefix.length;
  while (isBlank(arg[start])) start++;
  return start < arg.length ? { path: arg.slice(start) } : { error: "empty" };
}

/**
 * The bare address of a MAIL/RCPT path: angle brackets, a source route (`@a,@b:`) and ESMTP
 * parameters removed; `<>` gives `""`. mockmta never validates addresses, so anything else
 * is returned as it came.
 */
export function envelopeAddress(path: string): string {
  let address: string;
  if (path.startsWith("<")) {
    const close = path.indexOf(">");
    address = close >= 0 ? path.slice(1, close) : firstWord(path.slice(1));
  } else {
    address = firstWord(path);
  }
  if (address.startsWith("@")) {
    const colon = address.indexOf(":");
    if (colon >= 0) address = address.slice(colon + 1);
  }
  return address;
}

function firstWord(text: string): string {
  let end = 0;
  while (end < text.length && !isBlank(text[end])) end++;
  return text.slice(0, end);
}
