// Client lint's library surface: the seam facts it needs (Observer.early, the `ahead` count of
// a reply), what a message's findings hold, the session summary line and totals, the strict
// interceptor and assertNoLint. Sessions run over a scripted memory wire.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  countsText,
  type Finding,
  Linter,
  lintTotals,
  type SessionSummary,
  strictInterceptor,
  totalsLine,
} from "../src/lint/linter.ts";
import { assertNoLint, LintAssertionError } from "../src/lint/assert.ts";
import type { Observer } from "../src/smtp/conversation.ts";
import { runLintSession, type Script } from "./helpers/lint_engine.ts";
import { connect } from "node:net";
import { MockmtaServer } from "../mod.ts";

const GOOD = "From: a@example.com\r\nDate: Tue, 01 Dec 2026 10:00:00 +0000\r\n" +
  "Message-ID: <x@example.com>\r\n\r\nhi\r\n";

function session(message = GOOD, before: Script = []): Script {
  return [
    "EHLO client.example.com\r\n",
    ...before,
    "MAIL FROM:<a@example.com>\r\n",
    "RCPT TO:<b@example.com>\r\n",
    "DATA\r\n",
    message + ".\r\n",
    "QUIT\r\n",
  ];
}

test("seam: early is told the bytes that arrived before the greeting, and only those", async () => {
  const seen: string[] = [];
  const observer: Observer = { early: (b) => seen.push(new TextDecoder().decode(b)) };
  await runLintSession([{ eager: "EHLO x.example\r\n" }, "QUIT\r\n"], {
    attach: (c) => c.observe(observer),
  });
  assert.deepEqual(seen, ["EHLO x.example\r\n"]);
  seen.length = 0;
  const { written } = await runLintSession(["EHLO x.example\r\n", "QUIT\r\n"], {
    attach: (c) => c.observe(observer),
  });
  assert.deepEqual(seen, []);
  // Reading ahead changes nothing the client sees.
  assert.match(written, /^220 lint.test ESMTP\r\n250-lint.test\r\n.*221 2.0.0 bye\r\n$/s);
});

test("seam: early and ahead are told on the interceptors' reply path too", async () => {
  const seen: string[] = [];
  const observer: Observer = {
    early: (b) => seen.push(`early ${new TextDecoder().decode(b).trim()}`),
    reply: (r, _t, ahead) => seen.push(`${r.code} ${ahead}`),
  };
  await runLintSession([{ eager: "NOOP\r\nNOOP\r\n" }, "QUIT\r\n"], {
    attach: (c) => c.observe(observer).intercept({ before: () => undefined }),
  });
  assert.deepEqual(seen, ["early NOOP\r\nNOOP".trim(), "220 0", "250 6", "250 0", "221 0"]);
});

test("lint: an early talker over a real socket, the greeting held back by a fault rule", async () => {
  await using server = await MockmtaServer.start({ faults: ["connect => delay 500"], lint: true });
  const socket = connect(server.port, "127.0.0.1");
  let replies = "";
  socket.on("data", (d) => replies += d);
  // Sent at once, the greeting still 500 ms away: postscreen's pregreet test in spirit.
  socket.write(
    "EHLO early.example.com\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n",
  );
  socket.write("DATA\r\n" + GOOD + ".\r\nQUIT\r\n");
  const [message] = await server.waitForMessages(1, { timeout: 10_000 });
  await new Promise((resolve) => socket.on("close", resolve));
  assert.match(replies, /^220 Ready\r\n/);
  assert.deepEqual(message.lint!.map((f) => f.id), ["early-talker", "unadvertised-pipelining"]);
  assert.match(
    message.lint![0].evidence,
    /^before the greeting: "EHLO early\.example\.com\\r\\nMAIL/,
  );
  // mockmta offers PIPELINING, but EHLO must end a group.
  assert.match(
    message.lint![1].evidence,
    /after "EHLO early\.example\.com\\r\\n" before its 250 reply \(EHLO must end a PIPELINING group\)/,
  );
});

test("seam: a reply's ahead counts the input the client sent before it", async () => {
  const replies: [number, number][] = [];
  const observer: Observer = { reply: (r, _t, ahead) => replies.push([r.code, ahead]) };
  await runLintSession(["NOOP\r\nNOOP\r\n", "QUIT\r\n"], { attach: (c) => c.observe(observer) });
  assert.deepEqual(replies, [[220, 0], [250, 6], [250, 0], [221, 0]]);
});

async function lint(script: Script, options: { strict?: boolean; bdat?: boolean } = {}) {
  const summaries: SessionSummary[] = [];
  const linter = new Linter({ onSessionEnd: (s) => summaries.push(s) });
  const run = await runLintSession(script, {
    attach: (c) => {
      linter.attach(c);
      if (options.strict) c.intercept(strictInterceptor(linter));
    },
  });
  return {
    ...run,
    linter,
    summary: summaries[0],
    findings: run.messages.map((m) => linter.findings(m)),
  };
}

const ids = (fs: readonly Finding[]) => fs.map((f) => f.id);

test("lint: a message's findings are its session's so far, then its own", async () => {
  const bare = GOOD.replace("hi\r\n", "h\ni\r\n");
  const l = await lint([
    "EHLO client.example.com\r\n",
    "AUTH PLAIN AGEAYg==\r\n",
    "MAIL FROM:<a@example.com>\r\n",
    "RCPT TO:<b@example.com>\r\n",
    "DATA\r\n",
    bare + ".\r\n",
    "RSET\r\n",
    "MAIL FROM:<a@example.com>\r\n",
    "RCPT TO:<b@example.com>\r\n",
    "DATA\r\n",
    GOOD + ".\r\n",
  ]);
  assert.deepEqual(l.findings.map(ids), [["auth-cleartext", "bare-lf"], ["auth-cleartext"]]);
  assert.equal(l.findings[0][1].line, 5, "message line numbers count from the message's start");
  assert.equal(l.findings[0][0].line, 2, "session line numbers count the session's input");
  // no-quit comes at the end: in the summary, not in the messages.
  assert.deepEqual(ids(l.summary.findings), ["auth-cleartext", "no-quit"]);
  assert.deepEqual(l.summary.counts, { "auth-cleartext": 1, "bare-lf": 1, "no-quit": 1 });
  assert.equal(
    l.summary.line,
    `lint: session ${l.summary.sessionId}: 1 error (bare-lf), 2 warnings (auth-cleartext, no-quit)`,
  );
  // A second look at the record gives the same findings (not counted again).
  assert.deepEqual(l.linter.findings(l.messages[0]), l.findings[0]);
  assert.deepEqual(l.linter.totals(), l.summary.counts);
});

test("lint: a clean session's summary says clean, holds nothing and adds nothing to totals", async () => {
  const before = JSON.stringify(lintTotals());
  const l = await lint([
    "EHLO client.example.com\r\n",
    "MAIL FROM:<a@example.com>\r\n",
    "RCPT TO:<b@example.com>\r\n",
    "DATA\r\n",
    GOOD + ".\r\n",
    "QUIT\r\n",
  ]);
  assert.deepEqual(l.findings, [[]]);
  assert.deepEqual(l.summary, {
    sessionId: l.summary.sessionId,
    line: `lint: session ${l.summary.sessionId}: clean`,
    counts: {},
    findings: [],
  });
  assert.deepEqual(l.linter.totals(), {});
  assert.equal(JSON.stringify(lintTotals()), before);
});

test("lint: BDAT chunks are linted as one message", async () => {
  const body = GOOD.replace("hi\r\n", "h\xe9\r\n");
  const bytes = new Uint8Array([...body].map((c) => c.charCodeAt(0)));
  const half = bytes.length >> 1;
  const l = await lint([
    "EHLO client.example.com\r\n",
    "MAIL FROM:<a@example.com>\r\n",
    "RCPT TO:<b@example.com>\r\n",
    `BDAT ${half}\r\n${new TextDecoder("latin1").decode(bytes.subarray(0, half))}`,
    new Uint8Array([
      ...new TextEncoder().encode(`BDAT ${bytes.length - half} LAST\r\n`),
      ...bytes.subarray(half),
    ]),
    "QUIT\r\n",
  ]);
  assert.equal(l.messages.length, 1);
  assert.deepEqual(ids(l.findings[0]), ["8bit-without-8bitmime", "mime-bad-charset"]);
  assert.match(l.findings[0][0].evidence, /line 5: "h\\xe9\\r\\n"/);
});

test("lint: strict refuses a message with an error finding, names the id, and keeps going", async () => {
  const l = await lint(session(GOOD.replace("hi\r\n", "h\ni\r\n")), { strict: true });
  assert.equal(l.messages.length, 0);
  assert.match(
    l.written,
    /\r\n550 5\.6\.0 Message rejected by lint: bare-lf \(RFC 5321 §2\.3\.8\)\r\n221 /,
  );
  const ok = await lint(session(GOOD.replace("Message-ID: <x@example.com>\r\n", "")), {
    strict: true,
  });
  assert.equal(ok.messages.length, 1, "a warning (missing-message-id) does not refuse");
  assert.deepEqual(ids(ok.findings[0]), ["missing-message-id"]);
});

test("lint: totals add up every ended session, per linter and per process", async () => {
  const before = lintTotals()["missing-date"] ?? 0;
  const linter = new Linter();
  for (let i = 0; i < 2; i++) {
    await runLintSession(session(GOOD.replace(/Date: .*\r\n/, "")), {
      attach: (c) => linter.attach(c),
    });
  }
  assert.deepEqual(linter.totals(), { "missing-date": 2 });
  assert.equal((lintTotals()["missing-date"] ?? 0) - before, 2);
  assert.equal(totalsLine(linter.totals()), "lint: total: 2 errors (missing-date ×2)");
  assert.equal(countsText({}), "clean");
});

test("lint: a record from elsewhere gets its own findings", () => {
  const linter = new Linter();
  const found = linter.findings({
    from: "a@example.com",
    to: ["b@example.com"],
    data: new TextEncoder().encode("Subject: x\r\n\r\nhi\r\n"),
    helo: "x",
    remoteAddress: { hostname: "127.0.0.1", port: 1 },
    localAddress: { hostname: "127.0.0.1", port: 2 },
    receivedAt: new Date(0),
  });
  assert.deepEqual(ids(found), ["missing-date", "missing-from", "missing-message-id"]);
});

test("assertNoLint: passes warnings and allowed ids, throws listing the rest", () => {
  const warning: Finding = {
    id: "no-quit",
    severity: "warning",
    rfc: "RFC 5321 §4.1.1.10",
    evidence: "closed",
    advice: "send QUIT",
  };
  const error: Finding = {
    ...warning,
    id: "bare-lf",
    severity: "error",
    rfc: "RFC 5321 §2.3.8",
    evidence: 'line 3: "a\\n"',
  };
  assertNoLint({ lint: [warning] });
  assertNoLint({ lint: [warning, error] }, { allow: ["bare-lf"] });
  assert.throws(() => assertNoLint({ lint: [warning, error] }), (e: unknown) => {
    assert.ok(e instanceof LintAssertionError);
    assert.deepEqual(e.findings, [error]);
    assert.match(
      e.message,
      /^1 lint finding:\n {2}error bare-lf \(RFC 5321 §2\.3\.8\): line 3: "a\\n"/,
    );
    return true;
  });
  assert.throws(() => assertNoLint([warning], { strict: true }), LintAssertionError);
  assert.throws(() => assertNoLint({}), /no lint findings \(is lint turned on\?\)/);
});

test("lint: maxScan bounds what the content checks read; SIZE is compared with every octet", async () => {
  const linter = new Linter({ maxScan: GOOD.length });
  const late = GOOD + "caf\xe9\r\n"; // the 8-bit byte lies past maxScan
  const { messages } = await runLintSession(
    [
      "EHLO client.example.com\r\n",
      "MAIL FROM:<a@example.com> SIZE=10\r\n",
      "RCPT TO:<b@example.com>\r\n",
      `BDAT ${GOOD.length}\r\n${GOOD}`,
      `BDAT ${late.length - GOOD.length} LAST\r\n${late.slice(GOOD.length)}`,
      "QUIT\r\n",
    ].map((c) => new Uint8Array([...c].map((ch) => ch.charCodeAt(0)))),
    {
      attach: (c) => linter.attach(c),
    },
  );
  const found = linter.findings(messages[0]);
  assert.deepEqual(ids(found), ["size-mismatch"]);
  assert.equal(found[0].evidence, `SIZE=10 announced, ${late.length} octets sent`);
});

test("lint: evidence never shows AUTH credentials", async () => {
  const l = await lint([
    "EHLO client.example.com\r\n",
    "AUTH PLAIN AGFubgBzZWNyZXQ=\n",
    "MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n",
    "DATA\r\n",
    GOOD + ".\r\n",
    "QUIT\r\n",
  ]);
  const text = JSON.stringify([l.findings, l.summary.findings]);
  assert.doesNotMatch(text, /AGFubgBzZWNyZXQ/);
  assert.ok(text.includes('line 2: \\"AUTH PLAIN ...\\\\n\\"'), text);
});

test("lint: past maxScan, a closing boundary that lies beyond is not reported missing", () => {
  const head = GOOD.replace("\r\n\r\nhi\r\n", "\r\n") +
    "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\n";
  const closed = head + "x".repeat(900) + "\r\n--b--\r\n";
  const linter = new Linter({ maxScan: head.length + 500 });
  const record = (text: string) => ({ data: new TextEncoder().encode(text) });
  assert.deepEqual(ids(linter.findings(record(closed))), []);
  // The same message within the cap, but never closed: reported.
  const open = head + "x".repeat(400) + "\r\n";
  assert.deepEqual(ids(linter.findings(record(open))), ["mime-boundary-missing"]);
});
