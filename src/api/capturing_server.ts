/**
 * What every in-process server of the library offers, whatever its persona: where it listens,
 * the messages it accepted, waiting for them, and being stopped by `await using`.
 */
import type { Server, StopOutcome } from "../server.ts";
import type { MemoryStore, WaitOptions } from "../sinks/memory.ts";
import { type Transcript, TranscriptStore } from "../smtp/transcript.ts";

/** Option shared by the library's servers: keep per-session transcripts. */
export interface TranscriptOptions {
  /**
   * Keep a transcript of each session (`true`: the latest 100; a number: that many) for
   * {@link CapturingServer.transcripts}. Off by default: nothing is recorded.
   */
  transcripts?: boolean | number;
}

/** The store for `options.transcripts`, or none. */
export function transcriptStore(options: TranscriptOptions): TranscriptStore | undefined {
  const t = options.transcripts;
  if (!t) return undefined;
  return new TranscriptStore(t === true ? 100 : t);
}

export abstract class CapturingServer<T> implements AsyncDisposable {
  protected readonly server: Server;
  protected readonly store: MemoryStore<T>;
  readonly #transcripts?: TranscriptStore;

  protected constructor(server: Server, store: MemoryStore<T>, transcripts?: TranscriptStore) {
    this.server = server;
    this.store = store;
    this.#transcripts = transcripts;
  }

  /**
   * Per-session transcripts (what the client sent, what the server answered, TLS and AUTH
   * events; credentials and message bodies left out), oldest first. Empty unless started
   * with `transcripts: true` (or a number of sessions to keep).
   *
   * @example
   * ```ts
   * import { MockmtaServer } from "../../mod.ts";
   * import { connect } from "node:net";
   *
   * await using server = await MockmtaServer.start({ transcripts: true });
   * const socket = connect(server.port, "127.0.0.1");
   * socket.resume(); // read the replies, so that the close is seen
   * socket.end("HELO x\r\nQUIT\r\n");
   * await new Promise((resolve) => socket.on("close", resolve));
   * await server.idle();
   * const [t] = server.transcripts();
   * if (!t.toString().startsWith("S: 220 ")) throw new Error(t.toString());
   * ```
   */
  transcripts(): Transcript[] {
    return this.#transcripts?.list() ?? [];
  }

  /** The port listened on (the one picked when `port` was 0). */
  get port(): number {
    return this.server.address.port;
  }

  /** The address listened on. */
  get hostname(): string {
    return this.server.address.hostname;
  }

  /** Sessions running now (clients waiting for a session slot are not counted). */
  get activeSessions(): number {
    return this.server.activeSessions;
  }

  /**
   * Accepted messages in arrival order. Each is stored before or as its final reply is
   * written, so it is visible by the time the client can read that reply (not only when the
   * connection ends, unlike go-smtp-mock before its issue #181).
   */
  messages(): T[] {
    return this.store.list();
  }

  /** Returns the accepted messages and forgets them, atomically. */
  messagesAndPurge(): T[] {
    return this.store.take();
  }

  /** Forgets every stored message. */
  purge(): void {
    this.store.take();
  }

  /**
   * Resolves once at least `count` messages have arrived (on the arrival itself, no polling);
   * rejects with a `WaitTimeoutError` carrying what did arrive, or with `signal`'s reason.
   */
  waitForMessages(count: number, options?: WaitOptions): Promise<T[]> {
    return this.store.waitFor(count, options);
  }

  /** Like {@link waitForMessages}, then returns the stored messages and forgets them. */
  async waitForMessagesAndPurge(count: number, options?: WaitOptions): Promise<T[]> {
    await this.store.waitFor(count, options);
    return this.store.take();
  }

  /** Resolves when the sessions open right now have all ended. */
  idle(): Promise<void> {
    return this.server.idle();
  }

  /** Stops the server; each persona documents its own graceful/forced semantics. */
  abstract stop(): Promise<StopOutcome>;

  /** `await using` stops the server at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
