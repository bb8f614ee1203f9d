// AUTH (PLAIN, LOGIN, CRAM-MD5) and STARTTLS in the serve dialect: every exchange and refusal
// byte for byte, the identity in the record, and plaintext injected behind STARTTLS dropped.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import type { AuthAttempt } from "../src/smtp/esmtp/config.ts";
import { b64, EHLO_LINES, GREETING, play, TLS_FACTS, TlsMemoryWire } from "./helpers/esmtp.ts";

const OK = "235 2.7.0 Authentication successful";
const FAILED = "535 5.7.8 Error: authentication failed";
const EHLO = "EHLO x\r\n";
const SKIP = EHLO_LINES.length + 2; // greeting, EHLO reply with its AUTH line
const enc = new TextEncoder();

/** Accepts user `alice` with password (or CRAM-MD5 secret) `s3cret`; records the attempts. */
function checker(attempts: AuthAttempt[] = []) {
  return (a: AuthAttempt) => {
    attempts.push(a);
    return a.username === "alice" && (a.password === "s3cret" || a.verify?.("s3cret") === true);
  };
}

test("esmtp AUTH PLAIN: initial response, or a 334 with an empty challenge", async () => {
  const attempts: AuthAttempt[] = [];
  const p = await play(
    `${EHLO}AUTH PLAIN ${b64("admin\0alice\0s3cret")}\r\nMAIL FROM:<a@b.example>\r\n` +
      "RCPT TO:<c@d.example>\r\nDATA\r\nx\r\n.\r\n",
    { tls: TLS_FACTS, hooks: { authenticate: checker(attempts) } },
  );
  assert.equal(p.lines[EHLO_LINES.length + 1], "250 AUTH PLAIN LOGIN CRAM-MD5");
  assert.deepEqual(p.lines.slice(SKIP, SKIP + 2), [OK, "250 2.1.0 Ok"]);
  assert.deepEqual(attempts, [{
    mechanism: "PLAIN",
    username: "alice",
    password: "s3cret",
    authzid: "admin",
  }]);
  const [m] = p.messages;
  assert.equal(m.authUser, "alice");
  assert.equal(m.authMechanism, "PLAIN");
  assert.equal(m.tls, true);
  assert.deepEqual(m.tlsSession, TLS_FACTS);

  const q = await play(
    `${EHLO}AUTH plain\r\n${b64("\0alice\0wrong")}\r\nAUTH PLAIN\r\n${b64("\0alice\0s3cret")}\r\n`,
    {
      tls: TLS_FACTS,
      hooks: { authenticate: checker() },
    },
  );
  assert.deepEqual(q.lines.slice(SKIP), ["334 ", FAILED, "334 ", OK]);
});

test("esmtp AUTH LOGIN: Username: and Password: challenges, or the user as initial response", async () => {
  const p = await play(
    `${EHLO}AUTH LOGIN\r\n${b64("alice")}\r\n${b64("bad")}\r\nAUTH LOGIN ${b64("alice")}\r\n${
      b64("s3cret")
    }\r\n`,
    { tls: TLS_FACTS, hooks: { authenticate: checker() } },
  );
  assert.deepEqual(p.lines.slice(SKIP), [
    "334 VXNlcm5hbWU6",
    "334 UGFzc3dvcmQ6",
    FAILED,
    "334 UGFzc3dvcmQ6",
    OK,
  ]);
});

test("esmtp AUTH CRAM-MD5: challenge <nonce.timestamp@host>, digest checked with the user's secret", async () => {
  const challenge = "<nonce.1796126400000@localhost>";
  const digest = (secret: string) => createHmac("md5", secret).update(challenge).digest("hex");
  const attempts: AuthAttempt[] = [];
  const p = await play(
    `${EHLO}AUTH CRAM-MD5\r\n${b64(`alice ${digest("wrong")}`)}\r\n` +
      `AUTH CRAM-MD5\r\n${b64(`alice ${digest("s3cret")}`)}\r\nMAIL FROM:<a@b.example>\r\n` +
      "RCPT TO:<c@d.example>\r\nDATA\r\nx\r\n.\r\n",
    { tls: TLS_FACTS, hooks: { authenticate: checker(attempts) } },
  );
  const c = `334 ${b64(challenge)}`;
  assert.deepEqual(p.lines.slice(SKIP, SKIP + 4), [c, FAILED, c, OK]);
  assert.equal(attempts[1].mechanism, "CRAM-MD5");
  assert.equal(attempts[1].password, undefined);
  assert.equal(p.messages[0].authMechanism, "CRAM-MD5");
  // A user name with a space; an upper-case digest; no initial response allowed.
  const q = await play(
    `${EHLO}AUTH CRAM-MD5 ${b64("x")}\r\nAUTH CRAM-MD5\r\n${
      b64(`al ice ${digest("k").toUpperCase()}`)
    }\r\n`,
    { tls: TLS_FACTS, hooks: { authenticate: (a) => a.username === "al ice" && a.verify!("k") } },
  );
  assert.deepEqual(q.lines.slice(SKIP), [
    "501 5.5.4 Error: no initial response allowed for CRAM-MD5",
    c,
    OK,
  ]);
});

test("esmtp AUTH refusals: cancel, bad base64, malformed, unknown mechanism, twice, in a transaction", async () => {
  const p = await play(
    `${EHLO}AUTH\r\nAUTH GSSAPI\r\nAUTH PLAIN\r\n*\r\nAUTH PLAIN not*base64\r\nAUTH PLAIN =\r\n` +
      `AUTH PLAIN ${b64("alice\0s3cret")}\r\nAUTH LOGIN\r\n*\r\n` +
      `MAIL FROM:<a@b.example>\r\nAUTH PLAIN ${b64("\0alice\0s3cret")}\r\nRSET\r\n` +
      `AUTH PLAIN ${b64("\0alice\0s3cret")}\r\nAUTH PLAIN ${b64("\0alice\0s3cret")}\r\n`,
    { tls: TLS_FACTS, hooks: { authenticate: checker() } },
  );
  assert.deepEqual(p.lines.slice(SKIP), [
    "501 5.5.4 Syntax: AUTH mechanism [initial-response]",
    "504 5.5.4 Unrecognized authentication type",
    "334 ",
    "501 5.0.0 Authentication cancelled",
    "501 5.5.2 Error: invalid base64 data",
    "501 5.5.2 Error: malformed authentication response",
    "501 5.5.2 Error: malformed authentication response",
    "334 VXNlcm5hbWU6",
    "501 5.0.0 Authentication cancelled",
    "250 2.1.0 Ok",
    "503 5.5.1 Error: MAIL transaction in progress",
    "250 2.0.0 Ok",
    OK,
    "503 5.5.1 Error: already authenticated",
  ]);
});

test("esmtp AUTH policy: 538 5.7.11 over cleartext, no hook means failure, a throwing hook 454", async () => {
  const plain = await play(`${EHLO}AUTH PLAIN ${b64("\0alice\0s3cret")}\r\n`, {
    hooks: { authenticate: checker() },
  });
  assert.deepEqual(plain.lines.slice(-1), [
    "538 5.7.11 Encryption required for requested authentication mechanism",
  ]);
  const allowed = await play(`${EHLO}AUTH PLAIN ${b64("\0alice\0s3cret")}\r\n`, {
    config: { allowInsecureAuth: true },
    hooks: { authenticate: checker() },
  });
  assert.deepEqual(allowed.lines.slice(-1), [OK]);
  const noHook = await play(`${EHLO}AUTH PLAIN ${b64("\0alice\0s3cret")}\r\n`, { tls: TLS_FACTS });
  assert.deepEqual(noHook.lines.slice(-1), [FAILED]);
  const throwing = await play(`${EHLO}AUTH PLAIN ${b64("\0alice\0s3cret")}\r\n`, {
    tls: TLS_FACTS,
    hooks: { authenticate: () => Promise.reject(new Error("db down")) },
  });
  assert.deepEqual(throwing.lines.slice(-1), ["454 4.7.0 Temporary authentication failure"]);
  const disabled = await play(`${EHLO}AUTH PLAIN\r\n`, {
    tls: TLS_FACTS,
    config: { disabled: new Set(["AUTH"]) },
  });
  assert.deepEqual(disabled.lines.slice(-1), ["502 5.5.1 Error: command not implemented"]);
  const required = await play(
    `${EHLO}MAIL FROM:<a@b.example>\r\nAUTH LOGIN ${b64("alice")}\r\n${
      b64("s3cret")
    }\r\nMAIL FROM:<a@b.example>\r\n`,
    { tls: TLS_FACTS, config: { requireAuth: true }, hooks: { authenticate: checker() } },
  );
  assert.deepEqual(required.lines.slice(SKIP), [
    "530 5.7.0 Authentication required",
    "334 UGFzc3dvcmQ6",
    OK,
    "250 2.1.0 Ok",
  ]);
});

test("esmtp AUTH: observers see the outcome and the responses, not as commands", async () => {
  const seen: string[] = [];
  await play(`${EHLO}AUTH LOGIN\r\n${b64("alice")}\r\n${b64("nope")}\r\n`, {
    tls: TLS_FACTS,
    hooks: { authenticate: checker() },
    attach: (c) =>
      c.observe({
        command: (l) => seen.push(`C ${new TextDecoder().decode(l).trim()}`),
        authResponse: () => seen.push("R"),
        auth: (m, id) => seen.push(`A ${m} ${id}`),
      }),
  });
  assert.deepEqual(seen, ["C EHLO x", "C AUTH LOGIN", "R", "R", "A LOGIN null"]);
});

test("esmtp STARTTLS: plaintext pipelined behind it is discarded; state forgotten after TLS", async () => {
  const inner = new TlsMemoryWire([
    enc.encode(
      "MAIL FROM:<a@b.example>\r\nEHLO y\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\n",
    ),
    enc.encode("DATA\r\nsecret\r\n.\r\nQUIT\r\n"),
  ]);
  let upgrades = 0;
  const p = await play(
    `EHLO x\r\nSTARTTLS\r\nMAIL FROM:<injected@evil.example>\r\nRCPT TO:<victim@x.example>\r\n`,
    {
      upgradeTls: () => (upgrades++, Promise.resolve(inner)),
      hooks: { authenticate: checker() },
    },
  );
  assert.equal(upgrades, 1);
  assert.deepEqual(p.lines, [
    GREETING,
    ...EHLO_LINES.slice(0, -1),
    "250-DSN",
    "250 STARTTLS",
    "220 2.0.0 Ready to start TLS",
  ]);
  const innerLines = new TextDecoder().decode(inner.written).split("\r\n").slice(0, -1);
  assert.deepEqual(innerLines, [
    "503 5.5.1 Error: send HELO/EHLO first",
    ...EHLO_LINES.slice(0, -1),
    "250-DSN",
    "250 AUTH PLAIN LOGIN CRAM-MD5",
    "250 2.1.0 Ok",
    "250 2.1.5 Ok",
    "354 End data with <CR><LF>.<CR><LF>",
    "250 2.0.0 Ok: queued as ID1",
    "221 2.0.0 Bye",
  ]);
  assert.equal(p.messages.length, 1);
  const [m] = p.messages;
  assert.deepEqual(m.to, ["c@d.example"]);
  assert.equal(m.helo, "y");
  assert.equal(m.tls, true);
  assert.deepEqual(m.tlsSession, TLS_FACTS);
});

test("esmtp STARTTLS refusals: before EHLO, with an argument, twice, unavailable, failed handshake", async () => {
  const inner = new TlsMemoryWire([enc.encode("EHLO y\r\nSTARTTLS\r\n")]);
  const upgradeTls = () => Promise.resolve(inner);
  const p = await play("STARTTLS\r\nHELO x\r\nSTARTTLS\r\nEHLO x\r\nSTARTTLS now\r\nSTARTTLS\r\n", {
    upgradeTls,
  });
  assert.deepEqual(p.lines.slice(0, 4), [
    GREETING,
    "503 5.5.1 Error: send HELO/EHLO first",
    "250 localhost",
    "503 5.5.1 Error: send EHLO first",
  ]);
  assert.deepEqual(p.lines.slice(-2), [
    "501 5.5.4 Syntax: STARTTLS",
    "220 2.0.0 Ready to start TLS",
  ]);
  // Inside TLS, EHLO no longer offers STARTTLS and STARTTLS is refused.
  const innerLines = new TextDecoder().decode(inner.written).split("\r\n");
  assert.ok(!innerLines.includes("250-STARTTLS") && !innerLines.includes("250 STARTTLS"));
  assert.equal(innerLines.at(-2), "503 5.5.1 Error: TLS already active");
  // Once protected (implicit TLS, or after STARTTLS), STARTTLS is refused.
  const implicit = await play("EHLO x\r\nSTARTTLS\r\n", { tls: TLS_FACTS, upgradeTls });
  assert.deepEqual(implicit.lines.slice(-1), ["503 5.5.1 Error: TLS already active"]);
  assert.ok(!implicit.lines.includes("250-STARTTLS"));
  const none = await play("EHLO x\r\nSTARTTLS\r\n");
  assert.deepEqual(none.lines.slice(-1), ["502 5.5.1 Error: command not implemented"]);
  const failed = await play("EHLO x\r\nSTARTTLS\r\nNOOP\r\n", {
    upgradeTls: () => Promise.reject(new Error("handshake failed")),
  });
  assert.deepEqual(failed.lines.slice(-1), ["220 2.0.0 Ready to start TLS"]);
  assert.equal(failed.end, "tls-failed");
  assert.equal(failed.wire.closed, true);
});

test("esmtp AUTH: a response past the line cap is dropped whole and answered 500 5.5.2", async () => {
  const seen: Array<[string, string | null]> = [];
  const p = await play(`${EHLO}AUTH LOGIN\r\n${"A".repeat(600)}\r\nNOOP\r\n`, {
    tls: TLS_FACTS,
    config: { maxCommandLine: 512 },
    attach: (c) => c.observe({ auth: (m, id) => seen.push([m, id]) }),
  });
  assert.deepEqual(p.lines.slice(SKIP), [
    "334 VXNlcm5hbWU6",
    "500 5.5.2 Error: line too long",
    "250 2.0.0 Ok",
  ]);
  assert.deepEqual(seen, [["LOGIN", null]]);
});
