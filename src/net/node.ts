/**
 * TCP transport over `node:net`, which Deno and Bun both implement; STARTTLS upgrades the
 * socket in place with `node:tls` (see tls.ts).
 */
import * as net from "node:net";
import { endThenDestroy, StreamConn } from "./stream_conn.ts";
import { serverTls } from "./tls.ts";
import {
  type Address,
  type Conn,
  type Listener,
  ListenError,
  type ListenOptions,
} from "./types.ts";

/**
 * Listens on `opts.hostname:opts.port` (port 0 picks a free one, see {@link Listener.addr}).
 * Every accepted conn supports `startTls()`. Rejects with {@link ListenError} (with the system
 * code, e.g. `EADDRINUSE`) if the address cannot be bound.
 */
export async function listenNode(opts: ListenOptions): Promise<Listener> {
  // pauseOnConnect: nothing is read from a new socket until its conn asks for it.
  const server = net.createServer({ pauseOnConnect: true });
  const backlog: Conn[] = [];
  const waiters: ((conn: Conn | null) => void)[] = [];
  let closed = false;

  server.on("connection", (socket: net.Socket) => {
    const conn = socketConn(socket);
    if (closed) conn.close();
    else if (waiters.length > 0) waiters.shift()!(conn);
    else backlog.push(conn);
  });

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const where = `${opts.hostname}:${opts.port}`;
      reject(new ListenError(`listen ${where}: ${err.message}`, err.code));
    };
    server.once("error", onError);
    try {
      server.listen({ host: opts.hostname, port: opts.port }, () => {
        server.off("error", onError);
        resolve();
      });
    } catch (err) {
      onError(err as NodeJS.ErrnoException); // e.g. ERR_SOCKET_BAD_PORT, thrown synchronously
    }
  });
  // A failed accept (e.g. EMFILE) must not crash the process; the listener keeps going.
  server.on("error", () => {});

  const bound = server.address() as net.AddressInfo;
  return {
    addr: { hostname: bound.address, port: bound.port },
    accept(): Promise<Conn | null> {
      const conn = backlog.shift();
      if (conn) return Promise.resolve(conn);
      if (closed) return Promise.resolve(null);
      return new Promise((resolve) => waiters.push(resolve));
    },
    close(): void {
      if (closed) return;
      closed = true;
      server.close();
      for (const conn of backlog.splice(0)) conn.close();
      for (const resolve of waiters.splice(0)) resolve(null);
    },
  };
}

/** A conn over an accepted socket. */
function socketConn(socket: net.Socket): Conn {
  // Replies are small and the client waits for each: do not let Nagle hold them back.
  socket.setNoDelay(true);
  const remote: Address = { hostname: socket.remoteAddress ?? "", port: socket.remotePort ?? 0 };
  const local: Address = { hostname: socket.localAddress ?? "", port: socket.localPort ?? 0 };
  return new StreamConn({
    input: socket,
    output: socket,
    remote,
    local,
    close: () => endThenDestroy(socket),
    // The TLS socket takes over the same handle; the plain conn is detached before this runs.
    startTls: (options) => serverTls(socket, options, { remote, local }),
  });
}
