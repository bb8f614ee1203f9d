/**
 * The accept loop and session registry shared by every persona: runs one {@link SessionEngine}
 * per connection, limits concurrent sessions, and stops gracefully (sessions finish on their
 * own, up to a timeout) or by force (every connection is closed at once). inetd mode is the
 * same server without a listener, over the one connection on stdin/stdout.
 */
import { type Clock, sleep, systemClock } from "./smtp/clock.ts";
import type { LogFn, SessionContext, SessionEngine } from "./smtp/session.ts";
import type { TlsSession } from "./smtp/wire.ts";
import { errnoCode } from "./net/errno.ts";
import { listen as runtimeListen } from "./net/runtime.ts";
import {
  AcceptError,
  type Address,
  type Conn,
  isConnectionError,
  isFdShortage,
  type Listener,
  type ListenOptions,
  type TlsOptions,
} from "./net/types.ts";

export interface ServerOptions {
  hostname: string;
  /** 0 picks a free port. */
  port: number;
  engine: SessionEngine;
  log?: LogFn;
  /**
   * When set, sessions are offered a STARTTLS upgrade with this key material. A promise (key
   * material still being loaded or minted) lets the server listen at once: an upgrade waits
   * for it.
   */
  tls?: TlsOptions | Promise<TlsOptions>;
  /**
   * Implicit TLS (SMTPS): every accepted connection does the TLS handshake with `tls` before
   * its engine runs, which then sees `ctx.tls` set and no `upgradeTls`.
   */
  implicitTls?: boolean;
  /** How long an implicit-TLS handshake may take before the connection is closed; default 30 s. */
  handshakeTimeoutMs?: number;
  /**
   * At most this many sessions run at once; a further client is accepted by the kernel but
   * gets no greeting until a slot frees (msmtpd's behaviour).
   */
  maxSessions?: number;
  clock?: Clock;
  /** See {@link ListenOptions.collectEvery}. */
  collectEvery?: number;
  /** Listener factory; defaults to the runtime's own transport. */
  listen?: (opts: ListenOptions) => Promise<Listener>;
}

/** What sessions run with, whether the server listens or not. */
type SessionOptions = Pick<
  ServerOptions,
  "engine" | "log" | "tls" | "clock" | "maxSessions" | "implicitTls" | "handshakeTimeoutMs"
>;

/** Options of {@link Server.inetd}. */
export interface InetdOptions extends Omit<SessionOptions, "maxSessions"> {
  /** The connection; default stdin (from the peer) + stdout (to the peer). */
  conn?: Conn;
  /**
   * Report the TCP socket on stdin's addresses as the session's remote and local ends (see
   * stdio.ts); otherwise, and for a pipe, both are empty.
   */
  socketAddresses?: boolean;
}

/** A running inetd session. */
export interface InetdSession {
  /** Resolves once the session has ended and its connection is closed. */
  readonly ended: Promise<void>;
  /**
   * Closes the connection as if the client had hung up: the session sees end of input and
   * finishes what it was doing (a delivery under way), unlike a forced stop.
   */
  hangUp(): void;
}

/** The address of a server that does not listen. */
const NOWHERE: Address = { hostname: "", port: 0 };

/**
 * The reason every ended session's signal carries: one shared value, because abort() without
 * a reason builds an exception with a stack trace per session (measurable per message).
 */
const SESSION_ENDED = "session ended";

/**
 * Pause after a failed accept of the listener itself (out of file descriptors, say): doubles
 * from the first value up to the last, so a lasting shortage costs a wake-up a second, and a
 * short one delays the next client little.
 */
const ACCEPT_BACKOFF_FIRST_MS = 10;
const ACCEPT_BACKOFF_MAX_MS = 1000;

/** How a stop ended. */
export type StopOutcome = "graceful" | "forced";

export class Server {
  readonly #listener: Listener | null;
  readonly #opts: SessionOptions;
  readonly #sessions = new Map<Conn, AbortController>();
  readonly #stopping = new AbortController();
  /** Aborted to close the sessions at once, also while a graceful stop waits for them. */
  readonly #forceStop = new AbortController();
  #stopped: Promise<StopOutcome> | null = null;
  #slotWaiters: Array<() => void> = [];
  #idleWaiters: Array<() => void> = [];
  #acceptLoop: Promise<void>;

  private constructor(listener: Listener | null, opts: SessionOptions) {
    this.#listener = listener;
    this.#opts = opts;
    this.#acceptLoop = this.#accept();
  }

  /** Binds and starts accepting. Rejects with a ListenError when the address is unusable. */
  static async start(opts: ServerOptions): Promise<Server> {
    const listen = opts.listen ?? runtimeListen;
    const listener = await listen({
      hostname: opts.hostname,
      port: opts.port,
      tls: !!opts.tls,
      ...(opts.collectEvery && { collectEvery: opts.collectEvery }),
    });
    return new Server(listener, opts);
  }

  /**
   * inetd mode: one session over `conn` (default stdin/stdout), run as an accepted connection
   * would be. The stdio transport is loaded only here, so daemons never load it.
   */
  static async inetd(opts: InetdOptions): Promise<InetdSession> {
    const conn = opts.conn ??
      (await import("./net/stdio.ts")).stdioConn({ socketAddresses: opts.socketAddresses });
    const server = new Server(null, opts);
    return { ended: server.serve(conn), hangUp: () => conn.close() };
  }

  /** Where the server listens; empty for a server without a listener (inetd). */
  get address(): Address {
    return this.#listener?.addr ?? NOWHERE;
  }

  get activeSessions(): number {
    return this.#sessions.size;
  }

  get stopping(): boolean {
    return this.#stopping.signal.aborted;
  }

  /**
   * Closes the listener and resolves once it is really closed, so that from then on new
   * connections are refused (Deno frees the socket only when the pending accept has
   * settled). Safe to call more than once; {@link stop} starts with it.
   */
  stopAccepting(): Promise<void> {
    if (!this.stopping) {
      this.#stopping.abort();
      this.#listener?.close();
      for (const w of this.#slotWaiters.splice(0)) w();
    }
    return this.#acceptLoop;
  }

  /**
   * Stops accepting at once, lets running sessions end by themselves for up to `timeoutMs`,
   * then closes whatever is left. `timeoutMs: 0` forces immediately. Every call returns the
   * one stop's outcome; a call with `timeoutMs: 0` cuts short a stop still waiting for sessions.
   */
  stop(timeoutMs: number): Promise<StopOutcome> {
    if (timeoutMs <= 0) this.#forceStop.abort();
    return this.#stopped ??= this.#stop(timeoutMs);
  }

  async #stop(timeoutMs: number): Promise<StopOutcome> {
    await this.stopAccepting();
    if (this.#sessions.size === 0) return "graceful";
    const clock = this.#opts.clock ?? systemClock;
    const idle = new Promise<void>((r) => this.#idleWaiters.push(r));
    // Ends the wait early when forced; aborted afterwards so the timer never outlives the stop.
    const cut = this.#forceStop;
    const timedOut = sleep(clock, timeoutMs, cut.signal).then(() => "timeout" as const);
    const result = await Promise.race([idle.then(() => "idle" as const), timedOut]);
    cut.abort();
    if (result === "idle") return "graceful";
    for (const [conn, closed] of this.#sessions) {
      closed.abort(SESSION_ENDED);
      conn.close();
    }
    return "forced";
  }

  /** Resolves when no session is running (at once if none is). */
  idle(): Promise<void> {
    if (this.#sessions.size === 0) return Promise.resolve();
    return new Promise((r) => this.#idleWaiters.push(r));
  }

  /**
   * Runs one session over a connection the server did not accept (a pipe, a socket from
   * elsewhere, stdin/stdout), registered with the others: it counts in {@link activeSessions}
   * and a stop closes it. Resolves once it has ended; at once (closing `conn`) when stopping.
   */
  serve(conn: Conn): Promise<void> {
    if (this.stopping) {
      conn.close();
      return Promise.resolve();
    }
    return this.#run(conn);
  }

  async #accept(): Promise<void> {
    if (!this.#listener) return;
    const max = this.#opts.maxSessions ?? Infinity;
    /** The current back-off; 0 while accepting works. */
    let backoff = 0;
    /** The last accept failed: one success after it does not end a shortage yet. */
    let failedLast = false;
    while (!this.stopping) {
      if (this.#sessions.size >= max) {
        await new Promise<void>((r) => this.#slotWaiters.push(r));
        continue;
      }
      let conn: Conn | null;
      try {
        conn = await this.#listener.accept();
      } catch (e) {
        if (this.stopping) return;
        const err = e instanceof AcceptError ? e : new AcceptError(String(e), errnoCode(e));
        // A client that reset while queued costs nothing: a flood of them must not delay others.
        if (isConnectionError(err)) continue;
        // Told once per episode, not per attempt: at the limit, each session that ends lets
        // one client in and the next accept fails again; that is still the same shortage.
        if (backoff === 0) {
          this.#opts.log?.(
            "err",
            isFdShortage(err)
              ? "out of file descriptors: not accepting connections until sessions end"
              : `cannot accept connection: ${err.message}`,
          );
        }
        backoff = Math.min(backoff * 2 || ACCEPT_BACKOFF_FIRST_MS, ACCEPT_BACKOFF_MAX_MS);
        failedLast = true;
        await sleep(this.#opts.clock ?? systemClock, backoff, this.#stopping.signal);
        continue;
      }
      if (!failedLast) backoff = 0;
      failedLast = false;
      if (!conn) return;
      if (this.stopping) {
        conn.close();
        return;
      }
      this.#run(conn);
    }
  }

  /**
   * Runs one engine over one connection until the conversation ends, then closes it: for
   * every session, accepted or served (inetd, streams). One async function per session: a
   * second one with its options spread into a fresh object, and a closure to follow STARTTLS,
   * were most of what a connection cost the server.
   */
  async #run(conn: Conn): Promise<void> {
    const opts = this.#opts;
    const closed = new AbortController();
    this.#sessions.set(conn, closed);
    const log = opts.log ?? NO_LOG;
    try {
      if (opts.implicitTls) {
        const secured = await implicitHandshake(conn, opts, log, closed.signal);
        if (!secured) return;
        conn = this.#upgraded(conn, secured);
      }
      const ctx: SessionContext = {
        wire: conn,
        remote: conn.remote,
        local: conn.local,
        clock: opts.clock ?? systemClock,
        log,
        stopping: this.#stopping.signal,
        closed: closed.signal,
      };
      if (conn.tls) ctx.tls = sessionFacts(conn.tls);
      const { tls } = opts;
      if (tls && conn.startTls && !opts.implicitTls) {
        const plain = conn;
        ctx.upgradeTls = async () => {
          const secured = await plain.startTls!(await tls);
          conn = this.#upgraded(conn, secured);
          return secured;
        };
      }
      try {
        await opts.engine(ctx);
      } catch (e) {
        log("err", `session failed: ${(e as Error).message}`);
      }
    } finally {
      conn.close();
      closed.abort(SESSION_ENDED);
      this.#sessions.delete(conn);
      this.#slotWaiters.shift()?.();
      if (this.#sessions.size === 0) { for (const w of this.#idleWaiters.splice(0)) w(); }
    }
  }

  /** The session of `conn` now runs over `secured`: a forced stop must close that one. */
  #upgraded(conn: Conn, secured: Conn): Conn {
    const closed = this.#sessions.get(conn)!;
    this.#sessions.delete(conn);
    this.#sessions.set(secured, closed);
    return secured;
  }
}

/** The log of a server given none. */
const NO_LOG: LogFn = () => {};

/** Plain facts of a TLS session (a transport's own object may carry more and live handles). */
function sessionFacts(t: TlsSession): TlsSession {
  return {
    version: t.version,
    cipher: t.cipher,
    ...(t.servername !== undefined && { servername: t.servername }),
  };
}

/** Default bound of an implicit-TLS handshake: a client that never sends a ClientHello. */
const HANDSHAKE_TIMEOUT_MS = 30_000;

/**
 * The server side of an implicit-TLS handshake on a fresh connection, bounded in time and cut
 * short by a forced stop. Resolves with the protected conn, or `null` (logged) when it failed.
 */
async function implicitHandshake(
  conn: Conn,
  opts: SessionOptions,
  log: LogFn,
  closed: AbortSignal,
): Promise<Conn | null> {
  if (!opts.tls || !conn.startTls) {
    log("err", "implicit TLS needs key material and a transport that supports TLS");
    return null;
  }
  const give = new AbortController();
  const onClosed = () => give.abort();
  closed.addEventListener("abort", onClosed);
  const timeout = sleep(
    opts.clock ?? systemClock,
    opts.handshakeTimeoutMs ?? HANDSHAKE_TIMEOUT_MS,
    give.signal,
  ).then(() => null);
  try {
    const tls = await opts.tls;
    const handshake = conn.startTls(tls).catch((e: Error) => {
      log("info", `TLS handshake with ${conn.remote.hostname} failed: ${e.message}`);
      return null;
    });
    const secured = await Promise.race([handshake, timeout]);
    if (!secured) {
      conn.close();
      // A handshake that completes after the deadline must not leak its socket.
      handshake.then((late) => late?.close());
    }
    return secured;
  } catch (e) {
    log("err", `TLS unavailable: ${(e as Error).message}`);
    return null;
  } finally {
    give.abort();
    closed.removeEventListener("abort", onClosed);
  }
}
