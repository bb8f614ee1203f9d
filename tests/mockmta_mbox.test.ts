// The mailbox mockmta writes (spec mockmta.md §5.2), read back by real readers: Python's
// mailbox.mbox must return exactly the bodies sent, GNU mailutils must count them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { stat } from "node:fs/promises";
import { MockmtaServer } from "../src/api/mockmta.ts";
import { bytesOf, latin1, readWithPython } from "./helpers/mbox_readers.ts";
import {
  frmSubjects,
  R,
  readBodies,
  scratch,
  sendMessages,
  spawnInetd,
} from "./helpers/mockmta.ts";

/** One message: what goes over the wire (dot-stuffed, CRLF) and what a reader must return. */
interface Case {
  subject: string;
  from: string;
  /** Body lines as the reader returns them (LF endings added), without the Subject header. */
  lines: string[];
}

const CASES: Case[] = [
  {
    subject: "from lines",
    from: "<alice@example.org>",
    lines: [
      "From here, a From_ look-alike",
      ">From quoted once already",
      ">>From quoted twice",
      "From",
      "Fromage",
      " From with a leading space",
      "From: not a header here",
    ],
  },
  {
    subject: "leading dots",
    from: "<dots@example.org> SIZE=1000",
    lines: [".one dot", "..two dots", ".", "..", "middle . dot", "."],
  },
  {
    subject: "eight bit",
    from: "<>",
    lines: [
      "latin1 caf\xe9 na\xefve",
      "utf-8 as bytes \xc3\xa9\xe2\x82\xac",
      "invalid utf-8 \xff\xfe\x80",
      "a lone CR\rinside",
      "tab\there",
    ],
  },
  {
    subject: "long line",
    from: "<long@example.org>",
    lines: ["x".repeat(998), "y".repeat(997) + ".", "short after"],
  },
  {
    subject: "trailing blank lines",
    from: "<blank@example.org>",
    lines: ["body", "", ""],
  },
];

/** The DATA content of a case: CRLF lines, dot-stuffed (RFC 5321 §4.5.2). */
function wire(c: Case): string {
  const lines = [`Subject: ${c.subject}`, "", ...c.lines];
  return lines.map((l) => (l.startsWith(".") ? `.${l}\r\n` : `${l}\r\n`)).join("");
}

/** What a reader must return for a case: LF lines, no stuffing, no mbox quoting. */
function expected(c: Case): string {
  return [`Subject: ${c.subject}`, "", ...c.lines].map((l) => `${l}\n`).join("");
}

async function checkMailbox(mailbox: string, repeats: number): Promise<void> {
  const all = Array.from({ length: repeats }, () => CASES).flat();
  assert.deepEqual(await readBodies(mailbox), all.map(expected));
  const entries = await readWithPython(mailbox);
  assert.deepEqual(
    entries.map((e) => e.from.replace(/ \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$/, "")),
    all.map((c) => c.from === "<>" ? "MAILER-DAEMON" : c.from.replace(/^<([^>]*)>.*$/, "$1")),
  );
  assert.deepEqual(await frmSubjects(mailbox), all.map((c) => c.subject));
  assert.equal((await stat(mailbox)).mode & 0o777, 0o600, "created 0600");
}

test("mockmta mbox over TCP: Python mailbox.mbox and mailutils read back every body", async () => {
  const s = await scratch();
  const server = await MockmtaServer.start({ mailbox: s.mailbox });
  try {
    const finals = await sendMessages(
      server.port,
      CASES.map((c) => ({ from: c.from, data: wire(c) })),
    );
    assert.deepEqual(finals, CASES.map((_, i) => R.accepted(i + 1)));
    // The in-memory record keeps the data as sent, unstuffed, CRLF included.
    const [first] = server.messages();
    assert.equal(latin1(first.data), wire(CASES[0]));
    await checkMailbox(s.mailbox, 1);
  } finally {
    await server.stop();
    await s.cleanup();
  }
});

test("mockmta mbox in inetd mode: appends after what is there, bodies intact", async () => {
  const s = await scratch();
  try {
    for (let round = 0; round < 2; round++) {
      const { cli, client } = spawnInetd(["-l", "err", s.mailbox]);
      const transactions = CASES.map((c) =>
        `MAIL FROM:${c.from}\r\nRCPT TO:<r@example.net>\r\nDATA\r\n${wire(c)}.\r\n`
      ).join("");
      await client.send(bytesOf(`EHLO inetd\r\n${transactions}QUIT\r\n`));
      const out = await client.closed();
      assert.equal(out.match(/^250 \d{4} Message accepted/gm)?.length, CASES.length, out);
      assert.equal(await cli.exited, 0, cli.stderr);
    }
    await checkMailbox(s.mailbox, 2);
  } finally {
    await s.cleanup();
  }
});

test("mockmta mbox: an 8-bit byte in MAIL FROM leaves the entry readable (issue 14.8)", async () => {
  const s = await scratch();
  const server = await MockmtaServer.start({ mailbox: s.mailbox });
  try {
    const finals = await sendMessages(server.port, [
      { from: "<caf\xe9@example.org>", data: "Subject: eight-bit sender\r\n\r\nbody\r\n" },
      { from: "<after@example.org>", data: "Subject: next\r\n\r\nbody\r\n" },
    ]);
    assert.deepEqual(finals, [R.accepted(1), R.accepted(2)]);
    const entries = await readWithPython(s.mailbox);
    assert.deepEqual(
      entries.map((e) => e.from.replace(/ \w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4}$/, "")),
      ["caf?@example.org", "after@example.org"],
    );
    assert.deepEqual(await frmSubjects(s.mailbox), ["eight-bit sender", "next"]);
  } finally {
    await server.stop();
    await s.cleanup();
  }
});
