// The library surface of mod.ts: waiting for and purging messages, stopping (graceful, forced,
// disposal), several servers per process, and go-smtp-mock's per-connection records.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  ListenError,
  type Logger,
  MockmtaServer,
  MsmtpdServer,
  SmtpmockServer,
  WaitTimeoutError,
} from "../mod.ts";
import { setImmediate } from "node:timers";
import { FakeClock } from "./helpers/fake_clock.ts";
import { RawClient } from "./helpers/raw_client.ts";
import { greeted, R221, R250, R354 } from "./helpers/smtpmock.ts";
import { connectOutcome, since, talk, within } from "./helpers/smtpmock_probe.ts";

/** Sends one complete message over a greeted client and reads its 250. */
async function sendMessage(c: RawClient, body: string, to = "b@example.com"): Promise<void> {
  await talk(c, [
    ["MAIL FROM:<a@example.com>\r\n", R250],
    [`RCPT TO:<${to}>\r\n`, R250],
    ["DATA\r\n", R354],
    [body + "\r\n.\r\n", R250],
  ]);
}

test("library: waitForMessages resolves on the arrival while it is pending", async () => {
  await using server = await SmtpmockServer.start();
  let settled = false;
  const waiting = server.waitForMessages(1, { timeout: 10_000 }).finally(() => settled = true);
  const c = await greeted(server, "rcpt");
  await talk(c, [["DATA\r\n", R354]]);
  await Promise.resolve();
  assert.equal(settled, false, "still waiting before the body");
  await talk(c, [["hello\r\n.\r\n", R250]]);
  const got = await within(5000, waiting, "waitForMessages");
  assert.equal(got.length, 1);
  assert.equal(got[0].msgRequest, "hello\r\n");
  c.close();
});

test("library: waitForMessages rejects with WaitTimeoutError carrying what arrived", async () => {
  await using server = await SmtpmockServer.start();
  const c = await greeted(server);
  await sendMessage(c, "only one");
  const t = performance.now();
  const err = await server.waitForMessages(2, { timeout: 300 }).then(
    () => assert.fail("should time out"),
    (e) => e,
  );
  assert.ok(since(t) >= 250);
  assert.ok(err instanceof WaitTimeoutError);
  assert.equal(err.expected, 2);
  assert.equal(err.received.length, 1);
  assert.equal(err.received[0].msgRequest, "only one\r\n");
  assert.equal(err.message, "timeout waiting for 2 messages, got 1");
  c.close();
});

test("library: waitForMessages is aborted by its signal", async () => {
  await using server = await SmtpmockServer.start();
  const ac = new AbortController();
  const waiting = server.waitForMessages(1, { timeout: 10_000, signal: ac.signal });
  const reason = new Error("test gave up");
  ac.abort(reason);
  await assert.rejects(waiting, (e) => e === reason);
  // An already aborted signal rejects at once.
  await assert.rejects(server.waitForMessages(1, { signal: ac.signal }), (e) => e === reason);
});

test("library: messagesAndPurge returns everything once", async () => {
  await using server = await SmtpmockServer.start();
  const c = await greeted(server);
  await sendMessage(c, "one");
  await sendMessage(c, "two");
  assert.deepEqual(server.messagesAndPurge().map((m) => m.msgRequest), ["one\r\n", "two\r\n"]);
  assert.deepEqual(server.messages(), []);
  await sendMessage(c, "three");
  assert.deepEqual(server.messages().map((m) => m.msgRequest), ["three\r\n"]);
  c.close();
});

test("library: waitForMessagesAndPurge waits, returns and purges", async () => {
  await using server = await SmtpmockServer.start();
  const waiting = server.waitForMessagesAndPurge(2, { timeout: 10_000 });
  const c = await greeted(server);
  await sendMessage(c, "one");
  await sendMessage(c, "two");
  const got = await within(5000, waiting);
  assert.deepEqual(got.map((m) => m.msgRequest), ["one\r\n", "two\r\n"]);
  assert.deepEqual(server.messages(), []);
  c.close();
});

test("library: a message is visible as soon as its 250 is read, connection still open (#181)", async () => {
  await using server = await SmtpmockServer.start();
  const c = await greeted(server);
  for (let i = 1; i <= 50; i++) {
    await sendMessage(c, `message ${i}`);
    // No await between reading the 250 and looking: the record must already be there.
    assert.equal(server.messages().length, i, `message ${i} visible at once`);
  }
  assert.equal(c.ended, false);
  c.close();
});

test("library: the record carries envelope, bytes, replies and the remote address", async () => {
  await using server = await SmtpmockServer.start();
  const c = await greeted(server);
  await sendMessage(c, "Subject: x\r\n\r\n..dot\r\nünï");
  const [m] = server.messages();
  assert.equal(m.from, "a@example.com");
  assert.deepEqual(m.to, ["b@example.com"]);
  assert.equal(new TextDecoder().decode(m.raw), "Subject: x\r\n\r\n.dot\r\nünï\r\n");
  assert.equal(m.heloRequest, "EHLO example.com");
  assert.equal(m.heloResponse, "250 Received");
  assert.equal(m.mailfromRequest, "MAIL FROM:<a@example.com>");
  assert.equal(m.dataRequest, "DATA");
  assert.equal(m.dataResponse, "354 Ready for receive message. End data with <CR><LF>.<CR><LF>");
  assert.equal(m.msgResponse, "250 Received");
  assert.equal(m.isConsistent, true);
  assert.equal(m.remoteAddress.port, c.socket.localPort);
  assert.equal(m.remoteAddress.hostname, "127.0.0.1");
  c.close();
});

test("library: stop() with an idle session is forced after shutdownTimeout", async () => {
  const clock = new FakeClock();
  const server = await SmtpmockServer.start({ shutdownTimeout: 1, clock });
  const c = await RawClient.connect(server.port);
  assert.equal(await c.readLine(), "220 Welcome\r\n");
  const stopping = server.stop();
  let settled = false;
  stopping.then(() => settled = true);
  await within(5000, clock.timerSet(1000), "the shutdown timeout");
  clock.advance(999);
  await new Promise((r) => setImmediate(r));
  assert.equal(settled, false, "still waiting for the session at 999 ms");
  clock.advance(1);
  assert.equal(await within(5000, stopping), "forced");
  assert.equal(clock.now(), 1000);
  assert.equal(await within(5000, c.closed()), "");
});

test("library: one stop() for the three servers; force cuts short a stop still waiting", async () => {
  const starts = {
    smtpmock: (clock: FakeClock) => SmtpmockServer.start({ clock }),
    mockmta: (clock: FakeClock) => MockmtaServer.start({ clock }),
    msmtpd: (clock: FakeClock) => MsmtpdServer.start({ clock }),
  };
  for (const [name, start] of Object.entries(starts)) {
    const clock = new FakeClock();
    const server = await start(clock);
    const c = await RawClient.connect(server.port);
    await c.readLine(); // the greeting: the session is running
    const graceful = server.stop({ timeoutMs: 60_000 });
    await within(5000, clock.timerSet(60_000), `${name}: waiting for the session`);
    const forced = server.stop({ force: true });
    assert.equal(await within(5000, forced), "forced", name);
    assert.equal(await graceful, "forced", `${name}: one stop, one outcome`);
    assert.equal(await within(5000, c.closed()), "", name);
    assert.equal(clock.now(), 0, `${name}: closed without the clock moving`);
    assert.equal(await server.stop(), "forced", `${name}: a later stop() tells the same`);
  }
});

test("library: stop() lets a session mid-DATA finish its message, then closes it", async () => {
  const server = await SmtpmockServer.start({ shutdownTimeout: 5 });
  const c = await greeted(server, "rcpt");
  await talk(c, [["DATA\r\n", R354]]);
  await c.send("Subject: x\r\n");
  const stopping = server.stop();
  assert.equal(await connectOutcome(server.port), "ECONNREFUSED", "no new connections");
  await talk(c, [["body\r\n.\r\n", R250]]);
  assert.equal(await within(5000, c.closed()), "", "closed after the next reply");
  assert.equal(await within(5000, stopping), "graceful");
  assert.equal(server.messages().length, 1);
  assert.equal(server.stop(), stopping, "stop() again returns the same promise");
});

test("library: stop({ force: true }) drops sessions at once", async () => {
  const clock = new FakeClock();
  const server = await SmtpmockServer.start({ shutdownTimeout: 30, clock });
  const idle = await greeted(server);
  const inData = await greeted(server, "rcpt");
  await talk(inData, [["DATA\r\n", R354]]);
  assert.equal(await server.stop({ force: true }), "forced");
  assert.equal(clock.now(), 0, "without waiting for the clock");
  assert.equal(await within(5000, idle.closed()), "");
  assert.equal(await within(5000, inData.closed()), "");
  assert.equal(server.messages().length, 0);
});

test("library: stop() with no session is graceful and immediate", async () => {
  const clock = new FakeClock();
  const server = await SmtpmockServer.start({ shutdownTimeout: 30, clock });
  assert.equal(await server.stop(), "graceful");
  assert.equal(clock.now(), 0, "without waiting for the clock");
  assert.equal(clock.pending, 0, "nor setting a timer");
});

test("library: a session stopped while in a response delay is dropped at once when forced", async () => {
  const clock = new FakeClock();
  const server = await SmtpmockServer.start({ responseDelayHelo: 30, clock });
  const c = await RawClient.connect(server.port);
  assert.equal(await c.readLine(), "220 Welcome\r\n");
  await c.send("EHLO example.com\r\n");
  await within(5000, clock.timerSet(30_000), "the response delay");
  assert.equal(await server.stop({ force: true }), "forced");
  assert.equal(await within(5000, c.closed()), "");
  assert.equal(clock.now(), 0, "without waiting for the delay");
  await within(5000, server.idle(), "the delayed session ending");
});

test("library: two servers in one process keep their own messages", async () => {
  await using a = await SmtpmockServer.start();
  await using b = await SmtpmockServer.start({ msgGreeting: "220 second" });
  assert.notEqual(a.port, b.port);
  const ca = await greeted(a);
  const cb = await RawClient.connect(b.port);
  assert.equal(await cb.readLine(), "220 second\r\n");
  await talk(cb, [["EHLO example.com\r\n", R250]]);
  await sendMessage(ca, "to a");
  await sendMessage(cb, "to b", "c@example.com");
  assert.deepEqual(a.messages().map((m) => m.msgRequest), ["to a\r\n"]);
  assert.deepEqual(b.messages().map((m) => m.to), [["c@example.com"]]);
  ca.close();
  cb.close();
});

test("library: await using stops the server at the end of the scope", async () => {
  let port = 0;
  {
    await using server = await SmtpmockServer.start();
    port = server.port;
    assert.equal(server.hostname, "127.0.0.1");
    assert.equal(await connectOutcome(port), "connected");
  }
  assert.equal(await connectOutcome(port), "ECONNREFUSED");
});

test("library: sessions() has one record per connection, connect-only ones included", async () => {
  await using server = await SmtpmockServer.start();
  const probe = await RawClient.connect(server.port);
  assert.equal(await probe.readLine(), "220 Welcome\r\n");
  probe.close(); // a health probe: connects, sends nothing
  const c = await greeted(server);
  await sendMessage(c, "one");
  await talk(c, [["QUIT\r\n", R221]]);
  await c.closed();
  await server.idle();
  const records = server.sessions();
  assert.equal(records.length, 2);
  const empty = records.find((r) => r.heloRequest === "")!;
  assert.equal(empty.isConsistent, false);
  assert.equal(empty.msgRequest, "");
  const full = records.find((r) => r.heloRequest !== "")!;
  assert.equal(full.msgRequest, "one\r\n");
  assert.equal(full.quitSent, true);
  assert.deepEqual(server.messages().length, 1, "messages() only has accepted messages");
  assert.equal(server.sessionsAndPurge().length, 2);
  assert.deepEqual(server.sessions(), []);
});

test("library: keepSessions: false keeps messages but no per-connection records", async () => {
  // What the CLI uses with -httpApi: it serves messages only, and health probes would
  // otherwise leave a record per connection until a purge.
  await using server = await SmtpmockServer.start({ keepSessions: false });
  const probe = await RawClient.connect(server.port);
  assert.equal(await probe.readLine(), "220 Welcome\r\n");
  probe.close();
  const c = await greeted(server);
  await sendMessage(c, "one");
  await talk(c, [["QUIT\r\n", R221]]);
  await c.closed();
  await server.idle();
  assert.deepEqual(server.messages().map((m) => m.msgRequest), ["one\r\n"]);
  assert.deepEqual(server.sessions(), []);
});

test("library: a record's text is its bytes decoded; records of one body agree, JSON included", async () => {
  await using server = await SmtpmockServer.start();
  const c = await greeted(server);
  await sendMessage(c, "caf\u00e9 \u2713");
  await talk(c, [["QUIT\r\n", R221]]);
  await c.closed();
  await server.idle();
  const [m] = server.messages();
  const [s] = server.sessions();
  assert.equal(m.msgRequest, "caf\u00e9 \u2713\r\n");
  assert.equal(s.msgRequest, m.msgRequest);
  assert.equal(s.raw, m.raw, "one body, shared");
  const json = JSON.parse(JSON.stringify(m));
  assert.equal(json.msgRequest, m.msgRequest);
  assert.equal({ ...m }.msgRequest, m.msgRequest);
});

test("library: the injected logger sees go-smtp-mock's activity lines", async () => {
  const lines: string[] = [];
  const logger: Logger = {
    info: (m) => lines.push(`INFO ${m}`),
    warning: (m) => lines.push(`WARNING ${m}`),
    error: (m) => lines.push(`ERROR ${m}`),
  };
  const server = await SmtpmockServer.start({ logger });
  const c = await greeted(server);
  await talk(c, [["QUIT\r\n", R221]]);
  await c.closed();
  await server.idle();
  await server.stop();
  assert.deepEqual(lines, [
    `INFO SMTP mock server started on port: ${server.port}`,
    "INFO SMTP session started",
    "INFO SMTP response: 220 Welcome",
    "INFO SMTP request: EHLO example.com",
    "INFO SMTP response: 250 Received",
    "INFO SMTP request: QUIT",
    "INFO SMTP response: 221 Closing connection",
    "INFO SMTP session finished",
    "WARNING SMTP mock server is in the shutdown mode and won't accept new connections",
    "INFO SMTP mock server was stopped successfully",
  ]);
});

test("library: a port in use rejects with ListenError", async () => {
  await using first = await SmtpmockServer.start();
  await assert.rejects(SmtpmockServer.start({ port: first.port }), ListenError);
});
