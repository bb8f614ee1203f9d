/**
 * CPU of lint alone per clean serve-like session, without the seam: a `Linter`'s observer
 * told what a session of smtp-source tells it (greeting, EHLO, MAIL, RCPT, DATA with its 1
 * KiB message, QUIT, their replies, the end), the message's findings asked as serve's
 * delivery asks them, and the session's summary read as serve logs it. Lint is all this
 * measures, so it moves less than the whole session (serve_session_cpu.ts) does.
 *
 *   deno run -A scripts/bench/lint_observer_cpu.ts [SESSIONS]
 *   bun scripts/bench/lint_observer_cpu.ts [SESSIONS]
 *
 * `LINT_ROOT=/work/wt/base13` measures that checkout's lint instead (before/after, alternated).
 * `EARLY=1`: every session an `early-talker` (its EHLO told as early input), as every session
 * of serve_session_cpu.ts is: its wire answers the read-ahead lint asks for before the
 * greeting is written, where a real client waits for the greeting.
 */
import process from "node:process";
import type { Reply } from "../../src/smtp/reply.ts";

const root = process.env.LINT_ROOT ?? new URL("../..", import.meta.url).pathname;
const { Linter }: typeof import("../../src/lint/linter.ts") = await import(
  `${root}/src/lint/linter.ts`
);

const sessions = Number(process.argv[2] ?? 200000);
const early = Boolean(process.env.EARLY);
const encoder = new TextEncoder();
const message = encoder.encode(
  "From: <a@example.com>\r\nTo: <b@example.com>\r\n" +
    "Date: Tue,  1 Dec 2026 17:40:24 +0000 (UTC)\r\n" +
    "Message-Id: <6975.0003.0000@bench.example.com>\r\n\r\n" +
    Array.from({ length: 11 }, (_, i) => `${i}${"X".repeat(77)}\r\n`).join(""),
);
const commands = [
  "EHLO bench.example.com\r\n",
  "MAIL FROM:<a@example.com>\r\n",
  "RCPT TO:<b@example.com>\r\n",
  "DATA\r\n",
].map((s) => encoder.encode(s));
const quit = encoder.encode("QUIT\r\n");
const greeting: Reply = { code: 220, lines: ["bench ESMTP"] };
const replies: Reply[] = [
  { code: 250, lines: ["bench", "PIPELINING", "8BITMIME", "SIZE 10240000"] },
  { code: 250, enhanced: "2.1.0", lines: ["Ok"] },
  { code: 250, enhanced: "2.1.5", lines: ["Ok"] },
  { code: 354, lines: ["End data with <CR><LF>.<CR><LF>"] },
];
const queued: Reply = { code: 250, enhanced: "2.0.0", lines: ["Ok: queued"] };
const bye: Reply = { code: 221, enhanced: "2.0.0", lines: ["Bye"] };

let logged = 0;
const linter = new Linter({ onSessionEnd: (s) => logged += s.line.length });
let found = 0;

function session(id: number): void {
  const o = linter.observer(id);
  if (early) o.early!(commands[0]);
  o.reply!(greeting, "", 0);
  for (let i = 0; i < commands.length; i++) {
    o.command!(commands[i]);
    o.reply!(replies[i], "", 0);
  }
  const data = message.slice(); // a new record's bytes, as every delivery has
  o.data!({ end: "data", bytes: data, lines: 15 });
  found += linter.findings({ data, sessionId: id }).length;
  o.reply!(queued, "", 0);
  o.command!(quit);
  o.reply!(bye, "", 0);
  o.close!();
}

for (let i = 0; i < sessions / 5; i++) session(i); // warm-up
const start = process.cpuUsage();
for (let i = 0; i < sessions; i++) session(i);
const used = process.cpuUsage(start);
console.log(
  `${((used.user + used.system) / sessions).toFixed(2)} µs CPU of lint per session ` +
    `(${sessions} sessions, ${found} findings, totals ${JSON.stringify(linter.totals())})`,
);
