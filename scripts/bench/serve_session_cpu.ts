/**
 * CPU per serve-like session without sockets or the store: EHLO, MAIL, RCPT, DATA with the
 * 1 KiB message smtp-source sends, QUIT, over an in-memory wire, with serve's attachments
 * (a transcript, fault rules with no rule attached as serve attaches them, lint) and a delivery
 * that answers at once. What it
 * measures is the seam, the esmtp dialect and lint, in `process.cpuUsage()` microseconds, which
 * other processes on the machine move far less than msg/s (docs/benchmarks.md, helper hotpath).
 *
 *   deno run -A scripts/bench/serve_session_cpu.ts [SESSIONS]
 *   bun scripts/bench/serve_session_cpu.ts [SESSIONS]
 *
 * `OFF=transcript,faults,lint` leaves those attachments out (`lint-observer`: no session lint,
 * `lint-findings`: no findings asked of a delivery), to see what each costs per session.
 */
import process from "node:process";
import { esmtpEngine } from "../../src/smtp/esmtp/engine.ts";
import type { Conversation } from "../../src/smtp/conversation.ts";
import { systemClock } from "../../src/smtp/clock.ts";
import { TranscriptStore } from "../../src/smtp/transcript.ts";
import { FaultRules } from "../../src/faults/rules.ts";
import { ENHANCED_CONVENTIONS } from "../../src/faults/conventions.ts";
import { LateFaults } from "../../src/faults/session.ts";
import { Linter } from "../../src/lint/linter.ts";
import type { Wire } from "../../src/smtp/wire.ts";

const sessions = Number(process.argv[2] ?? 30000);
const off = new Set((process.env.OFF ?? "").split(",").filter(Boolean));
for (const name of off) {
  if (!["transcript", "faults", "lint", "lint-observer", "lint-findings"].includes(name)) {
    throw new Error(`OFF: unknown attachment '${name}'`);
  }
}
const withTranscript = !off.has("transcript");
const withFaults = !off.has("faults");
const withLintObserver = !off.has("lint") && !off.has("lint-observer");
const withLintFindings = !off.has("lint") && !off.has("lint-findings");
const encoder = new TextEncoder();
const message = "From: <a@example.com>\r\nTo: <b@example.com>\r\n" +
  "Date: Tue,  1 Dec 2026 17:40:24 +0000 (UTC)\r\n" +
  "Message-Id: <6975.0003.0000@bench.example.com>\r\n\r\n" +
  Array.from({ length: 11 }, (_, i) => `${i}${"X".repeat(77)}\r\n`).join("") + ".\r\n";
// One read per command, as a client that waits for each reply sends them.
const input = [
  "EHLO bench.example.com\r\n",
  "MAIL FROM:<a@example.com>\r\n",
  "RCPT TO:<b@example.com>\r\n",
  "DATA\r\n",
  message,
  "QUIT\r\n",
].map((s) => encoder.encode(s));

const transcripts = new TranscriptStore(100);
const faults = new LateFaults(ENHANCED_CONVENTIONS);
faults.arrived(new FaultRules());
const linter = new Linter();
let delivered = 0;
const engine = esmtpEngine({ hostname: "bench" }, {
  now: () => new Date(),
  authenticate: () => true,
  attach: (conv: Conversation) => {
    if (withTranscript) transcripts.attach(conv);
    if (withFaults) faults.attach(conv);
    if (withLintObserver) linter.attach(conv);
  },
  deliver: (m) => {
    if (withLintFindings) linter.findings(m);
    return Promise.resolve({ ok: true, id: String(++delivered) });
  },
});
const address = { hostname: "127.0.0.1", port: 1 };
const never = new AbortController().signal;

async function session(): Promise<void> {
  let next = 0;
  const wire: Wire = {
    read: () => Promise.resolve(input[next++] ?? null),
    write: () => Promise.resolve(),
    close: () => {},
  };
  await engine({
    wire,
    remote: address,
    local: address,
    clock: systemClock,
    log: () => {},
    stopping: never,
    closed: never,
  });
}

for (let i = 0; i < sessions / 6; i++) await session(); // warm-up
const start = process.cpuUsage();
for (let i = 0; i < sessions; i++) await session();
const used = process.cpuUsage(start);
const perSession = (used.user + used.system) / sessions;
console.log(
  `${perSession.toFixed(1)} µs CPU per session (${sessions} sessions, ${delivered} messages)` +
    (off.size ? `, without ${[...off].join(", ")}` : ""),
);
