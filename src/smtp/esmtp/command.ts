/**
 * Command grammar of the serve dialect (RFC 5321 §4.1): the verb and its argument, and the
 * `FROM:<path>` / `TO:<path>` argument of MAIL and RCPT split into mailbox and parameters.
 */

import { latin1 } from "../latin1.ts";

const CR = 0x0d;
const LF = 0x0a;

/** How a command line ended, for the bare line ending policy. */
export type LineEnd = "crlf" | "lf" | "none";

/** A command line as text, with what the policy needs to know about its bytes. */
export interface CommandLine {
  /** The line without its line end (invalid UTF-8 becomes U+FFFD). */
  text: string;
  end: LineEnd;
  /** A CR that is not part of the final CRLF. */
  bareCr: boolean;
}

const decoder = new TextDecoder();

/** Splits the line end off a line as read (`\r\n`, a bare `\n`, or none at end of input). */
export function commandLine(line: Uint8Array): CommandLine {
  let n = line.length;
  let end: LineEnd = "none";
  if (n > 0 && line[n - 1] === LF) {
    n--;
    end = "lf";
    if (n > 0 && line[n - 1] === CR) {
      n--;
      end = "crlf";
    }
  }
  // One pass for a CR and for bytes beyond ASCII: an ASCII line (nearly every one) becomes
  // text without a decoder call, which on Deno crosses into Rust.
  let ascii = n <= SHORT_LINE;
  let bareCr = false;
  for (let i = 0; i < n; i++) {
    const b = line[i];
    if (b >= 0x80) ascii = false;
    else if (b === CR) bareCr = true;
  }
  const text = ascii ? latin1(line, 0, n) : decoder.decode(line.subarray(0, n));
  return { text, end, bareCr };
}

/** Lines up to this long, if ASCII, are made text without the decoder (see latin1.ts). */
const SHORT_LINE = 1024;

/** A verb (upper-cased) and its argument (after one or more blanks; `""` when none). */
export interface Command {
  verb: string;
  arg: string;
}

/** `MAIL FROM:<a@b>` → `{verb: "MAIL", arg: "FROM:<a@b>"}`; trailing blanks dropped. */
export function parseCommand(text: string): Command {
  // By hand, not by a regular expression: this runs for every command.
  const n = text.length;
  let i = 0;
  while (i < n && !isBlank(text.charCodeAt(i))) i++;
  let verb = text.slice(0, i);
  while (i < n && isBlank(text.charCodeAt(i))) i++;
  let end = n;
  while (end > i && isBlank(text.charCodeAt(end - 1))) end--;
  // Only ASCII letters fold: `qu\u0131t` is not QUIT.
  if (/[a-z]/.test(verb)) verb = verb.replace(/[a-z]+/g, (s) => s.toUpperCase());
  return { verb, arg: text.slice(i, end) };
}

/** A space or a tab (the code of one). */
function isBlank(c: number): boolean {
  return c === 0x20 || c === 0x09;
}

/** A MAIL or RCPT argument split into its path and the parameter text after it. */
export interface PathArgument {
  /** The mailbox without brackets and source route; `""` for the null path `<>`. */
  mailbox: string;
  /** The text after the closing bracket (the ESMTP parameters), blanks trimmed. */
  params: string;
}

/**
 * `FROM:<path> params` (or `TO:`), with `prefix` matched case-insensitively and blanks
 * allowed after the colon (a common client habit Postfix accepts). `null`: not that shape.
 * A source route (`<@a,@b:user@c>`, RFC 5321 §4.1.2) is dropped, as §3.3 asks.
 */
export function pathArgument(arg: string, prefix: "FROM:" | "TO:"): PathArgument | null {
  // By offsets, not by slices: no string is made but the mailbox (and any parameters). No
  // character beyond ASCII upper-cases to a letter of the prefixes, so comparing ASCII
  // letters in either case is what upper-casing and comparing did.
  const n = prefix.length;
  if (arg.length < n) return null;
  for (let i = 0; i < n; i++) {
    const c = arg.charCodeAt(i);
    if ((c >= 0x61 && c <= 0x7a ? c - 0x20 : c) !== prefix.charCodeAt(i)) return null;
  }
  let open = n;
  while (isBlank(arg.charCodeAt(open))) open++;
  if (arg[open] !== "<") return null;
  const close = closingBracket(arg, open);
  if (close < 0) return null;
  if (close + 1 < arg.length && !isBlank(arg.charCodeAt(close + 1))) return null;
  let mailbox = arg.slice(open + 1, close);
  const route = /^@[^:]*:/.exec(mailbox);
  if (route) mailbox = mailbox.slice(route[0].length);
  return { mailbox, params: close + 1 === arg.length ? "" : arg.slice(close + 1).trim() };
}

/** The `>` that closes the path opened at `open`, skipping quoted parts (`<"a>b"@c>`). */
function closingBracket(s: string, open: number): number {
  let quoted = false;
  for (let i = open + 1; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === ">") return i;
  }
  return -1;
}

/** What is wrong with a mailbox: nothing, its syntax, or non-ASCII without SMTPUTF8. */
export type MailboxCheck = "ok" | "syntax" | "utf8";

// RFC 5321 §4.1.2 atext, and beyond ASCII the UTF-8 of RFC 6531 (checked separately):
// a dot-string of atoms, and a domain of dot-separated labels, each matched whole rather than
// split into parts first.
const DOT_STRING =
  /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uFFFF-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~\u0080-\uFFFF-]+)*$/;
const QUOTED = /^"(?:[\x20\x21\x23-\x5b\x5d-\x7e\u0080-\uFFFF]|\\[\x20-\x7e])*"$/;
const LABEL =
  "[A-Za-z0-9_\\u0080-\\uFFFF](?:[A-Za-z0-9_\\u0080-\\uFFFF-]*[A-Za-z0-9_\\u0080-\\uFFFF])?";
const DOMAIN = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`);
const LITERAL = /^\[[\x21-\x5a\x5e-\x7e]+\]$/;

/**
 * Checks `local@domain` (RFC 5321 §4.1.2; UTF-8 per RFC 6531 when `utf8` is allowed).
 * `postmaster` without a domain is accepted when `bareLocal` (RCPT only, §4.5.1).
 */
export function checkMailbox(mailbox: string, utf8: boolean, bareLocal = false): MailboxCheck {
  // U+FFFD: bytes that were not UTF-8; control characters never belong in an address.
  // deno-lint-ignore no-control-regex
  if (/[\uFFFD\x00-\x1f\x7f]/.test(mailbox)) return "syntax";
  const at = mailbox.lastIndexOf("@");
  if (at < 0) {
    return bareLocal && mailbox.toLowerCase() === "postmaster" ? "ok" : "syntax";
  }
  const local = mailbox.slice(0, at);
  const domain = mailbox.slice(at + 1);
  if (!validLocal(local) || !validDomain(domain)) return "syntax";
  // deno-lint-ignore no-control-regex
  if (!utf8 && /[^\x00-\x7f]/.test(mailbox)) return "utf8";
  return "ok";
}

function validLocal(local: string): boolean {
  if (local.length === 0) return false;
  if (local[0] === '"') return QUOTED.test(local);
  return DOT_STRING.test(local);
}

function validDomain(domain: string): boolean {
  if (domain.length === 0) return false;
  if (domain[0] === "[") return LITERAL.test(domain);
  return DOMAIN.test(domain);
}
