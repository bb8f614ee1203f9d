// The library's sessions over streams (CapturingServer.serveConnection): the same session as
// over an accepted connection, for every persona, registered with the server's others.
import { test } from "node:test";
import assert from "node:assert/strict";
import { PassThrough } from "node:stream";
import { MockmtaServer, MsmtpdServer, SmtpmockServer } from "../mod.ts";
import { acceptAll } from "../src/api/capturing_server.ts";
import { streamPairConn } from "../src/net/stream_conn.ts";
import { Server } from "../src/server.ts";
import type { SessionEnd } from "../src/smtp/mockmta/config.ts";
import { mockmtaEngine } from "../src/smtp/mockmta/session.ts";
import { within } from "./helpers/smtpmock_probe.ts";

const MESSAGE = "MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n" +
  "Subject: x\r\n\r\nhello\r\n.\r\nQUIT\r\n";

/** Two pipes: what the test writes to `client`, the session reads; its replies pile up. */
function pipes() {
  const client = new PassThrough();
  const replies = new PassThrough();
  let text = "";
  replies.on("data", (chunk: Uint8Array) => text += Buffer.from(chunk).toString("latin1"));
  const ended = new Promise<void>((resolve) => replies.on("end", resolve));
  return { client, replies, ended, text: () => text };
}

test("serveConnection: one whole session per persona, its message kept by the server", async () => {
  const servers = [
    ["smtpmock", await SmtpmockServer.start(), "EHLO example.com\r\n"],
    ["mockmta", await MockmtaServer.start(), "EHLO example.com\r\n"],
    ["msmtpd", await MsmtpdServer.start(), "EHLO example.com\r\n"],
  ] as const;
  for (const [name, server, ehlo] of servers) {
    try {
      const p = pipes();
      const session = server.serveConnection(p.client, p.replies);
      p.client.end(ehlo + MESSAGE);
      await within(5000, session, `${name} session`);
      await within(5000, p.ended, `${name}: replies ended`);
      assert.match(p.text(), /^220 /, name);
      assert.match(p.text(), /\r\n221 [^\r]*\r\n$/, `${name}: QUIT answered last`);
      const [message] = server.messages();
      assert.ok(message, `${name}: a message was kept`);
      assert.equal(server.activeSessions, 0, name);
    } finally {
      await server.stop({ force: true });
    }
  }
});

test("serveConnection: counts as a session; stop() closes it; none starts once stopped", async () => {
  const server = await SmtpmockServer.start({ shutdownTimeout: 30 });
  const p = pipes();
  const session = server.serveConnection(p.client, p.replies);
  assert.equal(server.activeSessions, 1);
  assert.equal(await within(5000, server.stop({ force: true })), "forced");
  await within(5000, session, "the session");
  await within(5000, p.ended, "replies ended");
  assert.equal(p.text(), "220 Welcome\r\n");
  const late = pipes();
  await within(5000, server.serveConnection(late.client, late.replies), "a session after stop");
  await within(5000, late.ended, "its output ended");
  assert.equal(late.text(), "", "no greeting after stop");
});

test("Server.inetd: one session over the given connection; hangUp() is the client leaving", async () => {
  const p = pipes();
  const ends: SessionEnd[] = [];
  const engine = mockmtaEngine({}, {
    deliver: acceptAll.deliver,
    nextMessageNumber: () => 1,
    now: () => new Date(),
    ended: (end) => ends.push(end),
  });
  const session = await Server.inetd({ engine, conn: streamPairConn(p.client, p.replies) });
  p.client.write("NOOP\r\n");
  await within(5000, new Promise<void>((r) => p.replies.once("data", () => r())), "greeting");
  session.hangUp();
  await within(5000, session.ended, "the session");
  // End of input, not a forced close: mockmta's exit status 0, not 1.
  assert.deepEqual(ends, ["eof"]);
});
