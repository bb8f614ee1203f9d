// The mockmta engine below the transcripts: grammar, legality table, DATA collector, and the
// behaviours the ancestor lacked (line and size limits, failing sinks, stop during delivery).
import { test } from "node:test";
import assert from "node:assert/strict";
import { acceptAll } from "../src/api/capturing_server.ts";
import { MockmtaServer } from "../src/api/mockmta.ts";
import type { DeliveryResult, ReceivedMessage, Sink } from "../src/smtp/message.ts";
import { envelopeAddress, parseCommand, pathArgument } from "../src/smtp/mockmta/command.ts";
import { MOCKMTA_ENDING } from "../src/smtp/mockmta/data.ts";
import { type DataResult, GrowingBody, LineReader, readData } from "../src/smtp/framing.ts";
import { acceptedReply } from "../src/smtp/mockmta/replies.ts";
import { transition } from "../src/smtp/mockmta/states.ts";
import type { MockmtaConfig, MockmtaHooks } from "../src/smtp/mockmta/config.ts";
import { mockmtaEngine } from "../src/smtp/mockmta/session.ts";
import { systemClock } from "../src/smtp/clock.ts";
import { FakeClock, runUntil } from "./helpers/fake_clock.ts";
import { RawClient } from "./helpers/raw_client.ts";
import { play, R, type Steps } from "./helpers/mockmta.ts";

const bytes = (s: string) => new TextEncoder().encode(s);
const text = (b: Uint8Array) => new TextDecoder().decode(b);

test("mockmta grammar: verb up to SP/TAB, whole-word and case-insensitive; argument verbatim", () => {
  assert.deepEqual(parseCommand("ehlo x.example"), { keyword: "EHLO", arg: "x.example" });
  assert.deepEqual(parseCommand("MAIL\t \tFROM:<a@b>  "), { keyword: "MAIL", arg: "FROM:<a@b>  " });
  assert.deepEqual(parseCommand("MAILX FROM:<a@b>"), { keyword: null, arg: "FROM:<a@b>" });
  assert.deepEqual(parseCommand("QUIT   "), { keyword: "QUIT", arg: null });
  assert.deepEqual(parseCommand(""), { keyword: null, arg: null });
  assert.deepEqual(parseCommand(" HELO x"), { keyword: null, arg: "HELO x" });
  assert.deepEqual(parseCommand("StartTLS"), { keyword: "STARTTLS", arg: null });
  // C's strcasecmp folds ASCII only: these are not QUIT and RSET.
  assert.deepEqual(parseCommand("qu\u0131t"), { keyword: null, arg: null });
  assert.deepEqual(parseCommand("r\u017fet"), { keyword: null, arg: null });
  assert.deepEqual(pathArgument("from: \t<a@b> SIZE=1", "FROM:"), { path: "<a@b> SIZE=1" });
  assert.deepEqual(pathArgument("FROM:", "FROM:"), { error: "empty" });
  assert.deepEqual(pathArgument("FROM: \t", "FROM:"), { error: "empty" });
  assert.deepEqual(pathArgument("FROM <a@b>", "FROM:"), { error: "syntax" });
  assert.deepEqual(pathArgument("To:syntax", "TO:"), { path: "syntax" });
});

test("mockmta envelope addresses: brackets, parameters and source routes removed", () => {
  assert.equal(envelopeAddress("<a@b>"), "a@b");
  assert.equal(envelopeAddress("<a@b> SIZE=100 BODY=8BITMIME"), "a@b");
  assert.equal(envelopeAddress("<>"), "");
  assert.equal(envelopeAddress("a@b SIZE=1"), "a@b");
  assert.equal(
    envelopeAddress("<@relay.example,@r2.example:user@dest.example>"),
    "user@dest.example",
  );
  assert.equal(envelopeAddress("<unclosed@x SIZE=1"), "unclosed@x");
});

test("mockmta legality table (spec §3.5)", () => {
  assert.equal(transition("INIT", "MAIL", true), null);
  assert.equal(transition("INIT", "EHLO", true), "HELLO");
  assert.equal(transition("INIT", "STARTTLS", true), null);
  assert.equal(transition("HELLO", "STARTTLS", true), "HELLO");
  assert.equal(transition("HELLO", "STARTTLS", false), null);
  assert.equal(transition("MAIL", "STARTTLS", true), null);
  assert.equal(transition("MAIL", "MAIL", true), null);
  assert.equal(transition("MAIL", "DATA", true), null);
  assert.equal(transition("RCPT", "DATA", true), "HELLO");
  assert.equal(transition("RCPT", "RSET", true), "INIT");
  assert.equal(transition("RCPT", "HELO", true), "HELLO");
  for (const state of ["INIT", "HELLO", "MAIL", "RCPT"] as const) {
    assert.equal(transition(state, "QUIT", false), "END");
    assert.equal(transition(state, "HELP", false), state);
  }
});

/**
 * mockmta's DATA read (the shared framing under mockmta's terminator policy) over `lines`
 * followed by `NEXT\r\n`; also what the reader hands out after the body.
 */
async function collect(
  lines: string[],
  maxSize = 1000,
  ending: "crlf" | "lf" = "crlf",
): Promise<{ result: DataResult; body: string; after: string }> {
  const chunks = [...lines, "NEXT\r\n"].map(bytes);
  const reader = new LineReader(() => Promise.resolve(chunks.shift() ?? null), 1 << 20);
  const result = await readData(reader, {
    ending: MOCKMTA_ENDING[ending],
    body: new GrowingBody(maxSize),
    maxSize,
    overflow: "drain",
    maxLine: 1 << 20,
  });
  const next = await reader.readLine();
  return {
    result,
    body: result.end === "data" ? text(result.bytes) : "",
    after: next ? text(next) : "",
  };
}

test("mockmta DATA collector: terminator, unstuffing, line endings as sent, size cap", async () => {
  const c = await collect(["a\r\n", "..b\r\n", "..\r\n", ".c\r\n", "x\ry\r\n", ".\r\n"]);
  assert.equal(c.result.end, "data");
  assert.equal(c.body, "a\r\n.b\r\n.\r\nc\r\nx\ry\r\n");
  assert.equal(c.after, "NEXT\r\n", "the `.` line ends the body, nothing before it does");
  assert.equal(c.result.lines, 5);
  for (const end of [".\n", ".\r\r\n", ". \r\n"]) {
    assert.equal((await collect([end])).result.end, "cut", `${JSON.stringify(end)} is no end`);
  }
  assert.equal((await collect([".\n"], 1000, "lf")).result.end, "data");
  assert.equal((await collect([".\r\n"], 1000, "lf")).result.end, "cut");
  // In a CRLF session a line starts after CRLF only: no end and no un-stuffing after a bare LF.
  const crlf = await collect([
    "a\n",
    ".\n",
    "..b\r\n",
    "x\n",
    ".\r\n",
    "c\r\n",
    ".\n",
    "d\r\n",
    ".\r\n",
  ]);
  assert.equal(crlf.after, "NEXT\r\n");
  // `.` LF after CRLF starts the CRLF line ".\nd": a leading dot with more after it, un-stuffed.
  assert.equal(crlf.body, "a\n.\n..b\r\nx\n.\r\nc\r\n\nd\r\n");
  // A bare-LF session ends at `.` LF after an LF line; a CRLF line does not start a line there.
  const lf = await collect(["..a\n", "b\r\n", ".\n", "..c\n", ".\n"], 1000, "lf");
  assert.equal(lf.body, ".a\nb\r\n.\n.c\n");
  assert.equal(lf.after, "NEXT\r\n");
  const small = await collect(["1234\r\n", ".\r\n"], 5);
  assert.equal(small.result.end, "too-big");
  assert.equal(small.after, "NEXT\r\n", "still finds the end");
  assert.equal(acceptedReply(7), "250 0007 Message accepted for delivery");
  assert.equal(acceptedReply(10000), "250 10000 Message accepted for delivery");
});

/** Plays `steps` on a fresh connection to `server`. */
async function session(server: MockmtaServer, steps: Steps): Promise<void> {
  const c = await RawClient.connect(server.port);
  try {
    await play(c, steps);
  } finally {
    c.close();
  }
}

const GREETED: Steps = [["S", R.greeting], ["C", "EHLO x\r\n"], ["S", R.ehlo]];
const TX = "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\n";
const TX_REPLIES = R.sender + R.recipient + R.data;

test("mockmta limits: long command line, long DATA line, too much data; session goes on", async () => {
  const server = await MockmtaServer.start({
    limits: { maxLine: 2048, maxMessageSize: 4096 },
  });
  try {
    await session(server, [
      ...GREETED,
      ["C", `MAIL FROM:<${"a".repeat(1100)}@b>\r\n`],
      ["S", "500 Line too long\r\n"],
      ["C", `NOOP ${"x".repeat(5000)}\r\n`], // past the reader's cap: dropped whole
      ["S", "500 Line too long\r\n"],
      ["C", `${TX}short\r\n${"y".repeat(3000)}\r\nend\r\n.\r\n`],
      ["S", TX_REPLIES + "500 Line too long\r\n"],
      ["C", `${TX}${`${"z".repeat(1000)}\r\n`.repeat(6)}.\r\n`],
      ["S", TX_REPLIES + "552 Too much mail data\r\n"],
      ["C", `${TX}${"w".repeat(998)}\r\n.\r\n`],
      ["S", TX_REPLIES + R.accepted(1)],
      ["C", "QUIT"], // quirk §8.11 fixed: a last command without LF still counts
      ["E"],
      ["S", R.bye],
    ]);
    const [m] = server.messages();
    assert.equal(m.data.length, 1000);
  } finally {
    await server.stop();
  }
});

test("mockmta: blanks, CRs and state resets as the ancestor had them", async () => {
  const server = await MockmtaServer.start();
  try {
    await session(server, [
      ...GREETED,
      ["C", "MAIL FROM:<x@y>\r\nRCPT TO:<c@d>\r\nHELO again\r\nDATA\r\n"],
      ["S", R.sender + R.recipient + R.helo + R.notValid], // HELO discarded the transaction
      ["C", "MAIL\tFROM:\t<a@b> SIZE=5  \r\nRCPT TO:<c@d>\r\nDATA\r\nlone\rCR\r\n.\r\n"],
      ["S", TX_REPLIES + R.accepted(1)],
      ["C", "MAIL FROM:<e@f>\r\n"],
      ["S", R.sender], // MAIL right after a message is fine
      ["C", "QUIT\r\n"],
      ["S", R.bye],
    ]);
    const [m] = server.messages();
    assert.equal(m.mailFrom, "<a@b> SIZE=5  ", "kept verbatim, trailing blanks included");
    assert.equal(m.from, "a@b");
    assert.equal(m.helo, "again");
    assert.equal(text(m.data), "lone\rCR\r\n");
  } finally {
    await server.stop();
  }
});

/** A sink that answers from a script and records what it was given. */
function scriptedSink(results: DeliveryResult[]): Sink & { got: ReceivedMessage[] } {
  const got: ReceivedMessage[] = [];
  return {
    got,
    deliver(m) {
      got.push(m);
      return Promise.resolve(results.shift() ?? { ok: true });
    },
  };
}

test("mockmta: a failing sink is answered 451/554, no number used, back in HELLO", async () => {
  const sink = scriptedSink([
    { ok: false, temporary: true, reason: "disk on fire" },
    { ok: false, temporary: false, reason: "refused" },
  ]);
  const logs: string[] = [];
  const server = await MockmtaServer.start({ sink, log: (l, m) => logs.push(`${l} ${m}`) });
  try {
    await session(server, [
      ...GREETED,
      ["C", `${TX}one\r\n.\r\n`],
      ["S", TX_REPLIES + R.cannotWrite],
      ["C", `${TX}two\r\n.\r\n`],
      ["S", TX_REPLIES + "554 Transaction failed\r\n"],
      ["C", `${TX}three\r\n.\r\n`],
      ["S", TX_REPLIES + R.accepted(1)],
      ["C", "QUIT\r\n"],
      ["S", R.bye],
    ]);
    assert.equal(sink.got.length, 3);
    assert.deepEqual(server.messages().map((m) => text(m.data)), ["three\r\n"]);
    assert.ok(logs.includes("err from=<a@b>, nrcpt=1, size=5: not delivered: disk on fire"));
  } finally {
    await server.stop();
  }
});

test("mockmta stop(): a delivery under way finishes, a DATA still arriving is dropped", async () => {
  let release!: () => void;
  const gate = new Promise<void>((r) => release = r);
  let entered!: () => void;
  const inSink = new Promise<void>((r) => entered = r);
  const stored: string[] = [];
  const sink: Sink = {
    async deliver(m) {
      entered();
      await gate;
      stored.push(text(m.data));
      return { ok: true };
    },
  };
  const server = await MockmtaServer.start({ sink });
  const slow = await RawClient.connect(server.port);
  const half = await RawClient.connect(server.port);
  try {
    await half.send(`EHLO h\r\n${TX}partial line\r\n`);
    await slow.send(`EHLO s\r\n${TX}whole\r\n.\r\n`);
    await inSink;
    const stopped = server.stop();
    release();
    await stopped;
    assert.deepEqual(stored, ["whole\r\n"]);
    assert.equal(server.messages().length, 1);
  } finally {
    slow.close();
    half.close();
  }
});

test("mockmta library timeout: an idle connection is closed without a reply", async () => {
  const clock = new FakeClock();
  const server = await MockmtaServer.start({ timeout: 1, clock });
  try {
    const c = await RawClient.connect(server.port);
    assert.equal(await runUntil(clock, c.closed()), R.greeting);
    assert.equal(clock.now(), 1000, "after the one-second idle timeout");
  } finally {
    await server.stop();
  }
});

/**
 * Runs the engine over an in-memory wire: `input` arrives as one chunk, then end of input.
 * Resolves with everything written and the log lines.
 */
async function runEngine(
  input: string | string[],
  hooks: Partial<MockmtaHooks> = {},
  config: Partial<MockmtaConfig> = {},
): Promise<{ output: string; logs: string[] }> {
  const written: Uint8Array[] = [];
  const logs: string[] = [];
  const chunks = (typeof input === "string" ? [input] : input).map(bytes);
  const here = { hostname: "127.0.0.1", port: 25 };
  await mockmtaEngine(config, {
    deliver: acceptAll.deliver,
    nextMessageNumber: () => 1,
    now: () => new Date(0),
    ...hooks,
  })({
    wire: {
      read: () => Promise.resolve(chunks.shift() ?? null),
      write(data) {
        written.push(data.slice());
        return Promise.resolve();
      },
      close() {},
    },
    remote: here,
    local: here,
    clock: systemClock,
    log: (level, message) => logs.push(`${level} ${message}`),
    stopping: new AbortController().signal,
    closed: new AbortController().signal,
  });
  return { output: written.map(text).join(""), logs };
}

test("mockmta log: message numbers from 10000 on keep all their digits (issue 14.8)", async () => {
  let n = 9999;
  const { output, logs } = await runEngine(
    `EHLO x\r\n${TX}one\r\n.\r\n${TX}two\r\n.\r\nQUIT\r\n`,
    { nextMessageNumber: () => n++ },
  );
  assert.match(output, /^250 9999 Message accepted.*\r\n.*^250 10000 Message accepted/ms);
  const delivered = logs.filter((l) => l.startsWith("info "));
  assert.deepEqual(delivered, [
    "info 9999: from=<a@b>, nrcpt=1, size=5: delivered",
    "info 10000: from=<a@b>, nrcpt=1, size=5: delivered",
  ]);
});

test("mockmta DATA: after a dropped over-long line, only the session's line ending starts a line", async () => {
  const TXS = `EHLO x\r\n${TX}`;
  const long = "y".repeat(3000);
  const refused = R.greeting + R.ehlo + TX_REPLIES + "500 Line too long\r\n" + R.bye;
  // Its CRLF split across reads, the CR at the end of the dropped part: `.` CRLF ends DATA.
  const split = await runEngine([TXS + long + "\r", "\n.\r\nQUIT\r\n"], {}, { maxLine: 2048 });
  assert.equal(split.output, refused);
  // Ending in a bare LF it does not start a line in a CRLF session: a fake ending stays content.
  const smuggled = await runEngine(
    [TXS + long, "\n.\r\nMAIL FROM:<evil@x>\r\nRCPT TO:<v@x>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n"],
    {},
    { maxLine: 2048 },
  );
  assert.equal(smuggled.output, refused);
});

test("mockmta DATA collector: the body survives each buffer change (8 KiB, 1 MiB, the limit)", async () => {
  const limit = 3 * 1024 * 1024;
  for (const total of [100, 8 * 1024 + 1, 1024 * 1024 + 1, limit]) {
    const lines: string[] = [];
    for (let size = 0, i = 0; size < total; i++) {
      const line = `${i} ${"abcdefghij".repeat(1 + (i % 90))}`.slice(0, total - size - 2) + "\r\n";
      lines.push(line);
      size += line.length;
    }
    const c = await collect([...lines, ".\r\n"], limit);
    assert.equal(c.result.end, "data");
    assert.equal(c.body.length, total);
    assert.equal(c.body, lines.join(""));
  }
});
