// Property tests with fixed seeds: any bytes, and well-formed mails cut and spliced at random,
// parse into a view with the raw bytes intact, never an exception; any search text parses and
// runs; the store keeps its caps and counts whatever arrives.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { parseMessage } from "../src/mime/view.ts";
import { parseQuery } from "../src/capture/query.ts";
import { CaptureStore } from "../src/capture/store.ts";
import { crlf, received } from "./helpers/capture.ts";

const enc = (s: string) => new TextEncoder().encode(s);

const SEED = crlf(
  "From: A <a@example.com>",
  "To: b+t@example.com",
  "Subject: =?UTF-8?B?w6k=?= code 123456",
  'Content-Type: multipart/mixed; boundary="x"',
  "",
  "--x",
  'Content-Type: multipart/alternative; boundary="y"',
  "",
  "--y",
  "Content-Type: text/plain; charset=iso-8859-1",
  "Content-Transfer-Encoding: quoted-printable",
  "",
  "caf=E9 https://a.example/ =",
  "--y",
  "Content-Type: text/html",
  "",
  '<a href="https://b.example/?a=1&amp;b=2">x</a><style>p{}</style>',
  "--y--",
  "--x",
  "Content-Type: application/octet-stream; name=f.bin",
  "Content-Transfer-Encoding: base64",
  "",
  "AAECAwQ=",
  "--x--",
);

/** The seed mail with a random slice removed and random bytes put in its place. */
const mutated = fc.tuple(
  fc.nat({ max: SEED.length }),
  fc.nat({ max: 200 }),
  fc.uint8Array({ maxLength: 64 }),
).map(([at, cut, junk]) => {
  const seed = enc(SEED);
  const out = new Uint8Array(seed.length - Math.min(cut, seed.length - at) + junk.length);
  out.set(seed.subarray(0, at));
  out.set(junk, at);
  out.set(seed.subarray(Math.min(seed.length, at + cut)), at + junk.length);
  return out;
});

const anyMail = fc.oneof(fc.uint8Array({ maxLength: 2048 }), mutated);

test("mime properties: any input gives a view with its raw bytes, never an exception", async () => {
  await fc.assert(
    fc.asyncProperty(anyMail, async (raw) => {
      const v = await parseMessage(raw);
      assert.equal(v.raw, raw);
      assert.equal(v.size, raw.length);
      assert.equal(typeof v.subject, "string");
      assert.ok(Array.isArray(v.links) && Array.isArray(v.codes));
      for (const p of [...v.attachments, ...v.inline]) {
        assert.match(p.partId, /^\d+(\.\d+)*$/);
        assert.equal(p.size, p.content.length);
        assert.match(p.checksums.sha256, /^[0-9a-f]{64}$/);
      }
      for (const l of v.links) assert.match(l, /^https?:\/\//i);
    }),
    { numRuns: 300, seed: 0xc0de11 },
  );
});

test("capture properties: any search text parses and runs; negation flips every term", async () => {
  const store = new CaptureStore();
  const raws = fc.sample(anyMail, { numRuns: 40, seed: 0x5ea7c4 });
  for (const raw of raws) await store.add(received(raw));
  const word = fc.stringMatching(/^[a-z0-9][a-z0-9@.+:-]{0,11}$/);
  const prefix = fc.constantFrom(
    "",
    "to:",
    "from:",
    "subject:",
    "tag:",
    "larger:",
    "after:",
    "is:",
  );
  await fc.assert(
    fc.asyncProperty(fc.string({ maxLength: 60 }), prefix, word, (anyText, p, w) => {
      parseQuery(anyText).matches(store.list()[0]);
      const q = parseQuery(p + w);
      const neg = parseQuery("-" + p + w);
      if (q.empty) return;
      const n = store.list(q).length + store.list(neg).length;
      assert.equal(n, store.size, `${p}${w}: a term and its negation split the store`);
    }),
    { numRuns: 300, seed: 0xfeed42 },
  );
});

test("capture properties: count and byte caps hold, counts add up, whatever arrives", async () => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(anyMail, { minLength: 1, maxLength: 30 }),
      fc.integer({ min: 1, max: 10 }),
      fc.integer({ min: 0, max: 8000 }),
      async (mails, max, maxBytes) => {
        const store = new CaptureStore({ max, maxBytes });
        let last = "";
        for (const raw of mails) last = (await store.add(received(raw))).id;
        assert.ok(store.size >= 1 && store.size <= max);
        assert.ok(maxBytes === 0 || store.size === 1 || store.bytes <= maxBytes);
        assert.equal(store.list()[0].id, last, "the newest is always kept");
        assert.equal(store.bytes, store.list().reduce((n, m) => n + m.size, 0));
        const page = store.search(undefined, { limit: 3 });
        assert.equal(page.total, store.size);
        assert.equal(page.count, Math.min(3, store.size));
      },
    ),
    { numRuns: 60, seed: 0xb0b },
  );
});
