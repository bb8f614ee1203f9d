// Bytes as text one char per byte (src/smtp/latin1.ts) and lint's Latin-1 runs
// (src/lint/headers.ts): every byte value, at every run length the helpers treat apart (the
// reused arrays of short runs, one fromCharCode call, several), from any offset.
import { test } from "node:test";
import assert from "node:assert/strict";
import { latin1, latin1Bytes } from "../src/smtp/latin1.ts";
import { latin1Text, scanHeaders } from "../src/lint/headers.ts";

/** The plain definition: one char per byte. */
function expected(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return s;
}

const all = Uint8Array.from({ length: 20000 }, (_, i) => (i * 7 + (i >> 8)) & 0xff);

test("latin1 keeps every byte, whatever the run's length and offset", () => {
  for (const n of [0, 1, 4, 63, 64, 65, 200, 8191, 8192, 8193, 16385, 19990]) {
    for (const from of [0, 3, 9]) {
      const run = all.subarray(from, from + n);
      assert.equal(latin1(all, from, from + n), expected(run), `${n} bytes from ${from}`);
      assert.equal(latin1(run), expected(run));
    }
  }
  // Runs of one length, one after the other, do not see each other's bytes.
  assert.equal(latin1(new Uint8Array([0x61, 0x62, 0x63])), "abc");
  assert.equal(latin1(new Uint8Array([0x78, 0x79, 0x7a])), "xyz");
});

test("lint's Latin-1 runs read 0x80-0x9F as windows-1252, the rest one char per byte", () => {
  const ascii = new TextEncoder().encode("From: Ann\xa0 ");
  assert.equal(latin1Text(ascii, 0, 4), "From");
  assert.equal(latin1Text(new Uint8Array([0x41, 0x80, 0xe9])), "A\u20ac\u00e9");
  assert.equal(latin1Text(new Uint8Array([0x41, 0xa0, 0xe9])), "A\u00a0\u00e9");
});

test("header values are trimmed as String.prototype.trim trims them", () => {
  const b = (s: string) => Uint8Array.from(s, (c) => c.charCodeAt(0));
  const values = (s: string) => scanHeaders(b(s)).fields.map((f) => f.value);
  assert.deepEqual(values("A: \xa0 x \t\r\nB:\r\nC:  y\r\n  z \r\nD: \r\n \x0bw\r\n\r\n"), [
    "x",
    "",
    "y  z",
    "w",
  ]);
  assert.deepEqual(values("E: \x85x\x85\r\n\r\n"), ["\u2026x\u2026"]);
});

test("latin1Bytes: the inverse of latin1 for every byte value", () => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.deepEqual(latin1Bytes(latin1(all)), all);
  assert.deepEqual(latin1Bytes(""), new Uint8Array(0));
});
