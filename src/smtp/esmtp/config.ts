/**
 * What a `serve` (ESMTP) session is configured with, and what it asks of its embedder. Every
 * limit has a default that a modern MTA would choose; the persona maps its flags onto these.
 */
import type { Conversation } from "../conversation.ts";
import type { BodyStore } from "../framing.ts";
import type { DeliveryResult, ReceivedMessage } from "../message.ts";

/** The EHLO keywords a config may turn off (upper case, as advertised). */
export type Extension =
  | "PIPELINING"
  | "SIZE"
  | "8BITMIME"
  | "SMTPUTF8"
  | "ENHANCEDSTATUSCODES"
  | "CHUNKING"
  | "BINARYMIME"
  | "DSN"
  | "STARTTLS"
  | "AUTH";

/** Every extension, in the order EHLO advertises them. */
export const EXTENSIONS: readonly Extension[] = [
  "PIPELINING",
  "SIZE",
  "8BITMIME",
  "SMTPUTF8",
  "ENHANCEDSTATUSCODES",
  "CHUNKING",
  "BINARYMIME",
  "DSN",
  "STARTTLS",
  "AUTH",
];

/** SASL mechanisms the dialect implements. */
export type AuthMechanism = "PLAIN" | "LOGIN" | "CRAM-MD5";

/** The mechanisms, in the order AUTH advertises them. */
export const AUTH_MECHANISMS: readonly AuthMechanism[] = ["PLAIN", "LOGIN", "CRAM-MD5"];

/**
 * What to do with a command or DATA line that ends in a bare LF (or holds a bare CR).
 * `accept`: take it and record the bytes as sent (lint reports it); `reject`: answer as
 * Postfix does (`550 5.5.2 … bare <LF> received`).
 */
export type BareLineEndingPolicy = "accept" | "reject";

/**
 * What to do with a client that sent before the greeting (RFC 5321 §4.3.1; the seam tells,
 * through its `early` observer). `accept`: go on (lint reports it); `reject`: answer its first
 * command `421 4.7.0 … talked before the greeting` and close, as smtp-server does.
 */
export type EarlyTalkerPolicy = "accept" | "reject";

/** Limits and policies of a serve session (defaults: {@link DEFAULT_ESMTP_CONFIG}). */
export interface EsmtpConfig {
  /** The name in the greeting and the EHLO reply, and in CRAM-MD5 challenges. */
  hostname: string;
  /** Text after the hostname in the `220` greeting. */
  greetingText: string;
  /** Extensions not offered (and their parameters refused); upper-case EHLO keywords. */
  disabled: ReadonlySet<string>;
  /** SASL mechanisms offered, in this order (AUTH is not offered when empty). */
  authMechanisms: readonly AuthMechanism[];
  /** Offer and accept AUTH before TLS (Mailpit's `--smtp-auth-allow-insecure`). */
  allowInsecureAuth: boolean;
  /** MAIL needs a successful AUTH first (`530 5.7.0 Authentication required`). */
  requireAuth: boolean;
  /** Only EHLO/HELO, STARTTLS, NOOP, RSET, QUIT before TLS (`530 5.7.0 Must issue a STARTTLS…`). */
  requireTls: boolean;
  /** Largest message in bytes (after dot-unstuffing, or the sum of BDAT chunks); in `SIZE`. */
  maxMessageSize: number;
  /** Recipients per transaction; the next gets `452 4.5.3 Too many recipients`. */
  maxRecipients: number;
  /**
   * Longest command line accepted, CRLF included. RFC 5321 §4.5.3.1.4 only asks for 512;
   * real clients send longer (many ESMTP parameters), so the cap is more generous.
   */
  maxCommandLine: number;
  /**
   * Longest DATA line, CRLF included; 0: lines are only bounded by the message size. RFC 5321
   * asks for 1000 at least; a test double captures longer lines and leaves them to lint.
   */
  maxDataLine: number;
  /** Every wait for client input; then `421 4.4.2 … timeout` and close. 0: none. */
  idleTimeoutMs: number;
  /** Refused commands a session may send; the next one is answered `421 4.7.0` and closes. */
  maxErrors: number;
  /** Bare CR / LF in commands and DATA (see {@link BareLineEndingPolicy}). */
  bareLineEndings: BareLineEndingPolicy;
  /** Input before the greeting (see {@link EarlyTalkerPolicy}). */
  earlyTalkers: EarlyTalkerPolicy;
}

/** The defaults a modern MTA would choose, and the lead's decisions on the policies. */
export const DEFAULT_ESMTP_CONFIG: Readonly<EsmtpConfig> = Object.freeze({
  hostname: "localhost",
  greetingText: "ESMTP mocksmtp",
  disabled: new Set<string>(),
  authMechanisms: AUTH_MECHANISMS,
  allowInsecureAuth: false,
  requireAuth: false,
  requireTls: false,
  maxMessageSize: 25 * 1024 * 1024,
  maxRecipients: 100,
  maxCommandLine: 4096,
  maxDataLine: 0,
  idleTimeoutMs: 300_000,
  // Postfix's smtpd_hard_error_limit.
  maxErrors: 20,
  // DECISION (the lead's): a test double must capture what the client sent; lint reports bare
  // line endings as errors and the persona's --strict chooses `reject`.
  bareLineEndings: "accept",
  // Whether input beat the greeting is a race on a real socket (`printf … | nc` often wins
  // it), so refusing is opt-in; lint reports early talkers either way.
  earlyTalkers: "accept",
});

/** Fills in defaults; `undefined` fields keep theirs. */
export function resolveEsmtpConfig(partial: Partial<EsmtpConfig> = {}): EsmtpConfig {
  const config: EsmtpConfig = { ...DEFAULT_ESMTP_CONFIG };
  for (const [k, v] of Object.entries(partial)) {
    if (v !== undefined) (config as unknown as Record<string, unknown>)[k] = v;
  }
  const disabled = new Set<string>();
  for (const d of config.disabled) disabled.add(d.toUpperCase());
  config.disabled = disabled;
  return config;
}

/** One AUTH attempt as the embedder's {@link EsmtpHooks.authenticate} sees it. */
export interface AuthAttempt {
  mechanism: AuthMechanism;
  /** The authentication identity (PLAIN's authcid, LOGIN's user, CRAM-MD5's user). */
  username: string;
  /** PLAIN and LOGIN: the password as sent. */
  password?: string;
  /** PLAIN: the authorization identity, when the client gave one. */
  authzid?: string;
  /**
   * CRAM-MD5: true when `secret` is the user's secret for the digest the client sent (the
   * password never crosses the wire, so only a check against the secret is possible).
   */
  verify?(secret: string): boolean;
}

/** How a session ended. */
export type EsmtpSessionEnd =
  /** QUIT was answered. */
  | "quit"
  /** The client closed its side. */
  | "eof"
  /** No input within the idle timeout (`421 4.4.2` was sent). */
  | "timeout"
  /** Too many refused commands (`421 4.7.0`). */
  | "errors"
  /** An HTTP request on the SMTP port (`554 5.7.0`). */
  | "http"
  /** Input before the greeting, under the `reject` policy (`421 4.7.0`). */
  | "early"
  /** The STARTTLS handshake failed. */
  | "tls-failed"
  /** The connection broke, was closed by the server, or an interceptor dropped it. */
  | "closed";

/** What the embedder provides to a session. */
export interface EsmtpHooks {
  /**
   * Stores or forwards a complete message. A failure is answered (`451 4.3.0` temporary,
   * `554 5.3.0` permanent, or its own reply); `id` of a success goes into `queued as`.
   */
  deliver(message: ReceivedMessage): Promise<DeliveryResult>;
  /**
   * Where a DATA body of at most `maxSize` bytes is written as it arrives, when the embedder
   * keeps bodies in storage of its own (serve's store writes them into its slabs instead of
   * copying them there after); undefined: the session's own buffer.
   */
  dataBody?(maxSize: number): BodyStore | undefined;
  /** Called with each session's conversation before its greeting: attach observers here. */
  attach?(conversation: Conversation): void;
  /**
   * Checks credentials. Without it every AUTH fails (`535 5.7.8`); an accept-any policy
   * returns true. A throw counts as a temporary failure (`454 4.7.0`).
   */
  authenticate?(attempt: AuthAttempt): boolean | Promise<boolean>;
  /** Wall-clock time for the record's timestamps and CRAM-MD5 challenges. */
  now(): Date;
  /** A random token for CRAM-MD5 challenges (default: Math.random based). */
  nonce?(): string;
  /** The session is over. */
  ended?(end: EsmtpSessionEnd): void;
}
