/**
 * The byte stream a session talks over. Transports in `src/net/` satisfy it; the core only
 * ever sees this shape, so it runs the same over TCP, stdio or an in-memory pipe in tests.
 */
export interface Wire {
  /** Next chunk from the peer; `null` at end of input. */
  read(): Promise<Uint8Array | null>;
  /** Resolves once the bytes are handed to the OS; rejects if the peer is gone. */
  write(data: Uint8Array): Promise<void>;
  /** Closes both directions; safe to call twice. */
  close(): void;
  /** What was negotiated, on a wire that TLS protects (the one `startTls` returns). */
  readonly tls?: TlsSession;
}

/** The facts of a TLS session, as the transport reports them after its handshake. */
export interface TlsSession {
  /** Protocol version, e.g. `"TLSv1.3"`. */
  readonly version: string;
  /** Cipher suite name (OpenSSL's), e.g. `"TLS_AES_256_GCM_SHA384"`. */
  readonly cipher: string;
  /** The server name the client asked for (SNI), when it sent one. */
  readonly servername?: string;
}

/** Where a peer is, as the session reports it. */
export interface Address {
  hostname: string;
  port: number;
}

/** Thrown by reads that waited longer than their deadline. */
export class TimeoutError extends Error {
  constructor(message = "i/o timeout") {
    super(message);
    this.name = "TimeoutError";
  }
}
