/**
 * `mocksmtp serve` as a command: its start line, plain `mocksmtp`, signals, and one clear line
 * with its documented exit status for every bad flag, value and file. Through runCli (so the
 * binary run repeats it).
 */
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { freePort, runCli, runCliToEnd } from "./helpers/cli.ts";
import { connectWhenUp } from "./helpers/raw_client.ts";
import { startServeCli, stopServe } from "./helpers/serve.ts";
import { mintTls } from "../src/tls/mint.ts";

const dir = mkdtempSync(join(tmpdir(), "serve-cli-"));

/** Whether `port` on 127.0.0.1 can be bound now. */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });
}

test("serve: one start line naming SMTP, HTTP and the CA file (written by then); SIGTERM and SIGINT exit 0", async () => {
  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    const cli = await startServeCli(["--quiet"]);
    assert.match(cli.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.ok(cli.smtpPort > 0);
    assert.match(readFileSync(cli.caFile, "utf8"), /^-----BEGIN CERTIFICATE-----/);
    const served = await (await fetch(`${cli.url}/api/v1/ca.pem`)).text();
    assert.equal(served, readFileSync(cli.caFile, "utf8"), "the HTTP API serves the same CA");
    assert.equal(await stopServe(cli, signal), 0, signal);
    assert.equal(cli.stdout, cli.line, "nothing but the start line");
    assert.equal(cli.stderr, "");
  }
});

test("serve: SIGTERM while it starts (right after the first 220) exits 0 at once, without a start line", async () => {
  const port = await freePort();
  const cli = runCli(["serve", `--smtp=127.0.0.1:${port}`, "--listen=127.0.0.1:0", "-q"]);
  const client = await connectWhenUp(port, cli.exited);
  assert.match(await client.readLine(), /^220 /);
  // Minting and the HTTP API are still starting (they begin once this greeting is out).
  assert.equal(await stopServe(cli), 0);
  client.close();
  assert.equal(cli.stdout, "", "the start was given up: no start line");
  assert.equal(cli.stderr, "");
  assert.equal(await bindable(port), true, "the SMTP port is free again");
});

test("serve: plain mocksmtp (no arguments) is serve on 127.0.0.1:1025 and :8025", async () => {
  const free = await bindable(1025) && await bindable(8025);
  const cli = runCli([]);
  if (!free) {
    // Someone else holds a default port: then it must say so and exit 1.
    assert.equal(await cli.exited, 1);
    assert.match(cli.stderr, /^mocksmtp serve: cannot listen: .*\n$/);
    return;
  }
  const m = await cli.waitStdout(
    /^mocksmtp serve: SMTP on 127\.0\.0\.1:1025, HTTP on http:\/\/127\.0\.0\.1:8025, CA \S+\n/,
  );
  assert.ok(m);
  assert.equal(await stopServe(cli), 0);
});

test("serve: --help and --version exit 0 on stdout; mocksmtp --help still lists the personas", async () => {
  const help = await runCliToEnd(["serve", "--help"]);
  assert.equal(help.code, 0);
  assert.equal(help.stderr, "");
  assert.match(help.stdout, /^Usage: mocksmtp serve \[options\]/);
  assert.match(help.stdout, /Exit status: 0 .* 1 cannot run .* 2 bad option, value or file/s);
  const version = await runCliToEnd(["serve", "-V"]);
  assert.match(version.stdout, /^mocksmtp serve \d+\.\d+\.\d+\n$/);
  const top = await runCliToEnd(["--help"]);
  assert.equal(top.code, 0);
  assert.match(top.stdout, /smtpmock .*\n.*mockmta .*\n.*serve .*\n.*msmtpd /s);
});

test("serve: every bad flag or value is one line on stderr and exit 2", async () => {
  const cases: Array<[string[], string]> = [
    [["--nope"], "unrecognized option '--nope'"],
    [["--smtp"], "option '--smtp' requires an argument"],
    [["--max=ten"], "invalid value 'ten' for --max: a whole number"],
    [
      ["--smtp", "localhost"],
      "invalid address 'localhost' for --smtp: HOST:PORT, [IPv6]:PORT or :PORT",
    ],
    [["--listen=::1:80"], "invalid address '::1:80' for --listen: HOST:PORT, [IPv6]:PORT or :PORT"],
    [
      ["--smtp-disable=PIPELINING,FOO"],
      "unknown extension 'FOO' for --smtp-disable (known: PIPELINING,SIZE,8BITMIME,SMTPUTF8,ENHANCEDSTATUSCODES,CHUNKING,BINARYMIME,DSN,STARTTLS,AUTH)",
    ],
    [["--smtp-bare-lf", "maybe"], "invalid value 'maybe' for --smtp-bare-lf: accept or reject"],
    [["--smtp-timeout=soon"], "invalid duration 'soon' for --smtp-timeout: 30, 30s, 1500ms, 5m"],
    [["--smtp-max-line=100"], "invalid value '100' for --smtp-max-line: a whole number >= 512"],
    [["--smtp-tls-cert=x.pem"], "--smtp-tls-cert and --smtp-tls-key go together"],
    [
      ["--smtp-auth-accept-any", "--smtp-auth-file=users"],
      "--smtp-auth-accept-any and --smtp-auth-file exclude each other",
    ],
    [["extra"], "unexpected argument 'extra'"],
  ];
  await Promise.all(cases.map(async ([args, message]) => {
    const r = await runCliToEnd(["serve", ...args]);
    assert.deepEqual(
      [r.code, r.stdout, r.stderr],
      [2, "", `mocksmtp serve: ${message} (try: mocksmtp serve --help)\n`],
      args.join(" "),
    );
  }));
});

test("serve: unusable files are one line naming flag and file, exit 2", async () => {
  const hashed = join(dir, "hashed.txt");
  writeFileSync(hashed, "# users\nalice:secret\nbob:$2y$10$abcdefghijklmnopqrstuv\n");
  const broken = join(dir, "broken.txt");
  writeFileSync(broken, "alice\n");
  const junk = join(dir, "junk.pem");
  writeFileSync(junk, "not a certificate\n");
  const m = await mintTls();
  const key = join(dir, "key.pem");
  writeFileSync(key, m.key);
  const cases: Array<[string[], string]> = [
    [
      ["--smtp-auth-file", join(dir, "missing.txt")],
      `--smtp-auth-file ${join(dir, "missing.txt")}: no such file`,
    ],
    [
      ["--smtp-auth-file", hashed],
      `--smtp-auth-file ${hashed}:3: hashed passwords are not supported; write the password in plain text`,
    ],
    [["--smtp-auth-file", broken], `--smtp-auth-file ${broken}:1: expected user:password`],
    [["--smtp-tls-cert", dir, "--smtp-tls-key", key], `--smtp-tls-cert ${dir}: is a directory`],
  ];
  await Promise.all(cases.map(async ([args, message]) => {
    const r = await runCliToEnd(["serve", ...args]);
    assert.deepEqual(
      [r.code, r.stdout, r.stderr],
      [2, "", `mocksmtp serve: ${message}\n`],
      args.join(" "),
    );
  }));
  const bad = await runCliToEnd([
    "serve",
    "--smtp=127.0.0.1:0",
    "--listen=127.0.0.1:0",
    "--smtp-tls-cert",
    junk,
    "--smtp-tls-key",
    key,
  ]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /^mocksmtp serve: TLS certificate unusable: .*\n$/);
});

test("serve: an address in use, or a Maildir that cannot be made, is one line and exit 1", async () => {
  const busy = net.createServer();
  await new Promise<void>((r) => busy.listen(0, "127.0.0.1", r));
  const port = (busy.address() as net.AddressInfo).port;
  try {
    const r = await runCliToEnd(["serve", `--smtp=127.0.0.1:${port}`, "--listen=127.0.0.1:0"]);
    assert.equal(r.code, 1);
    assert.match(
      r.stderr,
      new RegExp(`^mocksmtp serve: cannot listen: .*127\\.0\\.0\\.1:${port}.*\\n$`),
    );
    const h = await runCliToEnd(["serve", "--smtp=127.0.0.1:0", `--listen=127.0.0.1:${port}`]);
    assert.equal(h.code, 1);
    assert.match(h.stderr, /^mocksmtp serve: cannot listen: .*\n$/);
  } finally {
    busy.close();
  }
  const file = join(dir, "plain-file");
  writeFileSync(file, "");
  const r = await runCliToEnd([
    "serve",
    "--smtp=127.0.0.1:0",
    "--listen=127.0.0.1:0",
    "--maildir",
    join(file, "md"),
  ]);
  assert.equal(r.code, 1);
  assert.match(r.stderr, new RegExp(`^mocksmtp serve: cannot create Maildir ${file}/md: .*\\n$`));
});

test("serve: --ca-out writes the CA there; --smtp-tls-cert/key serve the caller's certificate (no CA file)", async () => {
  const caOut = join(dir, "run-ca.pem");
  const cli = await startServeCli(["-q", `--ca-out=${caOut}`, "--tls-name", "mail.test"]);
  assert.equal(cli.caFile, caOut);
  assert.ok(existsSync(caOut));
  assert.equal(await stopServe(cli), 0);
  const m = await mintTls();
  writeFileSync(join(dir, "cert.pem"), m.cert);
  writeFileSync(join(dir, "key.pem"), m.key);
  const own = await startServeCli([
    "-q",
    "--smtp-tls-cert",
    join(dir, "cert.pem"),
    "--smtp-tls-key",
    join(dir, "key.pem"),
  ]);
  assert.equal(own.caFile, "");
  assert.equal((await fetch(`${own.url}/api/v1/ca.pem`)).status, 404);
  assert.equal(await stopServe(own), 0);
});
