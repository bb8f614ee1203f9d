// go-smtp-mock's argument grammar (spec smtpmock.md §4.3, §4.5) as linear scans: every accepted
// and rejected example the spec lists, Go's case folding, and the pathological line that hangs
// a backtracking engine for seconds being answered at once.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  hasKeyword,
  heloArgument,
  isBareVerb,
  isDomain,
  isIPv4,
  pathArgument,
  trimSpace,
} from "../src/smtp/smtpmock/grammar.ts";
import { SmtpmockServer } from "../mod.ts";
import { greeted } from "./helpers/smtpmock.ts";

test("grammar: trimSpace trims what Go's strings.TrimSpace trims, nothing else", () => {
  assert.equal(trimSpace(" \t\r\n\v\fNOOP\r\n"), "NOOP");
  assert.equal(trimSpace("\u0085\u00a0NOOP\u3000\u2028"), "NOOP");
  assert.equal(trimSpace("\u200bNOOP\ufeff"), "\u200bNOOP\ufeff", "ZWSP and BOM are not spaces");
  assert.equal(trimSpace("a b"), "a b");
  assert.equal(trimSpace(""), "");
});

test("grammar: keyword screen is unanchored and case-insensitive", () => {
  for (const hit of ["FOO data", "XDATA", "mailing quit", "EHLO\texample.com", "rcpt to:x"]) {
    assert.ok(hasKeyword(hit), hit);
  }
  for (
    const miss of [
      "VRFY x",
      "EXPN x",
      "HELP",
      "STARTTLS",
      "AUTH PLAIN AGFAYg==",
      "BDAT 10",
      "",
      "MAIL FROM :<a@b.co>",
      "MAIL  FROM:<a@b.co>",
      "MAIL FROM <a@b.co>",
      "MAIL TO:<a@b.co>",
      "RCPT  TO:<a@b.co>",
    ]
  ) {
    assert.ok(!hasKeyword(miss), miss);
  }
});

test("grammar: Go's (?i) folds ſ to s and the Kelvin sign to k", () => {
  assert.ok(hasKeyword("RſET"));
  assert.ok(isBareVerb("RſET", "rset"));
  assert.ok(isDomain("localhoſt"));
  assert.equal(pathArgument("MAIL FROM:<\u212aſ@x.co>", "mail from:"), "\u212aſ@x.co");
  // Dotless and dotted i are not in i's folding orbit, in Go or here.
  assert.ok(!hasKeyword("quıt"));
  assert.ok(!isBareVerb("QUİT", "quit"));
});

test("grammar: DATA/RSET/NOOP/QUIT must be the bare verb", () => {
  assert.ok(isBareVerb("data", "data"));
  assert.ok(isBareVerb("DaTa", "data"));
  assert.ok(!isBareVerb("DATA foo", "data"));
  assert.ok(!isBareVerb("NOOP foo", "noop"));
  assert.ok(!isBareVerb("QUIT now", "quit"));
  assert.ok(isBareVerb("Quit", "quit"));
});

test("grammar: domains as go-smtp-mock's pattern accepts them", () => {
  for (
    const ok of [
      "example.com",
      "a-b.c-d.com",
      "1.2.3.com",
      "mail.EXAMPLE.Org",
      "ünïcode.example",
      "localhost",
      "LocalHost",
      "x." + "a".repeat(63),
    ]
  ) {
    assert.ok(isDomain(ok), ok);
  }
  for (
    const bad of [
      "",
      "example",
      "_x.com",
      "a_b.com",
      "a--b.com",
      "a..b.com",
      "example.c0m",
      "example.com.",
      ".example.com",
      "a.b-cd",
      "a.c",
      "x." + "a".repeat(64),
      "1.2.3.4",
      "exa mple.com",
    ]
  ) {
    assert.ok(!isDomain(bad), bad);
  }
});

test("grammar: dotted quads, octets 0-255 with up to three digits", () => {
  for (const ok of ["0.0.0.0", "255.255.255.255", "001.02.3.4", "127.0.0.1"]) {
    assert.ok(isIPv4(ok), ok);
  }
  for (const bad of ["256.1.1.1", "1.2.3", "1.2.3.4.5", "1..2.3", "1.2.3.0004", "a.b.c.d", ""]) {
    assert.ok(!isIPv4(bad), bad);
  }
});

test("grammar: HELO/EHLO arguments", () => {
  assert.equal(heloArgument("EHLO example.com"), "example.com");
  assert.equal(heloArgument("helo ünïcode.example"), "ünïcode.example");
  assert.equal(heloArgument("HeLo localhost"), "localhost");
  assert.equal(heloArgument("EHLO 1.2.3.4"), "1.2.3.4");
  assert.equal(heloArgument("EHLO [1.2.3.4]"), "[1.2.3.4]");
  for (
    const bad of [
      "HELO",
      "HELO ",
      "EHLO example",
      "EHLO  example.com",
      "EHLO\texample.com",
      "EHLO example.com extra",
      "EHLO example.com.",
      "EHLO ex_ample.com",
      "EHLO a--b.com",
      "EHLO example.c0m",
      "EHLO 256.1.1.1",
      "EHLO [IPv6:::1]",
      "EHLO [1.2.3.4",
      "HELOX example.com",
    ]
  ) {
    assert.equal(heloArgument(bad), null, bad);
  }
});

test("grammar: MAIL FROM / RCPT TO addresses the spec lists as accepted", () => {
  const cases: Array<[string, string]> = [
    ["MAIL FROM:a@b.co", "a@b.co"],
    ["MAIL FROM:<a@b.co>", "a@b.co"],
    ["MAIL FROM: <a@b.co>", "a@b.co"],
    ["MAIL FROM:John Doe <a@b.co>", "a@b.co"],
    ["MAIL FROM:Spam Bot <spam@x.co>", "spam@x.co"],
    ["MAIL FROM:<a@b.co", "a@b.co"],
    ["MAIL FROM:a@b.co>>>", "a@b.co"],
    ["MAIL FROM:<a..b@x.co>", "a..b@x.co"],
    ["MAIL FROM:<.a@x.co>", ".a@x.co"],
    [
      "MAIL FROM:<first+tag!#$%&'*/=?^_`{|}~-@example.com>",
      "first+tag!#$%&'*/=?^_`{|}~-@example.com",
    ],
    ["MAIL FROM:<a@localhost>", "a@localhost"],
    ["mail from:<A@B.CO>", "A@B.CO"],
    ["MAIL FROM:\t<a@b.co>", "a@b.co"],
  ];
  for (const [line, addr] of cases) assert.equal(pathArgument(line, "mail from:"), addr, line);
  assert.equal(pathArgument("RCPT TO:<b@example.com>", "rcpt to:"), "b@example.com");
  assert.equal(pathArgument("rcpt to:ünï <b@example.com>", "rcpt to:"), "b@example.com");
});

test("grammar: MAIL FROM / RCPT TO addresses the spec lists as rejected", () => {
  for (
    const arg of [
      "<>",
      "",
      "<a@b.co> SIZE=100",
      "<a@b.co> NOTIFY=NEVER",
      "<postmaster>",
      "<a@a.com@b.com>",
      "<a@[1.2.3.4]>",
      "<a@example>",
      "<a@b.c>",
      '<"q"@x.co>',
      "<ü@x.co>",
      "<@x.co>",
      "a=b c@x.co",
      "(comment) <a@b.co>",
    ]
  ) {
    assert.equal(pathArgument(`MAIL FROM:${arg}`, "mail from:"), null, arg);
    assert.equal(pathArgument(`RCPT TO:${arg}`, "rcpt to:"), null, arg);
  }
  assert.equal(pathArgument("MAIL FROM:<a@b.co>", "rcpt to:"), null, "wrong verb");
});

test("grammar: the pathological line is linear, not exponential", () => {
  // 40 bytes that keep Node's backtracking regex engine busy for ~28 s (spec §4.5). The bounds
  // are loose on purpose (a loaded CI machine): they separate linear from exponential, they do
  // not measure speed (scripts/bench.sh does).
  const evil = "MAIL FROM:" + "a ".repeat(18) + "@";
  assert.equal(evil.length, 47);
  let t = performance.now();
  assert.equal(pathArgument(evil, "mail from:"), null);
  assert.ok(performance.now() - t < 2000, "40-byte line");
  const huge = "MAIL FROM:" + "a ".repeat(50_000) + "b@x.co";
  t = performance.now();
  assert.equal(pathArgument(huge, "mail from:"), "b@x.co");
  assert.ok(performance.now() - t < 5000, "100 kB line");
  t = performance.now();
  assert.equal(heloArgument("EHLO " + "a-".repeat(50_000) + "a"), null);
  assert.ok(performance.now() - t < 5000, "100 kB HELO");
});

test("grammar: the server answers the pathological MAIL FROM at once", async () => {
  const server = await SmtpmockServer.start();
  const c = await greeted(server);
  try {
    const t = performance.now();
    await c.send("MAIL FROM:" + "a ".repeat(18) + "@\r\n");
    assert.equal(await c.readLine(), "501 MAIL FROM requires valid email address\r\n");
    assert.ok(performance.now() - t < 1000);
  } finally {
    c.close();
    await server.stop({ force: true });
  }
});

test("grammar: on the wire, RſET is RSET and localhoſt is localhost, as in Go", async () => {
  const server = await SmtpmockServer.start();
  const c = await greeted(server);
  try {
    await c.send("RſET\r\n");
    assert.equal(await c.readLine(), "250 Ok\r\n");
    await c.send("MAIL FROM:<a@localhoſt>\r\n");
    assert.equal(await c.readLine(), "250 Received\r\n");
  } finally {
    c.close();
    await server.stop({ force: true });
  }
});
