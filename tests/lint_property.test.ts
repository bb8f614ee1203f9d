// Client lint never throws and always shows evidence as printable ASCII, whatever the bytes:
// an observer must not throw (src/smtp/conversation.ts), and evidence goes to logs and JSON.
// Random messages (CR, LF, dots, 8-bit bytes, header-ish and MIME-ish pieces) and random
// sessions over the scripted memory wire.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { CATALOGUE } from "../src/lint/catalogue.ts";
import type { Finding } from "../src/lint/finding.ts";
import { Linter } from "../src/lint/linter.ts";
import { messageFindings } from "../src/lint/message.ts";
import { runLintSession } from "./helpers/lint_engine.ts";

const PIECES = [
  "\r\n",
  "\n",
  "\r",
  ".",
  "..",
  "From: a@b.example\r\n",
  "Subject: x\r\n",
  "Subject: y\r\n",
  " folded\r\n",
  "no colon\r\n",
  "Content-Type: multipart/mixed; boundary=b\r\n",
  'Content-Type: text/plain; charset="utf-8"\r\n',
  "Content-Type: text/plain; charset=bogus\r\n",
  "Content-Transfer-Encoding: base64\r\n",
  "Content-Transfer-Encoding: quoted-printable\r\n",
  "--b\r\n",
  "--b--\r\n",
  "aGVsbG8=",
  "=C3=A9=\r\n",
  "x".repeat(1000),
];

const bytesOf = (s: string) => new Uint8Array([...s].map((c) => c.charCodeAt(0) & 0xff));

/** Message-ish bytes: pieces and random bytes in any order. */
const message = fc.array(
  fc.oneof(
    fc.constantFrom(...PIECES).map(bytesOf),
    fc.uint8Array({ maxLength: 20 }),
  ),
  { maxLength: 40 },
).map((parts) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) out.set(p, (at += p.length) - p.length);
  return out;
});

/** Ids seen by the properties: they must reach the rules, not only the empty case. */
const seen = new Set<string>();

function wellFormed(findings: readonly Finding[]): void {
  for (const f of findings) {
    seen.add(f.id);
    const entry = CATALOGUE[f.id];
    assert.ok(entry, f.id);
    assert.equal(f.severity, entry.severity);
    assert.match(f.evidence, /^[\x20-\x7e…×]*$/u, f.evidence);
    if (f.line !== undefined) assert.ok(Number.isInteger(f.line) && f.line >= 1);
  }
}

test("lint property: any message bytes give well-formed findings, without throwing", () => {
  seen.clear();
  fc.assert(
    fc.property(message, fc.boolean(), (data, eightBit) => {
      wellFormed(messageFindings(
        { data, mailParams: eightBit ? { BODY: "8BITMIME" } : {} },
        { maxScan: 4096 },
      ));
    }),
    { numRuns: 300 },
  );
  assert.ok(seen.size >= 12, `ids reached: ${[...seen].join(", ")}`);
});

const COMMANDS = [
  "EHLO client.example.com\r\n",
  "HELO x_y\r\n",
  "MAIL FROM:<a@b.example> SIZE=1\r\n",
  "MAIL FROM:<j\xfcrgen@b.example>\r\n",
  "RCPT TO:<c@d.example>\r\n",
  "RSET\r\n",
  "AUTH PLAIN AGEAYg==\r\n",
  "NOOP\n",
  "STARTTLS\r\n",
  "QUIT\r\n",
  "\r\n",
  "\x00\xff\r\n",
];

test("lint property: any session gives a summary and well-formed findings", async () => {
  seen.clear();
  await fc.assert(
    fc.asyncProperty(
      fc.array(
        fc.oneof(
          fc.constantFrom(...COMMANDS),
          message.map((m) => "DATA\r\n" + String.fromCharCode(...m) + "\r\n.\r\n"),
        ),
        { maxLength: 12 },
      ),
      fc.boolean(),
      async (steps, eager) => {
        let summaries = 0;
        const linter = new Linter({ onSessionEnd: (s) => (summaries++, wellFormed(s.findings)) });
        const script = steps.map(bytesOf);
        const { messages } = await runLintSession(
          eager && script.length ? [{ eager: script[0] }, ...script.slice(1)] : script,
          { attach: (c) => linter.attach(c) },
        );
        for (const m of messages) wellFormed(linter.findings(m));
        assert.equal(summaries, 1);
      },
    ),
    { numRuns: 100 },
  );
  assert.ok(seen.size >= 12, `ids reached: ${[...seen].join(", ")}`);
});
