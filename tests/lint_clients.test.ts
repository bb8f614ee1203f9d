// Client lint against what real, well-behaved clients send by default: swaks, Python smtplib
// with email.message, nodemailer, msmtp (which pipelines where PIPELINING is offered: mockmta)
// and curl, each to each clone in-process with `lint: true`. None may produce an `error`; the
// warnings they do produce are exactly those docs/lint.md lists ("Real clients").
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { Buffer } from "node:buffer";
import nodemailer from "nodemailer";
import {
  assertNoLint,
  type FindingId,
  MockmtaServer,
  MsmtpdServer,
  type SessionSummary,
  SmtpmockServer,
} from "../mod.ts";
import { run } from "./helpers/mbox_readers.ts";

/** Python's smtplib sending an email.message: argv port, body text, set_content's extra args. */
const PYTHON = `
import smtplib, sys
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
m = EmailMessage()
m["From"] = "python@example.org"
m["To"] = "to@example.net"
m["Subject"] = "Grüße from smtplib"
if len(sys.argv) < 5:
    m["Date"] = formatdate()
    m["Message-ID"] = make_msgid()
m.set_content(sys.argv[2], **eval(sys.argv[3]))
with smtplib.SMTP("127.0.0.1", int(sys.argv[1])) as s:
    s.send_message(m)
`;

const python = async (port: number, body: string, contentArgs = "{}", bare = false) =>
  (await run("python3", ["-c", PYTHON, String(port), body, contentArgs, ...(bare ? ["bare"] : [])]))
    .code;

const CURL_MESSAGE = "From: curl@example.org\r\nTo: to@example.net\r\nSubject: curl\r\n" +
  "Date: Tue, 01 Dec 2026 10:00:00 +0000\r\nMessage-ID: <curl.1@example.org>\r\n\r\n" +
  "hello from curl\r\n";

/** Each client sends one message to `port`; the value is its exit status (0 = sent). */
const CLIENTS: Record<
  string,
  (port: number, dir: string, clone: string) => Promise<number | null>
> = {
  swaks: async (port, _dir, clone) =>
    (await run("swaks", [
      "--server",
      `127.0.0.1:${port}`,
      // go-smtp-mock refuses a HELO name without a dot, such as this machine's hostname.
      ...(clone === "smtpmock" ? ["--helo", "client.example.com"] : []),
      "--from",
      "swaks@example.org",
      "--to",
      "to@example.net",
    ])).code,
  python: (port) => python(port, "hello from smtplib\n.a line with a leading dot\n"),
  nodemailer: async (port) => {
    const transport = nodemailer.createTransport({ host: "127.0.0.1", port, ignoreTLS: true });
    await transport.sendMail({
      from: "nodemailer@example.org",
      to: "to@example.net",
      subject: "Grüße from nodemailer",
      text: "hello from nodemailer, déjà vu",
      attachments: [{ filename: "a.bin", content: Buffer.from([0, 1, 2, 255]) }],
    });
    transport.close();
    return 0;
  },
  msmtp: async (port) =>
    (await run(
      "msmtp",
      [`--host=127.0.0.1`, `--port=${port}`, "--from=msmtp@example.org", "to@example.net"],
      new TextEncoder().encode("Subject: msmtp\n\nhello from msmtp\n"),
    )).code,
  curl: async (port, dir) => {
    const file = path.join(dir, "curl.eml");
    writeFileSync(file, CURL_MESSAGE);
    return (await run("curl", [
      "-sS",
      `smtp://127.0.0.1:${port}`,
      "--mail-from",
      "curl@example.org",
      "--mail-rcpt",
      "to@example.net",
      "--upload-file",
      file,
    ])).code;
  },
};

/** The warnings each client trips by default (docs/lint.md says why). */
const EXPECTED_WARNINGS: Record<string, FindingId[]> = {
  swaks: [],
  python: [],
  nodemailer: ["no-quit"], // its transport closes after the message without QUIT
  msmtp: [],
  curl: [],
};

/** The clones, each started with lint on and `onSessionEnd`. */
const CLONES = {
  mockmta: (onSessionEnd: (s: SessionSummary) => void) =>
    MockmtaServer.start({ lint: { onSessionEnd } }),
  smtpmock: (onSessionEnd: (s: SessionSummary) => void) =>
    SmtpmockServer.start({ lint: { onSessionEnd } }),
  msmtpd: (onSessionEnd: (s: SessionSummary) => void) =>
    MsmtpdServer.start({ lint: { onSessionEnd } }),
};

for (const [clone, start] of Object.entries(CLONES)) {
  for (const [name, send] of Object.entries(CLIENTS)) {
    test(`lint: ${name}'s defaults give no error finding (${clone})`, async () => {
      const dir = mkdtempSync(path.join(tmpdir(), "lint-clients-"));
      const summaries: SessionSummary[] = [];
      const server = await start((s) => summaries.push(s));
      try {
        assert.equal(await send(server.port, dir, clone), 0, `${name} sent the message`);
        const [message] = await server.waitForMessages(1, { timeout: 20_000 });
        await server.idle();
        assert.ok(message.lint, "the record has its findings");
        assertNoLint(message);
        assert.equal(summaries.length, 1);
        const summary = summaries[0];
        assert.deepEqual(Object.keys(summary.counts), EXPECTED_WARNINGS[name], summary.line);
        assert.doesNotMatch(summary.line, /error/);
      } finally {
        await server.stop({ force: true });
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
}

test("lint: smtplib's send_message of 8-bit text is an error (no BODY=8BITMIME); quoted-printable is not", async () => {
  await using server = await MockmtaServer.start({ lint: true });
  // email.message picks Content-Transfer-Encoding 8bit for UTF-8 text, and send_message adds
  // BODY=8BITMIME only with SMTPUTF8: 8-bit data to a server that never offered 8BITMIME.
  assert.equal(await python(server.port, "déjà vu\n"), 0);
  assert.equal(await python(server.port, "déjà vu\n", '{"cte": "quoted-printable"}'), 0);
  const [eightBit, quoted] = await server.waitForMessages(2, { timeout: 20_000 });
  assert.deepEqual(eightBit.lint!.map((f) => f.id), ["8bit-without-8bitmime"]);
  assert.match(eightBit.lint![0].evidence, /"d\\xc3\\xa9j\\xc3\\xa0 vu\\r\\n"/);
  assert.throws(() => assertNoLint(eightBit), /8bit-without-8bitmime/);
  assert.deepEqual(quoted.lint, []);
});

test("lint: an email.message without Date and Message-ID (Python adds neither)", async () => {
  await using server = await MockmtaServer.start({ lint: true });
  assert.equal(await python(server.port, "hello\n", "{}", true), 0);
  const [message] = await server.waitForMessages(1, { timeout: 20_000 });
  assert.deepEqual(message.lint!.map((f) => [f.id, f.severity]), [
    ["missing-date", "error"],
    ["missing-message-id", "warning"],
  ]);
});
