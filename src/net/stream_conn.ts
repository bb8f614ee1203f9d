/**
 * Shared plumbing for the `node:stream` based transports (node.ts, stdio.ts, tls.ts): a {@link Conn}
 * over a readable and a writable stream (the same object for a socket, two for stdin/stdout).
 */
import type { Readable, Writable } from "node:stream";
import { type Address, type Conn, ConnClosedError, type TlsOptions } from "./types.ts";

/** The address of an end that is no network socket. */
const NOWHERE: Address = { hostname: "", port: 0 };

/** Where a {@link streamPairConn}'s ends are said to be; empty by default, as for a pipe. */
export interface StreamPairAddresses {
  remote?: Address;
  local?: Address;
}

/**
 * A conn over streams handed in by a library user: `input` from the peer, `output` to it (the
 * same object for a socket or any duplex). Closing ends `output` (a duplex: gracefully, as a
 * socket) and stops reading `input`, which is left to its owner. No STARTTLS.
 */
export function streamPairConn(
  input: Readable,
  output: Writable,
  addresses: StreamPairAddresses = {},
): Conn {
  return new StreamConn({
    input,
    output,
    remote: addresses.remote ?? NOWHERE,
    local: addresses.local ?? NOWHERE,
    close: () => {
      if ((input as unknown) === output) endThenDestroy(output);
      else if (!output.writableEnded) output.end();
    },
  });
}

/** What a {@link StreamConn} is made of. */
export interface StreamConnParts {
  input: Readable;
  output: Writable;
  remote: Address;
  local: Address;
  /** Tears the transport down; called once, by {@link StreamConn.close}. */
  close(): void;
  /** Runs the server-side handshake over the (now detached) streams, if the transport can. */
  startTls?(options: TlsOptions): Promise<Conn>;
}

/**
 * A pull-style {@link Conn}: the input stays paused except while a `read()` waits, so a slow
 * reader leaves bytes in the kernel (TCP backpressure) instead of in an unbounded JS queue, and
 * `write()` resolves only from the stream's write callback.
 */
export class StreamConn implements Conn {
  readonly remote: Address;
  readonly local: Address;
  /** Present when the transport supports STARTTLS and this conn was not upgraded yet. */
  startTls?: (options: TlsOptions) => Promise<Conn>;
  #parts: StreamConnParts;
  #chunks: Uint8Array[] = [];
  #waiter: ((chunk: Uint8Array | null) => void) | null = null;
  #eof = false;
  #closed = false;
  /** Rejecters of writes in flight, failed if the stream closes before their callback. */
  #pendingWrites = new Set<(err: Error) => void>();

  constructor(parts: StreamConnParts) {
    this.#parts = parts;
    this.remote = parts.remote;
    this.local = parts.local;
    const { input, output } = parts;
    // Paused before adding the 'data' listener, which would otherwise switch to flowing mode.
    input.pause();
    input.on("data", this.#onData);
    input.on("end", this.#onEnd);
    input.on("close", this.#onEnd);
    // An 'error' without a listener would crash the process; the 'close' that follows is enough.
    input.on("error", this.#onEnd);
    output.on("error", this.#failWrites);
    output.on("close", () => this.#failWrites(new ConnClosedError()));
    if (parts.startTls) {
      const upgrade = parts.startTls;
      this.startTls = (options) => {
        this.#detach();
        return upgrade(options);
      };
    }
  }

  /** Next chunk from the peer; `null` at end of input, after close() or after startTls(). */
  read(): Promise<Uint8Array | null> {
    const chunk = this.#chunks.shift();
    if (chunk) return Promise.resolve(chunk);
    if (this.#eof) return Promise.resolve(null);
    if (this.#waiter) return Promise.reject(new Error("read() called while another is pending"));
    return new Promise((resolve) => {
      this.#waiter = resolve;
      this.#parts.input.resume();
    });
  }

  /** Resolves when the stream's write callback reports the bytes handed on. */
  write(data: Uint8Array): Promise<void> {
    const { output } = this.#parts;
    if (this.#closed || output.destroyed || output.writableEnded) {
      return Promise.reject(new ConnClosedError());
    }
    return new Promise((resolve, reject) => {
      const fail = (err: Error) => {
        this.#pendingWrites.delete(fail);
        reject(err instanceof ConnClosedError ? err : new ConnClosedError(err.message));
      };
      this.#pendingWrites.add(fail);
      output.write(data, (err) => {
        if (!this.#pendingWrites.delete(fail)) return;
        if (err) reject(new ConnClosedError(err.message));
        else resolve();
      });
    });
  }

  /** Closes both directions; safe to call twice. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#detach();
    this.#parts.close();
  }

  #onData = (chunk: Uint8Array | string): void => {
    this.#parts.input.pause();
    const bytes = typeof chunk === "string" ? new TextEncoder().encode(chunk) : chunk;
    const waiter = this.#waiter;
    this.#waiter = null;
    if (waiter) waiter(bytes);
    else this.#chunks.push(bytes);
  };

  #onEnd = (): void => {
    this.#eof = true;
    const waiter = this.#waiter;
    this.#waiter = null;
    waiter?.(null);
  };

  #failWrites = (err: Error): void => {
    for (const fail of [...this.#pendingWrites]) fail(err);
  };

  /** Stops reading for good, leaving unread bytes in the stream for whoever takes it over. */
  #detach(): void {
    const { input } = this.#parts;
    input.off("data", this.#onData);
    input.pause();
    // Bytes we took but nobody read go back, so a TLS layer sees them: a ClientHello completes
    // the handshake, injected plaintext fails it. They never reach a later read() as plaintext.
    for (const chunk of this.#chunks.reverse()) input.unshift(chunk);
    this.#chunks = [];
    this.startTls = undefined;
    this.#onEnd();
  }
}

/**
 * Graceful close: flush, send FIN (a TLS close_notify first, for a TLS socket), then release the
 * handle. A peer that never drains our output cannot keep it open longer than `graceMs`.
 */
export function endThenDestroy(stream: Writable, graceMs = 2000): void {
  if (stream.destroyed) return;
  const timer = setTimeout(() => stream.destroy(), graceMs);
  stream.once("close", () => clearTimeout(timer));
  stream.end(() => stream.destroy());
}
