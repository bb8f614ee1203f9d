/** What a mockmta session is configured with, and what it tells its embedder. */
import type { Conversation } from "../conversation.ts";
import type { DeliveryResult, ReceivedMessage } from "../message.ts";

/** Limits and timing of a session. Every field has a default (see {@link resolveMockmtaConfig}). */
export interface MockmtaConfig {
  /** Idle timeout in ms for every wait for client input; 0 = none (the default). */
  idleTimeoutMs: number;
  /** Recipients per transaction; further RCPTs get `501 too many recipients`. Default 32. */
  maxRecipients: number;
  /** Longest command line in bytes, line ending included; longer gets `500 Line too long`. */
  maxCommandLine: number;
  /** Longest line the reader buffers (a longer DATA line makes the message refused). */
  maxLine: number;
  /** Largest message body in bytes; larger gets `552 Too much mail data`. */
  maxMessageSize: number;
}

export const DEFAULT_MOCKMTA_CONFIG: MockmtaConfig = {
  idleTimeoutMs: 0,
  maxRecipients: 32,
  // The ancestor read commands in 1024-byte pieces; what fitted there is processed here.
  maxCommandLine: 1024,
  maxLine: 1024 * 1024,
  maxMessageSize: 64 * 1024 * 1024,
};

/** Fills in defaults. */
export function resolveMockmtaConfig(partial: Partial<MockmtaConfig> = {}): MockmtaConfig {
  const config = { ...DEFAULT_MOCKMTA_CONFIG };
  for (const [k, v] of Object.entries(partial)) {
    if (v !== undefined) (config as Record<string, number>)[k] = v;
  }
  return config;
}

/** An accepted message as mockmta reports it: the sink's view plus its number and raw envelope. */
export interface MockmtaMessage extends ReceivedMessage {
  /** The daemon-wide message number of the `250 NNNN` reply. */
  number: number;
  /** The MAIL argument after `FROM:` and blanks, verbatim (brackets, parameters). */
  mailFrom: string;
  /** The RCPT arguments after `TO:` and blanks, verbatim. */
  rcptTo: string[];
}

/** How a session ended. */
export type SessionEnd =
  /** QUIT was answered. */
  | "quit"
  /** The client closed its side (`221 Bye` was still sent). */
  | "eof"
  /** No input within the idle timeout (nothing was sent). */
  | "timeout"
  /** The STARTTLS handshake failed. */
  | "tls-failed"
  /** The connection broke or was closed by the server. */
  | "closed";

/** What the embedder provides to a session. */
export interface MockmtaHooks {
  /** Stores a complete message; a failure is answered 451 (temporary) or 554. */
  deliver(message: ReceivedMessage): Promise<DeliveryResult>;
  /** The next message number, called once per stored message: daemon-wide in daemon mode. */
  nextMessageNumber(): number;
  /** Wall-clock time for `receivedAt`. */
  now(): Date;
  /** A message was stored and its `250` written. */
  accepted?(message: MockmtaMessage): void;
  /** The session is over. */
  ended?(end: SessionEnd): void;
  /** Called with each session's conversation before its greeting: attach observers here. */
  attach?(conversation: Conversation): void;
}
