/**
 * Transport over `Bun.listen`. Only the members used here are typed. STARTTLS runs over the same
 * connection with `node:tls`, loaded on the first upgrade (upgrade.ts), the same code as on Deno.
 */
import { ChunkQueue } from "./chunk_queue.ts";
import { errnoCode } from "./errno.ts";
import { fdShortage, fdShortageError, watchFds } from "./fd_probe.ts";
import {
  AcceptError,
  type Address,
  addressOf,
  type Conn,
  ConnClosedError,
  type Listener,
  ListenError,
  type ListenOptions,
  type TlsOptions,
} from "./types.ts";

interface BunSocket {
  data: BunConn | undefined;
  /** Asked of the kernel when read: `undefined` once the peer has reset the connection. */
  remoteAddress: string | undefined;
  remotePort: number | undefined;
  localAddress: string | undefined;
  localPort: number | undefined;
  write(data: Uint8Array): number;
  end(): void;
  terminate(): void;
  pause(): void;
  resume(): void;
}
interface BunServer {
  hostname: string;
  port: number;
  stop(closeActive?: boolean): void;
}
interface BunHandlers {
  open(s: BunSocket): void;
  data(s: BunSocket, d: Uint8Array): void;
  drain(s: BunSocket): void;
  close(s: BunSocket): void;
  end(s: BunSocket): void;
  error(s: BunSocket, e: Error): void;
}
interface BunApi {
  /** `true`: a full collection, synchronously, and mimalloc's cleanup. */
  gc(force: boolean): void;
  listen(
    opts: { hostname: string; port: number; allowHalfOpen?: boolean; socket: BunHandlers },
  ): BunServer;
}

/** What write() returns for bytes the socket took at once: one settled promise for all. */
const WRITTEN: Promise<void> = Promise.resolve();

class BunConn implements Conn {
  readonly remote;
  readonly local;
  readonly queue: ChunkQueue;
  #pending: { data: Uint8Array; resolve(): void; reject(e: Error): void } | null = null;
  closed = false;
  /** Set by startTls(): queued and later bytes belong to the TLS layer, read() ends. */
  #upgraded = false;

  /** `local`: the listener's own address when it is one (see {@link fixedLocal}). */
  constructor(private readonly socket: BunSocket, local: Address | null) {
    // Read once, at accept: the bytes of a client that has reset are still to be read, but
    // from then on the kernel no longer tells its address.
    this.remote = addressOf(socket.remoteAddress, socket.remotePort);
    this.local = local
      ? { hostname: local.hostname, port: local.port }
      : addressOf(socket.localAddress, socket.localPort);
    this.queue = new ChunkQueue(socket);
  }

  read(): Promise<Uint8Array | null> {
    return this.#upgraded ? Promise.resolve(null) : this.queue.read();
  }

  /** Server-side TLS over this connection; from now on read() ends, close() closes both. */
  async startTls(options: TlsOptions): Promise<Conn> {
    this.#upgraded = true;
    const { startTlsOver } = await import("./upgrade.ts");
    const raw = {
      read: () => this.queue.read(),
      write: (d: Uint8Array) => this.write(d),
      close: () => this.close(),
    };
    return startTlsOver(raw, options, this);
  }

  write(data: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new ConnClosedError());
    const n = this.socket.write(data);
    if (n === data.length) return WRITTEN;
    if (n < 0) return Promise.reject(new ConnClosedError());
    // Partial write: the rest goes out on the next drain.
    return new Promise((resolve, reject) => {
      this.#pending = { data: data.subarray(n), resolve, reject };
    });
  }

  drained(): void {
    const p = this.#pending;
    if (!p) return;
    const n = this.socket.write(p.data);
    if (n < 0) return this.gone();
    if (n === p.data.length) {
      this.#pending = null;
      p.resolve();
    } else p.data = p.data.subarray(n);
  }

  /** The socket is closed; nothing more will be read or written. */
  gone(): void {
    this.closed = true;
    this.queue.end();
    const p = this.#pending;
    this.#pending = null;
    p?.reject(new ConnClosedError());
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.end();
    this.socket.end();
  }
}

export function listenBun(opts: ListenOptions): Promise<Listener> {
  const bun = (globalThis as unknown as { Bun: BunApi }).Bun;
  const ready: BunConn[] = [];
  /** The pending accept(): its promise's functions, kept apart (no object per connection). */
  let waiting: ((c: Conn | null) => void) | null = null;
  let failWaiting: ((e: Error) => void) | null = null;
  const park = (resolve: (c: Conn | null) => void, reject: (e: Error) => void) => {
    waiting = resolve;
    failWaiting = reject;
  };
  let closed = false;
  /** Set while not listening for want of file descriptors: the errno. */
  let shortage: string | null = null;
  /**
   * The shortage for the next accept() to report when nobody waited: the accept loop must hear
   * of it (to log it and back off) even if descriptors seem free by then.
   */
  let unreported: AcceptError | null = null;
  /** Closed connections since the last collection hint (see {@link ListenOptions.collectEvery}). */
  let closedSinceGc = 0;
  const collectEvery = opts.collectEvery ?? Infinity;
  const handlers: BunHandlers = {
    // No setNoDelay: Bun sets TCP_NODELAY on every accepted socket itself (strace: a second
    // call was one more system call per connection, setting it again).
    open(s) {
      const conn = new BunConn(s, local);
      s.data = conn;
      const w = waiting;
      if (w) {
        waiting = failWaiting = null;
        w(conn);
      } else ready.push(conn);
      // The next accept would fail and Bun would retry it in a busy loop: stop listening now.
      const code = fdShortage();
      if (code) suspend(code);
    },
    data(s, d) {
      s.data?.queue.push(d);
    },
    drain(s) {
      s.data?.drained();
    },
    end(s) {
      s.data?.queue.end(); // peer half-closed: EOF for reads, writes may still go out
    },
    close(s) {
      s.data?.gone();
      if (++closedSinceGc >= collectEvery) {
        closedSinceGc = 0;
        bun.gc(true);
      }
    },
    error(s) {
      s.data?.gone();
    },
  };
  // STARTTLS listeners are half-open, as the node:net one was: a client that sends its last
  // commands and shuts down its side still gets the replies written after its FIN (a delivery
  // under way). The others keep Bun's default, closing on FIN, which the clones were built on.
  const allowHalfOpen = opts.tls === true;
  let server: BunServer;
  try {
    server = bun.listen({
      hostname: opts.hostname,
      port: opts.port,
      allowHalfOpen,
      socket: handlers,
    });
  } catch (e) {
    return Promise.reject(new ListenError((e as Error).message, errnoCode(e)));
  }
  const addr = { hostname: server.hostname, port: server.port };
  const local = fixedLocal(addr);
  let unwatch = watchFds(suspend);
  /**
   * Closes the listening socket (sessions keep running); clients are refused until
   * {@link resume}. Queued clients are reset: Bun has no way to leave them waiting.
   */
  function suspend(code: string): void {
    if (shortage || closed) return;
    shortage = code;
    unwatch();
    server.stop(false);
    const error = fdShortageError(code);
    const fail = failWaiting;
    waiting = failWaiting = null;
    if (fail) fail(error);
    else unreported = error;
  }

  /**
   * Listens again on the same address if that leaves a descriptor for a connection (else the
   * first accept would fail again); returns the error if not yet.
   */
  function resume(): AcceptError | null {
    const code = fdShortage(2);
    if (code) return fdShortageError(code);
    try {
      server = bun.listen({
        hostname: addr.hostname,
        port: addr.port,
        allowHalfOpen,
        socket: handlers,
      });
    } catch (e) {
      return new AcceptError((e as Error).message, errnoCode(e));
    }
    shortage = null;
    unwatch = watchFds(suspend);
    return null;
  }

  return Promise.resolve({
    addr,
    accept() {
      const c = ready.shift();
      if (c) return Promise.resolve(c);
      if (closed) return Promise.resolve(null);
      const error = unreported;
      unreported = null;
      if (error) return Promise.reject(error);
      if (shortage) {
        const failed = resume();
        if (failed) return Promise.reject(failed);
      }
      return new Promise<Conn | null>(park);
    },
    close() {
      if (closed) return;
      closed = true;
      unwatch();
      if (!shortage) server.stop(false);
      for (const c of ready.splice(0)) c.close();
      const w = waiting;
      waiting = failWaiting = null;
      w?.(null);
    },
  });
}

/**
 * The local address of every connection a listener on `addr` accepts, when it is `addr`
 * itself (a listener on one IPv4 address): asking the kernel costs two system calls per
 * connection. `null` for a wildcard or IPv6 listener, whose connections are asked.
 */
function fixedLocal(addr: Address): Address | null {
  return IPV4.test(addr.hostname) && addr.hostname !== "0.0.0.0" ? addr : null;
}

/** A dotted quad as the kernel writes it (no leading zeros), so the text is the same. */
const IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
