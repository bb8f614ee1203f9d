/**
 * The options of `mocksmtp serve` as a library ({@link ServeServerOptions}): what the CLI's
 * flags map to one for one, and what `ServeServer.start` takes. Kept apart from the server so
 * the CLI can build them without loading the server's modules first.
 */
import type { Clock } from "../smtp/clock.ts";
import type { Sink } from "../smtp/message.ts";
import type { LogFn } from "../smtp/session.ts";
import type { Logger } from "./logger.ts";
import type { TranscriptOptions } from "./capturing_server.ts";
import type { FaultOptions } from "./faults.ts";

/** An address to listen on; port 0 picks a free one. */
export interface ListenAddress {
  host?: string;
  port?: number;
}

/** PEM key material given by the caller (`--smtp-tls-cert` / `--smtp-tls-key`). */
export interface ServeTlsFiles {
  cert: string;
  key: string;
}

/** Minting a throwaway CA and a leaf at start (the default when no PEM is given). */
export interface ServeTlsMint {
  /** Extra subject alternative names besides `localhost`, `127.0.0.1` and `::1`. */
  names?: string[];
  /**
   * Where the CA certificate (PEM) is written; default a new file in the OS temp dir,
   * unique per run. `false`: not written (still available as `ServeServer.caPem`).
   */
  caOut?: string | false;
}

/** Who may authenticate, and when AUTH is offered and required (Mailpit's semantics). */
export interface ServeAuthOptions {
  /** Any user name and password is accepted (`--smtp-auth-accept-any`). */
  acceptAny?: boolean;
  /** Accepted credentials: user name → password (`--smtp-auth-file`). */
  users?: ReadonlyMap<string, string> | Record<string, string>;
  /** AUTH is also offered before TLS (`--smtp-auth-allow-insecure`). */
  allowInsecure?: boolean;
  /** MAIL is refused until the client authenticated (`--smtp-require-auth`). */
  required?: boolean;
}

/** The SMTP dialect's limits and switches, as the CLI's `--smtp-*` flags set them. */
export interface ServeSmtpOptions {
  /** The name in the greeting and EHLO reply. */
  hostname?: string;
  /** Largest message in bytes (EHLO `SIZE`). */
  maxSize?: number;
  /** Longest command line in bytes, line end included. */
  maxLine?: number;
  /** Recipients per message. */
  maxRecipients?: number;
  /** Idle time per command, in milliseconds. */
  timeoutMs?: number;
  /** Concurrent sessions; a further client waits for its greeting. */
  maxConnections?: number;
  /** ESMTP extensions not offered (`PIPELINING`, `CHUNKING`, `AUTH`, …), case-insensitive. */
  disable?: string[];
  /** What a bare CR or LF in a command or in data gets: refused, or accepted and recorded. */
  bareLineEndings?: "accept" | "reject";
  /** STARTTLS must be done before MAIL (`--smtp-require-starttls`). */
  requireStartTls?: boolean;
}

/** Options of `ServeServer.start`. Everything is on; each piece can be tuned. */
export interface ServeServerOptions extends TranscriptOptions, FaultOptions {
  /** SMTP listen address; default `127.0.0.1`, port 0 (the CLI: 1025). */
  smtp?: ListenAddress;
  /**
   * The SMTP port speaks TLS from the first byte (implicit TLS, `--smtp-require-tls`) instead
   * of offering STARTTLS.
   */
  smtpImplicitTls?: boolean;
  /** An extra implicit-TLS SMTP listener (`--smtps ADDR`). */
  smtps?: ListenAddress;
  /** HTTP API (and UI) listen address; default `127.0.0.1`, port 0 (the CLI: 8025). `false`: none. */
  http?: ListenAddress | false;
  /** Messages kept in memory, oldest dropped first (`--max`); default 500, as Mailpit. */
  max?: number;
  /** Key material: the caller's PEM, or minted at start (default). */
  tls?: ServeTlsFiles | ServeTlsMint;
  auth?: ServeAuthOptions;
  smtpOptions?: ServeSmtpOptions;
  /** Also write every accepted message here (`--maildir`, `--mbox`, `--eml-dir`). */
  maildir?: string;
  mbox?: string;
  emlDir?: string;
  /** Further sinks, handed each message after the store; the first failure is answered. */
  sinks?: Sink[];
  /** Receives the server's log lines; silent when absent. */
  logger?: Logger;
  /** Level-based alternative to `logger`, used by the CLI. */
  log?: LogFn;
  /** The clock of every timer (idle timeouts, waits); default the system clock. */
  clock?: Clock;
  /**
   * Client lint (docs/lint.md): each stored message gets its findings (`lint`, `Lint` over
   * HTTP) and each session ends with a `lint: session N: …` log line. On by default.
   */
  lint?: boolean;
  /** Refuse a message with an `error` finding: `550 5.6.0 Message rejected by lint: <id>`. */
  strict?: boolean;
  /**
   * Mailpit's chaos triggers (`Sender:451:50,Recipient:452:10`), set as by `PUT /api/v1/chaos`
   * (docs/faults.md). Rules and chaos can be changed at run time over HTTP either way.
   */
  chaosTriggers?: string;
  /**
   * Aborts the start: whatever was started (listeners, the minting worker) stops and
   * {@link ServeServer.start} rejects with the signal's reason. No effect once started.
   */
  signal?: AbortSignal;
}

/** The defaults of the `serve` CLI (the library picks free ports instead). */
export const SERVE_DEFAULTS = {
  smtpHost: "127.0.0.1",
  smtpPort: 1025,
  httpHost: "127.0.0.1",
  httpPort: 8025,
  max: 500,
} as const;
