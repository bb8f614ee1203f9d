// The transcripts of spec smtpmock.md §11, recorded from go-smtp-mock, replayed byte for byte.
import { test } from "node:test";
import assert from "node:assert/strict";
import { INVALID, R221, R250, R354, runTranscript } from "./helpers/smtpmock.ts";

const W = "220 Welcome\r\n";
type Steps = Array<["C" | "S", string]>;

/** Greeting, EHLO, MAIL a@, RCPT b@: the start most transcripts share. */
const ENVELOPE: Steps = [
  ["S", W],
  ["C", "EHLO example.com\r\n"],
  ["S", R250],
  ["C", "MAIL FROM:<a@example.com>\r\n"],
  ["S", R250],
  ["C", "RCPT TO:<b@example.com>\r\n"],
  ["S", R250],
];

test("smtpmock transcript: happy path, message recorded", async () => {
  const server = await runTranscript([
    ["S", W],
    ["C", "EHLO example.com\r\n"],
    ["S", R250],
    ["C", "MAIL FROM:<sender@example.com>\r\n"],
    ["S", R250],
    ["C", "RCPT TO:<rcpt@example.com>\r\n"],
    ["S", R250],
    ["C", "DATA\r\n"],
    ["S", R354],
    ["C", "Subject: hi\r\n\r\nhello\r\n..leading dot\r\n.\r\n"],
    ["S", R250],
    ["C", "QUIT\r\n"],
    ["S", R221],
    ["S", "<closed>"],
  ]);
  const [m] = server.messages();
  assert.equal(m.msgRequest, "Subject: hi\r\n\r\nhello\r\n.leading dot\r\n");
  assert.equal(m.from, "sender@example.com");
  assert.deepEqual(m.to, ["rcpt@example.com"]);
  assert.equal(m.heloRequest, "EHLO example.com");
  assert.equal(m.isConsistent, true);
  assert.deepEqual(m.rcpttoRequestResponse, [["RCPT TO:<rcpt@example.com>", "250 Received"]]);
});

test("smtpmock transcript: sequence errors before HELO", async () => {
  await runTranscript([
    ["S", W],
    ["C", "MAIL FROM:<a@example.com>\r\n"],
    ["S", "503 Bad sequence of commands. MAIL FROM should be used after HELO\r\n"],
    ["C", "RCPT TO:<b@example.com>\r\n"],
    ["S", "503 Bad sequence of commands. RCPT TO should be used after MAIL FROM\r\n"],
    ["C", "DATA\r\n"],
    ["S", "503 Bad sequence of commands. DATA should be used after RCPT TO\r\n"],
    ["C", "RSET\r\n"],
    ["S", "503 Bad sequence of commands. HELO should be the first\r\n"],
    ["C", "NOOP\r\n"],
    ["S", "250 Ok\r\n"],
    ["C", "QUIT\r\n"],
    ["S", R221],
    ["S", "<closed>"],
  ]);
});

test("smtpmock transcript: bad arguments", async () => {
  await runTranscript([
    ["S", W],
    ["C", "HELO\r\n"],
    ["S", "501 HELO requires domain address or valid address literal\r\n"],
    ["C", "EHLO example\r\n"],
    ["S", "501 HELO requires domain address or valid address literal\r\n"],
    ["C", "EHLO example.com\r\n"],
    ["S", R250],
    ["C", "MAIL FROM:<>\r\n"],
    ["S", "501 MAIL FROM requires valid email address\r\n"],
    ["C", "MAIL FROM:<a@example.com> SIZE=100\r\n"],
    ["S", "501 MAIL FROM requires valid email address\r\n"],
    ["C", "MAIL FROM:<a@example.com>\r\n"],
    ["S", R250],
    ["C", "RCPT TO:<postmaster>\r\n"],
    ["S", "501 RCPT TO requires valid email address\r\n"],
    ["C", "RCPT TO:<b@example.com>\r\n"],
    ["S", R250],
    ["C", "DATA foo\r\n"],
    ["S", INVALID],
    ["C", "RSET foo\r\n"],
    ["S", INVALID],
  ]);
});

test("smtpmock transcript: unknown and silently ignored commands", async () => {
  const steps: Array<["C" | "S", string]> = [["S", W]];
  for (const cmd of ["VRFY user", "EXPN list", "HELP", "STARTTLS", "AUTH PLAIN AGFAYg==", ""]) {
    steps.push(["C", cmd + "\r\n"], ["S", INVALID]);
  }
  // No reply to these three: the next bytes on the wire are NOOP's reply.
  steps.push(["C", "NOOP foo\r\n"], ["C", "QUIT now\r\n"], ["C", "FOO data\r\n"]);
  steps.push(["C", "NOOP\r\n"], ["S", "250 Ok\r\n"]);
  await runTranscript(steps);
});

test("smtpmock transcript: blacklists and not registered", async () => {
  await runTranscript([
    ["S", W],
    ["C", "EHLO bad.com\r\n"],
    ["S", "421 Service not available\r\n"],
    ["C", "EHLO example.com\r\n"],
    ["S", R250],
    ["C", "MAIL FROM:<spam@example.com>\r\n"],
    ["S", "421 Service not available\r\n"],
    ["C", "MAIL FROM:<a@example.com>\r\n"],
    ["S", R250],
    ["C", "RCPT TO:<blocked@example.com>\r\n"],
    ["S", "421 Service not available\r\n"],
    ["C", "RCPT TO:<nobody@example.com>\r\n"],
    ["S", "550 User not found\r\n"],
    ["C", "DATA\r\n"],
    ["S", "503 Bad sequence of commands. DATA should be used after RCPT TO\r\n"],
    ["C", "RCPT TO:<ok@example.com>\r\n"],
    ["S", R250],
    ["C", "DATA\r\n"],
    ["S", R354],
    ["C", "x\r\n.\r\n"],
    ["S", R250],
    ["C", "QUIT\r\n"],
    ["S", R221],
    ["S", "<closed>"],
  ], {
    blacklistedHeloDomains: ["bad.com"],
    blacklistedMailfromEmails: ["spam@example.com"],
    blacklistedRcpttoEmails: ["blocked@example.com"],
    notRegisteredEmails: ["nobody@example.com"],
  });
});

test("smtpmock transcript: size limit, rest of body read as commands", async () => {
  await runTranscript([
    ...ENVELOPE,
    ["C", "DATA\r\n"],
    ["S", R354],
    ["C", "0123456789\r\n"],
    ["S", "552 Message exceeded max size of 5 bytes\r\n"],
    ["C", "more\r\n"],
    ["S", INVALID],
    ["C", ".\r\n"],
    ["S", INVALID],
    ["C", "QUIT\r\n"],
    ["S", R221],
    ["S", "<closed>"],
  ], { msgSizeLimit: 5 });
});

test("smtpmock transcript: RSET without multipleMessageReceiving", async () => {
  await runTranscript([
    ...ENVELOPE,
    ["C", "DATA\r\n"],
    ["S", R354],
    ["C", "x\r\n.\r\n"],
    ["S", R250],
    ["C", "RSET\r\n"],
    ["S", "250 Ok\r\n"],
    ["C", "DATA\r\n"],
    ["S", "503 Bad sequence of commands. DATA should be used after RCPT TO\r\n"],
    ["C", "RCPT TO:<b@example.com>\r\n"],
    ["S", "503 Bad sequence of commands. RCPT TO should be used after MAIL FROM\r\n"],
    ["C", "MAIL FROM:<a@example.com>\r\n"],
    ["S", R250],
    ["C", "QUIT\r\n"],
    ["S", R221],
    ["S", "<closed>"],
  ]);
});

test("smtpmock transcript: two messages with multipleMessageReceiving", async () => {
  const server = await runTranscript([
    ...ENVELOPE,
    ["C", "DATA\r\n"],
    ["S", R354],
    ["C", "first\r\n.\r\n"],
    ["S", R250],
    ["C", "RSET\r\n"],
    ["S", "250 Ok\r\n"],
    ["C", "MAIL FROM:<c@example.com>\r\n"],
    ["S", R250],
    ["C", "RCPT TO:<d@example.com>\r\n"],
    ["S", R250],
    ["C", "DATA\r\n"],
    ["S", R354],
    ["C", "second\r\n.\r\n"],
    ["S", R250],
    ["C", "QUIT\r\n"],
    ["S", R221],
    ["S", "<closed>"],
  ], { multipleMessageReceiving: true });
  assert.deepEqual(server.messages().map((m) => m.msgRequest), ["first\r\n", "second\r\n"]);
  await server.idle();
  // go-smtp-mock's records: the first message at the second MAIL, the second at the end.
  assert.deepEqual(server.sessions().map((m) => m.msgRequest), ["first\r\n", "second\r\n"]);
  assert.equal(server.sessions()[0].rset, true);
});

test("smtpmock transcript: multipleRcptto with one unknown recipient", async () => {
  const server = await runTranscript([
    ...ENVELOPE,
    ["C", "RCPT TO:<nobody@example.com>\r\n"],
    ["S", "550 User not found\r\n"],
    ["C", "DATA\r\n"],
    ["S", R354],
    ["C", ".\r\n"],
    ["S", R250],
    ["C", "QUIT\r\n"],
    ["S", R221],
    ["S", "<closed>"],
  ], { multipleRcptto: true, notRegisteredEmails: ["nobody@example.com"] });
  assert.deepEqual(server.messages()[0].to, ["b@example.com"]);
  assert.equal(server.messages()[0].rcpttoRequestResponse.length, 2);
});

test("smtpmock transcript: failFast", async () => {
  await runTranscript([
    ["S", W],
    ["C", "FOO\r\n"],
    ["S", INVALID],
    ["C", "EHLO example.com\r\n"],
    ["S", R250],
    ["C", "MAIL FROM:<bad>\r\n"],
    ["S", "501 MAIL FROM requires valid email address\r\n"],
    ["S", "<closed>"],
  ], { failFast: true });
});

test("smtpmock transcript: pipelined commands in one write", async () => {
  await runTranscript([
    ["S", W],
    [
      "C",
      "EHLO x.com\r\nMAIL FROM:<a@b.com>\r\nRCPT TO:<c@d.com>\r\nDATA\r\nbody\r\n.\r\nQUIT\r\n",
    ],
    ["S", R250 + R250 + R250 + R354 + R250 + R221],
    ["S", "<closed>"],
  ]);
});
