/**
 * Transport over `Deno.listen`. STARTTLS runs over the same connection with `node:tls`, loaded
 * on the first upgrade (upgrade.ts): Deno's own TLS cannot take over an accepted connection.
 */
import { errnoCode } from "./errno.ts";
import {
  AcceptError,
  type Conn,
  ConnClosedError,
  type Listener,
  ListenError,
  type ListenOptions,
  type TlsOptions,
} from "./types.ts";

/**
 * Reads go into a buffer the connection owns and are copied out at their exact length (see
 * {@link copyOut}). A fresh buffer per read meant a zeroed allocation per chunk and, through
 * V8's external-memory accounting, a full GC every few hundred messages (docs/benchmarks.md).
 * The owned buffer is small because every idle connection holds it in a pending read; SMTP
 * commands fit in it.
 */
const SMALL_READ = 1536;
/** After a read that filled its buffer more is probably queued (a DATA body): read big. */
const BULK_READ = 64 * 1024;
/** Bulk buffers are only held while data is flowing, so a few serve every connection. */
const bulkPool: Uint8Array[] = [];
const BULK_POOL_MAX = 16;
/**
 * Owned buffers of closed connections, for the next ones. A buffer per connection was an
 * allocation outside the JS heap that, once its connection had lived through two minor GCs,
 * was only freed by a full one: under a stream of short sessions that grew the process.
 */
const smallPool: Uint8Array[] = [];
const SMALL_POOL_MAX = 64;

const EMPTY = new Uint8Array(0);

/**
 * Chunks are handed out as views of a shared arena, not each in an ArrayBuffer of its own: on
 * Deno every ArrayBuffer is an allocation outside the heap that V8 tracks and sweeps (~0.4 µs for
 * a command's 30 bytes, ~1.5 µs for a 1 KiB body, and GC work), several per message. A view
 * keeps its arena alive, so an arena is small and a chunk over a quarter of one gets a buffer of
 * its own. What consumers keep they copy (a body's bytes(), a BDAT chunk); what a session holds
 * while it lasts (lint's last command line) pins one arena at most.
 */
const ARENA = 8 * 1024;
let arena = new Uint8Array(ARENA);
let arenaUsed = 0;

/** The first `n` bytes of `from`, in a view of the arena (or, when large, a copy of their own). */
function copyOut(from: Uint8Array, n: number): Uint8Array {
  if (n > ARENA / 4) return from.slice(0, n);
  if (arenaUsed + n > ARENA) {
    arena = new Uint8Array(ARENA);
    arenaUsed = 0;
  }
  const at = arenaUsed;
  arenaUsed = at + n;
  arena.set(from.subarray(0, n), at);
  return arena.subarray(at, at + n);
}

function addr(a: Deno.Addr): { hostname: string; port: number } {
  return a.transport === "tcp" ? { hostname: a.hostname, port: a.port } : { hostname: "", port: 0 };
}

/** A failed `accept()` as an {@link AcceptError} with the errno it stands for. */
function acceptError(e: unknown): AcceptError {
  return new AcceptError(String((e as Error)?.message ?? e), errnoCode(e));
}

function closedError(e: unknown): never {
  throw new ConnClosedError((e as Error).message);
}

class DenoConn implements Conn {
  readonly remote;
  readonly local;
  #closed = false;
  #small = smallPool.pop() ?? new Uint8Array(SMALL_READ);
  #smallBusy = false;
  #lastFilled = false;
  /** Set by startTls(): the bytes belong to the TLS layer, this conn reads no more. */
  #upgraded = false;

  constructor(private readonly conn: Deno.Conn) {
    this.remote = addr(conn.remoteAddr);
    this.local = addr(conn.localAddr);
    try {
      (conn as Deno.TcpConn).setNoDelay(true);
    } catch { /* not a TCP socket */ }
  }

  // read() and write() are plain functions over the op's promise: an async function's frame,
  // awaits and views cost about a kilobyte per call on Deno, several times per message.
  read(): Promise<Uint8Array | null> {
    return this.#upgraded ? Promise.resolve(null) : this.#read();
  }

  /** Server-side TLS over this connection; from now on read() ends, close() closes both. */
  async startTls(options: TlsOptions): Promise<Conn> {
    this.#upgraded = true;
    const { startTlsOver } = await import("./upgrade.ts");
    const raw = {
      read: () => this.#read(),
      write: (d: Uint8Array) => this.write(d),
      close: () => this.close(),
    };
    return startTlsOver(raw, options, this);
  }

  #read(): Promise<Uint8Array | null> {
    if (this.#closed) return Promise.resolve(null);
    if (this.#lastFilled || this.#smallBusy) return this.#readOther();
    // The common case, a command into the owned buffer, with this conn's own handlers: two
    // closures and a context per read were a good part of a command's garbage.
    let op: Promise<number | null>;
    try {
      op = this.conn.read(this.#small);
    } catch {
      return Promise.resolve(null);
    }
    this.#smallBusy = true;
    return op.then(this.#smallRead, this.#smallFailed);
  }

  readonly #smallRead = (n: number | null): Uint8Array | null => {
    this.#smallBusy = false;
    this.#lastFilled = n === SMALL_READ;
    const chunk = n === null ? null : copyOut(this.#small, n);
    if (this.#closed) this.#releaseSmall();
    return chunk;
  };

  readonly #smallFailed = (): null => {
    this.#smallBusy = false;
    if (this.#closed) this.#releaseSmall();
    return null; // reset or closed under us: same as end of input for a session
  };

  /** Once closed and no read uses it: the owned buffer goes to the next connection. */
  #releaseSmall(): void {
    if (this.#small !== EMPTY && smallPool.length < SMALL_POOL_MAX) smallPool.push(this.#small);
    this.#small = EMPTY;
  }

  /** A read into a bulk buffer (data is flowing), or beside a read already in the owned one. */
  #readOther(): Promise<Uint8Array | null> {
    const bulk = this.#lastFilled ? bulkPool.pop() ?? new Uint8Array(BULK_READ) : null;
    const buf = bulk ?? new Uint8Array(SMALL_READ);
    const release = () => {
      if (bulk && bulkPool.length < BULK_POOL_MAX) bulkPool.push(bulk);
    };
    const eof = () => {
      release();
      return null; // reset or closed under us: same as end of input for a session
    };
    let op: Promise<number | null>;
    try {
      op = this.conn.read(buf);
    } catch {
      return Promise.resolve(eof());
    }
    return op.then((n) => {
      const chunk = n === null ? null : copyOut(buf, n);
      this.#lastFilled = n === buf.length;
      release();
      return chunk;
    }, eof);
  }

  write(data: Uint8Array): Promise<void> {
    let op: Promise<number>;
    try {
      op = this.conn.write(data);
    } catch (e) {
      return Promise.reject(new ConnClosedError((e as Error).message));
    }
    // Replies are written one at a time: the conn's own handlers then, no closure per write.
    if (this.#writing === null) {
      this.#writing = data;
      return op.then(this.#written, this.#writeFailed);
    }
    return op.then(
      (n) => n < data.length ? this.#writeRest(data.subarray(n)) : undefined,
      closedError,
    );
  }

  /** What the write with this conn's own handlers is writing. */
  #writing: Uint8Array | null = null;

  readonly #written = (n: number): Promise<void> | undefined => {
    const data = this.#writing!;
    this.#writing = null;
    return n < data.length ? this.#writeRest(data.subarray(n)) : undefined;
  };

  readonly #writeFailed = (e: unknown): never => {
    this.#writing = null;
    return closedError(e);
  };

  async #writeRest(data: Uint8Array): Promise<void> {
    let off = 0;
    try {
      while (off < data.length) off += await this.conn.write(data.subarray(off));
    } catch (e) {
      closedError(e);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.conn.close();
    } catch { /* already closed */ }
    if (!this.#smallBusy) this.#releaseSmall();
  }
}

export function listenDeno(opts: ListenOptions): Promise<Listener> {
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname: opts.hostname, port: opts.port, transport: "tcp" });
  } catch (e) {
    return Promise.reject(new ListenError((e as Error).message, errnoCode(e)));
  }
  let closed = false;
  // A then() with these two rather than an async function's frame per connection.
  const accepted = (conn: Deno.Conn) => new DenoConn(conn);
  const failed = (e: unknown): null => {
    if (closed || e instanceof Deno.errors.BadResource) return null;
    // Deno gives up on a connection reset while it was queued (it asks for the peer's
    // address after the reset) and throws NotConnected; the accept loop decides what next.
    throw acceptError(e);
  };
  return Promise.resolve({
    addr: addr(listener.addr),
    accept() {
      if (closed) return Promise.resolve(null);
      return listener.accept().then(accepted, failed);
    },
    close() {
      if (closed) return;
      closed = true;
      try {
        listener.close();
      } catch { /* already closed */ }
    },
  });
}
