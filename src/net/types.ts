/** The transport contract: what every runtime adapter in this folder provides. */
import type { Address, Wire } from "../smtp/wire.ts";

export type { Address, Wire };

/** PEM material for the server side of TLS. */
export interface TlsOptions {
  cert: string;
  key: string;
  /** PEM CA bundle; when given, client certificates are requested and checked against it. */
  ca?: string;
}

/** An accepted connection. */
export interface Conn extends Wire {
  readonly remote: Address;
  readonly local: Address;
  /** Server-side TLS handshake over this connection (STARTTLS). Absent if impossible here. */
  startTls?(options: TlsOptions): Promise<Conn>;
}

export interface Listener {
  readonly addr: Address;
  /**
   * Next connection, or `null` once the listener is closed. Rejects with an {@link AcceptError}
   * when accepting failed; the listener stays usable and accept() may be called again.
   */
  accept(): Promise<Conn | null>;
  /** Stops accepting; pending accept() calls resolve `null`. */
  close(): void;
}

export interface ListenOptions {
  hostname: string;
  port: number;
  /**
   * Connections will be offered {@link Conn.startTls} (every transport's conns support it), and
   * stay half-open: a peer's FIN ends reading only, replies still go out.
   */
  tls?: boolean;
  /**
   * Bun: a full collection every this many closed connections. What a closed session leaves
   * (its socket, its chunks' buffers, its objects) outlives a young collection and is freed
   * when JavaScriptCore next collects in full, which it does after so much JS allocation: a
   * server whose sessions allocate little (smtpmock) otherwise holds thousands of sessions'
   * remains (+6 MiB RSS after 20,000 one-message sessions). A full collection costs in
   * proportion to the live heap, so it is opt-in: a server that keeps its messages (serve)
   * would pay for all of them each time.
   */
  collectEvery?: number;
}

/**
 * Failure to bind/listen, normalised across runtimes: `code` is the errno name (errno.ts), absent
 * only for an address refused before any system call.
 */
export class ListenError extends Error {
  constructor(message: string, readonly code?: string) {
    super(message);
    this.name = "ListenError";
  }
}

/** The peer went away while we wrote. */
export class ConnClosedError extends Error {
  constructor(message = "connection closed") {
    super(message);
    this.name = "ConnClosedError";
  }
}

/**
 * An accept that failed, with an errno-like `code` so the accept loop can tell a connection that
 * died in the queue (see {@link isConnectionError}) from a listener that cannot accept for now.
 */
export class AcceptError extends Error {
  constructor(message: string, readonly code: string) {
    super(message);
    this.name = "AcceptError";
  }
}

/** Codes of an accept that lost one queued connection; the next one may be fine. */
const CONNECTION_CODES = new Set(["ECONNRESET", "ECONNABORTED", "ENOTCONN", "EPROTO", "EPIPE"]);

/** The accept failed for that one connection only: accept the next at once. */
export function isConnectionError(e: AcceptError): boolean {
  return CONNECTION_CODES.has(e.code);
}

/** The process (EMFILE) or the system (ENFILE) is out of file descriptors. */
export function isFdShortage(e: AcceptError): boolean {
  return e.code === "EMFILE" || e.code === "ENFILE";
}

/**
 * An address from what a runtime reports, never `undefined`: the runtimes ask the kernel for
 * the peer lazily, and for a peer that reset the connection before it was accepted the kernel
 * no longer knows it. Unknown parts become `""` and `0`, as for an inetd session over pipes.
 */
export function addressOf(
  hostname: string | undefined | null,
  port: number | undefined | null,
): Address {
  return {
    hostname: typeof hostname === "string" ? hostname : "",
    port: typeof port === "number" ? port : 0,
  };
}
