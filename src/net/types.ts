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
  /** Next connection, or `null` once the listener is closed. */
  accept(): Promise<Conn | null>;
  /** Stops accepting; pending accept() calls resolve `null`. */
  close(): void;
}

export interface ListenOptions {
  hostname: string;
  port: number;
  /** Connections must support {@link Conn.startTls}. */
  tls?: boolean;
}

/** Failure to bind/listen, normalised across runtimes. */
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
