/**
 * `ServeServer` in-process: nodemailer (pooled connections, DSN options, UTF-8 addresses) and
 * the records it leaves (ESMTP parameters, TLS facts, AUTH), waits by query, the `max` cap,
 * transcripts per message, and the Maildir, mbox and .eml sinks read back by Python's mailbox.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { promisify } from "node:util";
import nodemailer from "nodemailer";
import { ServeServer } from "../mod.ts";
import { WaitTimeoutError } from "../src/sinks/memory.ts";
import { freePort } from "./helpers/cli.ts";
import { connectWhenUp, RawClient } from "./helpers/raw_client.ts";

const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), "serve-lib-"));

/** Writes `script` (pipelined, ending in QUIT) and waits for the server to close the socket. */
function session(port: number, script: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let got = "";
    socket.on("data", (d) => {
      got += d;
      if (/^221 /m.test(got)) socket.end();
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(got));
    socket.write(script);
  });
}

test("an abort while starting (after the first 220): start rejects with its reason and stops what it started", async () => {
  const port = await freePort();
  const starting = new AbortController();
  const started = ServeServer.start({
    smtp: { port },
    tls: { caOut: false },
    signal: starting.signal,
  });
  started.catch(() => {}); // asserted below
  const client = await connectWhenUp(port);
  assert.match(await client.readLine(), /^220 /);
  // Minting and the store are loading now (they begin once that greeting is out).
  const reason = new Error("stopped while starting");
  starting.abort(reason);
  await assert.rejects(started, (e) => e === reason);
  client.close();
  await assert.rejects(RawClient.connect(port), /ECONNREFUSED/, "the listener is closed");
  // Aborted before the call: nothing starts.
  await assert.rejects(
    ServeServer.start({ signal: AbortSignal.abort(reason) }),
    (e) => e === reason,
  );
});

test("nodemailer, pooled over STARTTLS with AUTH: DSN options and UTF-8 addresses land in the records", async () => {
  await using server = await ServeServer.start({
    http: false,
    tls: { caOut: false },
    auth: { users: { carol: "pw" } },
  });
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port: server.port,
    pool: true,
    maxConnections: 1,
    requireTLS: true,
    tls: { ca: [server.caPem!], servername: "localhost" },
    auth: { user: "carol", pass: "pw" },
  });
  try {
    const sent = await Promise.all([1, 2, 3].map((n) =>
      transport.sendMail({
        from: "Renée <renée@exämple.org>",
        to: `zoë${n}@exämple.net`,
        bcc: "hidden@example.net",
        subject: `pooled ${n}`,
        text: "ünïcödé body",
        dsn: {
          id: `env-${n}`,
          return: "headers",
          notify: ["failure", "delay"],
          recipient: "renée@exämple.org",
        },
      })
    ));
    for (const info of sent) assert.match(info.response, /^250 2\.0\.0 /);
    const records = await server.waitForMessages(3, { query: "subject:pooled", timeout: 10_000 });
    assert.equal(new Set(records.map((m) => m.sessionId)).size, 1, "one pooled connection");
    for (const [i, m] of records.entries()) {
      assert.equal(m.from, "renée@exämple.org");
      assert.deepEqual(m.to, [`zoë${i + 1}@exämple.net`, "hidden@example.net"]);
      assert.equal(m.smtpUtf8, true);
      assert.equal(m.mailParams?.RET, "HDRS");
      assert.equal(m.mailParams?.ENVID, `env-${i + 1}`);
      assert.equal(m.rcptParams?.[0].NOTIFY, "FAILURE,DELAY");
      assert.equal(m.authUser, "carol");
      assert.match(m.tlsSession?.version ?? "", /^TLSv1\.[23]$/);
      assert.equal(m.tlsSession?.servername, "localhost");
    }
  } finally {
    transport.close();
  }
});

test("waitForMessages: by query, woken by arrival; a timeout carries what matched", async () => {
  await using server = await ServeServer.start({ http: false, tls: { caOut: false } });
  const waiting = server.waitForMessages(1, { query: "tag:worker7", timeout: 10_000 });
  await session(
    server.port,
    "EHLO x\r\nMAIL FROM:<a@x.org>\r\nRCPT TO:<other@x.org>\r\nDATA\r\nSubject: no\r\n\r\n.\r\n" +
      "MAIL FROM:<a@x.org>\r\nRCPT TO:<me+worker7@x.org>\r\nDATA\r\nSubject: yes\r\n\r\n.\r\nQUIT\r\n",
  );
  const [mine] = await waiting;
  assert.deepEqual(mine.to, ["me+worker7@x.org"]);
  assert.equal(server.messages().length, 2);
  await assert.rejects(
    server.waitForMessages(2, { query: "tag:worker7", timeout: 50 }),
    (e) => e instanceof WaitTimeoutError && e.received.length === 1,
  );
  server.purge();
  assert.equal(server.messages().length, 0);
});

test("max: the oldest message is dropped first; each stored message has its session's transcript", async () => {
  await using server = await ServeServer.start({ http: false, tls: { caOut: false }, max: 2 });
  let script = "EHLO x\r\n";
  for (const n of [1, 2, 3]) {
    script += `MAIL FROM:<a@x.org>\r\nRCPT TO:<r${n}@x.org>\r\nDATA\r\nSubject: ${n}\r\n\r\n.\r\n`;
  }
  await session(server.port, script + "QUIT\r\n");
  await server.waitForMessages(2);
  assert.deepEqual(server.messages().map((m) => m.to[0]), ["r2@x.org", "r3@x.org"]);
  const [newest] = server.store.list();
  const transcript = String(newest.transcript);
  assert.match(transcript, /^S: 220 /);
  assert.match(transcript, /C: RCPT TO:<r3@x\.org>/);
  assert.equal(server.transcripts().length, 1);
});

const MAILBOX_READER = `
import mailbox, sys
kind, path = sys.argv[1], sys.argv[2]
box = mailbox.Maildir(path, create=False) if kind == "maildir" else mailbox.mbox(path, create=False)
for m in box:
    print(m["Return-Path"] or "-", m["Subject"], m.get_payload().strip())
`;

test("sinks: --maildir (tmp -> new), --mbox and --eml-dir get every message; Python mailbox reads them", async () => {
  const maildir = join(dir, "Maildir");
  const mbox = join(dir, "mbox");
  const emlDir = join(dir, "eml");
  await using server = await ServeServer.start({
    http: false,
    tls: { caOut: false },
    maildir,
    mbox,
    emlDir,
  });
  await session(
    server.port,
    "EHLO x\r\nMAIL FROM:<a@x.org>\r\nRCPT TO:<b@x.org>\r\nDATA\r\nSubject: one\r\n\r\nfirst\r\n.\r\n" +
      "MAIL FROM:<c@x.org>\r\nRCPT TO:<d@x.org>\r\nDATA\r\nSubject: two\r\n\r\nsecond\r\n..dot\r\n.\r\nQUIT\r\n",
  );
  await server.waitForMessages(2);
  assert.deepEqual(readdirSync(join(maildir, "tmp")), [], "nothing left in tmp/");
  const md = await run("python3", ["-c", MAILBOX_READER, "maildir", maildir]);
  assert.deepEqual(
    md.stdout.trim().split("\n").sort(),
    [
      "<a@x.org> one first",
      "<c@x.org> two second\n.dot".split("\n")[0],
      ".dot",
    ].sort(),
  );
  const mb = await run("python3", ["-c", MAILBOX_READER, "mbox", mbox]);
  assert.match(mb.stdout, /^- one first\n- two second\n\.dot\n$/);
  const emls = readdirSync(emlDir).filter((f) => f.endsWith(".eml")).sort();
  assert.equal(emls.length, 2);
  const bodies = emls.map((f) => readFileSync(join(emlDir, f), "latin1")).sort();
  assert.deepEqual(bodies, [
    "Subject: one\r\n\r\nfirst\r\n",
    "Subject: two\r\n\r\nsecond\r\n.dot\r\n",
  ], "exact bytes, dot-unstuffed");
});

test("a client that shuts down its side after QUIT still gets the replies written after its FIN", async () => {
  // A file sink makes the delivery outlast the FIN; node:net would end our side on it.
  await using server = await ServeServer.start({
    http: false,
    tls: { caOut: false },
    emlDir: join(dir, "half-close"),
  });
  const replies = await new Promise<string>((resolve, reject) => {
    const socket = connect(server.port, "127.0.0.1");
    let got = "";
    socket.on("data", (d) => got += d);
    socket.on("error", reject);
    socket.on("close", () => resolve(got));
    socket.end(
      "EHLO x\r\nMAIL FROM:<a@x.org>\r\nRCPT TO:<b@x.org>\r\nDATA\r\nSubject: fin\r\n\r\n.\r\nQUIT\r\n",
    );
  });
  assert.match(replies, /^250 2\.0\.0 .*\r\n221 2\.0\.0 Bye\r\n$/m);
  assert.equal(server.messages().length, 1);
});
