// STARTTLS in mockmta (spec mockmta.md §3.8, §4.3): the transcript over TCP and over
// stdin/stdout, STARTTLS offered afresh on every connection, client certificates with -a,
// failed handshakes ending one session only, unusable certificate files.
import { test } from "node:test";
import assert from "node:assert/strict";
import { once } from "node:events";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import * as tls from "node:tls";
import { MockmtaServer } from "../src/api/mockmta.ts";
import type { LogLevel } from "../src/smtp/session.ts";
import { testCerts } from "./helpers/certs.ts";
import { certFiles, R, scratch, spawnInetd, startDaemon, stopDaemon } from "./helpers/mockmta.ts";
import { FakeClock, runUntil } from "./helpers/fake_clock.ts";
import { RawClient, StreamClient } from "./helpers/raw_client.ts";

const certs = testCerts();
const TLS = { cert: certs.serverCert, key: certs.serverKey };

/** Client side of the handshake over the client's stream; resolves once secure. */
async function upgrade(
  client: StreamClient,
  options: tls.ConnectionOptions = {},
): Promise<{ client: StreamClient; secure: tls.TLSSocket }> {
  const secure = tls.connect({
    socket: client.duplex(),
    ca: certs.ca,
    servername: "localhost",
    ...options,
  });
  secure.on("error", () => {});
  await once(secure, "secureConnect");
  return { client: new StreamClient(secure, secure), secure };
}

async function exchange(c: StreamClient, send: string, expected: string): Promise<void> {
  await c.send(send);
  assert.equal(await c.expect(expected), expected, `reply to ${JSON.stringify(send)}`);
}

/** §4.3, byte for byte, over any client stream; returns the TLS protocol negotiated. */
async function starttlsTranscript(plain: StreamClient, number = 1): Promise<string | null> {
  assert.equal(await plain.expect(R.greeting), R.greeting);
  await exchange(plain, "STARTTLS\r\n", R.notValid);
  await exchange(plain, "EHLO t\r\n", R.ehloTls);
  await exchange(plain, "STARTTLS now\r\n", "501 Syntax error (no parameters allowed)\r\n");
  await exchange(plain, "STARTTLS\r\n", R.tlsGo);
  const { client, secure } = await upgrade(plain);
  const protocol = secure.getProtocol(); // Bun forgets it once the socket is closed
  await exchange(client, "EHLO t2\r\n", R.ehlo);
  await exchange(client, "STARTTLS\r\n", R.notValid);
  await exchange(client, "MAIL FROM:<tls@x>\r\n", R.sender); // quirk §8.5: state kept
  await exchange(client, "RCPT TO:<r@x>\r\n", R.recipient);
  await exchange(client, "DATA\r\n", R.data);
  await exchange(client, "Subject: over tls\r\n\r\nsecret\r\n.\r\n", R.accepted(number));
  await exchange(client, "QUIT\r\n", R.bye);
  assert.equal(await client.closed(), "");
  return protocol;
}

test("mockmta STARTTLS transcript over TCP (library), offered again on the next connection", async () => {
  const server = await MockmtaServer.start({ tls: TLS });
  try {
    assert.equal(await starttlsTranscript(await RawClient.connect(server.port), 1), "TLSv1.3");
    // Quirk §8.6 fixed: the next session is offered STARTTLS too.
    assert.equal(await starttlsTranscript(await RawClient.connect(server.port), 2), "TLSv1.3");
    const [m] = server.messages();
    assert.equal(m.tls, true);
    assert.equal(m.helo, "t2");
    assert.equal(new TextDecoder().decode(m.data), "Subject: over tls\r\n\r\nsecret\r\n");
  } finally {
    await server.stop();
  }
});

test("mockmta STARTTLS transcript over TCP (CLI daemon with -c -k)", async () => {
  const s = await scratch();
  const files = await certFiles(s.dir);
  const daemon = await startDaemon(s.mailbox, ["-c", files.cert, "-k", files.key]);
  try {
    await starttlsTranscript(await RawClient.connect(daemon.port), 1);
    await starttlsTranscript(await RawClient.connect(daemon.port), 2);
    assert.equal(await stopDaemon(daemon), 0);
    assert.match(daemon.stderr, /STARTTLS: TLS established \(TLSv1\.3\)/);
  } finally {
    daemon.kill("SIGKILL");
    await s.cleanup();
  }
});

test("mockmta STARTTLS transcript over stdin/stdout (inetd)", async () => {
  const s = await scratch();
  const files = await certFiles(s.dir);
  const { cli, client } = spawnInetd(["-c", files.cert, "-k", files.key, s.mailbox]);
  try {
    assert.equal(await starttlsTranscript(client, 1), "TLSv1.3");
    assert.equal(await cli.exited, 0, cli.stderr);
  } finally {
    cli.kill("SIGKILL");
    await s.cleanup();
  }
});

test("mockmta -a CA: client certificates are requested and checked, never required", async () => {
  const logs: string[] = [];
  const server = await MockmtaServer.start({
    tls: { ...TLS, ca: certs.ca },
    log: (level: LogLevel, message) => level === "info" && logs.push(message),
  });
  const session = async (options: tls.ConnectionOptions) => {
    const plain = await RawClient.connect(server.port);
    await plain.expect(R.greeting);
    await exchange(plain, "EHLO t\r\nSTARTTLS\r\n", R.ehloTls + R.tlsGo);
    const { client } = await upgrade(plain, options);
    await exchange(client, "QUIT\r\n", R.bye);
    await client.closed();
  };
  try {
    await session({ cert: certs.clientCert, key: certs.clientKey });
    await session({});
    await session({ cert: certs.rogueCert, key: certs.rogueKey });
    const tlsLines = logs.filter((l) => l.startsWith("STARTTLS"));
    assert.equal(tlsLines.length, 3, logs.join("\n"));
    assert.match(tlsLines[0], /client certificate verified$/);
    assert.match(tlsLines[1], /client certificate not verified: NO_CLIENT_CERTIFICATE$/);
    assert.match(tlsLines[2], /client certificate not verified: \S+$/);
  } finally {
    await server.stop();
  }
});

test("mockmta: a failed handshake ends that session only (daemon keeps serving)", async () => {
  const server = await MockmtaServer.start({ tls: TLS });
  try {
    const plain = await RawClient.connect(server.port);
    await plain.expect(R.greeting);
    await exchange(plain, "EHLO t\r\nSTARTTLS\r\n", R.ehloTls + R.tlsGo);
    await plain.send("this is not a TLS ClientHello\r\n".repeat(20));
    // A TLS alert may come back, but no SMTP reply: the plaintext is never read as commands.
    assert.doesNotMatch(await plain.closed(), /\d{3}[ -]/);
    const next = await RawClient.connect(server.port);
    assert.equal(await next.expect(R.greeting), R.greeting);
    await exchange(next, "QUIT\r\n", R.bye);
  } finally {
    await server.stop();
  }
});

test("mockmta inetd: a failed handshake exits 1 with the error on stderr", async () => {
  const s = await scratch();
  const files = await certFiles(s.dir);
  const { cli, client } = spawnInetd(["-c", files.cert, "-k", files.key, s.mailbox]);
  try {
    await client.expect(R.greeting);
    await exchange(client, "EHLO t\r\nSTARTTLS\r\n", R.ehloTls + R.tlsGo);
    await client.send("GET / HTTP/1.0\r\n\r\n".repeat(20));
    assert.equal(await cli.exited, 1);
    assert.match(cli.stderr, /^mockmta: TLS handshake failed: .+$/m);
  } finally {
    cli.kill("SIGKILL");
    await s.cleanup();
  }
});

test("mockmta: unusable certificate files → one message, served without STARTTLS", async () => {
  const s = await scratch();
  const files = await certFiles(s.dir);
  const garbage = join(s.dir, "garbage.pem");
  await writeFile(garbage, "not a certificate\n");
  const cases: Array<{ args: string[]; message: RegExp }> = [
    {
      args: ["-c", join(s.dir, "missing.pem"), "-k", files.key],
      message: /^mockmta: error reading certificate files: .*missing\.pem.*\n$/,
    },
    {
      args: ["-c", garbage, "-k", files.key],
      message: /^mockmta: error reading certificate files: .+\n$/,
    },
    {
      args: ["-c", files.cert, "-k", files.key, "-a", garbage],
      message: new RegExp(`^mockmta: ${garbage.replaceAll(".", "\\.")}: .+\\n$`),
    },
    { args: ["-c", files.cert], message: /^mockmta: STARTTLS disabled: .+\n$/ },
  ];
  try {
    for (const { args, message } of cases) {
      const { cli, client } = spawnInetd(["-l", "notice", ...args, s.mailbox]);
      await client.expect(R.greeting);
      await exchange(client, "EHLO t\r\n", R.ehlo);
      await exchange(client, "STARTTLS\r\n", R.notValid);
      await exchange(client, "QUIT\r\n", R.bye);
      assert.equal(await cli.exited, 0);
      assert.match(cli.stderr, message);
    }
  } finally {
    await s.cleanup();
  }
});

test("mockmta: a client silent after STARTTLS is cut off by the idle timeout", async () => {
  const clock = new FakeClock();
  const server = await MockmtaServer.start({ tls: TLS, timeout: 1, clock });
  try {
    const plain = await RawClient.connect(server.port);
    await plain.expect(R.greeting);
    await exchange(plain, "EHLO t\r\nSTARTTLS\r\n", R.ehloTls + R.tlsGo);
    const closed = await runUntil(clock, plain.closed());
    assert.equal(closed, "", "closed, no handshake bytes and no reply");
    assert.equal(clock.now(), 1000, "after one idle timeout");
    const next = await RawClient.connect(server.port);
    assert.equal(await next.expect(R.greeting), R.greeting);
    await exchange(next, "QUIT\r\n", R.bye);
  } finally {
    await server.stop();
  }
});
