/**
 * serve's sessions set no timer before the first greeting is out (src/api/deferred_clock.ts):
 * timers asked for earlier are set once it is, keeping their due time; cleared ones never are.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { deferredClock } from "../src/api/deferred_clock.ts";
import { FakeClock } from "./helpers/fake_clock.ts";

test("deferred clock: timers wait for ready, keep their due time, and can be cleared meanwhile", async () => {
  const fake = new FakeClock();
  let open!: () => void;
  const clock = deferredClock(fake, new Promise<void>((r) => open = r));
  const fired: string[] = [];
  clock.setTimeout(() => fired.push("idle"), 1000);
  const cleared = clock.setTimeout(() => fired.push("cleared"), 1000);
  clock.clearTimeout(cleared);
  assert.equal(fake.pending, 0, "nothing set before ready");
  fake.advance(300);
  open();
  await fake.timerSet();
  assert.equal(fake.pending, 1, "the cleared one is never set");
  fake.advance(699);
  assert.equal(fired.length, 0);
  fake.advance(1);
  assert.deepEqual(fired, ["idle"], "due 1000 ms after it was asked for, not after ready");
  // From now on timers go straight to the clock.
  const later = clock.setTimeout(() => fired.push("later"), 10);
  assert.equal(fake.pending, 1);
  clock.clearTimeout(later);
  assert.equal(fake.pending, 0);
  assert.equal(clock.now(), fake.now());
});

test("deferred clock: a pending timer cleared after ready was set is cleared on the clock", async () => {
  const fake = new FakeClock();
  let open!: () => void;
  const ready = new Promise<void>((r) => open = r);
  const clock = deferredClock(fake, ready);
  const timer = clock.setTimeout(() => assert.fail("fired"), 50);
  open();
  await fake.timerSet(50);
  clock.clearTimeout(timer);
  assert.equal(fake.pending, 0);
  fake.advance(100);
});
