// serve attaches fault rules to its sessions only once a rule exists (src/faults/session.ts,
// LateFaults): a rule added while a session runs acts on that session's next command, and a
// greylist rule still knows the sender given before any rule existed.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ServeServer } from "../src/api/serve.ts";
import { RawClient } from "./helpers/raw_client.ts";
import { FakeClock } from "./helpers/fake_clock.ts";

test("faults: a rule added during a session acts on its next command, with its earlier sender", async () => {
  const clock = new FakeClock();
  await using server = await ServeServer.start({ http: false, clock });
  const client = await RawClient.connect(server.port);
  await client.readReply();
  await client.send("EHLO client.example\r\n");
  await client.readReply();
  await client.send("MAIL FROM:<Sender@Example.com>\r\n");
  assert.equal(await client.readReply(), "250 2.1.0 Ok\r\n");
  server.faults.add("rcpt => greylist 60");
  await client.send("RCPT TO:<b@example.com>\r\n");
  assert.equal(
    await client.readReply(),
    "451 4.7.1 Greylisted, try again in 60 seconds\r\n",
  );
  // A second session from the same client and sender, 20 s later: the same triple.
  clock.advance(20_000);
  const again = await RawClient.connect(server.port);
  await again.readReply();
  await again.send("EHLO client.example\r\nMAIL FROM:<sender@example.com>\r\n");
  await again.readReply();
  await again.readReply();
  await again.send("RCPT TO:<B@example.com>\r\n");
  assert.equal(await again.readReply(), "451 4.7.1 Greylisted, try again in 40 seconds\r\n");
  server.faults.clear();
  await client.send("RCPT TO:<b@example.com>\r\nQUIT\r\n");
  assert.equal(await client.readReply(), "250 2.1.5 Ok\r\n");
  assert.equal(await client.readReply(), "221 2.0.0 Bye\r\n");
  await client.closed();
  again.end();
});

/**
 * A session sends `before` (ending in MAIL, `replies` replies to read) while no rule exists;
 * then a greylist rule comes and its RCPT is greylisted. A second session 20 s later with
 * MAIL FROM:`from` is told 40 s are left only if the first session's sender was the same.
 */
async function greylistedWithLateSender(before: string, replies: number, from: string) {
  const clock = new FakeClock();
  await using server = await ServeServer.start({ http: false, clock });
  const client = await RawClient.connect(server.port);
  await client.readReply();
  await client.send(before);
  for (let i = 0; i < replies; i++) await client.readReply();
  server.faults.add("rcpt => greylist 60");
  await client.send("RCPT TO:<b@example.com>\r\n");
  assert.equal(await client.readReply(), "451 4.7.1 Greylisted, try again in 60 seconds\r\n");
  clock.advance(20_000);
  const again = await RawClient.connect(server.port);
  await again.readReply();
  await again.send(`EHLO client.example\r\nMAIL FROM:${from}\r\nRCPT TO:<b@example.com>\r\n`);
  await again.readReply();
  await again.readReply();
  assert.equal(await again.readReply(), "451 4.7.1 Greylisted, try again in 40 seconds\r\n");
  client.end();
  again.end();
}

test("faults: the sender kept before any rule is the last MAIL's, after a longer one", async () => {
  // The second MAIL line is shorter than the first: nothing of the first is left in what is kept.
  await greylistedWithLateSender(
    "EHLO client.example\r\nMAIL FROM:<a-much-longer-sender@example.com>\r\nRSET\r\n" +
      "MAIL FROM:<s@x.io>\r\n",
    4,
    "<s@x.io>",
  );
});

test("faults: the sender kept before any rule is read as UTF-8, as the interceptor reads it", async () => {
  // The second session's sender is noted by the interceptor from the decoded line: the kept
  // line read one char per byte would have been another sender.
  await greylistedWithLateSender(
    "EHLO client.example\r\nMAIL FROM:<j\u00f6ran@b\u00fccher.example> SMTPUTF8\r\n",
    2,
    "<j\u00f6ran@b\u00fccher.example> SMTPUTF8",
  );
});

test("faults: a connect rule added before a session opens holds its greeting", async () => {
  await using server = await ServeServer.start({ http: false });
  server.faults.add("connect => 554 5.3.2 Not now");
  const client = await RawClient.connect(server.port);
  assert.equal(await client.readReply(), "554 5.3.2 Not now\r\n");
  await client.closed();
});
