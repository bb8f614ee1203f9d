// Real clients against the msmtpd persona: Debian's msmtp (with and without authentication,
// several recipients) and swaks with AUTH PLAIN. What they sent is checked at the pipe command.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { recorded, withoutDate, withRecorder } from "./helpers/msmtpd.ts";

/** Runs a program to its end with `input` on stdin. */
function run(
  cmd: string,
  args: string[],
  input = "",
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => out += d);
    child.stderr.on("data", (d) => out += d);
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, out }));
    child.stdin.end(input);
  });
}

/** An msmtp configuration file for one account on 127.0.0.1:`port` (mode 0600, as msmtp wants). */
function msmtpConfig(dir: string, port: number, auth: string[]): string {
  const file = path.join(dir, "msmtprc");
  const lines = [
    "account default",
    "host 127.0.0.1",
    `port ${port}`,
    "from alice@example.com",
    "tls off",
    ...auth,
  ];
  fs.writeFileSync(file, lines.join("\n") + "\n", { mode: 0o600 });
  return file;
}

const MAIL = "From: alice@example.com\nTo: bob@example.org\nSubject: hi\n\nHello\n.dot\n";

/** What the command got from msmtp, with the Date and Message-ID headers msmtp adds checked. */
function fromMsmtp(stdin: string): string {
  const added = /\r\n\t<DATE>\r\nDate: [^\n]+\nMessage-ID: <[^>\n]+>\n/;
  assert.match(withoutDate(stdin), added);
  return withoutDate(stdin).replace(added, "\r\n\t<DATE>\r\n");
}
/** The pipe command's argv for a mail from alice@example.com to `to`. */
const fromAlice = (...to: string[]) => ["-f", "alice@example.com", "--", ...to];

const RECEIVED = "Received: from localhost (localhost [127.0.0.1])\r\n" +
  "\tby localhost [127.0.0.1] (msmtpd) with ESMTP;\r\n\t<DATE>\r\n";

test("msmtpd clients: msmtp without authentication, several recipients", async () => {
  await withRecorder({}, async (server, dir) => {
    const conf = msmtpConfig(dir, server.port, ["auth off"]);
    const r = await run("msmtp", [
      "-C",
      conf,
      "bob@example.org",
      "carol@example.net",
      "bob@example.org",
    ], MAIL);
    assert.equal(r.code, 0, r.out);
    const [mail] = recorded(dir);
    assert.deepEqual(
      mail.argv,
      fromAlice("bob@example.org", "carol@example.net", "bob@example.org"),
    );
    assert.equal(fromMsmtp(mail.stdin), RECEIVED + MAIL);
  });
});

// msmtp's `auth on` never sends a password without TLS ("cannot use a secure authentication
// method"), so the account names the method, as a user of msmtpd's AUTH PLAIN must.
test("msmtpd clients: msmtp with auth plain", async () => {
  const auth = { user: "user", password: "s3cret" };
  await withRecorder({ auth }, async (server, dir) => {
    const conf = msmtpConfig(dir, server.port, ["auth plain", "user user", "password s3cret"]);
    const r = await run("msmtp", ["-C", conf, "bob@example.org", "carol@example.net"], MAIL);
    assert.equal(r.code, 0, r.out);
    const [mail] = recorded(dir);
    assert.deepEqual(mail.argv, fromAlice("bob@example.org", "carol@example.net"));
    assert.equal(fromMsmtp(mail.stdin), RECEIVED + MAIL);
  });
  await withRecorder({ auth }, async (server, dir) => {
    const conf = msmtpConfig(dir, server.port, ["auth plain", "user user", "password wrong"]);
    const r = await run("msmtp", ["-C", conf, "bob@example.org"], MAIL);
    assert.notEqual(r.code, 0);
    assert.match(r.out, /535 Authentication failed/);
    assert.deepEqual(recorded(dir), []);
  });
});

test("msmtpd clients: swaks --auth PLAIN", async () => {
  await withRecorder({ auth: { user: "user", password: "s3cret" } }, async (server, dir) => {
    const r = await run("swaks", [
      "--server",
      "127.0.0.1",
      "--port",
      String(server.port),
      "--helo",
      "swaks.test",
      "--from",
      "alice@example.com",
      "--to",
      "bob@example.org,carol@example.net",
      "--auth",
      "PLAIN",
      "--auth-user",
      "user",
      "--auth-password",
      "s3cret",
      "--header",
      "Subject: from swaks",
      "--body",
      "Hello from swaks",
    ]);
    assert.equal(r.code, 0, r.out);
    assert.match(r.out, /<- {2}235 Authentication successful\n/);
    assert.match(r.out, /<- {2}250 Ok, mail was piped\n/);
    const [mail] = recorded(dir);
    assert.deepEqual(mail.argv, fromAlice("bob@example.org", "carol@example.net"));
    const stdin = withoutDate(mail.stdin);
    assert.ok(stdin.startsWith("Received: from swaks.test (localhost [127.0.0.1])\r\n"), stdin);
    assert.match(stdin, /\nSubject: from swaks\n/);
    assert.match(stdin, /\n\nHello from swaks\n\n\n$/);
    assert.doesNotMatch(stdin.slice(stdin.indexOf("<DATE>\r\n") + 8), /\r/, "LF after the header");
  });
});
