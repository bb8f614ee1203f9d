// The serve dialect (src/smtp/esmtp) over the in-memory wire: EHLO and HELO, RFC 5321
// sequencing, every guard and limit, byte for byte.
import { test } from "node:test";
import assert from "node:assert/strict";
import { EHLO_LINES, GREETING, play } from "./helpers/esmtp.ts";
import { memoryContext, MemoryWire, runEngine } from "./helpers/memory_wire.ts";
import { esmtpEngine } from "../src/smtp/esmtp/engine.ts";

const OPEN = [GREETING, ...EHLO_LINES];

test("esmtp EHLO: every extension advertised, in order, SIZE with the limit", async () => {
  const p = await play("EHLO client.example\r\nQUIT\r\n");
  assert.deepEqual(p.lines, [...OPEN, "221 2.0.0 Bye"]);
  assert.equal(p.end, "quit");
  assert.equal(p.wire.closed, true);
});

test("esmtp engine: with no `ended` hook its promise settles once the session has ended", async () => {
  // The engine then hands the server the session's own promise, without a reaction on it.
  for (const ended of [undefined, () => {}]) {
    const wire = new MemoryWire([new TextEncoder().encode("EHLO client.example\r\nQUIT\r\n")]);
    const log: string[] = [];
    const engine = esmtpEngine({}, {
      deliver: () => Promise.resolve({ ok: true }),
      now: () => new Date(),
      ended,
    });
    const settled = await engine(memoryContext(wire, { log: (_, m) => log.push(m) })).then(
      () => ({ closed: wire.closed, ended: log.includes("session ended (quit)") }),
    );
    assert.deepEqual(settled, { closed: true, ended: true }, `ended hook: ${ended !== undefined}`);
  }
});

test("esmtp EHLO: each extension can be disabled; BINARYMIME goes with CHUNKING", async () => {
  const p = await play("EHLO x\r\n", {
    config: { disabled: new Set(["pipelining", "CHUNKING", "DSN"]), maxMessageSize: 1000 },
  });
  assert.deepEqual(p.lines, [
    GREETING,
    "250-localhost",
    "250-SIZE 1000",
    "250-8BITMIME",
    "250-SMTPUTF8",
    "250 ENHANCEDSTATUSCODES",
  ]);
  assert.equal(p.end, "eof");
});

test("esmtp EHLO: STARTTLS only with an upgrade; AUTH only over TLS or when insecure auth is allowed", async () => {
  const upgradeTls = () => Promise.reject(new Error("not used"));
  const tls = await play("EHLO x\r\n", { upgradeTls });
  assert.deepEqual(tls.lines.slice(-2), ["250-DSN", "250 STARTTLS"]);
  const insecure = await play("EHLO x\r\n", { upgradeTls, config: { allowInsecureAuth: true } });
  assert.deepEqual(insecure.lines.slice(-2), ["250-STARTTLS", "250 AUTH PLAIN LOGIN CRAM-MD5"]);
  const some = await play("EHLO x\r\n", {
    config: { allowInsecureAuth: true, authMechanisms: ["CRAM-MD5"], disabled: new Set(["DSN"]) },
  });
  assert.deepEqual(some.lines.slice(-2), ["250-BINARYMIME", "250 AUTH CRAM-MD5"]);
  const off = await play("EHLO x\r\n", {
    upgradeTls,
    config: { allowInsecureAuth: true, disabled: new Set(["AUTH", "STARTTLS"]) },
  });
  assert.deepEqual(off.lines.slice(-1), ["250 DSN"]);
});

test("esmtp HELO: one line, no extensions; their parameters and verbs then refused", async () => {
  const p = await play(
    "HELO client.example\r\n" +
      "MAIL FROM:<a@b.example> SIZE=10\r\n" +
      "MAIL FROM:<a@b.example>\r\n" +
      "RCPT TO:<c@d.example> NOTIFY=NEVER\r\n" +
      "BDAT 3 LAST\r\nabc" +
      "AUTH PLAIN\r\n" +
      "RCPT TO:<c@d.example>\r\nDATA\r\nhi\r\n.\r\nQUIT\r\n",
    { config: { allowInsecureAuth: true } },
  );
  assert.deepEqual(p.lines, [
    GREETING,
    "250 localhost",
    "555 5.5.4 Unsupported option: SIZE",
    "250 2.1.0 Ok",
    "555 5.5.4 Unsupported option: NOTIFY",
    "503 5.5.1 Error: send EHLO first",
    "503 5.5.1 Error: send EHLO first",
    "250 2.1.5 Ok",
    "354 End data with <CR><LF>.<CR><LF>",
    "250 2.0.0 Ok: queued as ID1",
    "221 2.0.0 Bye",
  ]);
  assert.equal(p.messages.length, 1);
  assert.equal(p.messages[0].heloVerb, "HELO");
  assert.equal(p.messages[0].helo, "client.example");
});

test("esmtp sequencing: out-of-order commands, byte for byte", async () => {
  const p = await play(
    "MAIL FROM:<a@b.example>\r\n" +
      "RCPT TO:<c@d.example>\r\n" +
      "DATA\r\n" +
      "EHLO\r\nHELO\r\n" +
      "EHLO x\r\n" +
      "RCPT TO:<c@d.example>\r\n" +
      "DATA\r\n" +
      "MAIL FROM:<a@b.example>\r\n" +
      "MAIL FROM:<a@b.example>\r\n" +
      "DATA\r\n" +
      "RSET x\r\nRSET\r\n" +
      "RCPT TO:<c@d.example>\r\n" +
      "NOOP anything\r\nVRFY\r\nVRFY someone\r\nEXPN list\r\nHELP\r\nDATA x\r\n" +
      "QUIT now\r\nQUIT\r\nNOOP\r\n",
    { config: { maxErrors: 0 } },
  );
  assert.deepEqual(p.lines, [
    GREETING,
    "503 5.5.1 Error: send HELO/EHLO first",
    "503 5.5.1 Error: send HELO/EHLO first",
    "503 5.5.1 Error: send HELO/EHLO first",
    "501 5.5.4 Syntax: EHLO hostname",
    "501 5.5.4 Syntax: HELO hostname",
    ...EHLO_LINES,
    "503 5.5.1 Error: need MAIL command",
    "503 5.5.1 Error: need MAIL command",
    "250 2.1.0 Ok",
    "503 5.5.1 Error: nested MAIL command",
    "503 5.5.1 Error: need RCPT command",
    "501 5.5.4 Syntax: RSET",
    "250 2.0.0 Ok",
    "503 5.5.1 Error: need MAIL command",
    "250 2.0.0 Ok",
    "501 5.5.4 Syntax: VRFY address",
    "252 2.5.0 Cannot VRFY user, but will accept message and attempt delivery",
    "502 5.5.1 Error: command not implemented",
    "214 2.0.0 Commands: HELO EHLO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY AUTH STARTTLS",
    "501 5.5.4 Syntax: DATA",
    "501 5.5.4 Syntax: QUIT",
    "221 2.0.0 Bye",
  ]);
  assert.equal(p.end, "quit");
});

test("esmtp sequencing: a later EHLO resets the transaction", async () => {
  const p = await play(
    "EHLO x\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nEHLO y\r\nDATA\r\n",
  );
  assert.deepEqual(p.lines.slice(-1), ["503 5.5.1 Error: need MAIL command"]);
});

test("esmtp addresses: syntax, null sender, source route, postmaster, UTF-8 only with SMTPUTF8", async () => {
  const p = await play(
    "EHLO x\r\n" +
      "MAIL FROM:a@b.example\r\n" +
      "MAIL TO:<a@b.example>\r\n" +
      "MAIL FROM:<a@b.example\r\n" +
      "MAIL FROM:<a@>\r\n" +
      "MAIL FROM:<a..b@c.example>\r\n" +
      "MAIL FROM:<jörg@b.example>\r\n" +
      "MAIL FROM:<>\r\nRSET\r\n" +
      "mail from: <@relay.example:a@b.example>\r\n" +
      "RCPT TO:<>\r\n" +
      "RCPT TO:<Postmaster>\r\n" +
      "RCPT TO:<postmaster@b.example>\r\n" +
      "RCPT TO:<用户@例子.广告>\r\n" +
      'RCPT TO:<"quoted local"@b.example>\r\n' +
      "RCPT TO:<x@[192.0.2.1]>\r\n" +
      "RCPT TO:<x@-bad.example>\r\n" +
      "RSET\r\n" +
      "MAIL FROM:<jörg@b.example> SMTPUTF8\r\n" +
      "RCPT TO:<用户@例子.广告>\r\nDATA\r\nx\r\n.\r\n",
  );
  assert.deepEqual(p.lines.slice(EHLO_LINES.length + 1), [
    "501 5.5.4 Syntax: MAIL FROM:<address>",
    "501 5.5.4 Syntax: MAIL FROM:<address>",
    "501 5.5.4 Syntax: MAIL FROM:<address>",
    "501 5.1.7 Bad sender address syntax",
    "501 5.1.7 Bad sender address syntax",
    "553 5.6.7 Non-ASCII sender address requires SMTPUTF8",
    "250 2.1.0 Ok",
    "250 2.0.0 Ok",
    "250 2.1.0 Ok",
    "501 5.1.3 Bad recipient address syntax",
    "250 2.1.5 Ok",
    "250 2.1.5 Ok",
    "553 5.6.7 Non-ASCII recipient address requires SMTPUTF8",
    "250 2.1.5 Ok",
    "250 2.1.5 Ok",
    "501 5.1.3 Bad recipient address syntax",
    "250 2.0.0 Ok",
    "250 2.1.0 Ok",
    "250 2.1.5 Ok",
    "354 End data with <CR><LF>.<CR><LF>",
    "250 2.0.0 Ok: queued as ID1",
  ]);
  const [m] = p.messages;
  assert.equal(m.from, "jörg@b.example");
  assert.deepEqual(m.to, ["用户@例子.广告"]);
  assert.equal(m.smtpUtf8, true);
  assert.deepEqual(m.mailParams, { SMTPUTF8: true });
});

test("esmtp limits: recipients past the limit get 452 4.5.3 and are not counted as errors", async () => {
  const rcpts = Array.from({ length: 4 }, (_, i) => `RCPT TO:<r${i}@b.example>\r\n`).join("");
  const p = await play(`EHLO x\r\nMAIL FROM:<a@b.example>\r\n${rcpts}DATA\r\nx\r\n.\r\n`, {
    config: { maxRecipients: 2, maxErrors: 1 },
  });
  assert.deepEqual(p.lines.slice(EHLO_LINES.length + 2), [
    "250 2.1.5 Ok",
    "250 2.1.5 Ok",
    "452 4.5.3 Error: too many recipients",
    "452 4.5.3 Error: too many recipients",
    "354 End data with <CR><LF>.<CR><LF>",
    "250 2.0.0 Ok: queued as ID1",
  ]);
  assert.deepEqual(p.messages[0].to, ["r0@b.example", "r1@b.example"]);
});

test("esmtp limits: a command line past the cap is dropped whole and answered once", async () => {
  const long = `NOOP ${"x".repeat(600)}\r\n`;
  const p = await play(`EHLO x\r\n${long}NOOP\r\n`, {
    config: { maxCommandLine: 512 },
    chunks: undefined,
  });
  assert.deepEqual(p.lines.slice(-2), ["500 5.5.2 Error: line too long", "250 2.0.0 Ok"]);
  // A line of exactly the cap, CRLF included, is a command.
  const exact = `NOOP ${"x".repeat(512 - 7)}\r\n`;
  const q = await play(exact, { config: { maxCommandLine: 512 } });
  assert.deepEqual(q.lines, [GREETING, "250 2.0.0 Ok"]);
});

test("esmtp guard: unknown-command storm ends with 421 4.7.0 after maxErrors refusals", async () => {
  const p = await play("FOO\r\nBAR\r\nBAZ\r\nQUIT\r\n", { config: { maxErrors: 2 } });
  assert.deepEqual(p.lines, [
    GREETING,
    "500 5.5.2 Error: command not recognized",
    "500 5.5.2 Error: command not recognized",
    "421 4.7.0 localhost Error: too many errors",
  ]);
  assert.equal(p.end, "errors");
  assert.equal(p.wire.closed, true);
  // 0: no budget at all.
  const q = await play("FOO\r\n".repeat(30) + "QUIT\r\n", { config: { maxErrors: 0 } });
  assert.equal(q.lines.length, 32);
  assert.equal(q.end, "quit");
});

test("esmtp guard: an HTTP request on the SMTP port gets 554 5.7.0 and the connection closes", async () => {
  for (const verb of ["GET", "POST", "HEAD", "CONNECT", "PUT", "OPTIONS"]) {
    const p = await play(`${verb} / HTTP/1.1\r\nHost: localhost\r\n\r\n`);
    assert.deepEqual(p.lines, [
      GREETING,
      "554 5.7.0 Error: HTTP requests are not accepted on an SMTP port",
    ]);
    assert.equal(p.end, "http");
    assert.equal(p.wire.closed, true);
  }
  // Also in the middle of a session; a lower-case `get` is just an unknown command.
  const p = await play("EHLO x\r\nget /\r\nPOST /api HTTP/1.1\r\nQUIT\r\n");
  assert.deepEqual(p.lines.slice(-2), [
    "500 5.5.2 Error: command not recognized",
    "554 5.7.0 Error: HTTP requests are not accepted on an SMTP port",
  ]);
});

test("esmtp ENHANCEDSTATUSCODES disabled: the same replies without enhanced codes", async () => {
  const p = await play("EHLO x\r\nMAIL FROM:<a@b.example>\r\nFOO\r\nQUIT\r\n", {
    config: { disabled: new Set(["ENHANCEDSTATUSCODES"]) },
  });
  assert.deepEqual(p.lines.slice(-3), [
    "250 Ok",
    "500 Error: command not recognized",
    "221 Bye",
  ]);
  assert.ok(!p.lines.includes("250-ENHANCEDSTATUSCODES"));
});

test("esmtp requireTls: only EHLO, HELO, STARTTLS, NOOP, RSET, HELP, QUIT before TLS", async () => {
  const p = await play(
    "EHLO x\r\nMAIL FROM:<a@b.example>\r\nVRFY a\r\nAUTH PLAIN\r\nBDAT 3\r\nabcNOOP\r\nRSET\r\nFOO\r\n",
    { config: { requireTls: true } },
  );
  assert.deepEqual(p.lines.slice(EHLO_LINES.length + 1), [
    "530 5.7.0 Must issue a STARTTLS command first",
    "530 5.7.0 Must issue a STARTTLS command first",
    "530 5.7.0 Must issue a STARTTLS command first",
    "530 5.7.0 Must issue a STARTTLS command first",
    "250 2.0.0 Ok",
    "250 2.0.0 Ok",
    "500 5.5.2 Error: command not recognized",
  ]);
});

test("esmtp requireAuth: MAIL before AUTH gets 530 5.7.0", async () => {
  const p = await play("EHLO x\r\nMAIL FROM:<a@b.example>\r\n", { config: { requireAuth: true } });
  assert.deepEqual(p.lines.slice(-1), ["530 5.7.0 Authentication required"]);
});

test("esmtp stopping: the next command gets 421 4.3.2 and the session ends", async () => {
  const stop = new AbortController();
  stop.abort();
  const { esmtpEngine } = await import("../src/smtp/esmtp/engine.ts");
  const { MemoryWire, memoryContext } = await import("./helpers/memory_wire.ts");
  const wire = new MemoryWire([new TextEncoder().encode("EHLO x\r\n")]);
  const ctx = { ...memoryContext(wire), stopping: stop.signal };
  await esmtpEngine({}, { deliver: () => Promise.resolve({ ok: true }), now: () => new Date() })(
    ctx,
  );
  assert.equal(
    new TextDecoder().decode(wire.written),
    `${GREETING}\r\n421 4.3.2 localhost Service shutting down\r\n`,
  );
  assert.equal(wire.closed, true);
});

/** A client that waits for the greeting: its first read is answered once a reply is written. */
class PoliteWire extends MemoryWire {
  #greeted!: () => void;
  readonly #greeting = new Promise<void>((resolve) => this.#greeted = resolve);

  override read(): Promise<Uint8Array | null> {
    return this.#greeting.then(() => super.read());
  }

  override write(data: Uint8Array): Promise<void> {
    this.#greeted();
    return super.write(data);
  }
}

test("esmtp guard: early talkers refused with 421 4.7.0 under the reject policy only", async () => {
  const input = new TextEncoder().encode("EHLO x\r\nQUIT\r\n");
  const early = await play(input, { config: { earlyTalkers: "reject" } });
  assert.deepEqual(early.lines, [
    GREETING,
    "421 4.7.0 localhost Error: talked before the greeting",
  ]);
  assert.equal(early.end, "early");
  assert.equal(early.wire.closed, true);
  // The same bytes after the greeting are fine.
  const polite = new PoliteWire([input]);
  const { esmtpEngine } = await import("../src/smtp/esmtp/engine.ts");
  const run = await runEngine(
    esmtpEngine({ earlyTalkers: "reject" }, {
      deliver: () => Promise.resolve({ ok: true }),
      now: () => new Date(),
    }),
    polite,
  );
  assert.deepEqual(run.outcome, { kind: "resolved" });
  const lines = new TextDecoder().decode(polite.written).split("\r\n");
  assert.deepEqual([lines[0], lines.at(-2)], [GREETING, "221 2.0.0 Bye"]);
  // Accepted by default (lint reports it).
  const accepted = await play(input);
  assert.equal(accepted.end, "quit");
});
