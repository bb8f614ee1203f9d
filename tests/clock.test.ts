// The system clock behind every deadline: a deadline already passed (many sessions expiring in
// the same instant) fires at once, without the runtime's TimeoutNegativeWarning on stderr, which
// go-smtp-mock never prints (found by scripts/fuzz.ts: 1,000 sessions with -sessionTimeout 1).
import { test } from "node:test";
import assert from "node:assert/strict";
import process from "node:process";
import { systemClock } from "../src/smtp/clock.ts";

test("clock: a timer for a moment already past fires at once and warns nothing", async () => {
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(w.name);
  process.on("warning", onWarning);
  try {
    await new Promise<void>((resolve) => systemClock.setTimeout(resolve, -0.25));
    // Warnings are emitted on a later tick than the timer's creation: let one pass.
    await new Promise<void>((resolve) => setTimeout(resolve, 0));
  } finally {
    process.off("warning", onWarning);
  }
  assert.deepEqual(warnings, []);
});
