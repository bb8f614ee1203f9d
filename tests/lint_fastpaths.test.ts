// Lint's fast paths for clean mail agree with their plain twins on random input: a field's
// place among the known names (matched on its bytes) with its name lower-cased, `field()` by
// place with a search by name, the header scan and the MIME checks told "ASCII" with the
// same calls left to look for themselves, a command line's bare CR found by a loop with the
// `indexOf` search, evidence escaped by runs with the char-by-char escape, counts as text
// with the text made from the entries, and MAIL parameters and EHLO problems read off a
// command's bytes with those of its text (the byte scan's words: lint_scan.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { field, KNOWN_FIELDS, latin1Text, scanHeaders } from "../src/lint/headers.ts";
import { heloProblemOf, mailParams } from "../src/lint/command_args.ts";
import { heloProblem } from "../src/lint/protocol.ts";
import { paramsAfterPath } from "../src/smtp/params.ts";
import { mimeFindings } from "../src/lint/mime.ts";
import { firstBareCr, firstBareCrOfLine } from "../src/lint/line_endings.ts";
import { first8bit } from "../src/lint/eightbit.ts";
import { escapeBytes } from "../src/lint/escape.ts";
import { EVIDENCE_BYTES } from "../src/lint/limits.ts";
import { countsText, type FindingId, type LintCounts } from "../src/lint/linter.ts";
import { CATALOGUE, severityOf } from "../src/lint/catalogue.ts";

const bytesOf = (s: string) => new Uint8Array([...s].map((c) => c.charCodeAt(0) & 0xff));

/** A field name: a known one in random case, one a letter off, or random printable bytes. */
const name = fc.oneof(
  fc.tuple(fc.constantFrom(...KNOWN_FIELDS), fc.array(fc.boolean(), { maxLength: 30 })).map((
    [n, up],
  ) => [...n].map((c, i) => up[i] ? c.toUpperCase() : c).join("")),
  fc.constantFrom(...KNOWN_FIELDS).map((n) => n.slice(0, -1) + "_"),
  fc.constantFrom(...KNOWN_FIELDS).map((n) => n.replace("-", "\r")),
  fc.string({ minLength: 1, maxLength: 12 }),
  fc.integer({ min: 0, max: 255 }).map((b) => `dat${String.fromCharCode(b)}`),
);

const PIECES = [
  "\r\n",
  "\n",
  "\r",
  "text\r\n",
  " folded\r\n",
  "no colon\r\n",
  "\xe9",
  "--b--\r\n",
  "Content-Type: text/html; charset=utf-8\r\n",
  "Content-Type: text/plain; charset=bogus\r\n",
  "Content-Type: multipart/alternative; boundary=b\r\n",
  "--b\r\n",
  "Content-Transfer-Encoding: Base64\r\n",
  "Content-Transfer-Encoding: quoted-printable\r\n",
  "aGVsbG8=",
  "=C3=A9=\r\n",
];

/** Header-ish bytes: fields of those names, and pieces. */
const headerish = fc.array(
  fc.oneof(
    fc.tuple(name, fc.string({ maxLength: 8 })).map(([n, v]) => `${n}:${v}\r\n`),
    fc.constantFrom(...PIECES),
  ),
  { maxLength: 20 },
).map((parts) => bytesOf(parts.join("")));

test("lint fast path: a field's known place and key are those of its name", () => {
  fc.assert(
    fc.property(headerish, (bytes) => {
      for (const f of scanHeaders(bytes).fields) {
        const key = f.name.toLowerCase();
        assert.equal(f.key, key);
        assert.equal(f.known, KNOWN_FIELDS.indexOf(key), f.name);
      }
    }),
    { numRuns: 500 },
  );
});

test("lint fast path: field() finds what a search by lower-cased name finds", () => {
  fc.assert(
    fc.property(headerish, fc.oneof(fc.constantFrom(...KNOWN_FIELDS), name), (bytes, key) => {
      const h = scanHeaders(bytes);
      assert.equal(field(h, key), h.fields.find((f) => f.name.toLowerCase() === key));
    }),
    { numRuns: 500 },
  );
});

test("lint fast path: headers and MIME told the bytes are ASCII find what they find alone", () => {
  // Without a Content-Type, an encoding still has its body checked.
  const cases: [string, string[]][] = [
    ["Content-Transfer-Encoding: base64\r\n\r\n!!\r\n", ["mime-bad-base64"]],
    ["A: b\r\n\r\nx", []],
  ];
  for (const [text, ids] of cases) {
    const bytes = bytesOf(text);
    const h = scanHeaders(bytes);
    const told = mimeFindings(bytes, h, false, true);
    assert.deepEqual(told, mimeFindings(bytes, h, false, false));
    assert.deepEqual(told.map((f) => f.id), ids);
  }
  fc.assert(
    fc.property(headerish, fc.boolean(), (bytes, truncated) => {
      if (first8bit(bytes) >= 0) return;
      const plain = scanHeaders(bytes);
      const told = scanHeaders(bytes, 0, bytes.length, 1, undefined, true);
      assert.deepEqual(
        told.fields.map((f) => [f.name, f.value, f.line, f.at, f.known]),
        plain.fields.map((f) => [f.name, f.value, f.line, f.at, f.known]),
      );
      assert.deepEqual(
        [told.problems, told.bodyAt, told.bodyLine, told.eightBitAt],
        [plain.problems, plain.bodyAt, plain.bodyLine, plain.eightBitAt],
      );
      assert.deepEqual(
        mimeFindings(bytes, told, truncated, true),
        mimeFindings(bytes, plain, truncated, false),
      );
    }),
    { numRuns: 500 },
  );
});

test("lint fast path: a command line's bare CR by a loop is the indexOf search's", () => {
  const line = fc.array(fc.constantFrom("\r", "\n", "\r\n", "a", " ", "\xe9"), { maxLength: 12 })
    .map((parts) => bytesOf(parts.join("")));
  fc.assert(
    fc.property(line, (b) => assert.equal(firstBareCrOfLine(b), firstBareCr(b))),
    { numRuns: 500 },
  );
});

/** Evidence escaping as first written: a char at a time. */
function plainEscape(bytes: Uint8Array, max: number): string {
  let out = "";
  for (let i = 0; i < Math.min(bytes.length, max); i++) {
    const b = bytes[i];
    if (b === 0x0d) out += "\\r";
    else if (b === 0x0a) out += "\\n";
    else if (b === 0x09) out += "\\t";
    else if (b === 0x5c) out += "\\\\";
    else if (b >= 0x20 && b < 0x7f) out += String.fromCharCode(b);
    else out += "\\x" + b.toString(16).padStart(2, "0");
  }
  return bytes.length > max ? out + "…" : out;
}

test("lint fast path: evidence escaped by runs is the char-by-char escape", () => {
  const bytes = fc.array(
    fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x0d, 0x0a, 0x09, 0x5c, 0x41)),
    { maxLength: 200 },
  ).map((a) => new Uint8Array(a));
  fc.assert(
    fc.property(bytes, fc.integer({ min: 0, max: 150 }), (b, max) => {
      assert.equal(escapeBytes(b, max), plainEscape(b, max));
      assert.equal(escapeBytes(b), plainEscape(b, EVIDENCE_BYTES));
    }),
    { numRuns: 500 },
  );
});

/** Counts as text as first written: from the entries, by severity. */
function plainCountsText(counts: LintCounts): string {
  const entries = Object.entries(counts) as [FindingId, number][];
  if (entries.length === 0) return "clean";
  const parts: string[] = [];
  for (const severity of ["error", "warning", "info"]) {
    const of = entries.filter(([id]) => severityOf(id) === severity);
    if (of.length === 0) continue;
    const n = of.reduce((sum, [, k]) => sum + k, 0);
    const names = of.map(([id, k]) => k > 1 ? `${id} ×${k}` : id).join(", ");
    parts.push(`${n} ${severity}${n === 1 ? "" : "s"} (${names})`);
  }
  return parts.join(", ");
}

test("lint fast path: counts as text without entries are the plain text", () => {
  const counts = fc.dictionary(
    fc.constantFrom(...(Object.keys(CATALOGUE) as FindingId[])),
    fc.integer({ min: 1, max: 5 }),
  );
  fc.assert(
    fc.property(counts, (c) => assert.equal(countsText(c), plainCountsText(c))),
    { numRuns: 300 },
  );
});

/** A MAIL argument's bytes: pieces around paths, parameters and blanks. */
const mailArg = fc.array(
  fc.constantFrom(
    "FROM",
    ":",
    "<",
    ">",
    "a@b.example",
    " ",
    "\t",
    "SIZE=10",
    ">BODY",
    "\xe9",
    "\x85",
  ),
  { maxLength: 10 },
).map((parts) => bytesOf(parts.join("")));

test("lint fast path: MAIL parameters off the bytes are paramsAfterPath's of the text", () => {
  const of = (s: string) => mailParams(bytesOf(s), 0, s.length);
  assert.deepEqual(of("FROM:<a@b>"), {});
  assert.deepEqual(of("FROM:<a@b>X"), { X: true });
  assert.deepEqual(of("FROM:<a@b>>"), { ">": true });
  assert.deepEqual(of("FROM:<a@b> SIZE=1"), { SIZE: "1" });
  fc.assert(
    fc.property(mailArg, fc.nat(3), (arg, pad) => {
      const raw = new Uint8Array(pad + arg.length + 2);
      raw.set(arg, pad);
      const text = latin1Text(arg);
      const colon = text.indexOf(":");
      const plain = paramsAfterPath(colon < 0 ? "" : text.slice(colon + 1));
      assert.deepEqual(mailParams(raw, pad, pad + arg.length), plain);
    }),
    { numRuns: 1000 },
  );
});

test("lint fast path: an EHLO argument's problem by its bytes is heloProblem's of its text", () => {
  const name = fc.array(fc.constantFrom("a", "b", ".", "-", " ", "[", "1", "\xe9", "\x85"), {
    maxLength: 6,
  }).map((parts) => bytesOf(parts.join("")));
  fc.assert(
    fc.property(fc.array(name, { minLength: 1, maxLength: 8 }), (names) => {
      // One buffer written over for each name, as a reader's reused buffer is.
      const raw = new Uint8Array(64);
      for (const n of names) {
        raw.set(n, 5);
        assert.equal(heloProblemOf(raw, 5, 5 + n.length), heloProblem(latin1Text(n)));
      }
    }),
    { numRuns: 500 },
  );
});
