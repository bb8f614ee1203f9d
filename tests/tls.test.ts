/**
 * Transports with STARTTLS: the node:net listener, the runtime's own listener (Deno.listen,
 * Bun.listen) and the stdin/stdout (inetd) conn, driven
 * with a tiny line protocol written here (not the SMTP engine):
 *
 *   S: 220 hi   C: STARTTLS   S: 220 go   <TLS handshake>   C: <line>  S: 250 <line> ...
 *   C: QUIT     S: 221 bye    <server closes>
 */
import assert from "node:assert/strict";
import { once } from "node:events";
import * as net from "node:net";
import { test } from "node:test";
import type { Duplex } from "node:stream";
import * as tls from "node:tls";
import { listenNode } from "../src/net/node.ts";
import {
  secureContextFor,
  type TlsConn,
  TlsHandshakeError,
  type TlsInfo,
  validateTlsOptions,
} from "../src/net/tls.ts";
import { listen, runtimeName } from "../src/net/runtime.ts";
import {
  type Conn,
  type Listener,
  ListenError,
  type ListenOptions,
  type TlsOptions,
} from "../src/net/types.ts";
import { testCerts } from "./helpers/certs.ts";
import { bytes, type Lines, type StreamLines, streamLines, wireLines } from "./helpers/lines.ts";
import { spawnStdioPeer, type StdioPeer } from "./helpers/stdio_child.ts";

const certs = testCerts();
const serverTls: TlsOptions = { cert: certs.serverCert, key: certs.serverKey };
const serverTlsWithCa: TlsOptions = { ...serverTls, ca: certs.ca };

/** What the server side of one session saw. */
interface Served {
  tls?: TlsInfo;
  /** Lines received over TLS. */
  lines: string[];
  error?: unknown;
}

/** Serves one connection with the test protocol. */
async function serveOne(listener: Listener, options: TlsOptions): Promise<Served> {
  const plain = await listener.accept();
  if (!plain) return { lines: [], error: new Error("listener closed early") };
  const served: Served = { lines: [] };
  let conn: Conn = plain;
  try {
    await conn.write(bytes("220 hi\r\n"));
    assert.equal(await wireLines(conn).next(), "STARTTLS\r\n");
    await conn.write(bytes("220 go\r\n"));
    const secure: TlsConn = await plain.startTls!(options) as TlsConn;
    conn = secure;
    served.tls = secure.tls;
    assert.equal(await plain.read(), null, "the plain conn is done after the upgrade");
    const lines = wireLines(secure); // a fresh reader: plaintext after STARTTLS is dropped
    for (let line = await lines.next(); line !== null; line = await lines.next()) {
      served.lines.push(line);
      if (line === "QUIT\r\n") {
        await secure.write(bytes("221 bye\r\n"));
        break;
      }
      await secure.write(bytes(`250 ${line}`));
    }
  } catch (err) {
    served.error = err;
  } finally {
    conn.close();
  }
  return served;
}

interface Dialed {
  socket: net.Socket;
  lines: StreamLines;
  /** Settles when the socket is closed (by either side, cleanly or not). */
  closed: Promise<void>;
}

/** Client sockets of the running test, destroyed when it ends however it ends. */
const clients = new Set<net.Socket>();

/** Connects. */
async function connect(listener: Listener): Promise<Dialed> {
  const socket = net.connect(listener.addr.port, "127.0.0.1");
  clients.add(socket);
  socket.on("error", () => {}); // a server that gives up on us may reset the connection
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  await once(socket, "connect");
  return { socket, lines: streamLines(socket), closed };
}

/** Connects and reads the greeting. */
async function dial(listener: Listener): Promise<Dialed> {
  const dialed = await connect(listener);
  assert.equal(await dialed.lines.next(), "220 hi\r\n");
  return dialed;
}

/** Sends STARTTLS (plus `extra` in the same write), reads `220 go`, hands the stream on. */
async function requestTls(socket: Duplex, lines: StreamLines, extra = "") {
  socket.write(`STARTTLS\r\n${extra}`);
  assert.equal(await lines.next(), "220 go\r\n");
  assert.equal(lines.release(), "", "server spoke out of turn");
}

/** Client side of the handshake over an existing stream; resolves once secure. */
async function clientTls(socket: Duplex, client: { cert?: string; key?: string } = {}) {
  const secure = tls.connect({ socket, ca: certs.ca, servername: "localhost", ...client });
  await once(secure, "secureConnect");
  return { secure, lines: streamLines(secure) };
}

/** PING over TLS, then QUIT; the server must close afterwards. */
async function pingQuit(secure: tls.TLSSocket, lines: Lines) {
  secure.write("PING\r\n");
  assert.equal(await lines.next(), "250 PING\r\n");
  secure.write("QUIT\r\n");
  assert.equal(await lines.next(), "221 bye\r\n");
  assert.equal(await lines.next(), null);
}

/**
 * The STARTTLS listeners: node:net (Node's) and the runtime's own (Deno.listen, Bun.listen),
 * whose connections upgrade over a duplex with node:tls loaded on the first STARTTLS.
 */
const TRANSPORTS: Array<[string, (opts: ListenOptions) => Promise<Listener>]> = [
  ["node", listenNode],
  [`runtime (${runtimeName()})`, listen],
];

for (const [name, listenTls] of TRANSPORTS) {
  const withListener = async (run: (listener: Listener) => Promise<void>) => {
    const listener = await listenTls({ hostname: "127.0.0.1", port: 0, tls: true });
    try {
      await run(listener);
    } finally {
      listener.close();
      for (const socket of clients) socket.destroy();
      clients.clear();
    }
  };

  test(`${name}: STARTTLS upgrade, then lines both ways over TLS`, async () => {
    await withListener(async (listener) => {
      const served = serveOne(listener, serverTls);
      const { socket, lines, closed } = await dial(listener);
      await requestTls(socket, lines);
      const client = await clientTls(socket);
      // What the client negotiated, read while its socket is open (closed it tells nothing).
      const negotiated = {
        version: client.secure.getProtocol(),
        cipher: client.secure.getCipher().name,
      };
      await pingQuit(client.secure, client.lines);
      const result = await served;
      assert.equal(result.error, undefined);
      assert.deepEqual(result.lines, ["PING\r\n", "QUIT\r\n"]);
      assert.match(result.tls?.protocol ?? "", /^TLSv1\.[23]$/);
      assert.equal(result.tls?.authorized, false); // no ca: no client certificate requested
      assert.equal(result.tls?.authorizationError, null);
      // The session facts the message record carries, as the client saw them.
      assert.equal(result.tls?.version, negotiated.version);
      assert.equal(result.tls?.cipher, negotiated.cipher);
      assert.equal(result.tls?.servername, "localhost");
      await closed;
    });
  });

  test(`${name}: plaintext pipelined after STARTTLS never reaches the TLS conn`, async () => {
    await withListener(async (listener) => {
      const served = serveOne(listener, serverTls);
      const { socket, lines, closed } = await dial(listener);
      await requestTls(socket, lines, "MAIL FROM:<injected@example>\r\n");
      const client = await clientTls(socket);
      await pingQuit(client.secure, client.lines);
      const result = await served;
      assert.equal(result.error, undefined);
      assert.deepEqual(result.lines, ["PING\r\n", "QUIT\r\n"]);
      await closed;
    });
  });

  test(`${name}: garbage instead of a ClientHello fails startTls and closes only that conn`, async () => {
    await withListener(async (listener) => {
      const served = serveOne(listener, serverTls);
      const bad = await dial(listener);
      await requestTls(bad.socket, bad.lines);
      bad.socket.write("this is not a ClientHello\r\n\r\n");
      bad.socket.resume(); // drain whatever alert comes back, so that the close is seen
      const result = await served;
      assert.ok(result.error instanceof TlsHandshakeError, String(result.error));
      await bad.closed;

      // The listener is unaffected: the next client gets through.
      const next = serveOne(listener, serverTls);
      const good = await dial(listener);
      await requestTls(good.socket, good.lines);
      const client = await clientTls(good.socket);
      await pingQuit(client.secure, client.lines);
      assert.equal((await next).error, undefined);
      await good.closed;
    });
  });

  test(`${name}: a client leaving during the handshake fails startTls`, async () => {
    await withListener(async (listener) => {
      const served = serveOne(listener, serverTls);
      const { socket, lines } = await dial(listener);
      await requestTls(socket, lines);
      socket.destroy();
      const result = await served;
      assert.ok(result.error instanceof TlsHandshakeError, String(result.error));
    });
  });

  test(`${name}: closing the plain conn aborts a pending handshake (e.g. on a timeout)`, async () => {
    await withListener(async (listener) => {
      const accepted = listener.accept();
      const { socket, lines, closed } = await connect(listener);
      const plain = (await accepted)!;
      await plain.write(bytes("220 hi\r\n"));
      assert.equal(await lines.next(), "220 hi\r\n");
      lines.release();
      socket.resume(); // a silent client: it never sends a ClientHello
      const handshake = plain.startTls!(serverTls);
      plain.close();
      await assert.rejects(handshake, TlsHandshakeError);
      await closed;
    });
  });

  test(`${name}: with ca, a client certificate is requested, verified, not required`, async () => {
    const cases: { name: string; client: { cert?: string; key?: string }; authorized: boolean }[] =
      [
        {
          name: "trusted",
          client: { cert: certs.clientCert, key: certs.clientKey },
          authorized: true,
        },
        { name: "none", client: {}, authorized: false },
        {
          name: "self-signed",
          client: { cert: certs.rogueCert, key: certs.rogueKey },
          authorized: false,
        },
      ];
    await withListener(async (listener) => {
      for (const { name, client, authorized } of cases) {
        const served = serveOne(listener, serverTlsWithCa);
        const { socket, lines, closed } = await dial(listener);
        await requestTls(socket, lines);
        const session = await clientTls(socket, client);
        await pingQuit(session.secure, session.lines);
        const result = await served;
        assert.equal(result.error, undefined, name);
        assert.equal(result.tls?.authorized, authorized, name);
        if (authorized) assert.equal(result.tls?.authorizationError, null, name);
        else assert.ok(result.tls?.authorizationError, name);
        if (name === "none") assert.equal(result.tls?.authorizationError, "NO_CLIENT_CERTIFICATE");
        await closed;
      }
    });
  });

  test(`${name}: plain conn reports addresses, reads EOF as null, close() is idempotent`, async () => {
    await withListener(async (listener) => {
      assert.equal(listener.addr.hostname, "127.0.0.1");
      assert.ok(listener.addr.port > 0);
      const accepted = listener.accept();
      const { socket, closed } = await connect(listener);
      const conn = (await accepted)!;
      assert.deepEqual(conn.remote, { hostname: "127.0.0.1", port: socket.localPort });
      assert.deepEqual(conn.local, { hostname: "127.0.0.1", port: listener.addr.port });
      socket.end("bye\r\n");
      assert.equal(await wireLines(conn).next(), "bye\r\n");
      assert.equal(await conn.read(), null);
      conn.close();
      conn.close();
      await assert.rejects(conn.write(bytes("late\r\n")), { name: "ConnClosedError" });
      await closed;
    });
  });

  test(`${name}: binding a busy port is a ListenError with the code; close() ends accept()`, async () => {
    await withListener(async (listener) => {
      await assert.rejects(
        listenTls({ hostname: "127.0.0.1", port: listener.addr.port }),
        (err) => err instanceof ListenError && err.code === "EADDRINUSE",
      );
      const pending = listener.accept();
      listener.close();
      assert.equal(await pending, null);
      assert.equal(await listener.accept(), null);
    });
  });
}

test("tls options: garbage certificate or key, or a key of another certificate, fail clearly", () => {
  const cases: Array<[string, TlsOptions, RegExp]> = [
    [
      "garbage cert",
      { cert: "not a certificate\n", key: certs.serverKey },
      /^TLS certificate unusable: /,
    ],
    ["key as cert", { cert: certs.serverKey, key: certs.serverKey }, /^TLS certificate unusable: /],
    ["garbage key", { cert: certs.serverCert, key: "not a key\n" }, /^TLS private key unusable: /],
    [
      "mismatched key",
      { cert: certs.serverCert, key: certs.clientKey },
      /^TLS private key does not belong to the certificate$/,
    ],
    ["garbage ca", { ...serverTls, ca: "not a bundle\n" }, /^TLS CA bundle unusable: /],
  ];
  for (const [name, options, message] of cases) {
    assert.throws(() => validateTlsOptions(options), { message }, name);
    // Deno's createSecureContext would take any of these; the context is never built.
    assert.throws(() => secureContextFor(options), { message }, name);
  }
  // The real material, a chain (leaf first) and a CA bundle pass.
  validateTlsOptions(serverTlsWithCa);
  validateTlsOptions({ ...serverTls, cert: certs.serverCert + certs.ca, ca: certs.ca + certs.ca });
  assert.ok(secureContextFor(serverTlsWithCa));
});

const peerEnv = { MOCKSMTP_TEST_CERT: certs.serverCert, MOCKSMTP_TEST_KEY: certs.serverKey };

/** Runs `fn` on a stdio peer that has greeted; the child is killed afterwards in any case. */
async function withPeer(fn: (peer: StdioPeer, lines: StreamLines) => Promise<void>) {
  const peer = spawnStdioPeer(peerEnv);
  try {
    const lines = streamLines(peer.pipe);
    assert.equal(await lines.next(), "220 hi\r\n");
    await fn(peer, lines);
  } finally {
    peer.child.kill();
  }
}

test("stdio: plain exchange, QUIT closes stdout and the child exits", async () => {
  await withPeer(async (peer, lines) => {
    peer.pipe.write("NOOP\r\n");
    assert.equal(await lines.next(), "250 NOOP\r\n");
    peer.pipe.write("QUIT\r\n");
    assert.equal(await lines.next(), "221 bye\r\n");
    assert.equal(await lines.next(), null);
    assert.equal(await peer.exited, 0);
  });
});

test("stdio: EOF on stdin reads as null and the child exits", async () => {
  await withPeer(async (peer, lines) => {
    peer.pipe.end("NOOP\r\n");
    assert.equal(await lines.next(), "250 NOOP\r\n");
    assert.equal(await lines.next(), null);
    assert.equal(await peer.exited, 0);
  });
});

test("stdio: STARTTLS over the stdin/stdout pair", async () => {
  await withPeer(async (peer, lines) => {
    await requestTls(peer.pipe, lines);
    const client = await clientTls(peer.pipe);
    await pingQuit(client.secure, client.lines);
    assert.equal(await peer.exited, 0);
  });
});
