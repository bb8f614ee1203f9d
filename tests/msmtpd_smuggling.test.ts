// SMTP smuggling (issue 14 item 3): a fake end of mail (`\n.\n`, `\n.\r\n`, `\r\n.\n`, …) in a
// session that uses CRLF is mail content, so the commands behind it never run and no second
// mail is piped — in daemon and inetd mode. A client using bare LF for the whole session still
// ends its mail with `\n.\n`. docs/msmtpd.md "The end of a mail" states the rule.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { runCliToEnd } from "./helpers/cli.ts";
import { RawClient } from "./helpers/raw_client.ts";
import {
  BYE,
  GREETING,
  OK,
  PIPED,
  recorded,
  recorderCommand,
  removeDir,
  tempDir,
  withoutDate,
  withRecorder,
} from "./helpers/msmtpd.ts";
import { MsmtpdInput } from "../src/smtp/msmtpd/input.ts";
import { memoryContext } from "./helpers/memory_wire.ts";
import type { Wire } from "../src/smtp/wire.ts";

/**
 * Endings that msmtpd (or some other server) takes for the end of a mail and CRLF . CRLF does
 * not, each with what the command gets for it: a lone dot is kept, a dot before other bytes is
 * a stuffed one and goes, as always.
 */
const FAKE_ENDINGS: Array<[string, string]> = [
  ["\n.\n", "\n.\n"],
  ["\n.\r\n", "\n.\n"],
  ["\r\n.\n", "\n.\n"],
  ["\r.\r\n", "\r.\n"],
  ["\r.\n", "\r.\n"],
  ["\r\n\x00.\r\n", "\n\x00.\n"],
  ["\r\n.\x00\r\n", "\n\x00\n"],
  ["\r\n.\r\r\n", "\n\r\n"],
  ["\r\n.\r.\r\n", "\n\r.\n"],
];

const ENVELOPE = "MAIL FROM:<a@b.org>\r\nRCPT TO:<c@d.org>\r\nDATA\r\n";
/** What an attacker hides behind the fake ending; a relay would add the real `.` CRLF. */
const SMUGGLED = "MAIL FROM:<attacker@evil.org>\r\nRCPT TO:<victim@d.org>\r\nDATA\r\nsmuggled\r\n";

/** The whole CRLF session a relay would send for the attacker's mail, in one piece. */
function smugglingSession(fake: string): string {
  return `EHLO relay.example\r\n${ENVELOPE}first${fake}${SMUGGLED}.\r\nQUIT\r\n`;
}

const REPLIES = "250 localhost\r\n" + OK + OK + "354 Send data\r\n" + PIPED + BYE;

/** The one mail that may be piped: everything sent, with LF line ends. */
function onlyMail(piped: string): string {
  return `first${piped}${SMUGGLED.replaceAll("\r\n", "\n")}`;
}

test("msmtpd smuggling: a fake ending in a CRLF session is content, daemon mode", async () => {
  for (const [fake, piped] of FAKE_ENDINGS) {
    await withRecorder({}, async (server, dir) => {
      const c = await RawClient.connect(server.port);
      await c.send(smugglingSession(fake));
      assert.equal(await c.closed(), GREETING + REPLIES, JSON.stringify(fake));
      const mails = recorded(dir);
      assert.equal(mails.length, 1, `one mail for ${JSON.stringify(fake)}`);
      assert.deepEqual(mails[0].argv, ["-f", "a@b.org", "--", "c@d.org"]);
      assert.equal(
        withoutDate(mails[0].stdin).replace(/^Received: [^]*<DATE>\r\n/, ""),
        onlyMail(piped),
      );
    });
  }
});

test("msmtpd smuggling: a fake ending in a CRLF session is content, inetd mode", async () => {
  for (const [fake, piped] of FAKE_ENDINGS) {
    const dir = tempDir();
    try {
      const r = await runCliToEnd(["msmtpd", "--inetd", `--command=${recorderCommand(dir)}`], {
        input: smugglingSession(fake),
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(r.stdout, GREETING + REPLIES, JSON.stringify(fake));
      const mails = recorded(dir);
      assert.equal(mails.length, 1, `one mail for ${JSON.stringify(fake)}`);
      assert.equal(
        withoutDate(mails[0].stdin),
        `Received: from relay.example ([])\r\n\tby [] (msmtpd) with ESMTP;\r\n\t<DATE>\r\n` +
          onlyMail(piped),
      );
    } finally {
      removeDir(dir);
    }
  }
});

test("msmtpd smuggling: a session in bare LF throughout ends its mail with LF . LF", async () => {
  await withRecorder({}, async (server, dir) => {
    const c = await RawClient.connect(server.port);
    assert.equal(await c.readLine(), GREETING);
    await c.send("EHLO lf\nMAIL FROM:<a@b.org>\nRCPT TO:<c@d.org>\nDATA\n");
    assert.equal(await c.expect("250 localhost\r\n" + OK + OK), "250 localhost\r\n" + OK + OK);
    assert.equal(await c.readLine(), "354 Send data\r\n");
    // The client waits for the reply after `.` LF: nothing more is needed to see the end.
    await c.send("one\n..two\n.\n");
    assert.equal(await c.readLine(), PIPED);
    // Mixed endings are content in this session too; CRLF . CRLF always ends a mail.
    await c.send("MAIL FROM:<e@f.org>\nRCPT TO:<g@h.org>\nDATA\n");
    assert.equal(await c.expect(OK + OK + "354 Send data\r\n"), OK + OK + "354 Send data\r\n");
    await c.send("x\r\n.\ny\n.\r\nz\r\n.\r\n");
    assert.equal(await c.readLine(), PIPED);
    await c.send("QUIT\n");
    assert.equal(await c.closed(), BYE);
    const mails = recorded(dir).map((m) => m.stdin.replace(/^Received: [^]*?\+?\d{4}\r\n/, ""));
    assert.deepEqual(mails, ["one\n.two\n", "x\n.\ny\n.\nz\n"]);
  });
});

test("msmtpd smuggling: bare LF everywhere, inetd mode", async () => {
  const dir = tempDir();
  try {
    const r = await runCliToEnd(["msmtpd", "--inetd", `--command=${recorderCommand(dir)}`], {
      input: "HELO lf\nMAIL FROM:<a@b.org>\nRCPT TO:<c@d.org>\nDATA\nhello\n.\nQUIT\n",
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, GREETING + REPLIES);
    assert.deepEqual(recorded(dir).map((m) => m.stdin.endsWith("\r\nhello\n")), [true]);
  } finally {
    removeDir(dir);
  }
});

test("msmtpd smuggling: one CRLF command makes the session CRLF for good", async () => {
  await withRecorder({}, async (server, dir) => {
    const c = await RawClient.connect(server.port);
    // CRLF greeting, then bare LF: LF . LF is still content.
    await c.send(
      "EHLO mixed\r\nMAIL FROM:<a@b.org>\nRCPT TO:<c@d.org>\nDATA\nfirst\n.\n" + SMUGGLED +
        ".\r\nQUIT\n",
    );
    assert.equal(await c.closed(), GREETING + REPLIES);
    assert.equal(recorded(dir).length, 1);
  });
});

/** An in-memory wire that hands out `chunks` one by one. */
function chunkWire(chunks: Uint8Array[]): Wire {
  const queue = [...chunks];
  return {
    read: () => Promise.resolve(queue.shift() ?? null),
    write: () => Promise.resolve(),
    close: () => {},
  };
}

/** The commands and mails {@link MsmtpdInput} reads from `input` split into `chunks`. */
async function readAll(chunks: Uint8Array[]): Promise<string[]> {
  const input = new MsmtpdInput(memoryContext(chunkWire(chunks)));
  const out: string[] = [];
  for (;;) {
    const line = await input.command();
    if (line === null) return out;
    out.push(line);
    if (line === "DATA") {
      const mail = await input.mail();
      out.push(mail.kind === "mail" ? Buffer.from(mail.data).toString("latin1") : mail.kind);
    }
  }
}

test("msmtpd smuggling: the end of a mail does not depend on how the input is split", async () => {
  const sessions = [
    ...FAKE_ENDINGS.map(([fake]) => smugglingSession(fake)),
    "HELO lf\nDATA\n.\nDATA\n..x\n\r\n.\n.\nQUIT\n",
    "HELO x\r\nDATA\r\n.\r\nDATA\r\n.x\r\n..\r\n\n.\n.\r\n.\r\nQUIT\r\n",
    "HELO x\r\nDATA\r\nno end\r\n.",
  ];
  for (const session of sessions) {
    const bytes = Buffer.from(session, "latin1");
    const whole = await readAll([bytes]);
    const single = await readAll([...bytes].map((b) => Uint8Array.of(b)));
    assert.deepEqual(single, whole, `byte by byte: ${JSON.stringify(session)}`);
    for (let i = 1; i < bytes.length; i++) {
      for (const j of [i + 1, i + 2, i + 3]) {
        const parts = [bytes.subarray(0, i), bytes.subarray(i, j), bytes.subarray(j)];
        assert.deepEqual(await readAll(parts), whole, `split at ${i}, ${j}`);
      }
    }
  }
  assert.deepEqual(await readAll([Buffer.from("HELO x\r\nDATA\r\n.x\r\n\n.\n.\r\n.\r\n")]), [
    "HELO x",
    "DATA",
    "x\r\n\n.\n.\r\n",
  ]);
});
