/** The persona table: name → entry point, loaded lazily so each starts only what it needs. */
import type { ProgramIO } from "./io.ts";

export interface Persona {
  summary: string;
  run(argv: string[], io: ProgramIO): Promise<number>;
}

export const PERSONAS = {
  smtpmock: {
    summary: "go-smtp-mock's smtpmock: scripted replies, blacklists, delays (Go-style -flags)",
    run: async (argv, io) => (await import("../personas/smtpmock/main.ts")).smtpmockMain(argv, io),
  },
  mockmta: {
    summary: "GNU mockmta: inetd or daemon MTA delivering to a UNIX mbox, STARTTLS",
    run: async (argv, io) => (await import("../personas/mockmta/main.ts")).mockmtaMain(argv, io),
  },
  serve: {
    summary: "the modern ESMTP test server: TLS, AUTH, capture, Mailpit-style HTTP API (default)",
    run: async (argv, io) => (await import("../personas/serve/main.ts")).serveMain(argv, io),
  },
  msmtpd: {
    summary: "msmtpd: pipes each mail to a command, AUTH PLAIN, inetd mode (--long options)",
    run: async (argv, io) => (await import("../personas/msmtpd/main.ts")).msmtpdMain(argv, io),
  },
} satisfies Record<string, Persona>;

export type PersonaName = keyof typeof PERSONAS;

/**
 * The personas a link or copy of the binary may be named after (`mocksmtp link` makes these):
 * the clones, whose names existing scripts call. `serve` is reached as `mocksmtp serve` or
 * plain `mocksmtp`; a program named "serve" is too common a name to claim.
 */
export const LINKED_PERSONAS = [
  "smtpmock",
  "mockmta",
  "msmtpd",
] as const satisfies readonly PersonaName[];
