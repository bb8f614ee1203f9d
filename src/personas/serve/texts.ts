/** `mocksmtp serve --help` and `--version`. */
import { VERSION } from "../../version.ts";

/** Exit statuses of `mocksmtp serve`, as `--help` and docs/serve.md state them. */
export const EXIT = {
  /** Stopped by SIGINT or SIGTERM, or `--help` / `--version`. */
  ok: 0,
  /** Could not run: an address in use or not allowed, key material that could not be made. */
  runtime: 1,
  /** A bad flag, value or file on the command line. */
  usage: 2,
} as const;

export const SERVE_HELP = `Usage: mocksmtp serve [options]      (plain \`mocksmtp\` does the same)

A modern ESMTP test server: PIPELINING, SIZE, 8BITMIME, SMTPUTF8, ENHANCEDSTATUSCODES,
CHUNKING/BINARYMIME, DSN, STARTTLS and AUTH PLAIN LOGIN CRAM-MD5; every message captured in
memory and readable over a Mailpit-compatible HTTP API. Option names follow Mailpit's.

Listening:
  --smtp ADDR                 SMTP address (default 127.0.0.1:1025)
  --listen ADDR               HTTP API and web UI address (default 127.0.0.1:8025)
  --smtps ADDR                an extra SMTP listener with implicit TLS (e.g. 127.0.0.1:1465)
      ADDR is HOST:PORT, [IPv6]:PORT, :PORT (every IPv4 interface) or PORT (on 127.0.0.1)
Capture:
  --max N                     messages kept in memory, oldest dropped first (default 500;
                              0: no limit)
  --maildir DIR               also write every message to this Maildir (tmp/ -> new/)
  --mbox FILE                 also append every message to this mbox file
  --eml-dir DIR               also write every message as DIR/<unique>.eml
  --transcripts N             session transcripts kept (default 100; 0: none)
TLS:
  --smtp-tls-cert FILE        certificate chain (PEM) ...
  --smtp-tls-key FILE         ... and its key; without both a throwaway CA and a leaf for
                              localhost, 127.0.0.1 and ::1 are minted at start
  --tls-name NAME             an extra name (DNS or IP) in the minted leaf; repeatable
  --ca-out FILE               where the minted CA is written (default: a new file in the
                              temp dir, named in the start line; also GET /api/v1/ca.pem)
  --smtp-require-starttls     refuse MAIL until the client did STARTTLS
  --smtp-require-tls          the SMTP port speaks TLS from the first byte (implicit TLS)
AUTH (offered on TLS; any credentials are accepted unless a users file is given):
  --smtp-auth-accept-any      accept any user name and password (the default)
  --smtp-auth-file FILE       accept only these users: one user:password per line
  --smtp-auth-allow-insecure  offer and accept AUTH before TLS too
  --smtp-require-auth         refuse MAIL until the client authenticated
SMTP limits and switches:
  --smtp-max-recipients N     recipients per message (default 100)
  --smtp-max-size BYTES       largest message (default 26214400, in EHLO's SIZE)
  --smtp-max-line BYTES       longest command line, CRLF included (default 4096)
  --smtp-timeout DURATION     idle time per command: 30, 30s, 1500ms, 5m (default 5m)
  --smtp-max-connections N    sessions at once; further clients wait for their greeting
  --smtp-disable EXT,...      do not offer these: PIPELINING SIZE 8BITMIME SMTPUTF8
                              ENHANCEDSTATUSCODES CHUNKING BINARYMIME DSN STARTTLS AUTH
  --smtp-bare-lf accept|reject  a bare LF or CR line end: accepted and recorded (default),
                              or refused as Postfix does
Faults and lint (docs/faults.md, docs/lint.md; lint is always on in serve):
  --fault RULE                a fault rule, e.g. 'rcpt:*@full.example => 452 4.2.2 Mailbox full';
                              repeatable
  --faults FILE               fault rules from FILE, one per line, # comments
  --fault-seed N              seed of the % rules' generator (reproducible runs)
  --chaos-triggers SPEC       Mailpit's chaos: Sender:451:50,Recipient:452:10,… (as % rules;
                              --enable-chaos is accepted and implied)
  --strict                    refuse a message with a lint error (550 5.6.0 naming the id)
Other:
  -q, --quiet                 no line per message, only the start line and errors
  -h, --help                  this text
  -V, --version               the version

Options take their value as --name=value or --name value. Stop with SIGINT or SIGTERM.
Exit status: 0 stopped by a signal (or --help/--version), 1 cannot run (address in use,
key material not made), 2 bad option, value or file.
`;

export const SERVE_VERSION = `mocksmtp serve ${VERSION}\n`;
