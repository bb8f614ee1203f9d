/**
 * What every in-process server of the library offers, whatever its persona: where it listens,
 * the messages it accepted, waiting for them, and being stopped by `await using`.
 */
import type { Server, StopOutcome } from "../server.ts";
import type { MemoryStore, WaitOptions } from "../sinks/memory.ts";

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

  protected constructor(server: Server, store: MemoryStore<T>) {
    this.server = server;
    this.store = store;
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
