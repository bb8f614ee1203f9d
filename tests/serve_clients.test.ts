/**
 * Real senders against `mocksmtp serve` (started through runCli, so the binary run repeats
 * this): swaks (PIPELINING, STARTTLS trusting the served CA, each AUTH mechanism), Python
 * smtplib (SMTPUTF8 addresses, starttls(), login()), msmtp with tls_trust_file, curl smtp://
 * and smtps://, openssl s_client -starttls smtp. What arrived is read back over the HTTP API.
 */
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { connect } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { run } from "./helpers/mbox_readers.ts";
import { type ServeCli, startServeCli, stopServe } from "./helpers/serve.ts";

const dir = mkdtempSync(join(tmpdir(), "serve-clients-"));
const users = join(dir, "users");
writeFileSync(users, "# test users\nalice:s3cret:with:colons\nbob:hunter2\n");
const text = (b: Uint8Array) => new TextDecoder().decode(b);

/** The one message matching `query`, waited for on the server, as the HTTP API shows it. */
async function message(cli: ServeCli, query: string): Promise<Record<string, unknown>> {
  const q = encodeURIComponent(query);
  const res = await fetch(`${cli.url}/api/v1/search?query=${q}&wait=1&timeout=10000`);
  assert.equal(res.status, 200, `a message matching ${query}`);
  const found = await res.json() as { messages: Array<{ ID: string }> };
  assert.equal(found.messages.length, 1, query);
  return await (await fetch(`${cli.url}/api/v1/message/${found.messages[0].ID}`)).json();
}

/** Starts serve with the users file; `finish` stops it and checks it exited 0. */
async function serve(flags: string[] = []) {
  const cli = await startServeCli(["-q", "--smtp-auth-file", users, ...flags]);
  return {
    cli,
    async finish() {
      assert.equal(await stopServe(cli), 0, cli.stderr);
    },
  };
}

function swaks(cli: ServeCli, extra: string[]) {
  return run("swaks", [
    "--server",
    `127.0.0.1:${cli.smtpPort}`,
    "--from",
    "sender@example.org",
    "--helo",
    "swaks.example",
    ...extra,
  ]);
}

test("serve with swaks: STARTTLS trusting the served CA, AUTH PLAIN, LOGIN and CRAM-MD5, pipelined", async () => {
  const { cli, finish } = await serve();
  try {
    for (const mech of ["PLAIN", "LOGIN", "CRAM-MD5"]) {
      const to = `${mech.toLowerCase()}@example.net`;
      const r = await swaks(cli, [
        "--to",
        to,
        "-tls",
        "--tls-verify",
        "--tls-ca-path",
        cli.caFile,
        "-a",
        mech,
        "-au",
        "alice",
        "-ap",
        "s3cret:with:colons",
        "--pipeline",
        "--header",
        `Subject: via ${mech}`,
      ]);
      const out = text(r.stdout);
      assert.equal(r.code, 0, out + r.stderr);
      assert.match(out, /<~ {2}250-PIPELINING/);
      assert.match(out, /<~ {2}235 2\.7\.0 /);
      const m = await message(cli, `addressed:${to}`);
      assert.equal(m.Subject, `via ${mech}`);
      assert.equal(m.Username, "alice");
      const session = m.Session as Record<string, unknown>;
      assert.equal(session.AuthMechanism, mech);
      assert.match((session.TLS as { Version: string }).Version, /^TLSv1\.[23]$/);
      assert.equal(session.Helo, "swaks.example");
    }
    // A wrong password is refused, and nothing arrives.
    const wrong = await swaks(cli, [
      "--to",
      "wrong@example.net",
      "-tls",
      "--tls-ca-path",
      cli.caFile,
      "-a",
      "CRAM-MD5",
      "-au",
      "alice",
      "-ap",
      "nope",
    ]);
    assert.notEqual(wrong.code, 0);
    assert.match(text(wrong.stdout), /<~\* 535 5\.7\.8 /);
  } finally {
    await finish();
  }
});

test("serve with swaks: AUTH is not offered in cleartext unless --smtp-auth-allow-insecure", async () => {
  const { cli, finish } = await serve();
  try {
    const r = await swaks(cli, [
      "--to",
      "x@example.net",
      "-a",
      "PLAIN",
      "-au",
      "bob",
      "-ap",
      "hunter2",
    ]);
    assert.notEqual(r.code, 0);
    assert.doesNotMatch(text(r.stdout), /250[- ]AUTH/);
  } finally {
    await finish();
  }
  const insecure = await serve(["--smtp-auth-allow-insecure"]);
  try {
    const r = await swaks(insecure.cli, [
      "--to",
      "y@example.net",
      "-a",
      "LOGIN",
      "-au",
      "bob",
      "-ap",
      "hunter2",
    ]);
    assert.equal(r.code, 0, text(r.stdout));
    assert.equal((await message(insecure.cli, "to:y@example.net")).Username, "bob");
  } finally {
    await insecure.finish();
  }
});

const SMTPLIB = `
import smtplib, ssl, sys
port, ca = int(sys.argv[1]), sys.argv[2]
s = smtplib.SMTP("127.0.0.1", port, local_hostname="python.example", timeout=20)
s.ehlo()
s.starttls(context=ssl.create_default_context(cafile=ca))
s.ehlo()
print(s.sock.version())
print(s.login("bob", "hunter2")[0])
msg = "From: Jörg <jörg@bücher.example>\\r\\nTo: <ümlaut@exämple.net>\\r\\nSubject: Grüße\\r\\n\\r\\nHallo Welt\\r\\n".encode()
print(s.sendmail("jörg@bücher.example", ["ümlaut@exämple.net", "bcc@example.net"], msg,
                 mail_options=["SMTPUTF8", "BODY=8BITMIME"]))
print(s.quit()[0])
`;

test("serve with Python smtplib: starttls(), login() (CRAM-MD5 first), SMTPUTF8 addresses", async () => {
  const { cli, finish } = await serve();
  try {
    const r = await run("python3", ["-c", SMTPLIB, String(cli.smtpPort), cli.caFile]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(text(r.stdout), /^TLSv1\.[23]\n235\n\{\}\n221\n$/);
    const m = await message(cli, "bcc:bcc@example.net");
    assert.equal(m.MailFrom, "jörg@bücher.example");
    assert.deepEqual(m.RcptTo, ["ümlaut@exämple.net", "bcc@example.net"], "Bcc in the envelope");
    assert.equal(m.Subject, "Grüße");
    assert.equal((m.Session as Record<string, unknown>).AuthMechanism, "CRAM-MD5");
  } finally {
    await finish();
  }
});

test("serve with msmtp: tls_trust_file = the served CA, auth on", async () => {
  const { cli, finish } = await serve();
  try {
    const conf = join(dir, "msmtprc");
    writeFileSync(
      conf,
      [
        "account default",
        "host 127.0.0.1",
        `port ${cli.smtpPort}`,
        "tls on",
        "tls_starttls on",
        `tls_trust_file ${cli.caFile}`,
        "auth on",
        "user bob",
        "password hunter2",
        "from msmtp@example.org",
        "",
      ].join("\n"),
      { mode: 0o600 },
    );
    const input = new TextEncoder().encode("Subject: from msmtp\n\nbody\n");
    const r = await run("msmtp", ["-C", conf, "rcpt@example.net"], input);
    assert.equal(r.code, 0, r.stderr);
    const m = await message(cli, 'subject:"from msmtp"');
    assert.deepEqual(m.RcptTo, ["rcpt@example.net"]);
    assert.equal(m.Username, "bob");
  } finally {
    await finish();
  }
});

test("serve with curl: smtp:// with STARTTLS (--ssl-reqd) and smtps:// on --smtps, both with --cacert", async () => {
  const { cli, finish } = await serve(["--smtps=127.0.0.1:0"]);
  try {
    assert.ok(cli.smtpsPort > 0, cli.line);
    const mail = join(dir, "curl.eml");
    writeFileSync(mail, "Subject: from curl\r\n\r\nhi\r\n");
    for (
      const [url, to] of [
        [`smtp://localhost:${cli.smtpPort}`, "starttls@example.net"],
        [`smtps://localhost:${cli.smtpsPort}`, "implicit@example.net"],
      ]
    ) {
      const r = await run("curl", [
        "-sS",
        "--ssl-reqd",
        "--cacert",
        cli.caFile,
        url,
        "--mail-from",
        "curl@example.org",
        "--mail-rcpt",
        to,
        "--user",
        "bob:hunter2",
        "--upload-file",
        mail,
      ]);
      assert.equal(r.code, 0, r.stderr);
      const m = await message(cli, `addressed:${to}`);
      const session = m.Session as Record<string, { ServerName?: string }>;
      assert.equal(session.TLS.ServerName, "localhost", "SNI recorded");
      assert.equal(m.Username, "bob");
    }
  } finally {
    await finish();
  }
});

test("serve with openssl s_client -starttls smtp: the leaf verifies against the CA file", async () => {
  const { cli, finish } = await serve();
  try {
    const r = await run("openssl", [
      "s_client",
      "-starttls",
      "smtp",
      "-connect",
      `127.0.0.1:${cli.smtpPort}`,
      "-CAfile",
      cli.caFile,
      "-verify_return_error",
      "-verify_hostname",
      "localhost",
      "-quiet",
    ], new TextEncoder().encode("EHLO openssl.example\r\nQUIT\r\n"));
    assert.equal(r.code, 0, r.stderr);
    assert.match(text(r.stdout), /^250-localhost\r?\n/m);
    assert.doesNotMatch(text(r.stdout), /STARTTLS/, "not offered again inside TLS");
    assert.match(text(r.stdout), /221 /);
  } finally {
    await finish();
  }
});

test("serve --smtp-require-tls: the SMTP port itself is implicit TLS (openssl s_client without -starttls)", async () => {
  const { cli, finish } = await serve(["--smtp-require-tls"]);
  try {
    assert.match(cli.line, /\(implicit TLS\)/);
    const r = await run("openssl", [
      "s_client",
      "-connect",
      `127.0.0.1:${cli.smtpPort}`,
      "-CAfile",
      cli.caFile,
      "-verify_return_error",
      "-quiet",
    ], new TextEncoder().encode("EHLO openssl.example\r\nQUIT\r\n"));
    assert.equal(r.code, 0, r.stderr);
    assert.match(text(r.stdout), /^220 /);
    assert.doesNotMatch(text(r.stdout), /STARTTLS/);
  } finally {
    await finish();
  }
});

test("serve with BDAT: no installed sender speaks CHUNKING (smtplib, nodemailer, swaks, msmtp, curl, postfix's smtp client all use DATA), so a raw socket", async () => {
  const { cli, finish } = await serve();
  try {
    const chunk1 = "Subject: chunked\r\n\r\nfirst part, ";
    const chunk2 = "second part\r\n";
    const replies = await new Promise<string>((resolve, reject) => {
      const socket = connect(cli.smtpPort, "127.0.0.1");
      let got = "";
      let sent = false;
      socket.on("data", (d) => {
        got += d;
        if (!sent && /^250 /m.test(got)) {
          sent = true;
          socket.write(
            "MAIL FROM:<bdat@example.org> BODY=BINARYMIME\r\nRCPT TO:<chunks@example.net>\r\n" +
              `BDAT ${chunk1.length}\r\n${chunk1}BDAT ${chunk2.length} LAST\r\n${chunk2}QUIT\r\n`,
          );
        }
        if (/^221 /m.test(got)) socket.end();
      });
      socket.on("error", reject);
      socket.on("close", () => resolve(got));
      socket.write("EHLO raw.example\r\n");
    });
    assert.match(replies, /^250-CHUNKING\r$/m);
    assert.match(replies, /^250 2\.0\.0 .*queued as (\S+)\r$/m);
    const m = await message(cli, "addressed:chunks@example.net");
    assert.match(m.Text as string, /^first part, second part\r?\n?$/, "the chunks joined");
    assert.ok((m.Transcript as string[]).some((l) => l.startsWith("C: BDAT 13 LAST")));
  } finally {
    await finish();
  }
});

test("serve --smtp-require-auth (any credentials): MAIL before AUTH is refused, after AUTH accepted", async () => {
  const cli = await startServeCli(["-q", "--smtp-require-auth"]);
  try {
    const anonymous = await swaks(cli, [
      "--to",
      "anon@example.net",
      "-tls",
      "--tls-ca-path",
      cli.caFile,
    ]);
    assert.notEqual(anonymous.code, 0);
    assert.match(text(anonymous.stdout), /<~\* 530 5\.7\.0 /);
    const authed = await swaks(cli, [
      "--to",
      "authed@example.net",
      "-tls",
      "--tls-ca-path",
      cli.caFile,
      "-a",
      "PLAIN",
      "-au",
      "anyone",
      "-ap",
      "anything",
    ]);
    assert.equal(authed.code, 0, text(authed.stdout));
    assert.equal((await message(cli, "addressed:authed@example.net")).Username, "anyone");
  } finally {
    assert.equal(await stopServe(cli), 0);
  }
});
