// The transcript's compact form: lines read back the same before and after the session ends
// (when they are joined into one string), every byte of a command line kept, a cap on what
// one session may make it hold, and the store's lookup of a session's transcript by id.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Transcript, TRANSCRIPT_MAX_CHARS, TranscriptStore } from "../src/smtp/transcript.ts";
import type { Observer, SessionInfo } from "../src/smtp/conversation.ts";

const te = new TextEncoder();
const info = (id: number) =>
  ({
    id,
    remote: { hostname: "127.0.0.1", port: 1 },
    local: { hostname: "127.0.0.1", port: 2 },
  }) as unknown as SessionInfo;

test("transcript: the same lines while live and once ended, every byte kept", () => {
  const t = new Transcript();
  const bytes = new Uint8Array([0x45, 0x48, 0x4c, 0x4f, 0x20, 0xff, 0x00, 0x0d, 0x0a]);
  t.command(bytes);
  t.reply({ code: 250, lines: ["a", "b"] }, "250-a\r\n250 b");
  t.tls();
  const live = t.lines;
  assert.deepEqual(live, [
    { side: "C", text: "EHLO \xff\x00" },
    { side: "S", text: "250-a" },
    { side: "S", text: "250 b" },
    { side: "*", text: "TLS established" },
  ]);
  t.close();
  assert.deepEqual(t.lines, live);
  assert.equal(t.toString(), "C: EHLO \xff\x00\nS: 250-a\nS: 250 b\n* TLS established\n");
});

test("transcript: a long command line is kept whole", () => {
  const t = new Transcript();
  const long = "RCPT TO:<" + "x".repeat(20000) + "@example.com>";
  t.command(te.encode(long + "\r\n"));
  t.close();
  assert.equal(t.lines[0].text, long);
});

test("transcript: past its cap, lines are counted, not kept", () => {
  const t = new Transcript();
  const line = te.encode("NOOP " + "x".repeat(1000) + "\r\n");
  const fits = Math.floor(TRANSCRIPT_MAX_CHARS / 1007);
  for (let i = 0; i < fits + 5; i++) t.command(line);
  t.close();
  const lines = t.lines;
  assert.equal(lines.length, fits + 1);
  assert.deepEqual(lines.at(-1), { side: "*", text: "(5 more lines not kept)" });
});

test("transcript store: get(sessionId) finds the kept transcript, not a forgotten one", () => {
  const store = new TranscriptStore(2);
  const attach = (id: number) => store.attach({ observe: (o: Observer) => o.open?.(info(id)) });
  attach(1);
  attach(2);
  assert.equal(store.get(1)?.session?.id, 1);
  attach(3);
  assert.equal(store.get(1), undefined, "the oldest is forgotten");
  assert.equal(store.get(3)?.session?.id, 3);
  assert.equal(store.list().length, 2);
});
