// The reading modes of src/smtp/framing.ts, driven without sockets: readLineWithin (the same
// lines and drops whatever the chunk boundaries, a line over the cap never returned nor kept,
// what follows a dropped line left for the next read), readBytes (BDAT) and readData (DATA
// bodies under each terminator policy).
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  type DataEnding,
  type DataOptions,
  GrowingBody,
  LINE_DROPPED,
  LineReader,
  readData,
  ReservedBody,
} from "../src/smtp/framing.ts";

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

test("framing: readLine refuses a line over maxLine whether its LF came with it or not", async () => {
  // maxLine 8: "1234567\n" (8 bytes) is a line, "abcdefgh\n" (9) is not, nor is a longer
  // last line without LF; dropLine skips a refused line, through its LF or to the end.
  const input = te.encode("1234567\nabcdefgh\nok\n" + "z".repeat(20) + "\r\nend" + "w".repeat(9));
  const expected = ["1234567\n", "<too long>", "ok\n", "<too long>", "<too long>", "<cut>"];
  for (const sizes of [[], [1], Array(60).fill(1), [9], [17], [20, 30]]) {
    const reader = new LineReader(source(input, sizes), 8);
    const got: string[] = [];
    for (;;) {
      let line: Uint8Array | null;
      try {
        line = await reader.readLine();
      } catch (e) {
        assert.equal((e as Error).name, "LineTooLongError");
        got.push("<too long>");
        if ((await reader.dropLine()) === null) got.push("<cut>");
        continue;
      }
      if (line === null) break;
      got.push(td.decode(line));
    }
    assert.deepEqual(got, expected, `chunks ${sizes}`);
  }
});

test("framing: a failed read fails the waits for it, with or without a deadline, then reading goes on", async () => {
  // Reads without a deadline wait on the source's read itself, those with one through the
  // reader's hooks: a failure reaches both kinds, is consumed by a wait with a deadline, and
  // the next read asks the source again.
  const replies = [
    () => Promise.reject(new Error("reset")),
    () => Promise.resolve(te.encode("NOOP\r\nQUIT\r\n")),
    () => Promise.resolve(null),
  ];
  let calls = 0;
  const reader = new LineReader(() => replies[calls++](), 512);
  await assert.rejects(reader.readLine(), { message: "reset" });
  await assert.rejects(reader.readLine(), { message: "reset" });
  assert.equal(calls, 1, "the failed read is the one still waited for");
  await assert.rejects(reader.readLine(Date.now() + 60_000), { message: "reset" });
  assert.equal(calls, 1);
  assert.equal(td.decode((await reader.readLine())!), "NOOP\r\n");
  assert.equal(td.decode((await reader.readLine(Date.now() + 60_000))!), "QUIT\r\n");
  assert.equal(await reader.readLine(), null);
  assert.equal(calls, 3);
  // A read started ahead, waited for without a deadline once it has arrived.
  const ahead = new LineReader(source(te.encode("EHLO x\r\n"), []), 512);
  await ahead.readAhead();
  assert.equal(td.decode((await ahead.readLine())!), "EHLO x\r\n");
  assert.equal(await ahead.readLine(Date.now() + 60_000), null);
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

test("framing: a dropped line's ending is known, also when its CR and LF arrive apart", async () => {
  const input = te.encode("x".repeat(20) + "\r\n" + "y".repeat(20) + "\nz\n");
  for (const sizes of [[], [21], [20, 1], [5, 5, 5, 5, 1, 1, 21], Array(50).fill(1)]) {
    const reader = new LineReader(source(input, sizes), 1 << 20);
    assert.equal(await reader.readLineWithin(10), LINE_DROPPED);
    assert.equal(reader.droppedCrlf, true, `CRLF, chunks ${sizes}`);
    assert.equal(await reader.readLineWithin(10), LINE_DROPPED);
    assert.equal(reader.droppedCrlf, false, `bare LF, chunks ${sizes}`);
    assert.equal(td.decode((await reader.readLineWithin(10)) as Uint8Array), "z\n");
  }
});

test("framing: readBytes reads BDAT chunks of exactly n bytes between command lines", async () => {
  const input = te.encode("BDAT 5\r\nab\r\ncBDAT 3 LAST\r\n\r\n.QUIT\r\n");
  for (const sizes of [[], [1], [9, 2, 1], Array(40).fill(1)]) {
    const reader = new LineReader(source(input, sizes), 100);
    assert.equal(td.decode((await reader.readLine())!), "BDAT 5\r\n");
    assert.equal(td.decode((await reader.readBytes(5))!), "ab\r\nc");
    assert.equal(td.decode((await reader.readLine())!), "BDAT 3 LAST\r\n");
    assert.equal(td.decode((await reader.readBytes(3))!), "\r\n.");
    assert.equal(td.decode((await reader.readLine())!), "QUIT\r\n");
    assert.equal(await reader.readBytes(1), null, "end of input");
  }
  const short = new LineReader(source(te.encode("abc"), [1]), 100);
  assert.equal(await short.readBytes(4), null, "input ending inside a chunk");
  assert.equal((await new LineReader(source(te.encode(""), []), 1).readBytes(0))?.length, 0);
});

/** readData over `input` in pieces of `sizes`; the result as text, then the next line. */
async function data(
  input: string,
  sizes: number[],
  options: Omit<DataOptions, "body">,
): Promise<string[]> {
  const reader = new LineReader(source(te.encode(input), sizes), 1 << 20);
  const r = await readData(reader, { ...options, body: new GrowingBody(1 << 20) });
  const next = await reader.readLine();
  return [
    r.end === "data" ? `data ${td.decode(r.bytes)}` : r.end,
    String(r.lines),
    next ? td.decode(next) : "EOF",
  ];
}

/** go-smtp-mock's policy: a line starts after any LF, `.` CRLF ends the body. */
const any: DataEnding = {
  lineStart: "any",
  dotCrlf: true,
  dotLf: false,
  sameEnding: false,
  keepLoneDot: false,
};

const SPLITS = [[], [1], [2], [3, 1], Array(200).fill(1), [7, 11, 13]];

test("framing: readData ends, unstuffs and bounds a body by the dialect's policy, whatever the chunks", async () => {
  const crlfOnly: DataEnding = { ...any, lineStart: "crlf" };
  const sameEnding: DataEnding = { ...any, dotLf: true, sameEnding: true, keepLoneDot: true };
  const base = { maxSize: 100, overflow: "stop" as const };
  const cases: [string, Omit<DataOptions, "body">, string[]][] = [
    // go-smtp-mock: `.` CRLF after any line end ends the body (the smuggling shape).
    ["a\n.\r\nQUIT\r\n", { ...base, ending: any }, ["data a\n", "1", "QUIT\r\n"]],
    // strict: only after CRLF; a dot after a bare LF is content and stays.
    ["a\n.\r\n..b\r\n.\r\nQUIT\r\n", { ...base, ending: crlfOnly }, [
      "data a\n.\r\n.b\r\n",
      "3",
      "QUIT\r\n",
    ]],
    // msmtpd-like: `.` LF ends after a bare-LF line only; `.` lines that end nothing keep the dot.
    ["x\r\n.\nx\n.\r\ny\n.\nQ\n", { ...base, ending: sameEnding }, [
      "data x\r\n.\nx\n.\r\ny\n",
      "5",
      "Q\n",
    ]],
    ["..\r\n.\r\nQ\n", { ...base, ending: sameEnding, afterCrlf: true }, [
      "data .\r\n",
      "1",
      "Q\n",
    ]],
    [".\r\n", { ...base, ending: sameEnding, afterCrlf: false }, ["cut", "1", "EOF"]],
    // stop: the line that passes the limit ends the read, the rest is left for commands.
    ["1234\r\n56789\r\n.\r\nQ\r\n", { ...base, maxSize: 8, ending: any }, [
      "too-big",
      "2",
      ".\r\n",
    ]],
    // drain: read on to the end; lines over the cap are dropped, not kept.
    ["1234\r\n" + "x".repeat(300) + "\r\n.\r\nQ\r\n", {
      ...base,
      maxSize: 8,
      overflow: "drain",
      ending: any,
    }, ["too-big", "2", "Q\r\n"]],
    // A line cap makes an over-long line its own failure.
    ["ab\r\n" + "x".repeat(30) + "\r\n.\r\nQ\r\n", {
      ...base,
      maxLine: 10,
      overflow: "drain",
      ending: crlfOnly,
    }, ["line-too-long", "2", "Q\r\n"]],
    // After a dropped line ending in a bare LF, no line starts in a CRLF-only body.
    [
      "x".repeat(30) + "\n.\r\nQ\r\n",
      { ...base, maxLine: 10, overflow: "drain", ending: crlfOnly },
      ["cut", "3", "EOF"],
    ],
    ["no end\r\n.", { ...base, ending: any }, ["cut", "1", "EOF"]],
  ];
  for (const [input, options, expected] of cases) {
    for (const sizes of SPLITS) {
      assert.deepEqual(
        await data(input, sizes, options),
        expected,
        `${JSON.stringify(input)} in ${sizes}`,
      );
    }
  }
});

test("framing: readData calls onLine for every line and stops once its signal aborts", async () => {
  let seen = 0;
  const out = await data("a\r\nb\r\n.\r\n", [], {
    ending: any,
    maxSize: 10,
    overflow: "stop",
    onLine: () => seen++,
  });
  assert.deepEqual(out, ["data a\r\nb\r\n", "2", "EOF"]);
  assert.equal(seen, 3, "the final `.` line too");
  const stop = new AbortController();
  const aborted = await data("a\r\nb\r\n.\r\n", [], {
    ending: any,
    maxSize: 10,
    overflow: "stop",
    signal: stop.signal,
    onLine: () => stop.abort(),
  });
  // The line after the abort is read, not taken.
  assert.deepEqual(aborted, ["aborted", "1", ".\r\n"]);
});

test("framing: without a line cap a long body line streams into the store (a chunk buffered)", async () => {
  const chunk = 4096;
  const line = "x".repeat(chunk * 256 - 2) + "\r\n";
  for (const overflow of ["stop", "drain"] as const) {
    const pieces = source(te.encode(line + ".\r\nNEXT\r\n"), Array(260).fill(chunk));
    let most = 0;
    const reader: LineReader = new LineReader(() => {
      most = Math.max(most, reader.buffered);
      return pieces();
    }, 1 << 20);
    const body = new GrowingBody(2 << 20);
    const r = await readData(reader, { ending: any, body, maxSize: 2 << 20, overflow });
    assert.equal(r.end, "data");
    assert.equal(r.end === "data" && td.decode(r.bytes), line);
    assert.ok(most <= 2, `${overflow}: the reader held ${most} bytes before a read`);
    assert.equal(td.decode((await reader.readLine())!), "NEXT\r\n");
  }
});

test("framing: GrowingBody copies a one-piece body at its size and keeps a later piece's bytes", () => {
  const chunk = te.encode("Subject: x\r\n\r\nhello\r\n.\r\n");
  const one = new GrowingBody(1 << 20);
  one.push(chunk.subarray(0, 19));
  const bytes = one.bytes();
  assert.equal(td.decode(bytes), "Subject: x\r\n\r\nhello");
  assert.notEqual(bytes.buffer, chunk.buffer, "the reader's chunk is not kept alive");
  assert.equal(bytes.buffer.byteLength, 19, "no larger buffer behind the copy");
  for (const total of [1, 100, 8192, 8193, 100_000]) {
    const body = new GrowingBody(1 << 20);
    const expected = new Uint8Array(total).map((_, i) => i % 251);
    body.push(new Uint8Array(0));
    for (let at = 0; at < total; at += 1000) body.push(expected.subarray(at, at + 1000));
    assert.equal(body.length, total);
    assert.deepEqual(body.bytes(), expected, `${total} bytes`);
  }
  const cleared = new GrowingBody(100);
  cleared.push(te.encode("abc"));
  cleared.clear();
  cleared.push(te.encode("de"));
  assert.equal(td.decode(cleared.bytes()), "de");
});

test("framing: ReservedBody keeps the bytes across its move from the small buffer", () => {
  for (const total of [0, 100, 8192, 8193, 100_000]) {
    const body = new ReservedBody(1 << 20);
    const expected = new Uint8Array(total).map((_, i) => i % 251);
    for (let at = 0; at < total; at += 1000) body.push(expected.subarray(at, at + 1000));
    assert.deepEqual(body.bytes(), expected, `${total} bytes`);
  }
  const full = new ReservedBody(10);
  full.push(te.encode("0123456789"));
  assert.equal(td.decode(full.bytes()), "0123456789", "a capacity under the small buffer");
  full.clear();
  assert.equal(full.bytes().length, 0);
});

test("framing: ReservedBody reserves address space only past 1 MiB, 64 MiB or 4x the size", () => {
  // Reservations are limited in sum (both runtimes fail near 28,000 of 64 MiB) and a library
  // may keep thousands of mails: a mail of up to 1 MiB must stay a plain array.
  const pushed = (capacity: number, total: number) => {
    const body = new ReservedBody(capacity);
    const piece = new Uint8Array(64 * 1024).fill(0x78);
    for (let at = 0; at < total; at += piece.length) {
      body.push(piece.subarray(0, Math.min(piece.length, total - at)));
    }
    return body.bytes().buffer as ArrayBuffer;
  };
  const cap = 1 << 30;
  assert.equal(pushed(cap, 100_000).resizable, false, "100 kB");
  assert.equal(pushed(cap, 1 << 20).resizable, false, "1 MiB");
  const big = pushed(cap, (1 << 20) + 1);
  assert.equal(big.resizable, true, "past 1 MiB");
  assert.equal(big.maxByteLength, 64 << 20);
  assert.equal(pushed(cap, 20 << 20).maxByteLength, 64 << 20, "20 MiB");
  assert.equal(pushed(cap, 70 << 20).maxByteLength, 4 * (128 << 20), "70 MiB: 4x its doubled size");
  assert.equal(pushed(3 << 20, 2 << 20).maxByteLength, 3 << 20, "never more than the capacity");
});

test("framing: readLineThen(f) gives what readLine().then(f) gives, whatever the chunks", async () => {
  const input = te.encode("EHLO a\r\nMAIL FROM:<b>\r\n" + "z".repeat(30) + "\r\nlast");
  for (const sizes of [[], [8, 15, 32], [3, 1, 9], [5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5]]) {
    const results = async (
      thenOf: (r: LineReader, f: (l: Uint8Array | null) => string) => Promise<string>,
    ) => {
      const reader = new LineReader(source(input, sizes), 20);
      const out: string[] = [];
      let calls = 0;
      const f = (line: Uint8Array | null) => (calls++, line === null ? "<eof>" : td.decode(line));
      for (let i = 0; i < 6; i++) {
        // A line over the cap stays until dropped, as a dialect drops it.
        const line = await thenOf(reader, f).catch((e: Error) => e.name);
        if (line === "LineTooLongError") await reader.dropLine();
        out.push(line);
      }
      return { out, calls };
    };
    const direct = await results((r, f) => r.readLineThen(f));
    const chained = await results((r, f) => r.readLine().then(f));
    assert.deepEqual(direct, chained, `chunks ${sizes}`);
    assert.deepEqual(direct, {
      out: ["EHLO a\r\n", "MAIL FROM:<b>\r\n", "LineTooLongError", "last", "<eof>", "<eof>"],
      calls: 5,
    }, `chunks ${sizes}`);
  }
});

test("framing: readLineThen on a read that fails rejects without calling its function", async () => {
  const reader = new LineReader(() => Promise.reject(new Error("reset")), 100);
  let called = false;
  await assert.rejects(reader.readLineThen(() => (called = true)), /reset/);
  assert.equal(called, false);
});

test("framing: takeAhead tells what a read ahead brought by then, taken or not, once", async () => {
  // Arrived (its hook has run) and already taken as a line: still told.
  const taken = new LineReader(source(te.encode("EHLO x\r\n"), []), 512);
  await taken.readAhead();
  assert.equal(td.decode((await taken.readLine())!), "EHLO x\r\n");
  assert.equal(td.decode(taken.takeAhead()!), "EHLO x\r\n");
  assert.equal(taken.takeAhead(), undefined, "asked once");
  // Not arrived when asked: undefined, and its later arrival is not kept.
  let arrive!: (chunk: Uint8Array | null) => void;
  const late = new LineReader(() => new Promise((resolve) => (arrive = resolve)), 512);
  late.readAhead();
  assert.equal(late.takeAhead(), undefined);
  arrive(te.encode("QUIT\r\n"));
  assert.equal(td.decode((await late.readLine())!), "QUIT\r\n");
  assert.equal(late.takeAhead(), undefined);
  // End of input before asking: null, not a chunk.
  const eof = new LineReader(() => Promise.resolve(null), 512);
  await eof.readAhead();
  assert.equal(eof.takeAhead(), null);
});
