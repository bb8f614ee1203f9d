/** Transport over `Deno.listen`. */
import {
  type Conn,
  ConnClosedError,
  type Listener,
  ListenError,
  type ListenOptions,
} from "./types.ts";

/** Read size: small, because every idle connection holds one pending buffer. */
const READ_SIZE = 8 * 1024;

function addr(a: Deno.Addr): { hostname: string; port: number } {
  return a.transport === "tcp" ? { hostname: a.hostname, port: a.port } : { hostname: "", port: 0 };
}

class DenoConn implements Conn {
  readonly remote;
  readonly local;
  #closed = false;

  constructor(private readonly conn: Deno.Conn) {
    this.remote = addr(conn.remoteAddr);
    this.local = addr(conn.localAddr);
    try {
      (conn as Deno.TcpConn).setNoDelay(true);
    } catch { /* not a TCP socket */ }
  }

  async read(): Promise<Uint8Array | null> {
    if (this.#closed) return null;
    const buf = new Uint8Array(READ_SIZE);
    try {
      const n = await this.conn.read(buf);
      return n === null ? null : buf.subarray(0, n);
    } catch {
      return null; // reset or closed under us: same as end of input for a session
    }
  }

  async write(data: Uint8Array): Promise<void> {
    let off = 0;
    try {
      while (off < data.length) off += await this.conn.write(data.subarray(off));
    } catch (e) {
      throw new ConnClosedError((e as Error).message);
    }
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    try {
      this.conn.close();
    } catch { /* already closed */ }
  }
}

export function listenDeno(opts: ListenOptions): Promise<Listener> {
  let listener: Deno.TcpListener;
  try {
    listener = Deno.listen({ hostname: opts.hostname, port: opts.port, transport: "tcp" });
  } catch (e) {
    const code = e instanceof Deno.errors.AddrInUse ? "EADDRINUSE" : (e as Error).name;
    return Promise.reject(new ListenError((e as Error).message, code));
  }
  let closed = false;
  return Promise.resolve({
    addr: addr(listener.addr),
    async accept() {
      while (!closed) {
        try {
          return new DenoConn(await listener.accept());
        } catch (e) {
          if (closed || e instanceof Deno.errors.BadResource) return null;
          // e.g. EMFILE: keep serving the connections we have rather than dying
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      return null;
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
