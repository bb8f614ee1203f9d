// AUTH PLAIN (spec msmtpd.md §5.3) and the one-second brake after a failure (§2): decided when a
// session starts, server-wide, for 60 seconds; a failure never delays its own answer.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  AuthFailureWindow,
  decodeBase64Strict,
  plainCredentialsMatch,
} from "../src/smtp/msmtpd/auth.ts";
import type { Clock } from "../src/smtp/clock.ts";
import { FakeClock } from "./helpers/fake_clock.ts";
import { RawClient } from "./helpers/raw_client.ts";
import { within } from "./helpers/smtpmock_probe.ts";
import { BYE, GREETING, OK, runSteps, type Step, withServer } from "./helpers/msmtpd.ts";

const AUTH = { user: "user", password: "secret" };
const EHLO: Step[] = [
  ["S", GREETING],
  ["C", "EHLO x\r\n"],
  ["S", "250-localhost\r\n250 AUTH PLAIN\r\n"],
];
const b64 = (s: string) => Buffer.from(s, "latin1").toString("base64");
const text = (bytes: Uint8Array | null) => bytes && Buffer.from(bytes).toString("latin1");

test("msmtpd auth: strict base64 (gnulib without context)", () => {
  assert.equal(text(decodeBase64Strict("")), "");
  assert.equal(text(decodeBase64Strict("AHVzZXIAc2VjcmV0")), "\0user\0secret");
  assert.equal(text(decodeBase64Strict("YQ==")), "a");
  assert.equal(text(decodeBase64Strict("YWI=")), "ab");
  assert.equal(text(decodeBase64Strict("+/+/")), "\xfb\xff\xbf");
  for (
    const bad of [
      "*",
      "=",
      "YQ",
      "YQ=",
      "Y===",
      "YR==",
      "YWJ=",
      "Y Q==",
      "YQ==YQ==",
      "=YQ=",
      "YQ\0=",
    ]
  ) {
    assert.equal(decodeBase64Strict(bad), null, JSON.stringify(bad));
  }
});

test("msmtpd auth: credentials are authzid NUL user NUL password, authzid ignored", () => {
  const enc = (s: string) => new TextEncoder().encode(s);
  assert.equal(plainCredentialsMatch(enc("\0user\0secret"), "user", "secret"), true);
  assert.equal(plainCredentialsMatch(enc("admin\0user\0secret"), "user", "secret"), true);
  for (
    const bad of [
      "\0User\0secret",
      "\0user\0secret\0",
      "\0user\0secre",
      "user\0secret",
      "\0user\0\0secret",
      "",
    ]
  ) {
    assert.equal(plainCredentialsMatch(enc(bad), "user", "secret"), false, JSON.stringify(bad));
  }
  assert.equal(plainCredentialsMatch(enc("\0\xfc\0p\xe4ss"), "\xfc", "p\xe4ss"), true, "UTF-8");
});

test("msmtpd auth: the failure window lasts 60 seconds from the failed session's end", () => {
  let now = 1000;
  const clock: Clock = { now: () => now, setTimeout: () => 0, clearTimeout: () => {} };
  const w = new AuthFailureWindow(clock);
  assert.equal(w.armed(), false);
  w.failed();
  assert.equal(w.armed(), true);
  now += 60_000;
  assert.equal(w.armed(), true);
  now += 1;
  assert.equal(w.armed(), false);
});

test("msmtpd auth: AUTH variants (§5.3)", async () => {
  const refused = async (line: string, reply: string) => {
    // A fresh server each time: a failure would delay the next session by a second.
    await withServer(
      { auth: AUTH },
      (server) => runSteps(server, [...EHLO, ["C", line], ["S", reply], ["S", "<closed>"]]),
    );
  };
  const failed = "535 Authentication failed\r\n";
  await refused("AUTH PLAIN *\r\n", failed);
  await refused("AUTH PLAIN =\r\n", failed);
  await refused("AUTH PLAIN \r\n", failed);
  await refused(`AUTH PLAIN ${b64("\0user\0Secret")}\r\n`, failed);
  await refused("AUTH  PLAIN AHVzZXIAc2VjcmV0\r\n", "530 Authentication required\r\n");
  await refused("AUTH LOGIN\r\n", "530 Authentication required\r\n");
  await refused("AUTH\r\n", "530 Authentication required\r\n");
  await withServer({ auth: AUTH }, async (server) => {
    // `AUTH PLAINX`: only 10 characters are compared, then the 334 path.
    await runSteps(server, [
      ...EHLO,
      ["C", "auth plainX\r\n"],
      ["S", "334 \r\n"],
      ["C", `${b64("someone\0user\0secret")}\r\n`],
      ["S", "235 Authentication successful\r\n"],
      ["C", "AUTH PLAIN AHVzZXIAc2VjcmV0\r\n"],
      ["S", "500 Expected MAIL FROM:<addr> or QUIT\r\n"],
      ["S", "<closed>"],
    ]);
    // Before AUTH: NOOP/RSET are answered, quit in any case works, HELO gets no AUTH line.
    await runSteps(server, [
      ["S", GREETING],
      ["C", "HELO x\r\n"],
      ["S", "250 localhost\r\n"],
      ["C", "NOOP\r\nRSET\r\nquit\r\n"],
      ["S", OK + OK + BYE],
      ["S", "<closed>"],
    ]);
    await runSteps(server, [
      ["S", GREETING],
      ["C", "HELO x\r\n"],
      ["S", "250 localhost\r\n"],
      ["C", "MAIL FROM:<a@b>\r\n"],
      ["S", "530 Authentication required\r\n"],
      ["S", "<closed>"],
    ]);
  });
});

/** A new session's EHLO, then `AUTH PLAIN` with `password` sent: the client, reply pending. */
async function sendAuth(port: number, password: string): Promise<RawClient> {
  const c = await RawClient.connect(port);
  await c.send("EHLO x\r\n");
  assert.equal(
    await c.readBytes(GREETING.length + 31),
    GREETING + "250-localhost\r\n250 AUTH PLAIN\r\n",
  );
  await c.send(`AUTH PLAIN ${b64(`\0user\0${password}`)}\r\n`);
  return c;
}

test("msmtpd auth: after a failure every new session answers AUTH after one second", async () => {
  const clock = new FakeClock();
  await withServer({ auth: AUTH, clock }, async (server) => {
    // Answered while the clock stands still: neither waited.
    let c = await sendAuth(server.port, "secret");
    assert.equal(await c.readLine(), "235 Authentication successful\r\n", "no failure yet");
    c.close();
    c = await sendAuth(server.port, "wrong");
    assert.equal(await c.readLine(), "535 Authentication failed\r\n", "not delayed itself");
    c.close();
    assert.equal(clock.now(), 0);
    await server.idle(); // the window opens when the failed session has ended
    c = await sendAuth(server.port, "secret");
    await within(5000, clock.timerSet(1000), "the one-second brake");
    clock.advance(1000);
    assert.equal(await c.readLine(), "235 Authentication successful\r\n", "right password too");
    c.close();
    // The window is 60 s from the failed session's end: past it, no brake.
    await server.idle();
    clock.advance(60_000);
    c = await sendAuth(server.port, "secret");
    assert.equal(await c.readLine(), "235 Authentication successful\r\n");
    assert.equal(clock.now(), 61_000, "answered without the clock moving");
    c.close();
  });
});
