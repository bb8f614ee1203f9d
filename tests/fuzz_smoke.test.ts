// Keeps scripts/fuzz.ts from rotting: its core, run for a few seeded sessions against the
// mockmta daemon (mbox, python check) and one inetd persona, must report no finding. The full
// runs (thousands of sessions, every persona) are `deno task fuzz`, documented in
// docs/reliability.md, and are not part of the suite.
import { test } from "node:test";
import assert from "node:assert/strict";
import { type FuzzOptions, fuzzPersona, type PersonaName } from "../scripts/fuzz.ts";
import { cliCommand } from "./helpers/cli.ts";

const options: FuzzOptions = {
  personas: [],
  sessions: 40,
  inetdSessions: 8,
  concurrency: 4,
  seed: 14,
  batch: 20,
  hold: 10,
  timeLimitS: 60,
  sessionDeadlineMs: 20_000,
  command: cliCommand,
  label: "test",
};

for (const [persona, sessions] of [["mockmta", 40], ["msmtpd-inetd", 8]] as const) {
  test(`fuzz smoke: ${sessions} mutated sessions leave ${persona} up and serving`, async () => {
    const r = await fuzzPersona(persona as PersonaName, options);
    assert.deepEqual(r.findings, []);
    assert.equal(r.sessions, sessions);
    assert.ok(r.healthRun >= 2, `health checks: ${r.healthRun}`);
    assert.equal(r.healthOk, r.healthRun);
    assert.ok(r.peakKiB > 0, "peak memory was read from /proc");
    assert.match(r.stored, /health \d+\/\d+$/);
  });
}
