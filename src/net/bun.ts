/** Transport over `Bun.listen`. Only the members used here are typed. */
import { ChunkQueue } from "./chunk_queue.ts";
import {
  addressOf,
  type Conn,
  ConnClosedError,
  type Listener,
  ListenError,
  type ListenOptions,
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
  setNoDelay?(on: boolean): void;
}
interface BunServer {
  hostname: string;
  port: number;
  stop(closeActive?: boolean): void;
}
interface BunApi {
  listen(opts: {
    hostname: string;
    port: number;
    socket: {
      open(s: BunSocket): void;
      data(s: BunSocket, d: Uint8Array): void;
      drain(s: BunSocket): void;
      close(s: BunSocket): void;
      end(s: BunSocket): void;
      error(s: BunSocket, e: Error): void;
    };
  }): BunServer;
}

class BunConn implements Conn {
  readonly remote;
  readonly local;
  readonly queue: ChunkQueue;
  #pending: { data: Uint8Array; resolve(): void; reject(e: Error): void } | null = null;
  closed = false;

  constructor(private readonly socket: BunSocket) {
    // Read once, at accept: the bytes of a client that has reset are still to be read, but
    // from then on the kernel no longer tells its address.
    this.remote = addressOf(socket.remoteAddress, socket.remotePort);
    this.local = addressOf(socket.localAddress, socket.localPort);
    this.queue = new ChunkQueue(() => socket.pause(), () => socket.resume());
  }

  read(): Promise<Uint8Array | null> {
    return this.queue.read();
  }

  write(data: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new ConnClosedError());
    const n = this.socket.write(data);
    if (n === data.length) return Promise.resolve();
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
  let waiter: ((c: Conn | null) => void) | null = null;
  let closed = false;
  let server: BunServer;
  try {
    server = bun.listen({
      hostname: opts.hostname,
      port: opts.port,
      socket: {
        open(s) {
          s.setNoDelay?.(true);
          const conn = new BunConn(s);
          s.data = conn;
          if (waiter) {
            const w = waiter;
            waiter = null;
            w(conn);
          } else ready.push(conn);
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
        },
        error(s) {
          s.data?.gone();
        },
      },
    });
  } catch (e) {
    const err = e as Error & { code?: string };
    return Promise.reject(new ListenError(err.message, err.code));
  }
  return Promise.resolve({
    addr: { hostname: server.hostname, port: server.port },
    accept() {
      const c = ready.shift();
      if (c) return Promise.resolve(c);
      if (closed) return Promise.resolve(null);
      return new Promise<Conn | null>((resolve) => waiter = resolve);
    },
    close() {
      if (closed) return;
      closed = true;
      server.stop(false);
      for (const c of ready.splice(0)) c.close();
      waiter?.(null);
      waiter = null;
    },
  });
}
