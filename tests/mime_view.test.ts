// The parsed view of a message: headers and addresses, decoded text and HTML, attachments and
// inline parts with Mailpit's part IDs and checksums, links, codes, snippet; and malformed
// MIME (bad base64, missing boundaries, 8-bit junk, huge headers, deep nesting) giving a
// best-effort view with the raw bytes, never an exception.
import { test } from "node:test";
import assert from "node:assert/strict";
import { parseMessage, partById } from "../src/mime/view.ts";
import { crlf } from "./helpers/capture.ts";

const enc = (s: string) => new TextEncoder().encode(s);

const NESTED = crlf(
  "From: =?UTF-8?B?w4lsb8Ovc2U=?= <eloise@example.com>",
  "To: Bob <bob@example.com>, team: carol@example.com, dan@example.com;",
  "Cc: erin@example.com",
  "Bcc: frank@example.com",
  "Reply-To: replies@example.com",
  "Return-Path: <bounce@example.com>",
  "Subject: =?UTF-8?Q?R=C3=A9sum=C3=A9_and_invoice?=",
  "Date: Mon, 15 Jun 2026 10:00:00 +0000",
  "Message-ID: <nested-1@example.com>",
  "In-Reply-To: <earlier@example.com>",
  "MIME-Version: 1.0",
  'Content-Type: multipart/mixed; boundary="outer"',
  "",
  "preamble",
  "--outer",
  'Content-Type: multipart/alternative; boundary="alt"',
  "",
  "--alt",
  "Content-Type: text/plain; charset=utf-8",
  "",
  "Hello! Confirm at https://example.com/confirm?u=1&t=abc.",
  "--alt",
  'Content-Type: multipart/related; boundary="rel"',
  "",
  "--rel",
  "Content-Type: text/html; charset=utf-8",
  "",
  "<html><head><style>p{color:red}</style></head><body><p>Hello!</p>",
  '<a href="https://example.com/confirm?u=1&amp;t=abc">Confirm</a>',
  "<img src=\"cid:logo@x\"><a href='http://example.org/help'>help</a></body></html>",
  "--rel",
  "Content-Type: image/png",
  "Content-ID: <logo@x>",
  "Content-Transfer-Encoding: base64",
  "",
  "aGVsbG8=",
  "--rel--",
  "--alt--",
  "--outer",
  "Content-Type: application/pdf; name=invoice.pdf",
  "Content-Disposition: attachment; filename=invoice.pdf",
  "Content-Transfer-Encoding: base64",
  "",
  "aGVsbG8=",
  "--outer--",
);

test("mime view: headers, addresses (groups flattened), dates and IDs", async () => {
  const v = await parseMessage(enc(NESTED));
  assert.equal(v.subject, "Résumé and invoice");
  assert.deepEqual(v.from, { name: "Éloïse", address: "eloise@example.com" });
  assert.deepEqual(v.to.map((a) => a.address), [
    "bob@example.com",
    "carol@example.com",
    "dan@example.com",
  ]);
  assert.deepEqual(v.cc, [{ name: "", address: "erin@example.com" }]);
  assert.deepEqual(v.bcc.map((a) => a.address), ["frank@example.com"]);
  assert.deepEqual(v.replyTo.map((a) => a.address), ["replies@example.com"]);
  assert.equal(v.returnPath, "bounce@example.com");
  assert.equal(v.date?.toISOString(), "2026-06-15T10:00:00.000Z");
  assert.equal(v.messageId, "nested-1@example.com");
  assert.equal(v.inReplyTo, "earlier@example.com");
  assert.equal(v.headers[0].name, "From");
  assert.equal(v.headers.find((h) => h.name === "Subject")?.value.startsWith("=?UTF-8?Q?"), true);
  assert.deepEqual(v.problems, []);
  assert.equal(v.size, enc(NESTED).length);
});

test("mime view: part IDs follow Mailpit's numbering; inline and attachments apart", async () => {
  const v = await parseMessage(enc(NESTED));
  assert.deepEqual(
    v.attachments.map((p) => [p.partId, p.fileName, p.contentType, p.disposition]),
    [["2", "invoice.pdf", "application/pdf", "attachment"]],
  );
  assert.deepEqual(
    v.inline.map((p) => [p.partId, p.contentId, p.contentType]),
    [["1.2.2", "logo@x", "image/png"]],
  );
  const pdf = v.attachments[0];
  assert.equal(new TextDecoder().decode(pdf.content), "hello");
  assert.equal(pdf.size, 5);
  assert.deepEqual(pdf.checksums, {
    md5: "5d41402abc4b2a76b9719d911017c592",
    sha1: "aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d",
    sha256: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824",
  });
});

test("mime view: text and HTML decoded; links from hrefs then text, once each", async () => {
  const v = await parseMessage(enc(NESTED));
  assert.match(v.text, /^Hello! Confirm at https:\/\/example.com\/confirm/);
  assert.match(v.html, /<a href="https:\/\/example.com\/confirm\?u=1&amp;t=abc">/);
  assert.deepEqual(v.links, ["https://example.com/confirm?u=1&t=abc", "http://example.org/help"]);
  // The snippet is the HTML's text (Mailpit prefers it), style dropped.
  assert.equal(v.snippet, "Hello! Confirm help");
});

test("mime view: a one-part attachment is part 0; an attached message is numbered", async () => {
  const single = await parseMessage(enc(crlf(
    "Subject: pdf only",
    "Content-Type: application/pdf",
    "Content-Disposition: attachment; filename=only.pdf",
    "",
    "raw",
  )));
  assert.deepEqual(single.attachments.map((p) => [p.partId, p.fileName]), [["0", "only.pdf"]]);
  const forwarded = await parseMessage(enc(crlf(
    "Subject: fwd",
    'Content-Type: multipart/mixed; boundary="m"',
    "",
    "--m",
    "Content-Type: text/plain",
    "",
    "see attached",
    "--m",
    "Content-Type: message/rfc822",
    "Content-Disposition: attachment; filename=orig.eml",
    "",
    "Subject: original",
    "",
    "old body",
    "--m--",
  )));
  assert.deepEqual(
    forwarded.attachments.map((p) => [p.partId, p.contentType, p.fileName]),
    [["2", "message/rfc822", "orig.eml"]],
  );
  assert.equal(forwarded.text.trim(), "see attached");
});

test("mime view: bad base64 still gives a view with the part and the raw bytes", async () => {
  const raw = enc(crlf(
    "Subject: broken attachment",
    'Content-Type: multipart/mixed; boundary="b"',
    "",
    "--b",
    "Content-Type: text/plain",
    "",
    "body text",
    "--b",
    "Content-Type: application/octet-stream; name=bad.bin",
    "Content-Transfer-Encoding: base64",
    "",
    "@@@ not base64 !!! ===",
    "--b--",
  ));
  const v = await parseMessage(raw);
  assert.equal(v.subject, "broken attachment");
  assert.equal(v.text.trim(), "body text");
  assert.equal(v.attachments.length, 1);
  assert.equal(v.attachments[0].fileName, "bad.bin");
  assert.equal(v.raw, raw);
});

test("mime view: missing closing boundary and missing boundary parameter", async () => {
  const unclosed = await parseMessage(enc(crlf(
    "Subject: unclosed",
    'Content-Type: multipart/alternative; boundary="u"',
    "",
    "--u",
    "Content-Type: text/plain",
    "",
    "first part https://a.example/1",
    "--u",
    "Content-Type: text/html",
    "",
    "<p>second</p>",
  )));
  assert.equal(unclosed.subject, "unclosed");
  assert.match(unclosed.html + unclosed.text, /second|first part/);
  assert.deepEqual(unclosed.links.length > 0 || unclosed.html.includes("second"), true);
  const noBoundary = await parseMessage(enc(crlf(
    "Subject: no boundary",
    "Content-Type: multipart/mixed",
    "",
    "--x",
    "Content-Type: text/plain",
    "",
    "lost",
    "--x--",
  )));
  assert.equal(noBoundary.subject, "no boundary");
  assert.ok(noBoundary.raw.length > 0);
});

test("mime view: 8-bit junk in headers and body decodes without throwing", async () => {
  // Latin-1 bytes where UTF-8 is expected, a NUL, an invalid UTF-8 sequence, bare LF.
  const latin1 = (t: string) => Uint8Array.from(t, (c) => c.charCodeAt(0));
  const raw = latin1(
    "Subject: caf\xe9\r\nFrom: x@example.com\r\n\r\n\xff\xfe\x00\x80\xc3\x28\nA\r\n",
  );
  const v = await parseMessage(raw);
  assert.match(v.subject, /^caf.$/u);
  assert.equal(v.from?.address, "x@example.com");
  assert.equal(typeof v.text, "string");
  assert.equal(v.raw, raw);
  assert.equal(v.size, raw.length);
});

test("mime view: headers over the limit give an empty view with the reason and raw bytes", async () => {
  const raw = enc(crlf("Subject: big", "X-Big: " + "a".repeat(4000), "", "body"));
  const v = await parseMessage(raw, { maxHeaderBytes: 1024 });
  assert.equal(v.subject, "");
  assert.equal(v.problems.length, 1);
  assert.match(v.problems[0], /^unparseable MIME: /);
  assert.equal(v.raw, raw);
  assert.deepEqual(v.attachments, []);
});

test("mime view: nesting too deep for the body still shows the headers", async () => {
  const depth = 80;
  const lines = [
    "Subject: deep",
    "From: deep@example.com",
    'Content-Type: multipart/mixed; boundary="b0"',
    "",
  ];
  for (let i = 1; i <= depth; i++) {
    lines.push(`--b${i - 1}`, `Content-Type: multipart/mixed; boundary="b${i}"`, "");
  }
  lines.push(`--b${depth}`, "Content-Type: text/plain", "", "bottom", `--b${depth}--`);
  const v = await parseMessage(enc(crlf(...lines)));
  assert.equal(v.subject, "deep");
  assert.equal(v.from?.address, "deep@example.com");
  assert.match(v.problems[0], /^unparseable MIME: /);
  assert.equal(v.text, "");
});

test("mime view: empty input, headers only, body only", async () => {
  const empty = await parseMessage(new Uint8Array());
  assert.equal(empty.subject, "");
  assert.equal(empty.size, 0);
  const headersOnly = await parseMessage(enc("Subject: just headers\r\n"));
  assert.equal(headersOnly.subject, "just headers");
  const bodyOnly = await parseMessage(enc("\r\nonly a body 123456\r\n"));
  assert.equal(bodyOnly.subject, "");
  assert.match(bodyOnly.text, /only a body/);
});

test("mime view: quoted-printable latin-1 body and its code", async () => {
  const v = await parseMessage(enc(crlf(
    "Subject: Ihr Code",
    "Content-Type: text/plain; charset=iso-8859-1",
    "Content-Transfer-Encoding: quoted-printable",
    "",
    "Gr=FC=DFe! Ihr Best=E4tigungscode: 7305 19",
  )));
  assert.equal(v.text.trim(), "Grüße! Ihr Bestätigungscode: 7305 19");
  assert.deepEqual(v.codes, ["7305 19"]);
});

test("mime view: link and code extraction stop at the scan limit, and say so", async () => {
  const body = "x".repeat(200) + " https://late.example/ code 998877";
  const raw = enc(crlf("Subject: s", "", "early https://early.example/", body));
  const v = await parseMessage(raw, { scanChars: 100 });
  assert.deepEqual(v.links, ["https://early.example/"]);
  assert.deepEqual(v.codes, []);
  assert.match(v.problems.join(), /first 100 characters/);
  const full = await parseMessage(raw);
  assert.deepEqual(full.links, ["https://early.example/", "https://late.example/"]);
  assert.deepEqual(full.codes, ["998877"]);
});

test("mime view: partById finds attachments and inline parts", async () => {
  const v = await parseMessage(enc(NESTED));
  assert.equal(partById(v, "2")?.fileName, "invoice.pdf");
  assert.equal(partById(v, "1.2.2")?.contentId, "logo@x");
  assert.equal(partById(v, "1.1"), undefined, "a body part is not an attachment");
  assert.equal(partById(v, "9"), undefined);
});

test("mime view: an HTML-only mail's written-out URLs and codes are found in its text", async () => {
  const v = await parseMessage(enc(crlf(
    "Subject: html only",
    "Content-Type: text/html",
    "",
    '<p>Open <a href="https://a.example/go">this</a> or paste https://b.example/paste</p>',
    "<p>Your code:</p><p><b>771204</b></p>",
  )));
  assert.equal(v.text, "");
  assert.deepEqual(v.links, ["https://a.example/go", "https://b.example/paste"]);
  assert.deepEqual(v.codes, ["771204"]);
});
