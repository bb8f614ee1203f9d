// The one message record and lists of sinks, through the library over real sockets: any sink
// with any persona (smtpmock + an mbox file read back by Python's mailbox, mockmta + the memory
// capture, msmtpd + both), the same record fields from each, and a sink's SmtpError answered
// with its reply by every persona; ESMTP parameters, TLS facts and timestamps on the record.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  MboxSink,
  MockmtaServer,
  MsmtpdServer,
  type ReceivedMessage,
  type Sink,
  SmtpError,
  SmtpmockServer,
} from "../mod.ts";
import { testCerts } from "./helpers/certs.ts";
import { runProcess } from "./helpers/process.ts";
import { RawClient } from "./helpers/raw_client.ts";
import { latin1, readWithPython } from "./helpers/mbox_readers.ts";

const BODY = "Subject: record\r\n\r\nhello\r\n";
const TX = "MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nRCPT TO:<e@f.example>\r\n" +
  `DATA\r\n${BODY}.\r\n`;

/** Sends one message after `HELO client.example` and QUIT; returns every reply. */
async function send(port: number, tx = TX): Promise<string> {
  const c = await RawClient.connect(port);
  await c.send(`HELO client.example\r\n${tx}QUIT\r\n`);
  return c.closed();
}

/** A sink that keeps what it is given. */
function memorySink(): Sink & { got: ReceivedMessage[] } {
  const got: ReceivedMessage[] = [];
  return { got, deliver: (m) => (got.push(m), Promise.resolve({ ok: true })) };
}

function assertRecord(m: ReceivedMessage, persona: string): void {
  assert.equal(m.from, "a@b.example", persona);
  assert.deepEqual(m.to, ["c@d.example", "e@f.example"], persona);
  assert.equal(new TextDecoder().decode(m.data), BODY, persona);
  assert.equal(m.helo, "client.example", persona);
  assert.equal(m.remoteAddress.hostname, "127.0.0.1", persona);
  assert.ok(m.localAddress.port > 0, persona);
  assert.ok(m.receivedAt instanceof Date, persona);
  assert.ok(m.sessionStartedAt instanceof Date, persona);
  assert.ok(m.sessionStartedAt <= m.receivedAt, persona);
  assert.equal(typeof m.sessionId, "number", persona);
  assert.deepEqual(m.mailParams, {}, persona);
  assert.deepEqual(m.rcptParams, [{}, {}], persona);
  assert.equal(m.tls, false, persona);
  assert.equal(m.tlsSession, undefined, persona);
}

test("record: smtpmock hands its messages to an mbox sink (read back by Python's mailbox)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "record-"));
  const mbox = join(dir, "mbox");
  const memory = memorySink();
  const server = await SmtpmockServer.start({
    multipleRcptto: true, // go-smtp-mock keeps only the last recipient otherwise
    sinks: [new MboxSink(mbox), memory],
  });
  try {
    const replies = await send(server.port);
    assert.match(replies, /\r\n250 Received\r\n221 Closing connection\r\n$/);
    const [entry] = await readWithPython(mbox);
    assert.match(entry.from, /^a@b\.example /);
    assert.match(latin1(entry.bytes), /Subject: record\n\nhello\n$/);
    assertRecord(memory.got[0], "smtpmock");
    // go-smtp-mock's own view of the same message, made from the record: one envelope and
    // one copy of the bytes.
    const [view] = server.messages();
    assert.equal(view.from, "a@b.example");
    assert.equal(view.msgRequest, BODY);
    assert.equal(view.to, memory.got[0].to);
    assert.equal(view.raw, memory.got[0].data);
  } finally {
    await server.stop({ force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

test("record: mockmta with the memory capture; msmtpd with an mbox sink and the capture", async () => {
  const dir = mkdtempSync(join(tmpdir(), "record-"));
  const mbox = join(dir, "mbox");
  const mockmta = await MockmtaServer.start();
  const msmtpd = await MsmtpdServer.start({ sinks: [new MboxSink(mbox)] });
  try {
    await send(mockmta.port);
    await send(msmtpd.port);
    const [a] = mockmta.messages();
    assertRecord(a, "mockmta");
    const [b] = msmtpd.messages();
    assertRecord(b, "msmtpd");
    const [entry] = await readWithPython(mbox);
    assert.match(latin1(entry.bytes), /hello\n$/);
    assert.notEqual(a.sessionId, b.sessionId, "session ids are unique in the process");
  } finally {
    await mockmta.stop();
    await msmtpd.stop({ force: true });
    rmSync(dir, { recursive: true, force: true });
  }
});

test("record: a sink's SmtpError is the reply, for every persona; later sinks are not tried", async () => {
  const refuse: Sink = {
    deliver: () => Promise.reject(new SmtpError(552, "Mailbox full", "5.2.2")),
  };
  const after = memorySink();
  const servers = [
    await SmtpmockServer.start({ sinks: [refuse, after] }),
    await MockmtaServer.start({ sinks: [refuse, after] }),
    await MsmtpdServer.start({ sinks: [refuse, after] }),
  ];
  try {
    for (const server of servers) {
      const replies = await send(server.port);
      assert.match(replies, /\r\n552 5\.2\.2 Mailbox full\r\n/, server.constructor.name);
      assert.equal(server.messages().length, 0, `${server.constructor.name}: not accepted`);
    }
    assert.equal(after.got.length, 0);
  } finally {
    for (const server of servers) await server.stop({ force: true });
  }
});

test("record: mockmta keeps the ESMTP parameters of MAIL FROM and of each RCPT TO", async () => {
  const server = await MockmtaServer.start();
  try {
    await send(
      server.port,
      "MAIL FROM:<a@b.example> size=27 BODY=8BITMIME\r\n" +
        "RCPT TO:<c@d.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;c@d.example\r\n" +
        `RCPT TO:<e@f.example>\r\nDATA\r\n${BODY}.\r\n`,
    );
    const [m] = server.messages();
    assert.deepEqual(m.to, ["c@d.example", "e@f.example"]);
    assert.deepEqual(m.mailParams, { SIZE: "27", BODY: "8BITMIME" });
    assert.deepEqual(m.rcptParams, [
      { NOTIFY: "SUCCESS,FAILURE", ORCPT: "rfc822;c@d.example" },
      {},
    ]);
  } finally {
    await server.stop();
  }
});

// Python's smtplib sends SNI with the host it connected to, and never for an IP address: the
// script names the host it expects the certificate for, as a client of `mail.example` would.
const SMTPLIB_STARTTLS = `
import smtplib, ssl, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
s._host = "mail.example"
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
s.ehlo("client.example")
s.starttls(context=ctx)
s.ehlo("client.example")
s.sendmail("a@b.example", ["c@d.example"], b"Subject: tls\\r\\n\\r\\nhi\\r\\n", ["SIZE=24"], ["NOTIFY=NEVER"])
print(s.sock.version(), s.sock.cipher()[0])
s.quit()
`;

test("record: TLS facts of a STARTTLS session (mockmta; Python smtplib with SNI)", async () => {
  // msmtpd has no STARTTLS (neither has the original), so only mockmta can show them.
  const certs = testCerts();
  const server = await MockmtaServer.start({
    tls: { cert: certs.serverCert, key: certs.serverKey },
  });
  try {
    const r = await runProcess("python3", ["-c", SMTPLIB_STARTTLS, String(server.port)]);
    assert.equal(r.code, 0, r.stderr);
    const [version, cipher] = r.stdout.trim().split(" ");
    const [m] = server.messages();
    assert.equal(m.tls, true);
    assert.deepEqual(m.tlsSession, { version, cipher, servername: "mail.example" });
    assert.equal(m.helo, "client.example");
    assert.deepEqual(m.mailParams, { SIZE: "24" });
    assert.deepEqual(m.rcptParams, [{ NOTIFY: "NEVER" }]);
  } finally {
    await server.stop();
  }
});
