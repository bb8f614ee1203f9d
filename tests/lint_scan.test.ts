// lint's one-pass byte scan (src/lint/scan.ts) finds exactly what each rule's own search
// finds: the first bare LF, bare CR, smuggling dot, 8-bit byte and over-long line, on random
// bytes made of line endings, dots and long runs. The searches below are the plain per-rule
// definitions the scan replaced on the hot path.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { MAX_LINE, scanBytes } from "../src/lint/scan.ts";
import { firstBareCr, firstBareLf } from "../src/lint/line_endings.ts";
import { first8bit } from "../src/lint/eightbit.ts";

/**
 * Line endings around dots in every combination the rules tell apart, 8-bit bytes, and bytes
 * on either side of 0x0e (the scan reads words without one below it as they are).
 */
const PIECES = "\r\n|\n|\r|.|..|\r\n.\r\n|\n.\n|\r.\r\n|a|\xe9|\x80|\t|\x0e|\x0c".split("|");

const bytes = fc.array(
  fc.oneof(
    fc.constantFrom(...PIECES),
    fc.integer({ min: 990, max: 1005 }).map((n) => "x".repeat(n)),
    fc.integer({ min: 0, max: 255 }).map((b) => String.fromCharCode(b)),
  ),
  { maxLength: 30 },
).map((parts) => new Uint8Array([...parts.join("")].map((c) => c.charCodeAt(0))));

/**
 * The first `.` alone on a line with a bare line ending before or after it, written out case
 * by case apart from the scan's own predicate (which line_endings.ts shares).
 */
function firstSmuggledDot(b: Uint8Array): number {
  for (let i = 0; i < b.length; i++) {
    if (b[i] !== 0x2e) continue;
    const after = b[i + 1] === 0x0d && b[i + 2] === 0x0a
      ? "crlf"
      : b[i + 1] === 0x0d || b[i + 1] === 0x0a
      ? "bare"
      : "none";
    if (after === "none") continue;
    let before: "crlf" | "bare" | "none";
    if (i === 0) before = "crlf"; // data starts after DATA's CRLF
    else if (b[i - 1] === 0x0a) before = i >= 2 && b[i - 2] === 0x0d ? "crlf" : "bare";
    else if (b[i - 1] === 0x0d) before = "bare";
    else before = "none";
    if (before === "none") continue;
    if (before === "bare" || after === "bare") return i;
  }
  return -1;
}

/** The first line longer than MAX_LINE octets (CRLF or LF excluded): its start and length. */
function firstLongLine(b: Uint8Array): [number, number] {
  for (let start = 0; start < b.length;) {
    let end = b.indexOf(0x0a, start);
    if (end < 0) end = b.length;
    const len = (end > start && b[end - 1] === 0x0d ? end - 1 : end) - start;
    if (len > MAX_LINE) return [start, len];
    start = end + 1;
  }
  return [-1, 0];
}

test("scanBytes agrees with each rule's own search", () => {
  fc.assert(
    fc.property(bytes, (b) => {
      const scan = scanBytes(b);
      assert.equal(scan.bareLf, firstBareLf(b), "bare LF");
      assert.equal(scan.bareCr, firstBareCr(b), "bare CR");
      assert.equal(scan.smuggledDot, firstSmuggledDot(b), "smuggling dot");
      assert.equal(scan.eightBit, first8bit(b), "8-bit");
      assert.deepEqual([scan.longLineAt, scan.longLineLength], firstLongLine(b), "long line");
    }),
    { numRuns: 500 },
  );
});

test("scanBytes by words finds what it finds byte by byte, at any offset in a buffer", () => {
  fc.assert(
    fc.property(bytes, fc.nat(7), fc.nat(80), (b, offset, wordsFrom) => {
      // A view at any offset, as of a reader's chunk: words start where the buffer allows.
      const view = new Uint8Array(offset + b.length + 3).subarray(offset, offset + b.length);
      view.set(b);
      assert.deepEqual(scanBytes(view, wordsFrom), scanBytes(b, Infinity));
    }),
    { numRuns: 1000 },
  );
});

test("scanBytes by words finds what it finds byte by byte across the pieces it copies", () => {
  // 16 KiB pieces: faults and line ends near their edges, in 40,000 bytes of CRLF lines.
  const edge = fc.oneof(
    fc.integer({ min: 16380, max: 16388 }),
    fc.integer({ min: 32764, max: 32772 }),
    fc.nat(39999),
  );
  const put = fc.tuple(edge, fc.constantFrom(0x0a, 0x0d, 0xe9, 0x2e, 0x00, 0x0e));
  fc.assert(
    fc.property(fc.array(put, { maxLength: 6 }), (puts) => {
      const b = new Uint8Array(40000).fill(0x78);
      for (let i = 998; i < b.length; i += 999) b.set([0x0d, 0x0a], i - 1);
      for (const [at, byte] of puts) b[at] = byte;
      assert.deepEqual(scanBytes(b), scanBytes(b, Infinity));
    }),
    { numRuns: 300 },
  );
});

test("scanBytes on clean mail finds nothing, and each fault where it is", () => {
  const enc = (s: string) => new Uint8Array([...s].map((c) => c.charCodeAt(0)));
  const clean = scanBytes(enc("From: <a@example.com>\r\n\r\nhi.\r\n..\r\n"));
  assert.deepEqual(clean, {
    bareLf: -1,
    bareCr: -1,
    smuggledDot: -1,
    eightBit: -1,
    longLineAt: -1,
    longLineLength: 0,
  });
  assert.equal(scanBytes(enc("a\r.\r\nb")).smuggledDot, 2, "after a bare CR");
  const dirty = scanBytes(enc(`a\nb\rc\xe9\r\n.\n${"y".repeat(999)}`));
  assert.deepEqual(dirty, {
    bareLf: 1,
    bareCr: 3,
    smuggledDot: 8,
    eightBit: 5,
    longLineAt: 10,
    longLineLength: 999,
  });
});
