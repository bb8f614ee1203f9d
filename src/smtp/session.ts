/**
 * The contract between the server (which owns sockets and the session registry) and a
 * dialect engine (which owns the conversation). go-smtp's conn/session split in spirit: the
 * engine never sees a runtime global, only what this context hands it.
 */
import type { Clock } from "./clock.ts";
import type { Address, TlsSession, Wire } from "./wire.ts";

/** Log levels, most important first (syslog order). */
export type LogLevel =
  | "emerg"
  | "alert"
  | "crit"
  | "err"
  | "warning"
  | "notice"
  | "info"
  | "debug";

/** What a session writes to its log; the persona decides format and destination. */
export type LogFn = (level: LogLevel, message: string) => void;

export interface SessionContext {
  /** The connection; replaced by the TLS wire after STARTTLS. */
  wire: Wire;
  remote: Address;
  local: Address;
  clock: Clock;
  log: LogFn;
  /** Aborted when the server begins a graceful stop. */
  stopping: AbortSignal;
  /** Aborted when the server closes this connection (forced stop); ends pending delays. */
  closed: AbortSignal;
  /**
   * Present when this session may offer STARTTLS: performs the server side of the handshake
   * over the current wire and returns the protected wire. Rejects if the handshake fails.
   */
  upgradeTls?: () => Promise<Wire>;
  /** Set by `Conversation.startTls` once the session is protected, when the wire tells. */
  tls?: TlsSession;
}

/** Runs one SMTP conversation to its end; must not throw for anything a client can send. */
export type SessionEngine = (ctx: SessionContext) => Promise<void>;
