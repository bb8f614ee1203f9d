// Mailpit's search language over stored messages: each term, negation with - and !, quoted
// phrases, dates, sizes, case, the terms Mailpit drops, and our auth:/ip:/helo:/lint: terms.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CaptureStore } from "../src/capture/store.ts";
import { parseDate, parseQuery, parseSize, splitArgs } from "../src/capture/query.ts";
import { crlf, plainMail, received } from "./helpers/capture.ts";

/** Three different mails in one store; returns the store and a lookup by subject. */
async function fixture() {
  const store = new CaptureStore();
  await store.add(
    received(
      plainMail({
        From: '"Alice Smith" <alice@example.com>',
        To: "Bob <bob+run42@example.com>",
        Cc: "carol@example.org",
        "Reply-To": "replies@example.com",
        Subject: "Welcome aboard",
        "Message-ID": "<welcome-1@example.com>",
      }, "Your verification code is 482913.\nThanks for signing up."),
      {
        to: ["bob+run42@example.com", "carol@example.org", "hidden@example.net"],
        authUser: "alice",
        helo: "mail.alice.example",
        receivedAt: new Date(2026, 5, 10, 9, 0),
      },
    ),
    { lint: [{ id: "bare-lf", severity: "warning" }] },
  );
  await store.add(
    received(
      crlf(
        "From: Dave <dave@example.net>",
        "To: erin@example.com",
        "Subject: Invoice attached",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="b1"',
        "",
        "--b1",
        "Content-Type: text/plain",
        "",
        "Please find the invoice.",
        "--b1",
        "Content-Type: application/pdf; name=invoice.pdf",
        "Content-Disposition: attachment; filename=invoice.pdf",
        "Content-Transfer-Encoding: base64",
        "",
        btoa("%PDF-1.4 " + "x".repeat(3000)),
        "--b1--",
      ),
      {
        from: "bounce@example.net",
        to: ["erin@example.com"],
        remoteAddress: { hostname: "::ffff:10.0.0.7", port: 1 },
        receivedAt: new Date(2026, 5, 12, 18, 30),
      },
    ),
  );
  await store.add(
    received(
      plainMail({ From: "frank@example.com", To: "grace@example.com", Subject: "lunch?" }, "hi"),
      { to: ["grace@example.com"], receivedAt: new Date(2026, 5, 14, 12, 0) },
    ),
  );
  const subjects = (q: string) => store.list(q).map((m) => m.summary.subject);
  return { store, subjects };
}

test("capture query: address terms match names or addresses, substring, ignoring case", async () => {
  const { subjects } = await fixture();
  assert.deepEqual(subjects("to:bob"), ["Welcome aboard"]);
  assert.deepEqual(subjects("TO:ERIN@EXAMPLE.COM"), ["Invoice attached"]);
  assert.deepEqual(subjects("from:smith"), ["Welcome aboard"]);
  assert.deepEqual(subjects('from:"Alice Smith"'), ["Welcome aboard"]);
  assert.deepEqual(subjects("cc:carol"), ["Welcome aboard"]);
  assert.deepEqual(subjects("reply-to:replies@"), ["Welcome aboard"]);
  assert.deepEqual(subjects("addressed:grace"), ["lunch?"]);
  assert.deepEqual(subjects("to:nobody"), []);
});

test("capture query: an envelope recipient no header names is a Bcc", async () => {
  const { subjects, store } = await fixture();
  assert.deepEqual(subjects("bcc:hidden@example.net"), ["Welcome aboard"]);
  // Named in To/Cc: not repeated as Bcc.
  assert.deepEqual(subjects("bcc:carol"), []);
  const m = store.list("bcc:hidden")[0];
  assert.deepEqual(m.summary.bcc, [{ name: "", address: "hidden@example.net" }]);
});

test("capture query: subject, message-id, tag, is:, has:", async () => {
  const { subjects, store } = await fixture();
  assert.deepEqual(subjects("subject:welcome"), ["Welcome aboard"]);
  assert.deepEqual(subjects('subject:"invoice attached"'), ["Invoice attached"]);
  assert.deepEqual(subjects("message-id:welcome-1"), ["Welcome aboard"]);
  assert.deepEqual(subjects("tag:run42"), ["Welcome aboard"]);
  assert.deepEqual(subjects("tag:RUN42"), ["Welcome aboard"]);
  // A tag is matched whole, not as a substring.
  assert.deepEqual(subjects("tag:run4"), []);
  assert.deepEqual(subjects("is:tagged"), ["Welcome aboard"]);
  assert.deepEqual(subjects("has:attachment"), ["Invoice attached"]);
  assert.deepEqual(subjects("has:attachments"), ["Invoice attached"]);
  assert.equal(subjects("is:unread").length, 3);
  assert.deepEqual(subjects("is:read"), []);
  store.setRead([store.list("subject:lunch")[0].id], true);
  assert.deepEqual(subjects("is:read"), ["lunch?"]);
  assert.deepEqual(subjects("is:unread"), ["Invoice attached", "Welcome aboard"]);
});

test("capture query: - and ! negate a term; terms combine with AND", async () => {
  const { subjects } = await fixture();
  assert.deepEqual(subjects("-has:attachment"), ["lunch?", "Welcome aboard"]);
  assert.deepEqual(subjects("!has:attachment"), ["lunch?", "Welcome aboard"]);
  assert.deepEqual(subjects("-tag:run42 -subject:lunch"), ["Invoice attached"]);
  assert.deepEqual(subjects('-"invoice attached"'), ["lunch?", "Welcome aboard"]);
  assert.deepEqual(subjects("to:example.com subject:welcome"), ["Welcome aboard"]);
  assert.deepEqual(subjects("to:example.com -is:unread"), []);
  // A lone "-" is a word without letters or digits: dropped, everything matches.
  assert.equal(subjects("-").length, 3);
});

test("capture query: bare words and phrases search subject, addresses and body", async () => {
  const { subjects } = await fixture();
  assert.deepEqual(subjects("482913"), ["Welcome aboard"]);
  assert.deepEqual(subjects("VERIFICATION"), ["Welcome aboard"]);
  assert.deepEqual(subjects('"signing up"'), ["Welcome aboard"]);
  assert.deepEqual(subjects('"up signing"'), []);
  // Line breaks and punctuation Mailpit cleans count as one space, in the text and the term.
  assert.deepEqual(subjects('"913. thanks"'), ["Welcome aboard"]);
  // The fields are searched as one text: subject, then the From name.
  assert.deepEqual(subjects('"aboard, alice"'), ["Welcome aboard"]);
  assert.deepEqual(subjects("bounce@example.net"), ["Invoice attached"]);
  assert.deepEqual(subjects("invoice.pdf"), ["Invoice attached"]);
  assert.deepEqual(subjects("dave"), ["Invoice attached"]);
  assert.deepEqual(subjects("frank grace"), ["lunch?"]);
  assert.equal(subjects("").length, 3);
  assert.equal(subjects("   ").length, 3);
});

test("capture query: before: and after: compare the arrival time, inclusive", async () => {
  const { subjects } = await fixture();
  assert.deepEqual(subjects("after:2026-06-11"), ["lunch?", "Invoice attached"]);
  assert.deepEqual(subjects("before:2026-06-11"), ["Welcome aboard"]);
  assert.deepEqual(subjects("after:2026-06-11 before:2026-06-13"), ["Invoice attached"]);
  assert.deepEqual(subjects('after:"2026-06-12 18:30"'), ["lunch?", "Invoice attached"]);
  assert.deepEqual(subjects('after:"2026-06-12 18:31"'), ["lunch?"]);
  assert.deepEqual(subjects("-after:2026-06-11"), ["Welcome aboard"]);
  // A date that does not parse is dropped, as Mailpit drops it.
  assert.equal(subjects("after:someday").length, 3);
});

test("capture query: larger: and smaller: with b/k/kb/m/mb, else plain text", async () => {
  const { subjects, store } = await fixture();
  const invoice = store.list("subject:invoice")[0];
  assert.ok(invoice.size > 4096 && invoice.size < 8192, `size ${invoice.size}`);
  assert.deepEqual(subjects("larger:4k"), ["Invoice attached"]);
  assert.deepEqual(subjects("larger:4KB"), ["Invoice attached"]);
  assert.deepEqual(subjects("smaller:4k"), ["lunch?", "Welcome aboard"]);
  assert.deepEqual(subjects(`larger:${invoice.size}`), []);
  assert.deepEqual(subjects(`larger:${invoice.size - 1}`), ["Invoice attached"]);
  assert.deepEqual(subjects("larger:1m"), []);
  assert.deepEqual(subjects("smaller:0.01mb"), ["lunch?", "Invoice attached", "Welcome aboard"]);
  // Not a size: searched as text, which nothing contains.
  assert.deepEqual(subjects("larger:huge"), []);
  assert.equal(parseQuery("larger:huge").terms[0].kind, "text");
});

test("capture query: auth:, ip:, helo:, lint: (our extensions)", async () => {
  const { subjects } = await fixture();
  assert.deepEqual(subjects("auth:alice"), ["Welcome aboard"]);
  assert.deepEqual(subjects("auth:ALICE"), ["Welcome aboard"]);
  // Exact: a worker scoped to one AUTH name never sees a longer one's mail.
  assert.deepEqual(subjects("auth:ali"), []);
  assert.deepEqual(subjects("-auth:alice"), ["lunch?", "Invoice attached"]);
  assert.deepEqual(subjects("ip:10.0.0.7"), ["Invoice attached"]);
  assert.deepEqual(subjects("ip:10.0.0.70"), []);
  assert.deepEqual(subjects("ip:127.0.0.1"), ["lunch?", "Welcome aboard"]);
  assert.deepEqual(subjects("helo:alice"), ["Welcome aboard"]);
  assert.deepEqual(subjects("lint:bare-lf"), ["Welcome aboard"]);
  assert.deepEqual(subjects("lint:bare"), []);
  assert.deepEqual(subjects("-lint:bare-lf"), ["lunch?", "Invoice attached"]);
});

test("capture query: from: falls back to the envelope sender without a From header", async () => {
  const store = new CaptureStore();
  await store.add(received(crlf("Subject: no from", "", "x"), { from: "env@example.org" }));
  assert.equal(store.list("from:env@example.org").length, 1);
});

test("capture query: the parser keeps quoted phrases together and drops the quotes", () => {
  assert.deepEqual(splitArgs('subject:"two words" -"not this" plain'), [
    "subject:two words",
    "-not this",
    "plain",
  ]);
  assert.deepEqual(splitArgs('  a\t"b  c'), ["a", "b  c"]);
  assert.deepEqual(splitArgs('""'), []);
  const q = parseQuery('!subject:"Hello There" tag:x');
  assert.deepEqual(q.terms.map((t) => [t.kind, t.value, t.negated]), [
    ["subject", "Hello There", true],
    ["tag", "x", false],
  ]);
  assert.equal(parseQuery("").empty, true);
  assert.equal(parseQuery("-- !! ...").empty, true);
  assert.equal(parseQuery("to:").empty, true);
});

test("capture query: sizes and dates parse as documented", () => {
  assert.equal(parseSize("300"), 300);
  assert.equal(parseSize("2k"), 2048);
  assert.equal(parseSize("2 kb"), 2048);
  assert.equal(parseSize("1.5m"), 1.5 * 1024 * 1024);
  assert.equal(parseSize("4MB"), 4 * 1024 * 1024);
  assert.equal(parseSize("3g"), null);
  assert.equal(parseSize("0"), null);
  assert.equal(parseSize("k"), null);
  assert.equal(parseDate("2026-06-12"), new Date(2026, 5, 12).getTime());
  assert.equal(parseDate("2026/6/12"), new Date(2026, 5, 12).getTime());
  assert.equal(parseDate("2026-06-12T10:00:00Z"), Date.UTC(2026, 5, 12, 10));
  assert.equal(parseDate("12 Jun 2026 10:00:00 +0000"), Date.UTC(2026, 5, 12, 10));
  assert.equal(parseDate("1781258400"), 1781258400000);
  assert.equal(parseDate("2026-02-30"), null);
  assert.equal(parseDate("soon"), null);
  const now = () => new Date(2026, 5, 12, 15, 45);
  assert.equal(parseDate("today", now), new Date(2026, 5, 12).getTime());
  assert.equal(parseDate("Yesterday", now), new Date(2026, 5, 11).getTime());
});
