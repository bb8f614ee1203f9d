/**
 * go-smtp-mock's argument grammar (spec smtpmock.md §4.5) re-expressed as linear scans. Its
 * RE2 patterns cannot be handed to a backtracking engine: the email pattern alone takes
 * seconds on a 40-byte line there. Each function below states which pattern it replaces.
 */

/** Go's `unicode.IsSpace` (what `strings.TrimSpace` trims). */
function isGoSpace(c: number): boolean {
  return (c >= 0x09 && c <= 0x0d) || c === 0x20 || c === 0x85 || c === 0xa0 || c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f ||
    c === 0x205f || c === 0x3000;
}

/** Go `strings.TrimSpace`. */
export function trimSpace(s: string): string {
  let a = 0;
  let b = s.length;
  while (a < b && isGoSpace(s.charCodeAt(a))) a++;
  while (b > a && isGoSpace(s.charCodeAt(b - 1))) b--;
  return a === 0 && b === s.length ? s : s.slice(a, b);
}

// The `u` flag makes `i` fold like Go's `(?i)` (Unicode simple folding): `ſ` matches `s` and
// the Kelvin sign `K` matches `k`; without it JS never folds a non-ASCII character to ASCII.
const KEYWORDS = /helo|ehlo|mail from:|rcpt to:|data|rset|noop|quit/iu;

/** The 502 screen: `(?i)helo|ehlo|mail from:|rcpt to:|data|rset|noop|quit`, unanchored. */
export function hasKeyword(line: string): boolean {
  return KEYWORDS.test(line);
}

const BARE = {
  data: /^data$/iu,
  rset: /^rset$/iu,
  noop: /^noop$/iu,
  quit: /^quit$/iu,
} as const;

/** `\A(?i)<verb>\z`: the line is the verb alone, in any case (Go folding, so `RſET` is RSET). */
export function isBareVerb(line: string, verb: keyof typeof BARE): boolean {
  return BARE[verb].test(line);
}

const LETTER = /\p{L}/u;
const LETTER_OR_NUMBER = /[\p{L}\p{N}]/u;

function isAsciiDigit(ch: string): boolean {
  return ch >= "0" && ch <= "9";
}

/**
 * `(?i)([\p{L}0-9]+([\-.]{1}[\p{L}0-9]+)*\.\p{L}{2,63}|localhost)`, anchored: runs of letters
 * or ASCII digits joined by single `-` or `.`, at least two runs, the last joined by `.` and
 * made of 2–63 letters.
 */
const LOCALHOST = /^localhost$/iu;

export function isDomain(s: string): boolean {
  if (LOCALHOST.test(s)) return true;
  // Code points, so \p{L} sees whole characters; an ASCII string's are its chars, no array.
  const chars: ArrayLike<string> & { lastIndexOf(c: string): number } = isAscii(s)
    ? s
    : Array.from(s);
  let runs = 0;
  let runStart = 0;
  let lastSep = "";
  let prevSep = "";
  for (let i = 0; i <= chars.length; i++) {
    const ch = chars[i];
    if (i === chars.length || ch === "-" || ch === ".") {
      if (i === runStart) return false; // empty run: leading, trailing or doubled separator
      runs++;
      prevSep = lastSep;
      lastSep = ch ?? "";
      runStart = i + 1;
      continue;
    }
    if (!isAsciiDigit(ch) && !LETTER.test(ch)) return false;
  }
  if (runs < 2 || prevSep !== ".") return false;
  const from = chars.lastIndexOf(".") + 1;
  const length = chars.length - from;
  if (length < 2 || length > 63) return false;
  for (let i = from; i < chars.length; i++) if (!LETTER.test(chars[i])) return false;
  return true;
}

function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

const OCTET = /^(25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)$/;

/** The dotted-quad pattern of §4.5 (octets 0–255, up to three digits, leading zeros allowed). */
export function isIPv4(s: string): boolean {
  const parts = s.split(".");
  return parts.length === 4 && parts.every((p) => OCTET.test(p));
}

/**
 * `\A((?i)helo|ehlo) (<domain>|<ip>|\[<ip>\])\z` on the trimmed line; returns the argument
 * (what blacklists compare against) or `null`.
 */
export function heloArgument(line: string): string | null {
  const verb = line.slice(0, 4).toLowerCase();
  if ((verb !== "helo" && verb !== "ehlo") || line[4] !== " ") return null;
  const arg = line.slice(5);
  if (isDomain(arg) || isIPv4(arg)) return arg;
  if (arg.startsWith("[") && arg.endsWith("]") && isIPv4(arg.slice(1, -1))) return arg;
  return null;
}

// Under the pattern's `(?i)` the class also holds `ſ` and `K`, as in Go.
const LOCAL_CHAR = /[a-zA-Z0-9.!#$%&'*+\-/=?^_`{|}~]/iu;

function isDisplayChar(ch: string): boolean {
  // Go's \s is ASCII only: tab, LF, FF, CR, space.
  return ch === "<" || ch === " " || ch === "\t" || ch === "\n" || ch === "\f" || ch === "\r" ||
    LETTER_OR_NUMBER.test(ch);
}

/**
 * `\A((?i)<prefix>)\s*<email>\z` with the email pattern of §4.5, by the spec's linear recipe:
 * strip trailing `>`s, exactly one `@`, a domain after it, and before it the longest suffix of
 * local-part characters preceded only by display-name characters. Returns the address.
 */
export function pathArgument(line: string, prefix: string): string | null {
  if (line.slice(0, prefix.length).toLowerCase() !== prefix) return null;
  let rest = line.slice(prefix.length);
  let end = rest.length;
  while (end > 0 && rest[end - 1] === ">") end--;
  rest = rest.slice(0, end);
  const at = rest.indexOf("@");
  if (at < 0 || rest.indexOf("@", at + 1) >= 0) return null;
  const domain = rest.slice(at + 1);
  if (!isDomain(domain)) return null;
  let start = at;
  while (start > 0 && LOCAL_CHAR.test(rest[start - 1])) start--;
  if (start === at) return null;
  for (const ch of rest.slice(0, start)) if (!isDisplayChar(ch)) return null;
  return rest.slice(start);
}
