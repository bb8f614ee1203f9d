// The idle timeouts of serve sessions on one clock share one timer (src/smtp/esmtp/idle.ts):
// each session still expires exactly its idle time after its read began, a read that settled
// or a session that ended is not timed out, a read of the wire before STARTTLS settling late
// does not end the wait on the new one, and no timer is left once the last session ended.
import { test } from "node:test";
import assert from "node:assert/strict";
import { IdleTimeout } from "../src/smtp/esmtp/idle.ts";
import type { Wire } from "../src/smtp/wire.ts";
import { FakeClock } from "./helpers/fake_clock.ts";

/** A wire whose reads settle only when the test says so. */
function heldWire(): Wire & { arrive(): Promise<void> } {
  const waiting: Array<(chunk: Uint8Array | null) => void> = [];
  return {
    read: () => new Promise((resolve) => waiting.push(resolve)),
    write: () => Promise.resolve(),
    close: () => {},
    async arrive() {
      waiting.shift()!(new Uint8Array([0x0a]));
      await Promise.resolve(); // the watch hears of it a turn later
      await Promise.resolve();
    },
  };
}

function watched(clock: FakeClock, name: string, expired: string[]): IdleTimeout {
  return new IdleTimeout(clock, 5000, () => expired.push(`${name} ${clock.now()}`));
}

test("idle timeouts of one clock: one timer, each session expires at its own time", () => {
  const clock = new FakeClock();
  const expired: string[] = [];
  const a = watched(clock, "a", expired);
  const b = watched(clock, "b", expired);
  a.source(heldWire())();
  clock.advance(2000);
  b.source(heldWire())();
  assert.equal(clock.pending, 1);
  clock.advance(2999);
  assert.deepEqual(expired, []);
  clock.advance(1);
  assert.deepEqual(expired, ["a 5000"]);
  assert.equal(a.expired, true);
  assert.equal(b.expired, false);
  clock.advance(2000);
  assert.deepEqual(expired, ["a 5000", "b 7000"]);
  a.stop();
  b.stop();
  assert.equal(clock.pending, 0);
});

test("idle timeouts of one clock: a settled read, a renewed one, an ended session", async () => {
  const clock = new FakeClock();
  const expired: string[] = [];
  const a = watched(clock, "a", expired);
  const b = watched(clock, "b", expired);
  const c = watched(clock, "c", expired);
  const wa = heldWire();
  const wb = heldWire();
  const read = a.source(wa);
  read();
  b.source(wb)();
  c.source(heldWire())();
  clock.advance(4000);
  await wa.arrive(); // a's read settled: a waits for nothing
  await wb.arrive();
  b.source(wb)(); // b reads again: renewed from 4000
  c.stop(); // c ended while its read waited
  clock.advance(4999);
  assert.deepEqual(expired, []);
  clock.advance(1);
  assert.deepEqual(expired, ["b 9000"]);
  read(); // a reads again at 9000
  clock.advance(5000);
  assert.deepEqual(expired, ["b 9000", "a 14000"]);
  b.stop();
  assert.equal(clock.pending, 0, "a timed out, b and c ended: no timer");
  a.stop();
});

test("idle timeout: the read of the wire before STARTTLS settling late is not the new wire's", async () => {
  const clock = new FakeClock();
  const expired: string[] = [];
  const a = watched(clock, "a", expired);
  const plain = heldWire();
  a.source(plain)();
  clock.advance(1000);
  a.source(heldWire())(); // the TLS wire's first read waits from 1000
  await plain.arrive();
  clock.advance(5000);
  assert.deepEqual(expired, ["a 6000"]);
  a.stop();
  assert.equal(clock.pending, 0);
});
