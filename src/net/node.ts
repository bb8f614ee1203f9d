/**
 * TCP transport over `node:net`, which Deno and Bun both implement; STARTTLS upgrades the
 * socket in place with `node:tls` (see tls.ts).
 */
import * as net from "node:net";
import { errnoCode } from "./errno.ts";
import { fdShortage, fdShortageError, loadFdProbe, watchFds } from "./fd_probe.ts";
import { endThenDestroy, StreamConn } from "./stream_conn.ts";
import { serverTls } from "./tls.ts";
import {
  AcceptError,
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
 *
 * When an accepted connection took the last free file descriptor, it stops listening until
 * descriptors are free again (see fd_probe.ts): an accept failing with EMFILE makes Bun's
 * node:net retry in a busy loop, and Deno's (2.9) stop accepting for good.
 */
export async function listenNode(opts: ListenOptions): Promise<Listener> {
  const backlog: Conn[] = [];
  const waiters: { resolve(conn: Conn | null): void; reject(e: Error): void }[] = [];
  let closed = false;
  /** Set while not listening for want of file descriptors: the errno. */
  let shortage: string | null = null;
  /**
   * The shortage for the next accept() to report when nobody waited: the accept loop must hear
   * of it (to log it and back off) even if descriptors seem free by then.
   */
  let unreported: AcceptError | null = null;

  const onConnection = (socket: net.Socket) => {
    const conn = socketConn(socket);
    if (closed) conn.close();
    else if (waiters.length > 0) waiters.shift()!.resolve(conn);
    else backlog.push(conn);
    const code = closed ? null : fdShortage();
    if (code) suspend(code);
  };

  await loadFdProbe(); // node:net has loaded node:fs already: every accept is probed
  let server: net.Server;
  try {
    server = await startServer(opts.hostname, opts.port, onConnection);
  } catch (e) {
    const message = `listen ${opts.hostname}:${opts.port}: ${(e as Error).message}`;
    throw new ListenError(message, errnoCode(e));
  }
  const bound = server.address() as net.AddressInfo;
  const addr = { hostname: bound.address, port: bound.port };
  let unwatch = watchFds(suspend);

  /** Closes the listening socket (sessions keep running) until {@link resume}. */
  function suspend(code: string): void {
    if (shortage || closed) return;
    shortage = code;
    unwatch();
    server.close();
    const error = fdShortageError(code);
    const waiter = waiters.shift();
    if (waiter) waiter.reject(error);
    else unreported = error;
  }

  /** Listens again if that leaves a descriptor for a connection; rejects if not yet. */
  async function resume(): Promise<void> {
    const code = fdShortage(2);
    if (code) throw fdShortageError(code);
    try {
      server = await startServer(addr.hostname, addr.port, onConnection);
    } catch (e) {
      throw new AcceptError((e as Error).message, errnoCode(e));
    }
    shortage = null;
    if (closed) server.close();
    else unwatch = watchFds(suspend);
  }

  return {
    addr,
    async accept(): Promise<Conn | null> {
      const conn = backlog.shift();
      if (conn) return conn;
      if (closed) return null;
      const error = unreported;
      unreported = null;
      if (error) throw error;
      if (shortage) await resume();
      return new Promise((resolve, reject) => waiters.push({ resolve, reject }));
    },
    close(): void {
      if (closed) return;
      closed = true;
      unwatch();
      if (!shortage) server.close();
      for (const conn of backlog.splice(0)) conn.close();
      for (const waiter of waiters.splice(0)) waiter.resolve(null);
    },
  };
}

/** A listening `node:net` server; rejects with the listen error. */
function startServer(
  hostname: string,
  port: number,
  onConnection: (socket: net.Socket) => void,
): Promise<net.Server> {
  // pauseOnConnect: nothing is read from a new socket until its conn asks for it.
  // allowHalfOpen: a client may pipeline its last commands, shut its sending side down and only
  // then read the replies (exim does: BDAT … LAST, QUIT, shutdown; so do `nc -N` and pipelined
  // scripts), even those written after its FIN came (a delivery under way). Without it node:net
  // ends our side at the client's FIN and those replies are lost; the conn closes it itself.
  const server = net.createServer({ pauseOnConnect: true, allowHalfOpen: true }, onConnection);
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => reject(err);
    server.once("error", onError);
    try {
      server.listen({ host: hostname, port }, () => {
        server.off("error", onError);
        // A failed accept (e.g. EMFILE) must not crash the process; the listener keeps going.
        server.on("error", () => {});
        resolve(server);
      });
    } catch (err) {
      onError(err as NodeJS.ErrnoException); // e.g. ERR_SOCKET_BAD_PORT, thrown synchronously
    }
  });
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
    // Not half-open from here: a client gone during the handshake must end it.
    startTls: (options) => {
      socket.allowHalfOpen = false;
      return serverTls(socket, options, { remote, local });
    },
  });
}
