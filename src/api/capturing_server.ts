/**
 * What every in-process server of the library offers, whatever its persona: where it listens,
 * the messages it accepted, waiting for them, and being stopped by `await using`.
 */
import type { Readable, Writable } from "node:stream";
import { type StreamPairAddresses, streamPairConn } from "../net/stream_conn.ts";
import type { Server, StopOutcome } from "../server.ts";
import type { Sink } from "../smtp/message.ts";
import type { MemoryStore, WaitOptions } from "../sinks/memory.ts";
import type { Transcript, TranscriptStore } from "../smtp/transcript.ts";
import type { FaultRules } from "../faults/rules.ts";
import { noFaults } from "./faults.ts";

/** Option shared by the library's servers: keep per-session transcripts. */
export interface TranscriptOptions {
  /**
   * Keep a transcript of each session (`true`: the latest 100; a number: that many) for
   * {@link CapturingServer.transcripts}. Off by default: nothing is recorded.
   */
  transcripts?: boolean | number;
}

/**
 * The store for `options.transcripts`, or none. Its module is loaded only when transcripts
 * are on, so a server started without them (the CLI) does not load it at start-up.
 */
export async function transcriptStore(
  options: TranscriptOptions,
): Promise<TranscriptStore | undefined> {
  const t = options.transcripts;
  if (!t) return undefined;
  const { TranscriptStore } = await import("../smtp/transcript.ts");
  return new TranscriptStore(t === true ? 100 : t);
}

/** A sink that takes every message and keeps nothing (the server's own store keeps them). */
export const acceptAll: Sink = { deliver: () => Promise.resolve({ ok: true }) };

/** Options of {@link CapturingServer.stop}, the same for every persona. */
export interface StopOptions {
  /** Close every session at once. */
  force?: boolean;
  /** How long sessions may take to end by themselves before they are closed. */
  timeoutMs?: number;
}

export abstract class CapturingServer<T> implements AsyncDisposable {
  protected readonly server: Server;
  protected readonly store: MemoryStore<T>;
  #stopped: Promise<StopOutcome> | null = null;
  readonly #transcripts?: TranscriptStore;
  #faults?: FaultRules;

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

  /**
   * Extension: the server's fault rules (the `faults` option), to add and remove rules while
   * it runs: `server.faults.add("dot#1 => 451")` returns a handle with `remove()`; `list()`
   * shows each rule's hits. Throws when the server was started without `faults`.
   */
  get faults(): FaultRules {
    return this.#faults ?? noFaults();
  }

  /** Called by a persona's `start` with the rules its sessions attach. */
  protected useFaults(faults: FaultRules | undefined): this {
    this.#faults = faults;
    return this;
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

  /**
   * Runs one session of this server over streams instead of an accepted connection: `input`
   * carries what the client sends, `output` the replies (pass a socket or any duplex twice).
   * The session is the server's like any other: its messages land in {@link messages}, it
   * counts in {@link activeSessions}, and {@link stop} closes it. Resolves once it has ended
   * (`output` is then ended; `input` is no longer read and stays its owner's). The remote and
   * local addresses are empty unless given. STARTTLS is not offered.
   *
   * @example A session over two in-memory pipes
   * ```ts
   * import { PassThrough } from "node:stream";
   * import { SmtpmockServer } from "../../mod.ts";
   *
   * await using server = await SmtpmockServer.start();
   * const toServer = new PassThrough();
   * const fromServer = new PassThrough();
   * let replies = "";
   * fromServer.on("data", (chunk) => replies += chunk);
   * const session = server.serveConnection(toServer, fromServer);
   * toServer.end(
   *   "EHLO example.com\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n" +
   *     "DATA\r\nhello\r\n.\r\nQUIT\r\n",
   * );
   * await session;
   * if (!replies.startsWith("220 ")) throw new Error("greeted first");
   * if (server.messages()[0].to[0] !== "b@example.com") throw new Error("the message was kept");
   * ```
   */
  serveConnection(
    input: Readable,
    output: Writable,
    addresses?: StreamPairAddresses,
  ): Promise<void> {
    // Synchronous up to here: the session counts as active as soon as this returns.
    return this.server.serve(streamPairConn(input, output, addresses));
  }

  /** Resolves when the sessions open right now have all ended. */
  idle(): Promise<void> {
    return this.server.idle();
  }

  /**
   * Stops the server: new connections are refused at once, running sessions may end by
   * themselves for up to `timeoutMs` (each persona has its own default), then the rest are
   * closed. `{ force: true }` closes them at once, also while an earlier stop still waits.
   * Every call resolves with the one stop's outcome: `"graceful"` when no session had to be
   * closed. Safe to call more than once.
   *
   * @example Graceful for up to a second, then forced
   * ```ts
   * import { SmtpmockServer } from "../../mod.ts";
   *
   * const server = await SmtpmockServer.start();
   * const outcome = await server.stop({ timeoutMs: 1000 });
   * if (outcome !== "graceful") throw new Error("no session was running");
   * if (await server.stop({ force: true }) !== outcome) throw new Error("one stop, one outcome");
   * ```
   */
  stop(options: StopOptions = {}): Promise<StopOutcome> {
    const timeoutMs = options.force ? 0 : options.timeoutMs ?? this.defaultStopTimeoutMs;
    const stopping = this.server.stop(timeoutMs);
    this.#stopped ??= this.finishStop(stopping);
    return this.#stopped;
  }

  /** How long {@link stop} lets sessions end by themselves when not told. */
  protected abstract readonly defaultStopTimeoutMs: number;

  /** What the persona does around the server's stop (logging, waiting for deliveries). */
  protected finishStop(stopping: Promise<StopOutcome>): Promise<StopOutcome> {
    return stopping;
  }

  /** `await using` calls {@link stop} without options at the end of the scope. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.stop();
  }
}
