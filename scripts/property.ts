/**
 * The long run of the engine properties that tests/property_*.test.ts run briefly:
 *
 *   deno task property [--runs N] [--seed S] [--dialect smtpmock|mockmta|msmtpd|esmtp]
 *   bun scripts/property.ts [same options]
 *
 * Each property of each dialect runs N cases (default 5000) from seed S (default: the time,
 * printed so that a failure can be replayed). Ends with "N passed, N failed"; exit status 1
 * when a property failed, with fast-check's counterexample and the seed to replay it.
 */
import process from "node:process";
import { parseArgs } from "node:util";
import {
  boundedBuffering,
  chunkingInvariance,
  type Dialect,
  esmtp,
  mockmta,
  msmtpd,
  neverThrows,
  type RunParams,
  smtpmock,
} from "../tests/helpers/engine_properties.ts";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: {
    runs: { type: "string", default: "5000" },
    seed: { type: "string" },
    dialect: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});

if (values.help) {
  console.log("usage: deno task property [--runs N] [--seed S] [--dialect NAME]");
  process.exit(0);
}

const numRuns = Number(values.runs);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
if (!Number.isInteger(numRuns) || numRuns < 1 || !Number.isInteger(seed)) {
  console.error("--runs needs a positive integer, --seed an integer");
  process.exit(2);
}

// deno-lint-ignore no-explicit-any
const dialects: Dialect<any>[] = [smtpmock, mockmta, msmtpd, esmtp]
  .filter((d) => values.dialect === undefined || d.name === values.dialect);
if (dialects.length === 0) {
  console.error(`unknown dialect ${values.dialect}: smtpmock, mockmta, msmtpd or esmtp`);
  process.exit(2);
}

const properties: Array<[string, <C>(d: Dialect<C>, p: RunParams) => Promise<void>]> = [
  ["chunking invariance", chunkingInvariance],
  ["never throws", neverThrows],
  ["bounded buffering", boundedBuffering],
];

console.log(`${numRuns} runs per property, seed ${seed}`);
let passed = 0;
let failed = 0;
for (const dialect of dialects) {
  for (const [name, check] of properties) {
    const started = performance.now();
    try {
      await check(dialect, { numRuns, seed });
      passed++;
      const ms = Math.round(performance.now() - started);
      console.log(`ok   ${dialect.name}: ${name} (${ms} ms)`);
    } catch (e) {
      failed++;
      console.log(`FAIL ${dialect.name}: ${name}\n${(e as Error).message}\n`);
    }
  }
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
