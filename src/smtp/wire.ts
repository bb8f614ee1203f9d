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
