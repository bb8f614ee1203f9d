// Limits (spec msmtpd.md §2, §4, §6, §10): 16 sessions with a silent wait for the 17th, every
// session reaped, pipelined commands answered in order, the 1023-byte command line and the
// 64 KiB command-line cap.
import { test } from "node:test";
import assert from "node:assert/strict";
import { RawClient } from "./helpers/raw_client.ts";
import {
  BYE,
  greeted,
  GREETING,
  OK,
  PIPED,
  receivedTcp,
  recorded,
  withoutDate,
  withRecorder,
  withServer,
} from "./helpers/msmtpd.ts";

/** `n` clients that have each read msmtpd's greeting. */
async function greetedClients(port: number, n: number): Promise<RawClient[]> {
  const clients = await Promise.all(Array.from({ length: n }, () => RawClient.connect(port)));
  const lines = await Promise.all(clients.map((c) => c.readLine()));
  assert.deepEqual(new Set(lines), new Set([GREETING]));
  return clients;
}

test("msmtpd limits: the 17th client gets its greeting only after one of 16 quits", async () => {
  await withServer({}, async (server) => {
    const sixteen = await greetedClients(server.port, 16);
    const events: string[] = [];
    const late = await RawClient.connect(server.port);
    const lateGreeting = late.readLine().then((line) => {
      events.push("17th greeted");
      return line;
    });
    // A full round trip on an active session after the 17th connected: had the server meant
    // to greet it, that greeting would have been written by now.
    await sixteen[15].send("HELO x\r\n");
    assert.equal(await sixteen[15].readLine(), "250 localhost\r\n");
    assert.equal(server.activeSessions, 16);
    assert.equal(events.length, 0, "no greeting yet");
    events.push("1st quits");
    await sixteen[0].send("HELO x\r\nQUIT\r\n");
    assert.equal(await sixteen[0].closed(), "250 localhost\r\n" + BYE);
    assert.equal(await lateGreeting, GREETING);
    assert.deepEqual(events, ["1st quits", "17th greeted"]);
    for (const c of [...sixteen, late]) c.close();
  });
});

test("msmtpd limits: 200 clients dropping at once leave all 16 slots free", async () => {
  await withServer({}, async (server) => {
    const clients = await Promise.all(
      Array.from({ length: 200 }, () => RawClient.connect(server.port)),
    );
    await Promise.all(clients.slice(0, 16).map((c) => c.readLine()));
    for (const c of clients) c.close();
    // Behind the 184 dead connections still queued, 16 new clients must all be served at once.
    const fresh = await greetedClients(server.port, 16);
    assert.equal(server.activeSessions, 16);
    for (const c of fresh) c.close();
    await server.idle();
    assert.equal(server.activeSessions, 0);
  });
});

test("msmtpd limits: 200 sessions ending together are all reaped", async () => {
  await withServer({}, async (server) => {
    const clients = await Promise.all(
      Array.from({ length: 200 }, () => RawClient.connect(server.port)),
    );
    // Every session ends as soon as it starts: QUIT is already waiting for it.
    await Promise.all(clients.map((c) => c.send("HELO x\r\nQUIT\r\n")));
    const transcripts = await Promise.all(clients.map((c) => c.closed()));
    assert.deepEqual(new Set(transcripts), new Set([GREETING + "250 localhost\r\n" + BYE]));
    const fresh = await greetedClients(server.port, 16);
    for (const c of fresh) c.close();
  });
});

test("msmtpd limits: a pipelined session is answered in order (TCP mode)", async () => {
  await withRecorder({}, async (server, dir) => {
    const c = await RawClient.connect(server.port);
    await c.send(
      "EHLO host\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nRCPT TO:<e@f>\r\nDATA\r\nhello\r\n.\r\n" +
        "MAIL FROM:<g@h>\r\nRCPT TO:<i@j>\r\nDATA\r\nagain\r\n.\r\nQUIT\r\n",
    );
    assert.equal(
      await c.closed(),
      GREETING + "250 localhost\r\n" + OK + OK + OK + "354 Send data\r\n" + PIPED + OK + OK +
        "354 Send data\r\n" + PIPED + BYE,
    );
    const mails = recorded(dir);
    assert.deepEqual(mails.map((m) => m.argv), [
      ["-f", "a@b", "--", "c@d", "e@f"],
      ["-f", "g@h", "--", "i@j"],
    ]);
    assert.deepEqual(mails.map((m) => withoutDate(m.stdin)), [
      receivedTcp("host") + "hello\n",
      receivedTcp("host") + "again\n",
    ]);
  });
});

test("msmtpd limits: 1023 bytes per command line, longer ones close silently", async () => {
  await withServer({}, async (server) => {
    // 1021 characters + CRLF, and 1022 characters + bare LF: accepted.
    for (const end of ["\r\n", "\n"]) {
      const c = await RawClient.connect(server.port);
      assert.equal(await c.readLine(), GREETING);
      await c.send(`EHLO ${"a".repeat(1023 - 5 - end.length)}${end}`);
      assert.equal(await c.readLine(), "250 localhost\r\n");
      c.close();
    }
    // 1023 characters + LF after HELO: closed without a reply.
    const m = await greeted(server.port);
    await m.send(`MAIL FROM:<${"b".repeat(1023 - 12)}>\n`);
    assert.equal(await m.closed(), "");
    // A line without end, streamed: cut off once it cannot fit any more.
    const s = await RawClient.connect(server.port);
    assert.equal(await s.readLine(), GREETING);
    await s.send("x".repeat(4000));
    assert.equal(await s.closed(), "");
  });
});

test("msmtpd limits: the 1599th 40-character recipient passes 64 KiB → 554", async () => {
  // As observed on msmtpd 1.8.33 with --command=true: 1598 accepted, the 1599th refused.
  await withServer({ command: "true" }, async (server) => {
    const c = await greeted(server.port);
    const rcpt = (i: number) => `RCPT TO:<${String(i).padStart(34, "0")}@x.org>\r\n`; // 40-char address
    let batch = "MAIL FROM:<a@b.org>\r\n";
    for (let i = 1; i <= 1599; i++) batch += rcpt(i);
    await c.send(batch);
    const replies = await c.closed();
    assert.equal(replies, OK.repeat(1 + 1598) + "554 Too many recipients\r\n");
  });
});
