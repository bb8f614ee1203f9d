// The idle timeout of the serve dialect on the fake clock: every wait for client input (a
// command, a DATA body, a BDAT chunk, an AUTH response, the STARTTLS handshake) is bounded;
// any input renews it; `421 4.4.2` then close.
import { test } from "node:test";
import assert from "node:assert/strict";
import { b64, GREETING, play, TLS_FACTS } from "./helpers/esmtp.ts";
import { FakeClock } from "./helpers/memory_wire.ts";

const TIMEOUT = "421 4.4.2 localhost Error: timeout exceeded";
const ENVELOPE = "EHLO x\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n";

test("esmtp idle timeout: a silent client gets 421 4.4.2 after exactly the idle time", async () => {
  const clock = new FakeClock();
  const p = await play("", { clock, wire: { silentAtEnd: true } });
  assert.deepEqual(p.lines, [GREETING, TIMEOUT]);
  assert.equal(p.end, "timeout");
  assert.equal(clock.now(), 300_000);
  assert.equal(p.wire.closed, true);
  assert.equal(clock.pending, 0, "no timer left behind");
  const q = await play("NOOP\r\n", {
    config: { idleTimeoutMs: 5000 },
    wire: { silentAtEnd: true },
  });
  assert.deepEqual(q.lines, [GREETING, "250 2.0.0 Ok", TIMEOUT]);
  assert.equal(q.clock.now(), 5000);
});

test("esmtp idle timeout: each input renews it (pauses just under it never time out)", async () => {
  const clock = new FakeClock();
  const input = "EHLO x\r\nNOOP\r\nNOOP\r\nNOOP\r\nQUIT\r\n";
  const chunks = input.split(/(?<=\n)/).map((l) => new TextEncoder().encode(l));
  let reads = 0;
  // The client thinks 4.9 s before each line: 19.6 s in all, past four idle times of 5 s.
  const p = await play("", {
    clock,
    chunks,
    config: { idleTimeoutMs: 5000 },
    wire: { beforeRead: () => reads++ < chunks.length && clock.advance(4900) },
  });
  assert.equal(p.end, "quit");
  assert.equal(p.lines.at(-1), "221 2.0.0 Bye");
  assert.ok(clock.now() >= 4 * 4900);
  // One pause of 5 s is one too many.
  const late = new FakeClock();
  let n = 0;
  const q = await play("", {
    clock: late,
    chunks,
    config: { idleTimeoutMs: 5000 },
    wire: { beforeRead: () => ++n === 3 && late.advance(5000) },
  });
  assert.deepEqual(q.lines.slice(-2), ["250 2.0.0 Ok", TIMEOUT]);
  assert.equal(q.end, "timeout");
});

test("esmtp idle timeout: inside DATA, a BDAT chunk and an AUTH exchange; no message kept", async () => {
  const inputs = [
    `${ENVELOPE}DATA\r\nhalf a message\r\n`,
    `${ENVELOPE}BDAT 10 LAST\r\nabc`,
    `EHLO x\r\nAUTH LOGIN\r\n${b64("user")}\r\n`,
  ];
  for (const input of inputs) {
    const p = await play(input, { tls: TLS_FACTS, wire: { silentAtEnd: true } });
    assert.equal(p.lines.at(-1), TIMEOUT, input);
    assert.equal(p.end, "timeout");
    assert.equal(p.messages.length, 0);
    assert.equal(p.clock.now(), 300_000);
  }
});

test("esmtp idle timeout: a STARTTLS handshake that never finishes is cut off, without a reply", async () => {
  const p = await play("EHLO x\r\nSTARTTLS\r\n", {
    config: { idleTimeoutMs: 10_000 },
    upgradeTls: () => new Promise(() => {}),
  });
  assert.equal(p.lines.at(-1), "220 2.0.0 Ready to start TLS");
  assert.equal(p.end, "timeout");
  assert.equal(p.wire.closed, true);
  assert.equal(p.clock.now(), 10_000);
});

test("esmtp idle timeout 0: no timer at all, the session waits for the client", async () => {
  const p = await play("EHLO x\r\n", { config: { idleTimeoutMs: 0 }, wire: { silentAtEnd: true } });
  assert.equal(p.run.outcome.kind, "hung");
  assert.equal(p.clock.pending, 0);
});
