/**
 * msmtpd's address and EHLO-name rules (spec msmtpd.md §5.4, §5.5). The address whitelist is
 * the only thing standing between a client and the shell that runs the pipe command: every
 * accepted address consists of `A–Z a–z 0–9 . @ _ + / = -` alone, never starts with `-`, and is
 * therefore inert in a `sh -c` command line (no spaces, quotes, `$`, backquotes, `;`, `&`, `|`,
 * `<`, `>`, globbing characters, newlines or non-ASCII bytes).
 */

/** What `MAIL FROM:<>` becomes. */
export const NULL_SENDER = "MAILER-DAEMON";

const ADDRESS_CHAR = /^[A-Za-z0-9.@_+\/=-]$/;

/**
 * The address in `arg` (the text after `MAIL FROM:` / `RCPT TO:`): spaces, `<`, whitelisted
 * characters, and `>` as the very last character. `""` for `<>` when `allowEmpty`, else `null`
 * for anything invalid.
 */
export function parseAddress(arg: string, allowEmpty: boolean): string | null {
  let i = 0;
  while (arg[i] === " ") i++;
  if (arg[i] !== "<" || !arg.endsWith(">") || arg.length - i < 2) return null;
  const addr = arg.slice(i + 1, -1);
  for (let k = 0; k < addr.length; k++) {
    if (!ADDRESS_CHAR.test(addr[k]) || (k === 0 && addr[k] === "-")) return null;
  }
  if (addr === "" && !allowEmpty) return null;
  return addr;
}

/** The name the Received header shows for a HELO/EHLO argument: `unknown`, `invalid` or itself. */
export function sanitizeEhloName(name: string): string {
  if (name === "") return "unknown";
  for (let i = 0; i < name.length; i++) {
    const c = name[i];
    const ok = /[A-Za-z0-9.:-]/.test(c) || (i === 0 && c === "[") ||
      (i === name.length - 1 && c === "]");
    if (!ok) return "invalid";
  }
  return name;
}
