/**
 * CPU per call of lint's message findings (`messageFindings`) on the 1 KiB message
 * smtp-source sends, in-process, nothing else: what a clean message costs lint.
 *
 *   deno run -A scripts/bench/lint_message_cpu.ts [CALLS]
 *   bun scripts/bench/lint_message_cpu.ts [CALLS]
 *
 * `LINT_ROOT=/work/wt/base13` measures that checkout's lint instead (before/after, alternated).
 */
import process from "node:process";

const root = process.env.LINT_ROOT ?? new URL("../..", import.meta.url).pathname;
const { messageFindings }: typeof import("../../src/lint/message.ts") = await import(
  `${root}/src/lint/message.ts`
);
const { DEFAULT_MAX_SCAN }: typeof import("../../src/lint/limits.ts") = await import(
  `${root}/src/lint/limits.ts`
);

const calls = Number(process.argv[2] ?? 200000);
const message = "From: <a@example.com>\r\nTo: <b@example.com>\r\n" +
  "Date: Tue,  1 Dec 2026 17:40:24 +0000 (UTC)\r\n" +
  "Message-Id: <6975.0003.0000@bench.example.com>\r\n\r\n" +
  Array.from({ length: 11 }, (_, i) => `${i}${"X".repeat(77)}\r\n`).join("");
const data = new TextEncoder().encode(message);
const ctx = { maxScan: DEFAULT_MAX_SCAN };
let found = 0;
for (let i = 0; i < calls / 5; i++) found += messageFindings({ data }, ctx).length; // warm-up
const start = process.cpuUsage();
for (let i = 0; i < calls; i++) found += messageFindings({ data }, ctx).length;
const used = process.cpuUsage(start);
console.log(
  `${((used.user + used.system) / calls).toFixed(2)} µs CPU per message (${calls} calls, ` +
    `${found} findings)`,
);
