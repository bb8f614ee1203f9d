/** mockmta's `-?` and `-v` texts (spec §1: the synopsis, and version plus TLS status). */
import { VERSION } from "../../version.ts";

export const SYNOPSIS =
  "[-dfv?] [-c CERT] [-a CA] [-k KEY] [-l PRIO] [-P FILE] [-p [IP:]PORT] [-t SEC] MAILBOX";

/** The `-?` text, on stdout. */
export function usageText(prog: string): string {
  return `Usage: ${prog} ${SYNOPSIS}
Mock MTA: accepts mail over SMTP and appends every message to the UNIX mailbox MAILBOX.

  -a CA          CA certificates (PEM): request client certificates and check them
  -c CERT        server certificate (PEM); with -k, offer STARTTLS
  -d             daemon mode: detach and listen (default 127.0.0.1:25)
  -f             daemon mode in the foreground (implies -d)
  -k KEY         private key (PEM) of the certificate
  -l PRIO        log PRIO and more important: emerg alert crit err warning notice info
                 debug (default info)
  -P FILE        write the daemon's PID to FILE (removed on exit)
  -p [IP:]PORT   listen address in daemon mode (default 127.0.0.1:25)
  -t SEC         idle timeout in seconds for every wait for client input
  -v             print the version and TLS support status, then exit
  -?             print this help, then exit

Without -d or -f, one SMTP session is served on stdin/stdout (inetd mode), logging to
stderr. Exit status: 0 success, 1 failure, 2 I/O timeout, 3 usage error.

Extensions of mocksmtp (not in mockmta):
  --fault RULE   fail a step as RULE says, e.g. 'rcpt:*@full.example => 452 Mailbox
                 full' (repeatable; grammar in mocksmtp's docs/faults.md)
  --faults FILE  fault rules from FILE, one per line, # comments
  --fault-seed N seed of the generator behind %P rules (reproducible runs)
  --lint         lint what clients send (docs/lint.md): a "lint: session N: ..."
                 line per session in the log (priority info)
`;
}

/** The `-v` text, on stdout. STARTTLS is implemented with node:tls on every runtime. */
export function versionText(): string {
  return `mockmta ${VERSION}\nTLS support: yes\n`;
}
