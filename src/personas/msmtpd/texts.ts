/**
 * msmtpd's `--version` and `--help` texts (spec msmtpd.md §1). `--help` is msmtpd's, word for
 * word, with Debian's compiled-in command, followed by the one extension. `--version` keeps msmtpd's first line with mocksmtp's
 * version number (scripts that parse it see a version newer than any msmtpd), then says what
 * this program is instead of claiming Martin Lambers' copyright and licence.
 */
import { DEFAULT_MAX_MAIL_SIZE } from "../../smtp/msmtpd/input.ts";
import { VERSION } from "../../version.ts";

/** `msmtpd --version`. */
export function versionText(): string {
  return `msmtpd version ${VERSION}
This is the msmtpd persona of mocksmtp, a re-implementation of msmtpd (by Martin Lambers).
This is free software under the MIT License.
There is NO WARRANTY, to the extent permitted by law.
`;
}

/**
 * `msmtpd --help`, naming `defaultCommand` as the compiled-in command, then mocksmtp's
 * extension after msmtpd's text.
 */
export function helpText(defaultCommand: string): string {
  return `Usage: msmtpd [option...]
Options:
  --version       print version
  --help          print help
  --inetd         start single SMTP session on stdin/stdout
  --interface=ip  listen on ip instead of 127.0.0.1
  --port=number   listen on port number instead of 25
  --log=none|syslog|FILE  do not log anything (default)
                  or log to syslog or log to the given file
  --command=cmd   pipe mails to cmd instead of ${defaultCommand}
  --auth=user[,passwordeval] require authentication with this user name;
                  the password will be retrieved from the given
                  passwordeval command or, if none is given, from
                  the key ring or, if that fails, from a prompt.
Extension of mocksmtp (not in msmtpd):
  --max-mail-size=bytes  refuse a larger mail (554 Cannot allocate memory,
                  nothing piped); K, M, G suffixes; 0 = no limit;
                  default ${DEFAULT_MAX_MAIL_SIZE / 1024 ** 2}M
  --fault=rule    fail a step as the rule says, e.g. 'rcpt => 452';
                  repeatable (grammar in mocksmtp's docs/faults.md)
  --faults=file   fault rules from file, one per line, # comments
  --fault-seed=n  seed of the generator behind %P rules
  --lint          lint what clients send (docs/lint.md): one
                  "lint: session N: ..." line per session in the
                  log (on stderr with --log=none)
`;
}
