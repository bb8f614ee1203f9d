// Message content in the serve dialect: DATA (CRLF.CRLF only, dot-unstuffing, smuggling),
// BDAT (RFC 3030), size and line limits, the bare line ending policy, the `dot` gate and
// what a failing delivery answers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SmtpError } from "../src/smtp/error.ts";
import { EHLO_LINES, latin1, NOW, play } from "./helpers/esmtp.ts";
import { LOCAL, REMOTE } from "./helpers/memory_wire.ts";

const ENVELOPE = "EHLO client.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n";
const text = (b: Uint8Array) => new TextDecoder().decode(b);
/** Reply lines after the greeting, the EHLO reply and the MAIL and RCPT replies. */
const after = (lines: string[]) => lines.slice(EHLO_LINES.length + 3);

test("esmtp DATA: dot-unstuffing, line endings kept, the whole record", async () => {
  const p = await play(`${ENVELOPE}DATA\r\nSubject: x\r\n\r\n..leading dot\r\n.\r\nQUIT\r\n`);
  assert.deepEqual(after(p.lines), [
    "354 End data with <CR><LF>.<CR><LF>",
    "250 2.0.0 Ok: queued as ID1",
    "221 2.0.0 Bye",
  ]);
  assert.equal(p.messages.length, 1);
  const m = p.messages[0];
  assert.equal(text(m.data), "Subject: x\r\n\r\n.leading dot\r\n");
  assert.equal(typeof m.sessionId, "number");
  assert.deepEqual({ ...m, data: null, sessionId: 0 }, {
    sessionId: 0,
    from: "a@b.example",
    to: ["c@d.example"],
    mailParams: {},
    rcptParams: [{}],
    data: null,
    helo: "client.example",
    heloVerb: "EHLO",
    remoteAddress: REMOTE,
    localAddress: LOCAL,
    receivedAt: NOW,
    sessionStartedAt: NOW,
    tls: false,
    transport: "DATA",
    smtpUtf8: false,
  });
});

test("esmtp DATA: an empty message, and two messages in one session", async () => {
  const p = await play(
    `${ENVELOPE}DATA\r\n.\r\nMAIL FROM:<>\r\nRCPT TO:<e@d.example>\r\nDATA\r\nb\r\n.\r\n`,
  );
  assert.deepEqual(p.messages.map((m) => [m.from, text(m.data)]), [["a@b.example", ""], [
    "",
    "b\r\n",
  ]]);
  assert.deepEqual(p.lines.slice(-1), ["250 2.0.0 Ok: queued as ID2"]);
});

test("esmtp DATA: smuggling variants never end the message nor start a second one", async () => {
  const smuggled =
    "MAIL FROM:<evil@x.example>\r\nRCPT TO:<victim@y.example>\r\nDATA\r\nsmuggled\r\n";
  const variants = [
    "\n.\n",
    "\r.\r\n",
    "\n.\r\n",
    "\r\n.\n",
    "\r\n\x00.\r\n",
    "\r\n.\r",
    "\r\n .\r\n",
    "\r\n.\r\r\n",
    "\n.\n\r\n",
  ];
  for (const v of variants) {
    const p = await play(latin1(`${ENVELOPE}DATA\r\nfirst${v}${smuggled}.\r\nQUIT\r\n`));
    assert.equal(p.messages.length, 1, JSON.stringify(v));
    assert.ok(text(p.messages[0].data).includes("RCPT TO:<victim@y.example>"), JSON.stringify(v));
    assert.deepEqual(after(p.lines), [
      "354 End data with <CR><LF>.<CR><LF>",
      "250 2.0.0 Ok: queued as ID1",
      "221 2.0.0 Bye",
    ], JSON.stringify(v));
  }
});

test("esmtp DATA: the input ending inside the body gives no message", async () => {
  const p = await play(`${ENVELOPE}DATA\r\nunfinished\r\n.`);
  assert.equal(p.messages.length, 0);
  assert.equal(p.end, "eof");
});

test("esmtp DATA: past the size limit the rest is drained, 552 5.3.4, the session goes on", async () => {
  const big = "x".repeat(98) + "\r\n";
  const p = await play(`${ENVELOPE}DATA\r\n${big.repeat(3)}.\r\nNOOP\r\n`, {
    config: { maxMessageSize: 250 },
  });
  assert.deepEqual(after(p.lines), [
    "354 End data with <CR><LF>.<CR><LF>",
    "552 5.3.4 Error: message size exceeds fixed maximum message size",
    "250 2.0.0 Ok",
  ]);
  assert.equal(p.messages.length, 0);
  // The limit itself is fine.
  const q = await play(`${ENVELOPE}DATA\r\n${big.repeat(2)}xxxxxxxx\r\n.\r\n`, {
    config: { maxMessageSize: 210 },
  });
  assert.equal(q.messages[0].data.length, 210);
});

test("esmtp DATA: a line over maxDataLine refuses the message with 500 5.5.2", async () => {
  const p = await play(`${ENVELOPE}DATA\r\nshort\r\n${"y".repeat(50)}\r\n.\r\nNOOP\r\n`, {
    config: { maxDataLine: 20 },
  });
  assert.deepEqual(after(p.lines), [
    "354 End data with <CR><LF>.<CR><LF>",
    "500 5.5.2 Error: line too long",
    "250 2.0.0 Ok",
  ]);
  assert.equal(p.messages.length, 0);
});

test("esmtp BDAT: chunks verbatim (no unstuffing), LAST delivers, BDAT 0 LAST", async () => {
  const p = await play(
    `${ENVELOPE}BDAT 7\r\n.\r\nab\r\nBDAT 3\r\n.\r\nBDAT 0 LAST\r\n` +
      "MAIL FROM:<x@b.example>\r\nRCPT TO:<y@d.example>\r\nBDAT 0 LAST\r\n",
  );
  assert.deepEqual(after(p.lines), [
    "250 2.0.0 Ok: 7 octets received",
    "250 2.0.0 Ok: 3 octets received",
    "250 2.0.0 Ok: queued as ID1",
    "250 2.1.0 Ok",
    "250 2.1.5 Ok",
    "250 2.0.0 Ok: queued as ID2",
  ]);
  assert.deepEqual(p.messages.map((m) => [m.transport, text(m.data)]), [
    ["BDAT", ".\r\nab\r\n.\r\n"],
    ["BDAT", ""],
  ]);
});

test("esmtp BDAT: mixing with DATA and RCPT refused; refused chunks still read", async () => {
  const p = await play(
    "EHLO x\r\nBDAT 4\r\nRSETBDAT x\r\nMAIL FROM:<a@b.example>\r\nBDAT 4 LAST\r\nQUITRCPT TO:<c@d.example>\r\n" +
      "BDAT 2\r\nhiDATA\r\nRCPT TO:<e@d.example>\r\nBDAT 1 last\r\n!QUIT\r\n",
  );
  assert.deepEqual(p.lines.slice(EHLO_LINES.length + 1), [
    "503 5.5.1 Error: need MAIL command",
    "501 5.5.4 Syntax: BDAT size [LAST]",
    "250 2.1.0 Ok",
    "503 5.5.1 Error: need RCPT command",
    "250 2.1.5 Ok",
    "250 2.0.0 Ok: 2 octets received",
    "503 5.5.1 Error: DATA not allowed after BDAT",
    "503 5.5.1 Error: RCPT not allowed after BDAT",
    "250 2.0.0 Ok: queued as ID1",
    "221 2.0.0 Bye",
  ]);
  assert.equal(text(p.messages[0].data), "hi!");
});

test("esmtp BDAT: the size limit across chunks; the over-limit chunk is read and dropped", async () => {
  const p = await play(
    `${ENVELOPE}BDAT 6\r\n123456BDAT 5\r\n78901BDAT 2 LAST\r\nxyNOOP\r\n`,
    { config: { maxMessageSize: 10 } },
  );
  assert.deepEqual(after(p.lines), [
    "250 2.0.0 Ok: 6 octets received",
    "552 5.3.4 Error: message size exceeds fixed maximum message size",
    "503 5.5.1 Error: need MAIL command",
    "250 2.0.0 Ok",
  ]);
  assert.equal(p.messages.length, 0);
  // A chunk far larger than the limit is dropped piece by piece, without holding it.
  const huge = 300_000;
  const q = await play(`${ENVELOPE}BDAT ${huge} LAST\r\n${"z".repeat(huge)}NOOP\r\n`, {
    config: { maxMessageSize: 1000 },
  });
  assert.deepEqual(after(q.lines), [
    "552 5.3.4 Error: message size exceeds fixed maximum message size",
    "250 2.0.0 Ok",
  ]);
});

test("esmtp BDAT: disabled CHUNKING makes BDAT an unknown command", async () => {
  const p = await play(`${ENVELOPE}BDAT 2 LAST\r\n`, {
    config: { disabled: new Set(["CHUNKING"]) },
  });
  assert.deepEqual(p.lines.slice(-1), ["500 5.5.2 Error: command not recognized"]);
});

test("esmtp bare line endings, accept (the default): captured as sent", async () => {
  const p = await play(
    latin1("EHLO x\nMAIL FROM:<a@b.example>\nRCPT TO:<c@d.example>\r\nDATA\nbare\nlf\rcr\r\n.\r\n"),
  );
  assert.equal(p.messages.length, 1);
  assert.equal(text(p.messages[0].data), "bare\nlf\rcr\r\n");
});

test("esmtp bare line endings, reject: 550 5.5.2 like Postfix, for commands and content", async () => {
  const config = { bareLineEndings: "reject" as const };
  const p = await play(latin1("EHLO x\r\nNOOP\nNOOP\rx\r\nNOOP\r\n"), { config });
  assert.deepEqual(p.lines.slice(-3), [
    "550 5.5.2 Error: bare <LF> received",
    "550 5.5.2 Error: bare <CR> received",
    "250 2.0.0 Ok",
  ]);
  const q = await play(latin1(`${ENVELOPE}DATA\r\nbare\nlf\r\n.\r\nDATA\r\nok\r\n.\r\n`), {
    config,
  });
  assert.deepEqual(after(q.lines), [
    "354 End data with <CR><LF>.<CR><LF>",
    "550 5.5.2 Error: bare <LF> received",
    // The transaction is over: DATA is refused and its content read as commands.
    "503 5.5.1 Error: need MAIL command",
    "500 5.5.2 Error: command not recognized",
    "500 5.5.2 Error: command not recognized",
  ]);
  assert.equal(q.messages.length, 0);
  // BINARYMIME content is binary: line endings are not looked at.
  const b = await play(
    latin1(
      "EHLO x\r\nMAIL FROM:<a@b.example> BODY=BINARYMIME\r\nRCPT TO:<c@d.example>\r\nBDAT 3 LAST\r\n\n\r\n",
    ),
    { config },
  );
  assert.equal(b.messages.length, 1);
  const c = await play(latin1(`${ENVELOPE}BDAT 3 LAST\r\na\rb`), { config });
  assert.deepEqual(c.lines.slice(-1), ["550 5.5.2 Error: bare <CR> received"]);
});

test("esmtp delivery failures: temporary, permanent, a sink's SmtpError, a throw", async () => {
  const cases: Array<
    [() => Promise<never> | Promise<{ ok: false; temporary: boolean; reason: string }>, string]
  > = [
    [
      () => Promise.resolve({ ok: false, temporary: true, reason: "disk" }),
      "451 4.3.0 Error: queue file write error",
    ],
    [
      () => Promise.resolve({ ok: false, temporary: false, reason: "no" }),
      "554 5.3.0 Error: message refused",
    ],
    [() => Promise.reject(new SmtpError(552, "Mailbox full", "5.2.2")), "552 5.2.2 Mailbox full"],
    [() => Promise.reject(new Error("boom")), "451 4.3.0 Error: queue file write error"],
  ];
  for (const [deliver, reply] of cases) {
    const p = await play(`${ENVELOPE}DATA\r\nx\r\n.\r\nRCPT TO:<c@d.example>\r\n`, { deliver });
    assert.deepEqual(after(p.lines), [
      "354 End data with <CR><LF>.<CR><LF>",
      reply,
      "503 5.5.1 Error: need MAIL command",
    ]);
  }
  // Without an ID from the sink, the session names the message itself.
  const q = await play(`${ENVELOPE}DATA\r\nx\r\n.\r\n`, {
    deliver: () => Promise.resolve({ ok: true }),
  });
  assert.match(q.lines.at(-1)!, /^250 2\.0\.0 Ok: queued as \d+\.1$/);
});

test("esmtp gate(dot): an interceptor's answer replaces the delivery and resets the transaction", async () => {
  const stages: string[] = [];
  const p = await play(`${ENVELOPE}DATA\r\nx\r\n.\r\nDATA\r\nBDAT 1 LAST\r\ny`, {
    attach: (c) =>
      c.intercept({
        before: (stage) => {
          stages.push(stage);
          return stage === "dot"
            ? { reply: { code: 451, enhanced: "4.7.1", lines: ["Try later"] } }
            : undefined;
        },
      }),
  });
  assert.deepEqual(after(p.lines), [
    "354 End data with <CR><LF>.<CR><LF>",
    "451 4.7.1 Try later",
    "503 5.5.1 Error: need MAIL command",
    "503 5.5.1 Error: need MAIL command",
  ]);
  assert.equal(p.messages.length, 0);
  assert.ok(stages.includes("dot"));
  // The BDAT path asks the same gate.
  const q = await play(`${ENVELOPE}BDAT 1 LAST\r\ny`, {
    attach: (c) => c.intercept({ before: (s) => s === "dot" ? "drop" : undefined }),
  });
  assert.equal(q.messages.length, 0);
  assert.equal(q.wire.closed, true);
  assert.deepEqual(after(q.lines), []);
});

test("esmtp with the seam's command gates: a refused RCPT or BDAT leaves no trace in the transaction", async () => {
  const refuse = { reply: { code: 550, enhanced: "5.7.1", lines: ["Refused by rule"] } };
  const p = await play(`${ENVELOPE}RCPT TO:<blocked@d.example>\r\nBDAT 3\r\nabcBDAT 2 LAST\r\nxy`, {
    attach: (c) =>
      c.intercept({
        before: (stage, argument) =>
          (stage === "rcpt" && argument === "blocked@d.example") ||
            (stage === "bdat" && argument === "3")
            ? refuse
            : undefined,
      }),
  });
  assert.deepEqual(after(p.lines), [
    "550 5.7.1 Refused by rule",
    "550 5.7.1 Refused by rule",
    "250 2.0.0 Ok: queued as ID1",
  ]);
  assert.deepEqual(p.messages[0].to, ["c@d.example"]);
  assert.equal(text(p.messages[0].data), "xy");
});

test("esmtp ended hook: how each session ended", async () => {
  const ends = [];
  for (const input of ["QUIT\r\n", "NOOP\r\n", "GET / HTTP/1.0\r\n"]) {
    ends.push((await play(input)).end);
  }
  assert.deepEqual(ends, ["quit", "eof", "http"]);
});

test("esmtp with the seam's connect gate: a refused connection gets that reply instead of the greeting", async () => {
  const p = await play(`${ENVELOPE}DATA\r\nx\r\n.\r\n`, {
    attach: (c) =>
      c.intercept({
        before: (stage) =>
          stage === "connect"
            ? { reply: { code: 554, enhanced: "5.7.1", lines: ["Go away"] } }
            : undefined,
      }),
  });
  assert.deepEqual(p.lines, ["554 5.7.1 Go away"]);
  assert.equal(p.messages.length, 0);
  assert.equal(p.wire.closed, true);
});

test("esmtp: a BDAT chunk cut by the end of input, and a peer that stops reading replies", async () => {
  const cut = await play(`${ENVELOPE}BDAT 10 LAST\r\nabc`);
  assert.equal(cut.end, "eof");
  assert.equal(cut.messages.length, 0);
  const gone = await play(`${ENVELOPE}DATA\r\nx\r\n.\r\nQUIT\r\n`, {
    wire: { failWritesAfter: 3 },
  });
  assert.equal(gone.end, "closed");
  assert.equal(gone.run.outcome.kind, "resolved");
});
