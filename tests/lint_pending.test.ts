// serve's lint before the lint rules have loaded (src/lint/pending.ts): a session recorded
// from its first byte and replayed into the linter later gets the findings and summary it
// would have got from a linter attached directly.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Linter, type SessionSummary } from "../src/lint/linter.ts";
import { PendingLint } from "../src/lint/pending.ts";
import type { Conversation } from "../src/smtp/conversation.ts";
import { runLintSession, type Script } from "./helpers/lint_engine.ts";

const SCRIPT: Script = [
  { eager: "EHLO early.example.com\r\nMAIL FROM:<a@example.com>\r\n" },
  "RCPT TO:<b@example.com>\r\n",
  "DATA\r\n",
  "Subject: no date\n\r\nbare\nlines\r\n.\r\n",
  "RSET\r\n",
];

async function linted(
  attach: (linter: Linter) => { attach: (c: Conversation) => void; after?: () => void },
) {
  const summaries: SessionSummary[] = [];
  const linter = new Linter({ onSessionEnd: (s) => summaries.push(s) });
  const how = attach(linter);
  const run = await runLintSession(SCRIPT, { attach: how.attach });
  how.after?.();
  const [summary] = summaries;
  return {
    line: summary.line.replace(/session \d+/, "session N"),
    findings: summary.findings,
    messages: run.messages.map((m) => linter.findings(m)),
  };
}

test("lint: a session recorded before the linter arrived is linted as if attached directly", async () => {
  const direct = await linted((linter) => ({ attach: (c) => linter.attach(c) }));
  const pending = new PendingLint();
  const replayed = await linted((linter) => ({
    attach: (c) => pending.attach(c),
    after: () => pending.arrived(linter),
  }));
  assert.ok(direct.findings.some((f) => f.id === "early-talker"), direct.line);
  assert.ok(direct.messages[0].length > 0);
  assert.deepEqual(replayed, direct);
});

test("lint: once the linter arrived, sessions attach to it directly", async () => {
  const pending = new PendingLint();
  const direct = await linted((linter) => {
    pending.arrived(linter);
    return { attach: (c) => pending.attach(c) };
  });
  assert.match(direct.line, /^lint: session N: /);
  assert.ok(direct.findings.some((f) => f.id === "no-quit"));
});
