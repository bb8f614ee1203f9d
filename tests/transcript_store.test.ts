// The transcript's compact form: lines read back the same before and after the session ends
// (kept as raw facts, split and escaped only when read), every byte of a command line kept, a
// cap on what one session may make it hold, and the store's lookup of a session's transcript
// by id.
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

/**
 * The lines as the transcript defines them, built eagerly: every reply line, command line and
 * event escaped as it comes, each kept while the characters so far (2 more per line) leave
 * room for it, every other one counted.
 */
class EagerModel {
  lines: { side: string; text: string }[] = [];
  chars = 0;
  dropped = 0;
  ended = false;
  add(side: string, text: string): void {
    if (this.ended || this.chars + text.length > TRANSCRIPT_MAX_CHARS) {
      this.dropped++;
      return;
    }
    this.chars += text.length + 2;
    this.lines.push({ side, text: text.replaceAll("\n", "\\n") });
  }
  read(): { side: string; text: string }[] {
    const out = [...this.lines];
    if (this.dropped) out.push({ side: "*", text: `(${this.dropped} more lines not kept)` });
    return out;
  }
}

test("transcript: lines read lazily equal the lines made eagerly, across the cap", () => {
  let seed = 7;
  const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2147483648) % n;
  for (let round = 0; round < 40; round++) {
    const t = new Transcript();
    const m = new EagerModel();
    // Long lines bring each round to its cap within a few dozen events.
    const size = () => [0, 1, 5, 300, 2000, 9000][next(6)];
    for (let step = 0; step < 80; step++) {
      const kind = next(6);
      if (kind === 0) {
        const text = "NOOP " + "y".repeat(size());
        t.command(te.encode(text + (next(2) ? "\r\n" : "\n")));
        m.add("C", text);
      } else if (kind <= 2) {
        const lines = Array.from(
          { length: 1 + next(4) },
          (_, i) => `x${i}` + "z".repeat(size()) + (next(5) ? "" : "\nlf"),
        );
        const text = lines.map((l, i) => `250${i === lines.length - 1 ? " " : "-"}${l}`)
          .join("\r\n");
        const reply = { code: 250, lines };
        t.reply(next(2) ? Object.freeze(reply) : reply, text);
        for (const line of text.split("\r\n")) m.add("S", line);
      } else if (kind === 3) {
        t.data({ end: "data", lines: 3, bytes: new Uint8Array(40) } as never);
        m.add("C", "(message data: 3 lines, 40 bytes)");
      } else if (kind === 4) {
        t.fault("rcpt", "", "drop");
        m.add("F", "drop (at rcpt)");
      } else {
        t.auth("PLAIN", "u\nv");
        m.add("*", "AUTH PLAIN: authenticated as u\nv");
      }
      if (step === 60 && next(2)) {
        t.close();
        m.ended = true;
      }
    }
    assert.deepEqual(t.lines, m.read(), `round ${round}`);
  }
});

test("transcript: a reply that ends exactly at the cap is kept whole, one char more loses its last line", () => {
  for (const over of [0, 1]) {
    const t = new Transcript();
    const m = new EagerModel();
    const first = "NOOP " + "n".repeat(TRANSCRIPT_MAX_CHARS - 100 - 2 - 5);
    t.command(te.encode(first + "\r\n"));
    m.add("C", first);
    const text = "250-a\r\n250 " + "b".repeat(100 - 11 + over);
    t.reply({ code: 250, lines: ["a", "b"] }, text);
    for (const line of text.split("\r\n")) m.add("S", line);
    assert.deepEqual(t.lines, m.read());
    assert.equal(t.lines.at(-1)!.side, over ? "*" : "S");
  }
});
