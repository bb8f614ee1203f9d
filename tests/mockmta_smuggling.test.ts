// SMTP smuggling (issue 14.3): in a session that uses CRLF, only CRLF `.` CRLF ends DATA; the
// fake endings are message content, so the text behind them never runs as commands and no
// second message with the attacker's envelope appears. A session that uses bare LF throughout
// (mockmta's ancestor, the mailutils testsuite) still ends its data with LF `.` LF.
// Daemon (TCP) and inetd (stdin/stdout); the mailbox is read with Python's mailbox.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readWithPython } from "./helpers/mbox_readers.ts";
import { R, readBodies, scratch, spawnInetd, startDaemon, stopDaemon } from "./helpers/mockmta.ts";
import { RawClient } from "./helpers/raw_client.ts";

const FAKE_ENDINGS = ["\n.\n", "\n.\r\n", "\r\n.\n", "\r.\r\n"];

/** A message whose body hides a second transaction behind `fake`. */
function smuggling(fake: string): string {
  return "EHLO relay.example\r\nMAIL FROM:<alice@example.org>\r\nRCPT TO:<bob@example.net>\r\n" +
    `DATA\r\nSubject: innocent\r\n\r\nhello${fake}` +
    "MAIL FROM:<attacker@evil.example>\r\nRCPT TO:<victim@example.net>\r\nDATA\r\n" +
    "Subject: smuggled\r\n\r\nevil\r\n.\r\nQUIT\r\n";
}

const ONE_MESSAGE = R.greeting + R.ehlo + R.sender + R.recipient + R.data + R.accepted(1) + R.bye;

/** Runs `input` through one session; resolves with all the server wrote. */
type Session = (mailbox: string, input: string) => Promise<string>;

const overTcp: Session = async (mailbox, input) => {
  const daemon = await startDaemon(mailbox, ["-l", "notice"]);
  try {
    const c = await RawClient.connect(daemon.port);
    await c.send(input);
    const out = await c.closed();
    c.close();
    return out;
  } finally {
    assert.equal(await stopDaemon(daemon), 0, daemon.stderr);
  }
};

const overStdio: Session = async (mailbox, input) => {
  const { cli, client } = spawnInetd(["-l", "notice", mailbox]);
  await client.send(input);
  const out = await client.closed();
  assert.equal(await cli.exited, 0, cli.stderr);
  return out;
};

for (const [mode, session] of [["daemon", overTcp], ["inetd", overStdio]] as const) {
  test(`mockmta ${mode}: fake DATA endings in a CRLF session are content, never a second message`, async () => {
    for (const fake of FAKE_ENDINGS) {
      const s = await scratch();
      try {
        const out = await session(s.mailbox, smuggling(fake));
        assert.equal(out, ONE_MESSAGE, JSON.stringify(fake));
        const entries = await readWithPython(s.mailbox);
        assert.equal(entries.length, 1, JSON.stringify(fake));
        assert.match(entries[0].from, /^alice@example\.org /);
        const [body] = await readBodies(s.mailbox);
        assert.match(body, /^Subject: innocent\n\nhello[\r\n]/);
        assert.match(body, /\nMAIL FROM:<attacker@evil\.example>\nRCPT TO:/, "kept as text");
        assert.match(body, /\nevil\n$/);
      } finally {
        await s.cleanup();
      }
    }
  });

  test(`mockmta ${mode}: a session in bare LF throughout still ends DATA with LF . LF`, async () => {
    const s = await scratch();
    try {
      const out = await session(
        s.mailbox,
        "EHLO lf\nMAIL FROM:<lf@example.org>\nRCPT TO:<r@example.net>\nDATA\n" +
          "Subject: bare lf\n\n..stuffed\nline\n.\nMAIL FROM:<second@example.org>\n" +
          "RCPT TO:<r@example.net>\nDATA\n.\nQUIT\n",
      );
      assert.equal(
        out,
        R.greeting + R.ehlo + R.sender + R.recipient + R.data + R.accepted(1) +
          R.sender + R.recipient + R.data + R.accepted(2) + R.bye,
      );
      assert.deepEqual(await readBodies(s.mailbox), ["Subject: bare lf\n\n.stuffed\nline\n", ""]);
    } finally {
      await s.cleanup();
    }
  });
}
