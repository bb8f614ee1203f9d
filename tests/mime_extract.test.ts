// What a sign-up test looks for in a body: links (hrefs then text URLs, each once, sentence
// punctuation trimmed), one-time codes (the documented rule, cue-near first), the snippet.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  decodeEntities,
  extractCodes,
  extractLinks,
  htmlToText,
  makeSnippet,
} from "../src/mime/extract.ts";

test("mime links: hrefs in order with entities decoded, then text URLs, deduplicated", () => {
  const html = `<a href="https://a.example/x?p=1&amp;q=2">A</a> <a href='http://b.example/'>B</a>
    <a href=https://c.example/c>C</a> <a href="mailto:x@y">m</a> <a href="/relative">r</a>
    <a href="https://a.example/x?p=1&amp;q=2">again</a>`;
  const text = "Go to https://d.example/path. Or (see https://e.example/wiki/A_(b)), " +
    "or https://a.example/x?p=1&q=2, or http:// alone, or <https://f.example/f>!";
  assert.deepEqual(extractLinks(html, text), [
    "https://a.example/x?p=1&q=2",
    "http://b.example/",
    "https://c.example/c",
    "https://d.example/path",
    "https://e.example/wiki/A_(b)",
    "https://f.example/f",
  ]);
  assert.deepEqual(extractLinks("", ""), []);
});

test("mime codes: digit codes alone, grouped, not inside numbers, dates, times or prices", () => {
  assert.deepEqual(extractCodes("Your code is 482913."), ["482913"]);
  assert.deepEqual(extractCodes("Use 123-456 or 123 456 to sign in"), ["123-456", "123 456"]);
  assert.deepEqual(
    extractCodes("Order 1234567890 costs $1234 at 10:30 on 2026-06-12, call +1 555.1234"),
    [],
  );
  assert.deepEqual(extractCodes("see you in 2026"), [], "a year is not a code without a cue");
  assert.deepEqual(extractCodes("PIN: 2026"), ["2026"], "but it is next to one");
  assert.deepEqual(extractCodes("id 123"), [], "too short");
  assert.deepEqual(extractCodes("x@1234.example 1234abc"), []);
});

test("mime codes: letters-and-digits codes only next to a cue, cue-near codes first", () => {
  assert.deepEqual(extractCodes("Your verification code: A7K9Q2"), ["A7K9Q2"]);
  assert.deepEqual(extractCodes("Token A7K9Q2 then ref B2B2"), ["A7K9Q2", "B2B2"]);
  assert.deepEqual(extractCodes("Random words A7K9Q2 here"), [], "no cue, not a code");
  assert.deepEqual(extractCodes("Your one-time passcode:\n\n  XKCDQZ\n"), ["XKCDQZ"]);
  assert.deepEqual(extractCodes("Your code\nsomething else\nZZ99ZZ"), [], "only the next line");
  assert.deepEqual(extractCodes("VERIFY your SECURITY settings"), [], "cue words are not codes");
  assert.deepEqual(
    extractCodes("Ticket 5551234 opened.\nYour login code is 9081."),
    ["9081", "5551234"],
  );
  assert.deepEqual(extractCodes("code 111111 and again 111111"), ["111111"]);
});

test("mime snippet: HTML text preferred, white space collapsed, 200 characters then ...", () => {
  assert.equal(makeSnippet("plain  text\n\nhere", ""), "plain text here");
  assert.equal(makeSnippet("ignored", "<p>from&nbsp;<b>html</b></p>"), "from html");
  const long = "word ".repeat(100);
  const s = makeSnippet(long, "");
  assert.equal(s.length, 203);
  assert.ok(s.endsWith("..."));
  assert.equal(makeSnippet("", ""), "");
  assert.equal(makeSnippet("\uFEFFbom", ""), "bom");
});

test("mime html to text: scripts and styles dropped, blocks broken, entities decoded", () => {
  const t = htmlToText(
    "<style>.a{}</style><script>x()</script><p>One &amp; two</p><div>three<br>four</div><!-- c -->",
  );
  assert.deepEqual(t.split("\n").map((l) => l.trim()).filter(Boolean), [
    "One & two",
    "three",
    "four",
  ]);
  assert.equal(decodeEntities("&lt;&#65;&#x42;&quot;&unknown;&#0;"), '<AB"&unknown;&#0;');
});

// Hostile bodies: each of these made an earlier pattern rescan to the end from every
// candidate position. The results are checked; a quadratic regression shows as a runner
// timeout (seconds per case at these sizes), not as a timing assertion.
test("mime extraction: unclosed tags, quotes and punctuation runs stay linear", () => {
  const n = 200_000;
  assert.equal(htmlToText("<".repeat(n) + "x").endsWith("x"), true);
  assert.equal(htmlToText("<style>".repeat(n / 7) + "x"), " ");
  assert.equal(htmlToText("<!--".repeat(n / 4) + "x"), " ");
  assert.deepEqual(extractLinks('href="'.repeat(n / 6), ""), []);
  const dots = "https://a.example/" + ".".repeat(n) + "x" + ".".repeat(n);
  assert.deepEqual(extractLinks("", dots), ["https://a.example/" + ".".repeat(n) + "x"]);
  const parens = "https://a.example/" + "(".repeat(n) + ")".repeat(n + 5);
  assert.deepEqual(extractLinks("", parens), [
    "https://a.example/" + "(".repeat(n) + ")".repeat(n),
  ]);
  assert.deepEqual(extractCodes("A1".repeat(n)), []);
});
