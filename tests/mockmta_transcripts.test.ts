// The transcripts of spec mockmta.md §4, captured from the ancestor, replayed byte for byte over
// TCP (library server and CLI daemon) and over stdin/stdout (inetd mode), plus the mailbox
// §5.2 expects for the messages of §4.1.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { MockmtaServer } from "../src/api/mockmta.ts";
import { RawClient } from "./helpers/raw_client.ts";
import {
  play,
  R,
  scratch,
  spawnInetd,
  startDaemon,
  type Steps,
  stopDaemon,
} from "./helpers/mockmta.ts";

const MSG1 = "From: alice@example.org\r\nTo: bob@example.net\r\n" +
  "Subject: conformance message one\r\n\r\n" +
  "From here on, this line starts with From and a space.\r\n" +
  ">From this line was already quoted once.\r\nFromage is not a From_ line.\r\n" +
  " From with a leading space stays as is.\r\nlast line\r\n.\r\n";
const MSG2 = "From: carol@example.org\r\nTo: dave@example.net\r\n" +
  "Subject: conformance message two\r\n\r\n" +
  "..this line starts with a single dot\r\n...this line starts with two dots\r\n..\r\n" +
  "...\r\nend. of message.\r\n.\r\n";

/** A transcript, given the number its first accepted message gets. */
interface Transcript {
  name: string;
  steps(first: number): Steps;
  /** Messages it gets accepted. */
  accepts: number;
}

const HAPPY: Transcript = {
  name: "§4.1 happy path, two messages",
  accepts: 2,
  steps: (n) => [
    ["S", R.greeting],
    ["C", "EHLO client.example\r\n"],
    ["S", R.ehlo],
    ["C", "MAIL FROM:<alice@example.org>\r\n"],
    ["S", R.sender],
    ["C", "RCPT TO:<bob@example.net>\r\n"],
    ["S", R.recipient],
    ["C", "DATA\r\n"],
    ["S", R.data],
    ["C", MSG1],
    ["S", R.accepted(n)],
    ["C", "MAIL FROM:<carol@example.org>\r\n"],
    ["S", R.sender],
    ["C", "RCPT TO:<dave@example.net>\r\n"],
    ["S", R.recipient],
    ["C", "DATA\r\n"],
    ["S", R.data],
    ["C", MSG2],
    ["S", R.accepted(n + 1)],
    ["C", "QUIT\r\n"],
    ["S", R.bye],
  ],
};

const ERRORS: Transcript = {
  name: "§4.2 error paths",
  accepts: 0,
  steps: () => {
    const pairs: Array<[string, string]> = [
      ["NOOP\r\n", R.unrecognized],
      ["VRFY bob\r\n", R.unrecognized],
      ["MAIL FROM:<a@b>\r\n", R.notValid],
      ["RCPT TO:<x@y>\r\n", R.notValid],
      ["DATA\r\n", R.notValid],
      ["HELP\r\n", "214 http://www.ietf.org/rfc/rfc2821.txt\r\n"],
      ["HELO\r\n", "501 helo requires domain address\r\n"],
      ["EHLO\r\n", "501 ehlo requires domain address\r\n"],
      ["\r\n", R.unrecognized],
      ["STARTTLS\r\n", R.notValid],
      ["RSET\r\n", "250 Reset state\r\n"],
      ["RSET now\r\n", "501 rset does not take arguments\r\n"],
      ["helo c.example\r\n", R.helo],
      ["STARTTLS\r\n", R.notValid],
      ["mail\r\n", "501 mail requires email address\r\n"],
      ["mail to:<a@b>\r\n", "501 syntax error\r\n"],
      ["mail from:\r\n", "501 mail requires email address\r\n"],
      ["MAIL FROM: <a@b> SIZE=100\r\n", R.sender],
      ["MAIL FROM:<c@d>\r\n", R.notValid],
      ["RCPT\r\n", "501 rcpt requires email address\r\n"],
      ["RCPT FROM:<x>\r\n", "501 syntax error\r\n"],
      ["RCPT TO:\r\n", "501 to requires email address\r\n"],
      ["RCPT TO:<r@x>\r\n", R.recipient],
      ["RSET\r\n", "250 Reset state\r\n"],
      ["MAIL FROM:<a@b>\r\n", R.notValid],
      ["EHLO again\r\n", R.ehlo],
      ["QUIT extra args\r\n", R.bye],
    ];
    return [["S", R.greeting], ...pairs.flatMap(([c, s]): Steps => [["C", c], ["S", s]])];
  },
};

const RECIPIENT_LIMIT: Transcript = {
  name: "§4.2 recipient limit: 32 accepted, then 501, DATA still works",
  accepts: 1,
  steps: (n) => {
    const steps: Steps = [
      ["S", R.greeting],
      ["C", "EHLO many\r\n"],
      ["S", R.ehlo],
      ["C", "MAIL FROM:<many@x>\r\n"],
      ["S", R.sender],
    ];
    for (let i = 1; i <= 34; i++) {
      steps.push(["C", `RCPT TO:<r${i}@x>\r\n`]);
      steps.push(["S", i <= 32 ? R.recipient : "501 too many recipients\r\n"]);
    }
    steps.push(
      ["C", "DATA\r\n"],
      ["S", R.data],
      ["C", "Subject: many\r\n\r\nbody\r\n.\r\n"],
      ["S", R.accepted(n)],
      ["C", "QUIT\r\n"],
      ["S", R.bye],
    );
    return steps;
  },
};

const EOF_AFTER_EHLO: Transcript = {
  name: "§4.2 client closes after EHLO: 221 Bye all the same",
  accepts: 0,
  steps: () => [["S", R.greeting], ["C", "EHLO x\r\n"], ["S", R.ehlo], ["E"], ["S", R.bye]],
};

const EOF_IN_DATA: Transcript = {
  name: "§4.2 client closes in the middle of DATA: 221 Bye, no 250",
  accepts: 0,
  steps: () => [
    ["S", R.greeting],
    ["C", "EHLO x\r\nMAIL FROM:<half@x>\r\nRCPT TO:<r@x>\r\nDATA\r\n"],
    ["S", R.ehlo + R.sender + R.recipient + R.data],
    ["C", "Subject: half\r\n\r\nthis message never ends\r\n"],
    ["E"],
    ["S", R.bye],
  ],
};

const PIPELINED_LF: Transcript = {
  name: "§4.2 everything pipelined in one write with bare LF",
  accepts: 1,
  steps: (n) => [
    ["S", R.greeting],
    ["C", "EHLO lf\nMAIL FROM:<lf@x>\nRCPT TO:<r@x>\nDATA\nline one\n.\nQUIT\n"],
    ["S", R.ehlo + R.sender + R.recipient + R.data + R.accepted(n) + R.bye],
  ],
};

const TRANSCRIPTS = [HAPPY, ERRORS, RECIPIENT_LIMIT, EOF_AFTER_EHLO, EOF_IN_DATA, PIPELINED_LF];

/** Plays every transcript, one connection each, against one daemon; numbers run on. */
async function playAllOverTcp(port: number): Promise<void> {
  let next = 1;
  for (const t of TRANSCRIPTS) {
    const client = await RawClient.connect(port);
    try {
      await play(client, t.steps(next));
    } catch (e) {
      (e as Error).message = `${t.name}: ${(e as Error).message}`;
      throw e;
    } finally {
      client.close();
    }
    next += t.accepts;
  }
}

/** The mailbox of spec §5.2 for the two messages of §4.1 (From_ dates vary). */
const HAPPY_MBOX = "From alice@example.org DATE\nFrom: alice@example.org\nTo: bob@example.net\n" +
  "Subject: conformance message one\n\n" +
  ">From here on, this line starts with From and a space.\n" +
  ">>From this line was already quoted once.\nFromage is not a From_ line.\n" +
  " From with a leading space stays as is.\nlast line\n\n" +
  "From carol@example.org DATE\nFrom: carol@example.org\nTo: dave@example.net\n" +
  "Subject: conformance message two\n\n" +
  ".this line starts with a single dot\n..this line starts with two dots\n.\n..\n" +
  "end. of message.\n\n";

const CTIME = /(?<=^From \S+ )[A-Z][a-z]{2} [A-Z][a-z]{2} [ 1-3][0-9] \d\d:\d\d:\d\d \d{4}$/gm;

function withoutDates(mbox: string): string {
  return mbox.replace(CTIME, "DATE");
}

test("mockmta transcripts over TCP (library server), counter across connections", async () => {
  const s = await scratch();
  const server = await MockmtaServer.start({ mailbox: s.mailbox });
  try {
    await playAllOverTcp(server.port);
    const messages = server.messages();
    assert.deepEqual(messages.map((m) => m.number), [1, 2, 3, 4]);
    assert.equal(messages[2].to.length, 32, "the first 32 recipients are recorded");
    assert.equal(messages[0].helo, "client.example");
    const mbox = await readFile(s.mailbox, "latin1");
    assert.ok(withoutDates(mbox).startsWith(HAPPY_MBOX), withoutDates(mbox));
    assert.equal(mbox.match(/^From /gm)?.length, 4, "no partial message from the broken DATA");
  } finally {
    await server.stop();
    await s.cleanup();
  }
});

test("mockmta transcripts over TCP (CLI daemon, -f)", async () => {
  const s = await scratch();
  const daemon = await startDaemon(s.mailbox);
  try {
    await playAllOverTcp(daemon.port);
    assert.equal(await stopDaemon(daemon), 0);
    const mbox = await readFile(s.mailbox, "latin1");
    assert.ok(withoutDates(mbox).startsWith(HAPPY_MBOX));
    assert.equal(mbox.match(/^From /gm)?.length, 4);
  } finally {
    daemon.kill("SIGKILL");
    await s.cleanup();
  }
});

test("mockmta transcripts over stdin/stdout (inetd mode), exit 0", async () => {
  const s = await scratch();
  try {
    await Promise.all(TRANSCRIPTS.map(async (t, i) => {
      const { cli, client } = spawnInetd(["-l", "notice", `${s.mailbox}${i}`]);
      try {
        await play(client, t.steps(1));
        assert.equal(await cli.exited, 0, `${t.name}: ${cli.stderr}`);
        assert.equal(cli.stderr, "", "nothing logged at notice");
      } catch (e) {
        (e as Error).message = `${t.name}: ${(e as Error).message}`;
        throw e;
      } finally {
        cli.kill("SIGKILL");
      }
    }));
    const happy = await readFile(`${s.mailbox}0`, "latin1");
    assert.equal(withoutDates(happy), HAPPY_MBOX);
    await assert.rejects(readFile(`${s.mailbox}4`), "the broken DATA created no mailbox");
  } finally {
    await s.cleanup();
  }
});
