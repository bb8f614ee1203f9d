/**
 * serve's key material and implicit TLS: the minted CA and leaf verify with openssl and with
 * node:tls against exactly that CA, and the server handshakes on accept before its engine runs
 * (the engine sees `ctx.tls`), bounded by a timeout on the injected clock.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, unlinkSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import * as tls from "node:tls";
import { promisify } from "node:util";
import { Server } from "../src/server.ts";
import type { SessionContext } from "../src/smtp/session.ts";
import { mintTls } from "../src/tls/mint.ts";
import { tlsMaterial } from "../src/tls/material.ts";
import { FakeClock } from "./helpers/fake_clock.ts";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "serve-tls-"));

test("minted leaf verifies against the minted CA with openssl, for every default name and an extra one", async () => {
  const m = await mintTls(["mail.test", "10.1.2.3"]);
  writeFileSync(join(dir, "ca.pem"), m.caPem);
  writeFileSync(join(dir, "chain.pem"), m.cert);
  const { stdout } = await run("openssl", [
    "verify",
    "-CAfile",
    join(dir, "ca.pem"),
    join(dir, "chain.pem"),
  ]);
  assert.match(stdout, /chain\.pem: OK/);
  for (const name of ["localhost", "mail.test"]) {
    await run("openssl", [
      "verify",
      "-CAfile",
      join(dir, "ca.pem"),
      "-verify_hostname",
      name,
      join(dir, "chain.pem"),
    ]);
  }
  for (const ip of ["127.0.0.1", "::1", "10.1.2.3"]) {
    await run("openssl", [
      "verify",
      "-CAfile",
      join(dir, "ca.pem"),
      "-verify_ip",
      ip,
      join(dir, "chain.pem"),
    ]);
  }
  await assert.rejects(
    run("openssl", [
      "verify",
      "-CAfile",
      join(dir, "ca.pem"),
      "-verify_hostname",
      "other.test",
      join(dir, "chain.pem"),
    ]),
    "a name not asked for is not in the leaf",
  );
  const text =
    (await run("openssl", ["x509", "-noout", "-text", "-in", join(dir, "ca.pem")])).stdout;
  assert.match(text, /CA:TRUE/);
  assert.match(text, /prime256v1|P-256/);
});

test("each mint is a new CA: another run's CA does not verify this run's leaf", async () => {
  const [a, b] = await Promise.all([mintTls(), mintTls()]);
  assert.notEqual(a.caPem, b.caPem);
  writeFileSync(join(dir, "a-ca.pem"), a.caPem);
  writeFileSync(
    join(dir, "b-chain.pem"),
    b.cert.slice(0, b.cert.indexOf("-----END CERTIFICATE-----") + 25) + "\n",
  );
  await assert.rejects(
    run("openssl", ["verify", "-CAfile", join(dir, "a-ca.pem"), join(dir, "b-chain.pem")]),
  );
});

test("tlsMaterial writes the CA where asked, world-readable, by the time it is ready", async () => {
  const caOut = join(dir, "out-ca.pem");
  const material = tlsMaterial({ caOut });
  assert.equal(material.caFile, caOut, "the file name is known at once");
  await material.ready;
  assert.equal(readFileSync(caOut, "utf8"), await material.caPem);
  assert.equal(statSync(caOut).mode & 0o777, 0o644);
  const unwritable = tlsMaterial({ caOut: join(dir, "missing", "ca.pem") });
  await assert.rejects(unwritable.ready, /ENOENT|no such file/i);
});

test("tlsMaterial: default CA file is a new one in the temp dir per run; given PEM is checked at once", async () => {
  const a = tlsMaterial();
  const b = tlsMaterial({ caOut: false });
  assert.ok(a.caFile!.startsWith(tmpdir()));
  assert.equal(b.caFile, null);
  const c = tlsMaterial({ names: [] });
  await Promise.all([a.ready, b.ready, c.ready]);
  assert.notEqual(a.caFile, c.caFile);
  for (const f of [a.caFile!, c.caFile!]) unlinkSync(f);
  const m = await mintTls();
  assert.equal(await tlsMaterial({ cert: m.cert, key: m.key }).caPem, null);
  assert.throws(() => tlsMaterial({ cert: "junk", key: m.key }), /TLS certificate unusable/);
});

/** An engine that greets and tells what TLS the session runs on. */
async function tellTls(ctx: SessionContext): Promise<void> {
  const t = ctx.tls;
  await ctx.wire.write(
    new TextEncoder().encode(`220 ${t ? `${t.version} ${t.servername ?? "-"}` : "plain"}\r\n`),
  );
}

test("implicit TLS: handshake before the engine, which sees ctx.tls (SNI too); the key material may arrive late", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  const m = await mintTls();
  const server = await Server.start({
    hostname: "127.0.0.1",
    port: 0,
    engine: tellTls,
    tls: gate.then(() => ({ cert: m.cert, key: m.key })),
    implicitTls: true,
  });
  try {
    const socket = tls.connect({
      host: "127.0.0.1",
      port: server.address.port,
      ca: m.caPem,
      servername: "localhost",
    });
    let got = "";
    socket.on("data", (d) => got += d);
    const closed = new Promise((r) => socket.on("close", r));
    release();
    await closed;
    assert.match(got, /^220 TLSv1\.[23] localhost\r\n$/);
  } finally {
    await server.stop(0);
  }
});

test("implicit TLS: a client that never says hello is closed after the handshake timeout (fake clock)", async () => {
  const clock = new FakeClock();
  const m = await mintTls();
  let engineRan = false;
  const server = await Server.start({
    hostname: "127.0.0.1",
    port: 0,
    engine: () => (engineRan = true, Promise.resolve()),
    tls: { cert: m.cert, key: m.key },
    implicitTls: true,
    handshakeTimeoutMs: 10_000,
    clock,
  });
  try {
    const socket = net.connect(server.address.port, "127.0.0.1");
    socket.resume();
    await new Promise((r) => socket.on("connect", r));
    const closed = new Promise((r) => socket.on("close", r));
    await clock.timerSet(10_000);
    clock.advance(9_999);
    assert.equal(server.activeSessions, 1, "still waiting for a ClientHello");
    clock.advance(1);
    await closed;
    await server.idle();
    assert.equal(engineRan, false);
  } finally {
    await server.stop(0);
  }
});
