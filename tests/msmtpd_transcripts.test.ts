// The transcripts of spec msmtpd.md §11, recorded from msmtpd 1.8.23, replayed byte for byte,
// with a recorder as the pipe command checking its argv and stdin.
import { test } from "node:test";
import assert from "node:assert/strict";
import { runCliToEnd } from "./helpers/cli.ts";
import {
  BYE,
  GREETING,
  OK,
  PIPED,
  receivedTcp,
  recorded,
  recorderCommand,
  removeDir,
  runSteps,
  type Step,
  tempDir,
  withoutDate,
  withRecorder,
  withServer,
} from "./helpers/msmtpd.ts";

const AUTH = { user: "user", password: "secret" };

test("msmtpd transcript: happy path, recorder gets argv and stdin", async () => {
  await withRecorder({}, async (server, dir) => {
    await runSteps(server, [
      ["S", GREETING],
      ["C", "EHLO client.example\r\n"],
      ["S", "250 localhost\r\n"],
      ["C", "MAIL FROM:<alice@example.com>\r\n"],
      ["S", OK],
      ["C", "RCPT TO:<bob@example.org>\r\n"],
      ["S", OK],
      ["C", "DATA\r\n"],
      ["S", "354 Send data\r\n"],
      ["C", "Subject: hi\r\n\r\nHello\r\n..dot\r\n.\r\n"],
      ["S", PIPED],
      ["C", "QUIT\r\n"],
      ["S", BYE],
      ["S", "<closed>"],
    ]);
    const [mail] = recorded(dir);
    assert.deepEqual(mail.argv, ["-f", "alice@example.com", "--", "bob@example.org"]);
    assert.equal(
      withoutDate(mail.stdin),
      receivedTcp("client.example") + "Subject: hi\n\nHello\n.dot\n",
    );
  });
});

test("msmtpd transcript: several recipients, null sender, two mails in one session", async () => {
  await withRecorder({}, async (server, dir) => {
    await runSteps(server, [
      ["S", GREETING],
      ["C", "HELO x\r\n"],
      ["S", "250 localhost\r\n"],
      ["C", "MAIL FROM:<>\r\n"],
      ["S", OK],
      ["C", "RCPT TO:<a@x.org>\r\n"],
      ["S", OK],
      ["C", "RCPT TO: <b@y.org>\r\n"],
      ["S", OK],
      ["C", "DATA\r\n"],
      ["S", "354 Send data\r\n"],
      ["C", "one\r\n.\r\n"],
      ["S", PIPED],
      ["C", "MAIL FROM:<c@d.org>\r\n"],
      ["S", OK],
      ["C", "RCPT TO:<e@f.org>\r\n"],
      ["S", OK],
      ["C", "DATA\r\n"],
      ["S", "354 Send data\r\n"],
      ["C", "two\r\n.\r\n"],
      ["S", PIPED],
      ["C", "QUIT\r\n"],
      ["S", BYE],
      ["S", "<closed>"],
    ]);
    const mails = recorded(dir);
    assert.deepEqual(mails.map((m) => m.argv), [
      ["-f", "MAILER-DAEMON", "--", "a@x.org", "b@y.org"],
      ["-f", "c@d.org", "--", "e@f.org"],
    ]);
    assert.deepEqual(mails.map((m) => withoutDate(m.stdin)), [
      receivedTcp("x") + "one\n",
      receivedTcp("x") + "two\n",
    ]);
  });
});

for (const [status, reply] of [[75, "451"], [1, "554"]] as const) {
  test(`msmtpd transcript: command exits ${status} after reading the mail`, async () => {
    await withRecorder({}, async (server, dir) => {
      await runSteps(server, [
        ["S", GREETING],
        ["C", "HELO x\r\n"],
        ["S", "250 localhost\r\n"],
        ["C", "MAIL FROM:<a@b.org>\r\n"],
        ["S", OK],
        ["C", "RCPT TO:<c@d.org>\r\n"],
        ["S", OK],
        ["C", "DATA\r\n"],
        ["S", "354 Send data\r\n"],
        ["C", "x\r\n.\r\n"],
        ["S", `${reply} Pipe command reported error ${status}\r\n`],
        ["S", "<closed>"],
      ]);
      assert.equal(withoutDate(recorded(dir)[0].stdin), receivedTcp("x") + "x\n");
    }, `-f %F -- ; exit ${status}; :`);
  });
}

test("msmtpd transcript: AUTH PLAIN with initial response, then a transaction", async () => {
  await withRecorder({ auth: AUTH }, async (server, dir) => {
    await runSteps(server, [
      ["S", GREETING],
      ["C", "EHLO x\r\n"],
      ["S", "250-localhost\r\n250 AUTH PLAIN\r\n"],
      ["C", "AUTH PLAIN AHVzZXIAc2VjcmV0\r\n"],
      ["S", "235 Authentication successful\r\n"],
      ["C", "MAIL FROM:<a@b.org>\r\n"],
      ["S", OK],
      ["C", "RCPT TO:<c@d.org>\r\n"],
      ["S", OK],
      ["C", "DATA\r\n"],
      ["S", "354 Send data\r\n"],
      ["C", "hi\r\n.\r\n"],
      ["S", PIPED],
      ["C", "QUIT\r\n"],
      ["S", BYE],
      ["S", "<closed>"],
    ]);
    assert.deepEqual(recorded(dir)[0].argv, ["-f", "a@b.org", "--", "c@d.org"]);
  });
});

test("msmtpd transcript: AUTH PLAIN without initial response gets '334 '", async () => {
  await withServer({ auth: AUTH }, async (server) => {
    await runSteps(server, [
      ["S", GREETING],
      ["C", "EHLO x\r\n"],
      ["S", "250-localhost\r\n250 AUTH PLAIN\r\n"],
      ["C", "AUTH PLAIN\r\n"],
      ["S", "334 \r\n"],
      ["C", "AHVzZXIAc2VjcmV0\r\n"],
      ["S", "235 Authentication successful\r\n"],
      ["C", "QUIT\r\n"],
      ["S", BYE],
      ["S", "<closed>"],
    ]);
  });
});

/** `before`, then `line` from the client, answered by `reply` (if any) and a close. */
function closedAfter(before: Step[], line: string, reply: string): Step[] {
  return [...before, ["C", line], ...(reply ? [["S", reply] as Step] : []), ["S", "<closed>"]];
}

test("msmtpd transcript: AUTH failures and refusals close the connection", async () => {
  const ehlo: Step[] = [
    ["S", GREETING],
    ["C", "EHLO x\r\n"],
    ["S", "250-localhost\r\n250 AUTH PLAIN\r\n"],
  ];
  const required = "530 Authentication required\r\n";
  await withServer({ auth: AUTH }, async (server) => {
    await runSteps(
      server,
      closedAfter(ehlo, "AUTH PLAIN AHVzZXIAd3Jvbmc=\r\n", "535 Authentication failed\r\n"),
    );
    // (the AUTH delay this failure arms is tested in msmtpd_auth.test.ts)
  });
  await withServer({ auth: AUTH }, async (server) => {
    await runSteps(server, closedAfter(ehlo, "AUTH LOGIN\r\n", required));
    await runSteps(server, closedAfter(ehlo, "MAIL FROM:<a@b.org>\r\n", required));
    await runSteps(server, [
      ["S", GREETING],
      ["C", "HELO x\r\n"],
      ["S", "250 localhost\r\n"],
      ["C", "QUIT\r\n"],
      ["S", BYE],
      ["S", "<closed>"],
    ]);
  });
});

test("msmtpd transcript: errors get one reply and the connection is closed", async () => {
  const helo: Step[] = [["S", GREETING], ["C", "EHLO x\r\n"], ["S", "250 localhost\r\n"]];
  const mail: Step[] = [...helo, ["C", "MAIL FROM:<a@b.org>\r\n"], ["S", OK]];
  const expectedMail = "500 Expected MAIL FROM:<addr> or QUIT\r\n";
  await withRecorder({}, async (server, dir) => {
    await runSteps(server, closedAfter(helo, "VRFY root\r\n", expectedMail));
    await runSteps(server, closedAfter(helo, "RCPT TO:<c@d.org>\r\n", expectedMail));
    await runSteps(server, closedAfter(mail, "DATA\r\n", "500 Expected RCPT TO:<addr>\r\n"));
    await runSteps(
      server,
      closedAfter([["S", GREETING]], "MAIL FROM:<a@b.org>\r\n", "500 Expected EHLO or HELO\r\n"),
    );
    await runSteps(
      server,
      closedAfter(helo, "MAIL FROM:<a@b.org> SIZE=10\r\n", "501 Invalid address\r\n"),
    );
    // 1022 characters in all, plus CRLF: no reply at all.
    await runSteps(server, closedAfter([["S", GREETING]], `EHLO ${"a".repeat(1017)}\r\n`, ""));
    assert.deepEqual(recorded(dir), [], "no command ran");
  });
});

test("msmtpd transcript: inetd, everything on stdin at once (exit status 0)", async () => {
  // The other inetd exit statuses are in msmtpd_cli.test.ts.
  const dir = tempDir();
  try {
    const r = await runCliToEnd(["msmtpd", "--inetd", `--command=${recorderCommand(dir)}`], {
      input: "EHLO host\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nhello\r\n.\r\nQUIT\r\n",
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(
      r.stdout,
      "220 localhost ESMTP msmtpd\r\n250 localhost\r\n250 Ok\r\n250 Ok\r\n354 Send data\r\n" +
        "250 Ok, mail was piped\r\n221 Bye\r\n",
    );
    const [mail] = recorded(dir);
    assert.deepEqual(mail.argv, ["-f", "a@b", "--", "c@d"]);
    assert.equal(
      withoutDate(mail.stdin),
      "Received: from host ([])\r\n\tby [] (msmtpd) with ESMTP;\r\n\t<DATE>\r\nhello\n",
    );
  } finally {
    removeDir(dir);
  }
});
