// Bad input against smtpmock: binary garbage, NUL bytes, huge lines, a flood of connections,
// clients that vanish or half-close. Each case ends with a normal session succeeding, and none
// may crash the process, stall other sessions or grow memory without bound.
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import { type Logger, SmtpmockServer } from "../mod.ts";
import { FakeClock } from "./helpers/fake_clock.ts";
import { RawClient } from "./helpers/raw_client.ts";
import { greeted, INVALID, R221, R250, R354 } from "./helpers/smtpmock.ts";
import { startSmtpmockCli } from "./helpers/cli.ts";
import { assertNoReply, talk, vmRssKiB, within } from "./helpers/smtpmock_probe.ts";

/** A complete delivery on a fresh connection: the server is still fully working. */
async function normalSession(port: number): Promise<void> {
  const c = await RawClient.connect(port);
  try {
    assert.equal(await within(5000, c.readLine(), "greeting"), "220 Welcome\r\n");
    await talk(c, [
      ["EHLO example.com\r\n", R250],
      ["MAIL FROM:<a@example.com>\r\n", R250],
      ["RCPT TO:<b@example.com>\r\n", R250],
      ["DATA\r\n", R354],
      ["still alive\r\n.\r\n", R250],
      ["QUIT\r\n", R221],
    ]);
    assert.equal(await within(5000, c.closed()), "");
  } finally {
    c.close();
  }
}

/** Deterministic bytes without ASCII letters (so no keyword can appear) and without LF. */
function garbage(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    let b = x >> 16 & 0xff;
    if (b === 0x0a || (b | 0x20) >= 0x61 && (b | 0x20) <= 0x7a) b = 0;
    out[i] = b;
  }
  return out;
}

test("abuse: binary garbage lines are each answered 502, the session goes on", async () => {
  await using server = await SmtpmockServer.start();
  const c = await greeted(server);
  const lines = 50;
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < lines; i++) chunks.push(garbage(200, i + 1), new Uint8Array([0x0a]));
  await c.send(Buffer.concat(chunks));
  assert.equal(await c.readBytes(INVALID.length * lines), INVALID.repeat(lines));
  await assertNoReply(c);
  c.close();
  await normalSession(server.port);
});

test("abuse: NUL bytes and invalid UTF-8 inside commands", async () => {
  await using server = await SmtpmockServer.start();
  const c = await greeted(server);
  await talk(c, [
    ["NO\0OP\r\n", INVALID], // the NUL splits the keyword
    ["\0\0\0\r\n", INVALID],
    ["EHLO exa\0mple.com\r\n", "501 HELO requires domain address or valid address literal\r\n"],
  ]);
  await c.send(Buffer.from("EHLO ex\xffample.com\r\n", "latin1"));
  assert.equal(await c.readLine(), "501 HELO requires domain address or valid address literal\r\n");
  // TrimSpace does not trim NUL: "NOOP\0" is not the bare verb, so no reply at all.
  await c.send("NOOP\0\r\n");
  await assertNoReply(c);
  await talk(c, [
    ["EHLO example.com\r\n", R250],
    ["MAIL FROM:<a\0@example.com>\r\n", "501 MAIL FROM requires valid email address\r\n"],
  ]);
  c.close();
  await normalSession(server.port);
});

test("abuse: garbage without any newline, then hang-up, leaves the server serving", async () => {
  await using server = await SmtpmockServer.start();
  const c = await RawClient.connect(server.port);
  assert.equal(await c.readLine(), "220 Welcome\r\n");
  await c.send(garbage(300_000, 7));
  c.close();
  await normalSession(server.port);
});

test("abuse: a 100 kB command line is read whole and answered once", async () => {
  await using server = await SmtpmockServer.start();
  const c = await greeted(server);
  const big = "x".repeat(100_000);
  await talk(c, [
    [big + "\r\n", INVALID],
    [`EHLO ${"a.".repeat(50_000)}com\r\n`, R250],
    // No length limit in the grammar: a 100 kB local part is an address.
    [`MAIL FROM:<${big}@example.com>\r\n`, R250],
    [`RCPT TO:<${big}>\r\n`, "501 RCPT TO requires valid email address\r\n"],
  ]);
  // A keyword makes it a command, and NOOP with arguments is silent: still one line, no reply.
  await c.send(`NOOP ${big}\r\n`);
  await assertNoReply(c);
  c.close();
  await normalSession(server.port);
});

test("abuse: a 64 MB line without newline is cut off at the cap, memory stays flat (CLI)", async () => {
  const cli = await startSmtpmockCli([]);
  const pid = cli.child.pid!;
  try {
    await normalSession(cli.port); // warm up, so the baseline includes a served session
    const baseline = vmRssKiB(pid);
    const c = await RawClient.connect(cli.port);
    assert.equal(await c.readLine(), "220 Welcome\r\n");
    const chunk = Buffer.alloc(1024 * 1024, 0x41);
    let sent = 0;
    let peak = baseline;
    // Stream 64 MB the way a runaway client would (it never stops to read), watching the
    // server's RSS as we go; the server stops reading at the cap, so writes stall until close.
    const writer = (async () => {
      for (let i = 0; i < 64 && !c.ended; i++) {
        const ok = c.socket.write(chunk);
        sent += chunk.length;
        peak = Math.max(peak, vmRssKiB(pid));
        if (!ok) {
          await new Promise<void>((r) => {
            const done = () => {
              c.socket.off("drain", done);
              c.socket.off("close", done);
              r();
            };
            c.socket.on("drain", done);
            c.socket.on("close", done);
          });
        }
      }
    })();
    const reply = await within(30_000, c.readLine(), "reply to the long line");
    assert.match(reply, /^500 Line too long \(limit \d+ bytes\)\r\n$/);
    const limit = Number(reply.match(/limit (\d+)/)![1]);
    assert.ok(limit >= 100_000, "the cap is far above what the spec needs (100 kB lines)");
    assert.equal(await within(30_000, c.closed()), "", "then the server closes");
    await within(30_000, writer);
    c.close();
    peak = Math.max(peak, vmRssKiB(pid));
    const grew = peak - baseline;
    assert.ok(grew < 32 * 1024, `RSS grew by ${grew} KiB (baseline ${baseline} KiB)`);
    assert.ok(sent <= 64 * chunk.length);
    await normalSession(cli.port);
  } finally {
    cli.kill("SIGKILL");
    await cli.exited;
  }
});

test("abuse: a long line trickled in small pieces costs linear work, not quadratic (CLI)", async () => {
  const cli = await startSmtpmockCli([]);
  const pid = cli.child.pid!;
  try {
    const c = await RawClient.connect(cli.port);
    assert.equal(await c.readLine(), "220 Welcome\r\n");
    const baseline = vmRssKiB(pid);
    let peak = baseline;
    const piece = Buffer.alloc(512, 0x41);
    // 1.2 MiB in 512-byte writes, yielding now and then so they leave as separate segments.
    for (let i = 0; i < 2400 && !c.ended; i++) {
      c.socket.write(piece);
      if (i % 8 === 0) {
        await new Promise((r) => setTimeout(r, 0));
        peak = Math.max(peak, vmRssKiB(pid));
      }
    }
    assert.match(await within(30_000, c.readLine()), /^500 Line too long/);
    await within(30_000, c.closed());
    c.close();
    const grew = Math.max(peak, vmRssKiB(pid)) - baseline;
    assert.ok(grew < 32 * 1024, `RSS grew by ${grew} KiB for a 1 MiB line`);
    await normalSession(cli.port);
  } finally {
    cli.kill("SIGKILL");
    await cli.exited;
  }
});

test("abuse: 1,000 connections opened and dropped at once", async () => {
  await using server = await SmtpmockServer.start();
  const outcomes = await Promise.all(
    Array.from({ length: 1000 }, () =>
      new Promise<boolean>((resolve) => {
        const s = net.connect(server.port, "127.0.0.1");
        s.once("connect", () => {
          s.destroy();
          resolve(true);
        });
        s.once("error", () => resolve(false));
      })),
  );
  const connected = outcomes.filter(Boolean).length;
  assert.ok(connected >= 900, `${connected} of 1000 connected`);
  // Accepted in order, so once this session is done every earlier one has been served.
  await normalSession(server.port);
  await within(10_000, server.idle(), "all sessions ending");
  assert.equal(server.sessions().length, connected + 1, "one record per connection");
  assert.equal(server.messages().length, 1);
});

test("abuse: a client vanishing mid-DATA leaves no message and no stall", async () => {
  await using server = await SmtpmockServer.start();
  const c = await greeted(server, "rcpt");
  await talk(c, [["DATA\r\n", R354]]);
  await c.send("Subject: half\r\n\r\nhalf a bo");
  c.close();
  await normalSession(server.port);
  await within(5000, server.idle());
  assert.deepEqual(server.messages().map((m) => m.msgRequest), ["still alive\r\n"]);
  const vanished = server.sessions().find((r) => r.dataRequest === "DATA" && !r.msg);
  assert.ok(vanished, "the vanished session has its record, without a message");
});

test("abuse: a client vanishing during a response delay does not stall others", async () => {
  const warnings: string[] = [];
  const logger: Logger = { warning: (m) => warnings.push(m) };
  const clock = new FakeClock();
  await using server = await SmtpmockServer.start({ responseDelayHelo: 1, logger, clock });
  const c = await RawClient.connect(server.port);
  assert.equal(await c.readLine(), "220 Welcome\r\n");
  await c.send("EHLO example.com\r\n");
  await within(5000, clock.timerSet(1000), "the response delay");
  c.close();
  // Another session is served while the first one sleeps: the clock does not move meanwhile.
  const other = await RawClient.connect(server.port);
  assert.equal(await other.readLine(), "220 Welcome\r\n");
  await assertNoReply(other);
  assert.equal(clock.now(), 0, "not held up by the delayed session");
  other.close();
  clock.advance(1000);
  await within(10_000, server.idle(), "the delayed session ending");
  const normal = normalSession(server.port);
  await within(5000, clock.timerSet(1000), "its EHLO delayed too");
  clock.advance(1000);
  await normal;
});

test("abuse: a half-closed client still gets its replies, then the server closes", async () => {
  await using server = await SmtpmockServer.start();
  const c = await RawClient.connect(server.port);
  assert.equal(await c.readLine(), "220 Welcome\r\n");
  c.socket.end("EHLO example.com\r\nNOOP\r\n"); // FIN after the commands
  assert.equal(await within(5000, c.closed()), R250 + "250 Ok\r\n");
  // Half-closed in the middle of a body: 354, then the session just ends.
  const d = await greeted(server, "rcpt");
  d.socket.end("DATA\r\nno end of body\r\n");
  assert.equal(await within(5000, d.closed()), R354);
  await normalSession(server.port);
  await within(5000, server.idle());
  assert.equal(server.messages().length, 1);
});

test("abuse: a client stuck in the middle of a line does not block others", async () => {
  await using server = await SmtpmockServer.start();
  const stuck = await greeted(server);
  await stuck.send("MAIL FROM:<a@exa");
  await normalSession(server.port);
  await stuck.send("mple.com>\r\n");
  assert.equal(await stuck.readLine(), R250, "the line completes when the rest arrives");
  stuck.close();
});
