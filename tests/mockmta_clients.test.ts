// Real SMTP clients against `mocksmtp mockmta`: Python smtplib (plain and starttls()), swaks
// (plain and --tls, over TCP and through --pipe in inetd mode), openssl s_client -starttls smtp.
import { test } from "node:test";
import assert from "node:assert/strict";
import { cliCommand } from "./helpers/cli.ts";
import { run } from "./helpers/mbox_readers.ts";
import {
  certFiles,
  frmSubjects,
  readBodies,
  scratch,
  startDaemon,
  stopDaemon,
} from "./helpers/mockmta.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

const SMTPLIB = `
import smtplib, ssl, sys
port, ca, mode, subject = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
s = smtplib.SMTP("127.0.0.1", port, local_hostname="python.example", timeout=20)
s.ehlo()
if mode == "tls":
    s.starttls(context=ssl.create_default_context(cafile=ca))
    s.ehlo()
    print(s.sock.version())
s.mail("py@example.org")
s.rcpt("a@example.net")
s.rcpt("b@example.net")
code, reply = s.data(("Subject: " + subject + "\\r\\n\\r\\nhello from smtplib\\r\\n.dot line\\r\\n").encode())
print(code, reply.decode())
print(s.quit()[0])
`;

/** A foreground daemon with STARTTLS, the mailbox and the CA file of the test PKI. */
async function tlsDaemon() {
  const s = await scratch();
  const files = await certFiles(s.dir);
  const daemon = await startDaemon(s.mailbox, ["-c", files.cert, "-k", files.key]);
  return {
    ...s,
    ca: files.ca,
    daemon,
    async finish() {
      const code = await stopDaemon(daemon);
      await s.cleanup();
      assert.equal(code, 0, daemon.stderr);
    },
  };
}

test("mockmta with Python smtplib: plain, then starttls()", async () => {
  const t = await tlsDaemon();
  try {
    const plain = await run("python3", ["-c", SMTPLIB, String(t.daemon.port), t.ca, "plain", "p"]);
    assert.equal(plain.code, 0, plain.stderr);
    assert.equal(text(plain.stdout), "250 0001 Message accepted for delivery\n221\n");
    const secure = await run("python3", ["-c", SMTPLIB, String(t.daemon.port), t.ca, "tls", "s"]);
    assert.equal(secure.code, 0, secure.stderr);
    assert.equal(text(secure.stdout), "TLSv1.3\n250 0002 Message accepted for delivery\n221\n");
    const bodies = await readBodies(t.mailbox);
    assert.deepEqual(bodies, [
      "Subject: p\n\nhello from smtplib\n.dot line\n",
      "Subject: s\n\nhello from smtplib\n.dot line\n",
    ]);
  } finally {
    await t.finish();
  }
});

test("mockmta with swaks: plain and --tls over TCP", async () => {
  const t = await tlsDaemon();
  const server = `127.0.0.1:${t.daemon.port}`;
  const swaks = (extra: string[]) =>
    run("swaks", [
      "--server",
      server,
      "--to",
      "x@example.net",
      "--from",
      "s@example.org",
      ...extra,
    ]);
  try {
    const plain = await swaks(["--header", "Subject: swaks plain"]);
    assert.equal(plain.code, 0, text(plain.stdout));
    assert.match(text(plain.stdout), /<- {2}250 0001 Message accepted for delivery/);
    const secure = await swaks(["--tls", "--header", "Subject: swaks tls"]);
    assert.equal(secure.code, 0, text(secure.stdout));
    assert.match(text(secure.stdout), /=== TLS started with cipher TLSv1\.3/);
    assert.match(text(secure.stdout), /<~ {2}250 0002 Message accepted for delivery/);
    assert.deepEqual(await frmSubjects(t.mailbox), ["swaks plain", "swaks tls"]);
  } finally {
    await t.finish();
  }
});

test("mockmta with swaks --pipe (inetd mode): plain and --tls", async () => {
  const s = await scratch();
  const files = await certFiles(s.dir);
  const [cmd, args] = cliCommand(["mockmta", "-c", files.cert, "-k", files.key, s.mailbox]);
  const pipe = [cmd, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(" ");
  try {
    for (const extra of [[], ["--tls"]]) {
      const r = await run("swaks", ["--pipe", pipe, "--to", "x@example.net", ...extra]);
      assert.equal(r.code, 0, text(r.stdout));
      // Every inetd process counts from 1.
      assert.match(text(r.stdout), /<[-~] {2}250 0001 Message accepted for delivery/);
    }
    assert.equal((await frmSubjects(s.mailbox)).length, 2);
  } finally {
    await s.cleanup();
  }
});

test("mockmta with openssl s_client -starttls smtp", async () => {
  const t = await tlsDaemon();
  try {
    const input = "MAIL FROM:<o@example.org>\nRCPT TO:<r@example.net>\nDATA\n" +
      "Subject: openssl\n\nvia s_client\n.\nQUIT\n";
    const r = await run("openssl", [
      "s_client",
      "-starttls",
      "smtp",
      "-connect",
      `127.0.0.1:${t.daemon.port}`,
      "-CAfile",
      t.ca,
      "-verify_return_error",
      "-crlf",
      "-ign_eof",
    ], new TextEncoder().encode(input));
    const out = text(r.stdout);
    assert.equal(r.code, 0, out + r.stderr);
    assert.match(out, /Verify return code: 0 \(ok\)/);
    assert.match(out, /^250 Sender ok\r?$/m);
    assert.match(out, /^250 0001 Message accepted for delivery\r?$/m);
    assert.match(out, /^221 Bye\r?$/m);
    assert.deepEqual(await readBodies(t.mailbox), ["Subject: openssl\n\nvia s_client\n"]);
  } finally {
    await t.finish();
  }
});
