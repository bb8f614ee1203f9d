// LineReader.readLineWithin, the body-line read of src/smtp/framing.ts, driven without sockets:
// the same lines and drops whatever the chunk boundaries, a line over the cap never returned
// nor kept, and what follows a dropped line left for the next read.
import { test } from "node:test";
import assert from "node:assert/strict";
import { LINE_DROPPED, LineReader } from "../src/smtp/framing.ts";

const te = new TextEncoder();
const td = new TextDecoder();

/** A source that hands out `bytes` in pieces of the given sizes (the rest in one), then EOF. */
function source(bytes: Uint8Array, sizes: number[]): () => Promise<Uint8Array | null> {
  let off = 0;
  let i = 0;
  return () => {
    if (off >= bytes.length) return Promise.resolve(null);
    const n = sizes[i++] ?? bytes.length - off;
    const chunk = bytes.slice(off, off + n);
    off += n;
    return Promise.resolve(chunk);
  };
}

/** Every result of readLineWithin(cap) until null, as text or "<dropped>". */
async function readAll(input: string, cap: number, sizes: number[]): Promise<string[]> {
  const reader = new LineReader(source(te.encode(input), sizes), 1 << 20);
  const out: string[] = [];
  for (;;) {
    const line = await reader.readLineWithin(cap);
    if (line === null) return out;
    out.push(line === LINE_DROPPED ? "<dropped>" : td.decode(line));
  }
}

const INPUT = "short\r\n" + "x".repeat(40) + "\r\nabcdefghij\n" + "y".repeat(11) + "\nend";

test("framing: readLineWithin drops lines over the cap, whatever the chunk boundaries", async () => {
  const expected = ["short\r\n", "<dropped>", "<dropped>", "<dropped>", "end"];
  // cap 10: "short\r\n" (7 bytes) is kept, "abcdefghij\n" (11) dropped like the longer ones.
  const splits = [[], [1], Array(30).fill(3), [7], [8, 50], [60, 1, 1, 1]];
  for (const sizes of splits) {
    assert.deepEqual(await readAll(INPUT, 10, sizes), expected, `chunks ${sizes}`);
  }
});

test("framing: a line of exactly the cap is returned, one byte more is dropped", async () => {
  for (const sizes of [[], [2], [5, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]]) {
    assert.deepEqual(await readAll("abcd\r\nabcde\r\nab\n", 6, sizes), [
      "abcd\r\n",
      "<dropped>",
      "ab\n",
    ]);
  }
});

test("framing: end of input inside a dropped line gives null; readLine keeps its cap error", async () => {
  assert.deepEqual(await readAll("ok\n" + "z".repeat(100), 10, [3, 20, 20]), ["ok\n"]);
  const reader = new LineReader(source(te.encode("q".repeat(100) + "\n"), [30, 30]), 50);
  await assert.rejects(reader.readLine(), { name: "LineTooLongError" });
});

test("framing: a dropped line keeps at most its cap and a chunk buffered", async () => {
  // One 1 MiB line without LF in 4 KiB chunks, a cap of 8 KiB: watch the buffer while it drops.
  const chunk = 4096;
  const pieces = source(new Uint8Array(chunk * 256).fill(0x61), Array(256).fill(chunk));
  let most = 0;
  let reads = 0;
  const reader: LineReader = new LineReader(() => {
    most = Math.max(most, reader.buffered);
    reads++;
    return pieces();
  }, 1 << 20);
  assert.equal(await reader.readLineWithin(8192), null);
  assert.ok(reads > 256, `${reads} reads: the whole line was read`);
  assert.ok(most <= 8192 + chunk, `buffered up to ${most} bytes`);
});
