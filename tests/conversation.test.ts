// The conversation seam (src/smtp/conversation.ts) driven without sockets: every dialect's
// commands, replies, bodies, TLS and AUTH reach an observer (a per-session transcript), and
// decorators replace, drop, delay or hang a reply for any dialect. Also the reply type and
// SmtpError, and the library's transcripts() over real sockets for each persona.
import { test } from "node:test";
import assert from "node:assert/strict";
import { connect } from "node:net";
import { acceptAll } from "../src/api/capturing_server.ts";
import { Conversation, type Decorator } from "../src/smtp/conversation.ts";
import { SmtpError } from "../src/smtp/error.ts";
import { encodeReply, parseReply, replyText } from "../src/smtp/reply.ts";
import type { SessionEngine } from "../src/smtp/session.ts";
import { Transcript } from "../src/smtp/transcript.ts";
import { mockmtaEngine } from "../src/smtp/mockmta/session.ts";
import { msmtpdEngine } from "../src/smtp/msmtpd/session.ts";
import { resolveConfig } from "../src/smtp/smtpmock/config.ts";
import { smtpmockEngine } from "../src/smtp/smtpmock/session.ts";
import { esmtpEngine } from "../src/smtp/esmtp/engine.ts";
import { MockmtaServer, MsmtpdServer, SmtpmockServer } from "../mod.ts";
import { FakeClock, memoryContext, MemoryWire, runEngine } from "./helpers/memory_wire.ts";

const te = new TextEncoder();
const td = new TextDecoder();

type Attach = (c: Conversation) => void;

/** The three dialects, each built with `attach` in its hooks. */
const DIALECTS: Record<string, (attach: Attach) => SessionEngine> = {
  smtpmock: (attach) => smtpmockEngine(resolveConfig({}), { attach }),
  mockmta: (attach) =>
    mockmtaEngine({}, {
      deliver: acceptAll.deliver,
      nextMessageNumber: () => 1,
      now: () => new Date(0),
      attach,
    }),
  msmtpd: (attach) =>
    msmtpdEngine({
      command: "cat",
      sink: acceptAll,
      auth: { user: "user", password: "secret" },
    }, { attach }),
};

const SESSION = "EHLO client.example\r\n" +
  "AUTH PLAIN AHVzZXIAc2VjcmV0\r\n" + // msmtpd only; the others refuse it
  "MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\nSubject: x\r\n\r\nhi\r\n.\r\n" +
  "QUIT\r\n";

/** Runs `dialect` over SESSION with `setup` attaching to its conversation. */
async function run(dialect: string, setup: Attach, clock = new FakeClock()) {
  const wire = new MemoryWire([te.encode(SESSION)]);
  const result = await runEngine(DIALECTS[dialect](setup), wire, { clock });
  return { result, written: td.decode(wire.written), clock };
}

test("conversation: a transcript observer sees every dialect's commands, replies and body", async () => {
  for (const dialect of Object.keys(DIALECTS)) {
    const transcript = new Transcript();
    const plain = await run(dialect, () => {});
    const observed = await run(dialect, (c) => c.observe(transcript));
    assert.equal(observed.written, plain.written, `${dialect}: an observer changes no byte`);
    assert.equal(transcript.ended, true, `${dialect}: told of the end`);
    assert.equal(transcript.session?.remote.hostname, "192.0.2.7");
    const text = transcript.toString();
    // Replies as written, in order, one transcript line per reply line.
    const replies = transcript.lines.filter((l) => l.side === "S").map((l) => l.text + "\r\n");
    assert.equal(replies.join(""), plain.written, `${dialect}: every reply`);
    assert.match(text, /^S: 220 /, dialect);
    assert.match(text, /\nC: EHLO client\.example\n/, dialect);
    assert.match(text, /\nC: MAIL FROM:<a@b\.example>\n/, dialect);
    assert.match(text, /\nC: DATA\n/, dialect);
    assert.match(text, /\nC: \(message data: 3 lines, 18 bytes\)\n/, dialect);
    assert.match(text, /\nC: QUIT\nS: 221 /, dialect);
    if (dialect === "msmtpd") {
      assert.match(text, /\n\* AUTH PLAIN: authenticated as user\n/);
    }
  }
});

test("conversation: an early observer is told what came before the greeting, then the greeting", async () => {
  // serve's dialect too; not msmtpd, whose timed source has not buffered input when it greets.
  const dialects: Record<string, (attach: Attach) => SessionEngine> = {
    smtpmock: DIALECTS.smtpmock,
    mockmta: DIALECTS.mockmta,
    esmtp: (attach) =>
      esmtpEngine({ hostname: "test" }, {
        now: () => new Date(0),
        deliver: () => Promise.resolve({ ok: true, id: "1" }),
        attach,
      }),
  };
  for (const [dialect, engine] of Object.entries(dialects)) {
    for (const decorated of [false, true]) {
      const seen: string[] = [];
      const wire = new MemoryWire([te.encode(SESSION)]);
      await runEngine(
        engine((c) => {
          c.observe({
            early: (bytes) => seen.push(`early ${bytes.length}`),
            reply: (_r, text) => seen.push(`reply ${text.slice(0, 3)}`),
          });
          if (decorated) {
            c.decorate({ reply: (r) => r.code === 220 ? { code: 220, lines: ["hi"] } : r });
          }
        }),
        wire,
        { clock: new FakeClock() },
      );
      const written = td.decode(wire.written);
      assert.deepEqual(
        seen.slice(0, 2),
        [`early ${te.encode(SESSION).length}`, "reply 220"],
        dialect,
      );
      assert.equal(
        written.startsWith("220 hi\r\n"),
        decorated,
        `${dialect} decorated: ${decorated}`,
      );
      assert.equal(seen.filter((e) => e.startsWith("early")).length, 1, dialect);
    }
  }
});

test("conversation: AUTH credentials never reach the transcript (msmtpd's 334 exchange)", async () => {
  const transcript = new Transcript();
  const wire = new MemoryWire([
    te.encode("EHLO x\r\nAUTH PLAIN\r\nAHVzZXIAd3Jvbmc=\r\n"),
  ]);
  await runEngine(DIALECTS.msmtpd((c) => c.observe(transcript)), wire);
  const text = transcript.toString();
  assert.ok(!text.includes("AHVzZXIAd3Jvbmc="), text);
  assert.match(
    text,
    /\nC: AUTH PLAIN\nS: 334 \nC: \(authentication data\)\n\* AUTH PLAIN failed\n/,
  );
});

test("conversation: a decorator replaces a reply, with an enhanced code, for every dialect", async () => {
  for (const dialect of Object.keys(DIALECTS)) {
    // An observer tells the decorator which command a reply answers.
    let last = "";
    const refuseRcpt: Decorator = {
      reply: (r) =>
        last.startsWith("RCPT") ? { code: 550, enhanced: "5.1.1", lines: ["No such user"] } : r,
    };
    const transcript = new Transcript();
    const { written } = await run(
      dialect,
      (c) =>
        c.observe({ command: (line) => last = td.decode(line) })
          .decorate(refuseRcpt)
          .observe(transcript),
    );
    assert.match(written, /\r\n550 5\.1\.1 No such user\r\n/, dialect);
    assert.match(transcript.toString(), /\nS: 550 5\.1\.1 No such user\n/, `${dialect}: observed`);
  }
});

test("conversation: decorators drop, delay (on the session's clock) and hang replies", async () => {
  // Drop: the greeting is never written; the rest is.
  const dropped = await run(
    "mockmta",
    (c) => c.decorate({ reply: (r) => r.code === 220 ? null : r }),
  );
  assert.doesNotMatch(dropped.written, /^220/);
  assert.match(dropped.written, /^250-/);
  // Delay: every reply waits 5 s of fake time.
  const clock = new FakeClock();
  const delayed = await run("smtpmock", (c) =>
    c.decorate({
      reply: (r) => new Promise((resolve) => clock.setTimeout(() => resolve(r), 5000)),
    }), clock);
  assert.equal(delayed.written, (await run("smtpmock", () => {})).written);
  assert.ok(delayed.clock.now() >= 5000 * 5, `waited ${delayed.clock.now()} ms of fake time`);
  // Disconnect: the wire is closed instead of the 354.
  const cut = await run(
    "msmtpd",
    (c) => c.decorate({ reply: (r) => r.code === 354 ? "disconnect" : r }),
  );
  assert.doesNotMatch(cut.written, /354/);
  assert.deepEqual(cut.result.outcome, { kind: "resolved" });
});

test("conversation: a hung reply ends when the server closes the connection", async () => {
  const wire = new MemoryWire([te.encode("HELO x\r\n")], { silentAtEnd: true });
  const closed = new AbortController();
  const engine = DIALECTS.mockmta((c) => c.decorate({ reply: () => new Promise(() => {}) }));
  const session = engine({
    wire,
    remote: { hostname: "192.0.2.7", port: 1 },
    local: { hostname: "192.0.2.1", port: 25 },
    clock: new FakeClock(),
    log: () => {},
    stopping: new AbortController().signal,
    closed: closed.signal,
  });
  await new Promise((resolve) => setTimeout(resolve, 0));
  closed.abort();
  wire.close();
  await session; // resolves: the hang gave way to the close
  assert.equal(wire.written.length, 0);
});

test("reply: parseReply and replyText round-trip; SmtpError carries a reply", () => {
  for (
    const text of [
      "250 Ok",
      "334 ",
      "250-localhost\r\n250 AUTH PLAIN",
      "550 5.1.1 No such user",
      "250-2.0.0 a\r\n250 2.0.0 b",
      "not a reply",
    ]
  ) {
    const reply = parseReply(text);
    if (reply.code) assert.equal(replyText(reply), text);
    else assert.deepEqual(reply, { code: 0, lines: ["not a reply"] });
  }
  assert.deepEqual(parseReply("550 5.1.1 No such user"), {
    code: 550,
    enhanced: "5.1.1",
    lines: ["No such user"],
  });
  const e = new SmtpError(452, ["Mailbox full", "try later"], "4.2.2");
  assert.ok(e instanceof Error);
  assert.equal(e.temporary, true);
  assert.equal(replyText(e), "452-4.2.2 Mailbox full\r\n452 4.2.2 try later");
});

test("reply: encodeReply gives each text's UTF-8 bytes and CRLF, whether in the arena or not", () => {
  const te = new TextEncoder();
  const texts = [
    "250 Ok",
    "250 2.0.0 Ok: queued as encode-test",
    "550 5.1.1 <j\u00f6ran@b\u00fccher.example> unknown", // not ASCII: not in the arena
    "250 " + "x".repeat(600), // longer than an arena's piece
    "",
  ];
  // Enough distinct texts to fill arenas past their end (and the cache past its bound).
  for (let i = 0; i < 2000; i++) {
    texts.push(`250 2.0.0 Ok: queued as encode-${i}-${"y".repeat(i % 97)}`);
  }
  const made = texts.map((t) => [t, encodeReply(t)] as const);
  for (const [text, bytes] of made) assert.deepEqual(bytes, te.encode(text + "\r\n"), text);
});

/** Sends `input` on a fresh connection to `port` and waits for the server to close it. */
function talk(port: number, input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    socket.on("error", reject);
    socket.on("close", () => resolve());
    socket.resume();
    socket.write(input);
  });
}

test("library: transcripts() of every persona, off unless asked for", async () => {
  const tx = "MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\nhi\r\n.\r\nQUIT\r\n";
  const servers = [
    ["smtpmock", await SmtpmockServer.start({ transcripts: true })],
    ["mockmta", await MockmtaServer.start({ transcripts: 1 })],
    ["msmtpd", await MsmtpdServer.start({ transcripts: true })],
  ] as const;
  const off = await MockmtaServer.start();
  try {
    for (const [name, server] of servers) {
      await talk(server.port, "HELO first\r\nQUIT\r\n");
      await talk(server.port, `HELO x.example\r\n${tx}`);
      await server.idle();
      const kept = server.transcripts();
      assert.equal(kept.length, name === "mockmta" ? 1 : 2, `${name}: the latest ones kept`);
      const t = kept[kept.length - 1].toString();
      assert.match(t, /\nC: HELO x\.example\n/, name);
      assert.match(t, /\nC: \(message data: 1 lines, 4 bytes\)\nS: 250 /, name);
      assert.match(t, /\nC: QUIT\nS: 221 /, name);
    }
    await talk(off.port, "QUIT\r\n");
    assert.deepEqual(off.transcripts(), []);
  } finally {
    for (const [, server] of servers) await server.stop({ force: true });
    await off.stop();
  }
});

test("conversation: replyThen tells observers of each reply before its continuation runs", async () => {
  for (const held of [false, true]) {
    const events: string[] = [];
    const wire = new MemoryWire([], { failWritesAfter: 3 });
    const conv = new Conversation(memoryContext(wire), { maxLine: 512 });
    conv.observe({ reply: (_r, text) => events.push(`told ${text}`) });
    const step = (text: string) =>
      conv.replyThen(text, undefined, () => events.push(`then ${text}`), () => {
        events.push(`failed ${text}`);
        return 0;
      });
    // `held`: a reply still being written when the next is given (the general path).
    if (held) await Promise.all([step("250 a"), step("250 b")]);
    else {
      await step("250 a");
      await step("250 b");
    }
    await step("250 c");
    await step("421 d"); // the fourth write fails
    assert.deepEqual(events, [
      "told 250 a",
      "then 250 a",
      "told 250 b",
      "then 250 b",
      "told 250 c",
      "then 250 c",
      "failed 421 d",
    ], `held: ${held}`);
    assert.equal(td.decode(wire.written), "250 a\r\n250 b\r\n250 c\r\n");
  }
});

test("conversation: readCommand tells observers each command once, as the dialect gets it", async () => {
  const lines = ["EHLO a\r\n", "NOOP\r\nNOOP x\r\n", "QU", "IT\r\n"];
  const wire = new MemoryWire(lines.map((l) => te.encode(l)));
  const conv = new Conversation(memoryContext(wire), { maxLine: 512 });
  const told: string[] = [];
  conv.observe({ command: (line) => told.push(td.decode(line)) });
  const got: string[] = [];
  for (let line; (line = await conv.readCommand()) !== null;) {
    got.push(`${td.decode(line)} (told ${told.length})`);
  }
  assert.deepEqual(got, [
    "EHLO a\r\n (told 1)",
    "NOOP\r\n (told 2)",
    "NOOP x\r\n (told 3)",
    "QUIT\r\n (told 4)",
  ]);
});

test("conversation: with an early observer, input after the greeting is no early talk", async () => {
  // esmtp writes its replies through replyThen: the greeting goes out at once, the look at what
  // came before it after one turn, then the greeting is told.
  for (const before of [true, false]) {
    const seen: string[] = [];
    let greeted = false;
    let release!: () => void;
    const greeting = new Promise<void>((resolve) => (release = resolve));
    const chunks = [te.encode("EHLO a\r\n"), te.encode("QUIT\r\n")];
    const wire = new MemoryWire(chunks, { onWrite: () => (greeted = true, release()) });
    const read = wire.read.bind(wire);
    // `before`: the client's first chunk is there when the session opens; else once greeted.
    let first = true;
    wire.read = () => {
      if (!first || before) return read();
      first = false;
      return greeting.then(read);
    };
    await runEngine(
      esmtpEngine({ hostname: "test" }, {
        now: () => new Date(0),
        deliver: () => Promise.resolve({ ok: true, id: "1" }),
        attach: (c) =>
          c.observe({
            early: (bytes) => seen.push(`early ${td.decode(bytes).trim()} (greeted ${greeted})`),
            reply: (_r, text) => seen.push(`reply ${text.slice(0, 3)}`),
            command: (line) => seen.push(`command ${td.decode(line).trim()}`),
          }),
      }),
      wire,
      { clock: new FakeClock() },
    );
    const told = ["reply 220", "command EHLO a", "reply 250", "command QUIT", "reply 221"];
    assert.deepEqual(seen, before ? ["early EHLO a (greeted true)", ...told] : told);
  }
});
