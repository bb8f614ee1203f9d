// Fault rules on the conversation seam, driven without sockets over every clone dialect: each
// action (reply, drop, delay, tarpit, hang, greylist) and selector (#N, #N-M, #N+, %P,
// @session, MATCH) on the fake clock, the transcript's F: lines, and nothing paid without rules.
import { test } from "node:test";
import assert from "node:assert/strict";
import { FaultRules } from "../src/faults/rules.ts";
import { Conversation } from "../src/smtp/conversation.ts";
import type { ReceivedMessage } from "../src/smtp/message.ts";
import type { SessionEngine } from "../src/smtp/session.ts";
import { Transcript } from "../src/smtp/transcript.ts";
import { mockmtaEngine } from "../src/smtp/mockmta/session.ts";
import { msmtpdEngine } from "../src/smtp/msmtpd/session.ts";
import { resolveConfig } from "../src/smtp/smtpmock/config.ts";
import { smtpmockEngine } from "../src/smtp/smtpmock/session.ts";
import { FakeClock, memoryContext, MemoryWire, runEngine } from "./helpers/memory_wire.ts";

const te = new TextEncoder();
const td = new TextDecoder();

type Attach = (c: Conversation) => void;
type Delivered = ReceivedMessage[];

/** The three dialects, each with `attach` in its hooks and a sink that records deliveries. */
const DIALECTS: Record<string, (attach: Attach, got: Delivered) => SessionEngine> = {
  smtpmock: (attach, got) =>
    smtpmockEngine(resolveConfig({ multipleRcptto: true, multipleMessageReceiving: true }), {
      attach,
      sink: { deliver: (m) => (got.push(m), Promise.resolve({ ok: true })) },
    }),
  mockmta: (attach, got) =>
    mockmtaEngine({}, {
      deliver: (m) => (got.push(m), Promise.resolve({ ok: true })),
      nextMessageNumber: () => got.length,
      now: () => new Date(0),
      attach,
    }),
  msmtpd: (attach, got) =>
    msmtpdEngine({
      command: "cat",
      sink: { deliver: (m) => (got.push(m), Promise.resolve({ ok: true })) },
    }, { attach }),
};

const MESSAGE = "MAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n" +
  "Subject: x\r\n\r\nhi\r\n.\r\n";
const SESSION = "EHLO client.example\r\n" + MESSAGE + "QUIT\r\n";

interface Run {
  written: string;
  transcript: string;
  delivered: Delivered;
  clock: FakeClock;
  outcome: string;
}

/** Runs `dialect` over `input` with `faults` attached (and a transcript after them). */
async function run(
  dialect: string,
  faults: FaultRules | null,
  input = SESSION,
  clock = new FakeClock(),
  wireOptions: { silentAtEnd?: boolean } = {},
): Promise<Run> {
  const wire = new MemoryWire([te.encode(input)], wireOptions);
  const transcript = new Transcript();
  const delivered: Delivered = [];
  const engine = DIALECTS[dialect]((c) => {
    faults?.attach(c);
    c.observe(transcript);
  }, delivered);
  const result = await runEngine(engine, wire, { clock });
  return {
    written: td.decode(wire.written),
    transcript: transcript.toString(),
    delivered,
    clock,
    outcome: result.outcome.kind,
  };
}

const rules = (...r: string[]) => new FaultRules({ seed: 7, rules: r });

test("faults: a rule's reply replaces the server's, exactly as written, for every dialect", async () => {
  for (const dialect of Object.keys(DIALECTS)) {
    const input = "EHLO client.example\r\nMAIL FROM:<a@b.example>\r\n" +
      "RCPT TO:<x@FULL.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\nhi\r\n.\r\nQUIT\r\n";
    const faults = rules("rcpt:*@full.example => 452 4.2.2 Mailbox full");
    const r = await run(dialect, faults, input);
    assert.match(r.written, /\r\n452 4\.2\.2 Mailbox full\r\n/, dialect);
    assert.match(r.transcript, /\nC: RCPT TO:<x@FULL\.example>\nF: rcpt:\*@full\.example => 452/);
    // The refused command never reached the dialect: only the other recipient was taken.
    assert.deepEqual(r.delivered.map((m) => m.to), [["c@d.example"]], dialect);
    assert.equal(faults.list()[0].hits, 1);
  }
});

test("faults: a bare code follows the persona's conventions (RFC text, enhanced code on request)", async () => {
  const plain = await run("mockmta", rules("mail => 550"));
  assert.match(plain.written, /\r\n550 Requested action not taken: mailbox unavailable\r\n/);
  const wire = new MemoryWire([te.encode("MAIL FROM:<a@b>\r\n")]);
  const faults = rules("mail => 452");
  const engine = DIALECTS.mockmta(
    (c) => faults.attach(c, { enhanced: true, text: () => "Try later" }),
    [],
  );
  await runEngine(engine, wire);
  assert.match(td.decode(wire.written), /\r\n452 4\.3\.4 Try later\r\n/);
});

test("faults: connect#1-2 refuses the first two sessions before the greeting, then lets one in", async () => {
  for (const dialect of Object.keys(DIALECTS)) {
    const faults = rules("connect#1-2 => 421 4.7.0 Try again later");
    const outs = [];
    for (let i = 0; i < 3; i++) outs.push(await run(dialect, faults));
    assert.equal(outs[0].written, "421 4.7.0 Try again later\r\n", dialect);
    assert.equal(outs[1].written, "421 4.7.0 Try again later\r\n", dialect);
    assert.match(outs[2].written, /^220 /, dialect);
    assert.deepEqual(outs.map((o) => o.delivered.length), [0, 0, 1], dialect);
    assert.deepEqual(outs.map((o) => o.outcome), ["resolved", "resolved", "resolved"]);
    assert.equal(faults.list()[0].hits, 2);
  }
});

test("faults: dot#2 refuses the second message only; it is never delivered", async () => {
  for (const dialect of ["smtpmock", "mockmta"]) {
    const faults = rules("dot#2 => 451 4.3.0 Temporary failure");
    // smtpmock takes a next message after RSET; mockmta's RSET forgets the greeting (quirk).
    const between = dialect === "smtpmock" ? "RSET\r\n" : "";
    const input = "EHLO client.example\r\n" + MESSAGE + between + MESSAGE + between + MESSAGE +
      "QUIT\r\n";
    const r = await run(dialect, faults, input);
    assert.equal(r.delivered.length, 2, dialect);
    assert.equal((r.written.match(/451 4\.3\.0 Temporary failure/g) ?? []).length, 1, dialect);
  }
  // msmtpd goes on with the next transaction after a refused mail.
  const r = await run(
    "msmtpd",
    rules("dot#1 => 554"),
    "EHLO c\r\n" + MESSAGE + MESSAGE + "QUIT\r\n",
  );
  assert.equal(r.delivered.length, 1);
  assert.match(r.written, /\r\n554 Transaction failed\r\n250 Ok\r\n/);
});

test("faults: data => drop closes without a reply; the session ends", async () => {
  for (const dialect of Object.keys(DIALECTS)) {
    const r = await run(dialect, rules("data => drop"));
    assert.doesNotMatch(r.written, /354/, dialect);
    assert.equal(r.delivered.length, 0);
    assert.equal(r.outcome, "resolved", dialect);
    assert.match(r.transcript, /\nC: DATA\nF: data => drop\n/);
  }
});

test("faults: delay waits on the session's clock, then the normal reply (or the action after then)", async () => {
  const plain = await run("smtpmock", null);
  const delayed = await run("smtpmock", rules("mail => delay 1500"));
  assert.equal(delayed.written, plain.written);
  assert.equal(delayed.clock.now(), 1500);
  const then = await run("mockmta", rules("rcpt => delay 2000 then 450"));
  assert.match(then.written, /\r\n450 Requested mail action not taken: mailbox unavailable\r\n/);
  assert.equal(then.clock.now(), 2000);
});

test("faults: tarpit writes this reply and later ones in pieces at the rate", async () => {
  const plain = await run("mockmta", null);
  const r = await run("mockmta", rules("mail => tarpit 20"));
  assert.equal(r.written, plain.written);
  // Everything from the MAIL reply on went out at 20 bytes/s of fake time, two bytes a piece.
  const afterMail = plain.written.slice(
    plain.written.indexOf("\r\n250 ", plain.written.indexOf("250 ")),
  );
  const slowBytes = te.encode(r.written).length -
    te.encode(plain.written.slice(0, plain.written.length - afterMail.length)).length;
  assert.ok(
    r.clock.now() >= (slowBytes / 20) * 1000 - 100,
    `${r.clock.now()} ms for ${slowBytes} bytes`,
  );
});

test("faults: hang never answers and ends when the client hangs up", async () => {
  for (const dialect of Object.keys(DIALECTS)) {
    const r = await run(dialect, rules("rcpt => hang"));
    assert.doesNotMatch(r.written, /\r\n250[ -][^\r]*\r\n[^]*354/, dialect);
    assert.equal(r.outcome, "resolved", `${dialect}: the end of input ended the hang`);
    assert.equal(r.delivered.length, 0);
  }
  // A client that stays connected and silent: the hang lasts (runEngine calls that hung).
  const silent = await run(
    "mockmta",
    rules("dot => hang"),
    SESSION.replace("QUIT\r\n", ""),
    undefined,
    {
      silentAtEnd: true,
    },
  );
  assert.equal(silent.outcome, "hung");
});

test("faults: a refused BDAT's chunk is read and dropped, not taken as commands", async () => {
  const faults = rules("bdat => 554 5.3.4 No chunks today");
  const r = await run("mockmta", faults, "EHLO c\r\nBDAT 10 LAST\r\nQUIT\r\nabcQUIT\r\n");
  // The 10 bytes "QUIT\r\nabcQ" were dropped; "UIT" is the next command (unknown to mockmta).
  assert.match(r.written, /\r\n554 5\.3\.4 No chunks today\r\n500 [^\r]*\r\n/);
});

test("faults: #N+, @session and MATCH count as documented; the first firing rule acts", async () => {
  const input = "EHLO c\r\nMAIL FROM:<a@b>\r\n" +
    ["1", "2", "3", "4"].map((n) => `RCPT TO:<r${n}@x>\r\n`).join("") + "QUIT\r\n";
  const faults = rules("rcpt#3+@session => 452 4.5.3 Too many recipients", "rcpt#2 => 451");
  const codes = async () =>
    (await run("mockmta", faults, input)).written.split("\r\n").filter((l) =>
      /^(4\d\d|250 Recipient)/.test(l)
    )
      .map((l) => l.slice(0, 3));
  // Session 1: #2 (server-wide) fires on the 2nd; #3+ per session on the 3rd and 4th.
  assert.deepEqual(await codes(), ["250", "451", "452", "452"]);
  // Session 2: the server-wide count is at 5 now; the per-session one starts again.
  assert.deepEqual(await codes(), ["250", "250", "452", "452"]);
  assert.deepEqual(faults.list().map((r) => r.hits), [4, 1]);
});

test("faults: %P draws from the seeded generator: the same seed gives the same replies", async () => {
  const replay = async (seed: number) => {
    const faults = new FaultRules({ seed, rules: ["rcpt%50 => 451", "mail%30 => 452"] });
    const out: string[] = [];
    for (let i = 0; i < 10; i++) out.push((await run("smtpmock", faults)).written);
    return out;
  };
  const a = await replay(42);
  assert.deepEqual(await replay(42), a);
  assert.notDeepEqual(await replay(43), a);
  const fired = a.filter((w) => /\r\n45[12] /.test(w)).length;
  assert.ok(fired > 0 && fired < 10, `${fired} of 10 sessions met a fault`);
});

test("faults: greylist refuses an unseen (client, sender, recipient) until SECONDS after first seen", async () => {
  const faults = rules("rcpt => greylist 5");
  const clock = new FakeClock();
  const first = await run("mockmta", faults, SESSION, clock);
  assert.match(first.written, /\r\n451 Greylisted, try again in 5 seconds\r\n/);
  clock.advance(4000);
  assert.match((await run("mockmta", faults, SESSION, clock)).written, /in 1 second\r\n/);
  clock.advance(1000);
  const later = await run("mockmta", faults, SESSION, clock);
  assert.doesNotMatch(later.written, /Greylisted/);
  assert.equal(later.delivered.length, 1);
  // Another recipient is a new triplet.
  const other = await run("mockmta", faults, SESSION.replace("c@d.example", "e@d.example"), clock);
  assert.match(other.written, /Greylisted/);
});

test("faults: removed rules stop at once; nothing is paid without interceptors", async () => {
  const faults = rules("mail => 451");
  const [{ id }] = faults.list();
  assert.equal(faults.remove(id), true);
  assert.equal((await run("smtpmock", faults)).written, (await run("smtpmock", null)).written);
  // No interceptor: gate answers synchronously, and readCommand hands on the reader's promise.
  const conv = new Conversation(memoryContext(new MemoryWire([])), { maxLine: 100 });
  assert.equal(conv.gate("dot", ""), true);
  conv.intercept({ before: () => undefined });
  assert.equal(conv.gate("dot", ""), true);
});
