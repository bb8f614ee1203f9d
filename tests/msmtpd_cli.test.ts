// `mocksmtp msmtpd` as a program (spec msmtpd.md §1–§3, §9): texts, startup errors with exit
// status 3, --auth password sources, inetd over stdin/stdout with its exit statuses, the daemon
// stopping on SIGTERM, and the log file and syslog formats.
import { test } from "node:test";
import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { cliCommand, freePort, runCli, runCliToEnd } from "./helpers/cli.ts";
import { shellQuote, spawnWatched } from "./helpers/process.ts";
import { RawClient } from "./helpers/raw_client.ts";
import {
  BYE,
  greeted,
  GREETING,
  OK,
  PIPED,
  recorded,
  recorderCommand,
  removeDir,
  sendMail,
  tempDir,
  waitForGreeting,
} from "./helpers/msmtpd.ts";
import process from "node:process";
import { VERSION } from "../src/version.ts";

const HELP = `Usage: msmtpd [option...]
Options:
  --version       print version
  --help          print help
  --inetd         start single SMTP session on stdin/stdout
  --interface=ip  listen on ip instead of 127.0.0.1
  --port=number   listen on port number instead of 25
  --log=none|syslog|FILE  do not log anything (default)
                  or log to syslog or log to the given file
  --command=cmd   pipe mails to cmd instead of /usr/bin/msmtp -f %F --
  --auth=user[,passwordeval] require authentication with this user name;
                  the password will be retrieved from the given
                  passwordeval command or, if none is given, from
                  the key ring or, if that fails, from a prompt.
Extension of mocksmtp (not in msmtpd):
  --max-mail-size=bytes  refuse a larger mail (554 Cannot allocate memory,
                  nothing piped); K, M, G suffixes; 0 = no limit;
                  default 64M
  --fault=rule    fail a step as the rule says, e.g. 'rcpt => 452';
                  repeatable (grammar in mocksmtp's docs/faults.md)
  --faults=file   fault rules from file, one per line, # comments
  --fault-seed=n  seed of the generator behind %P rules
  --lint          lint what clients send (docs/lint.md): one
                  "lint: session N: ..." line per session in the
                  log (on stderr with --log=none)
`;

test("msmtpd cli: --version wins over --help, whatever the order", async () => {
  for (const args of [["--version"], ["--help", "--version"], ["--vers", "--help"]]) {
    const r = await runCliToEnd(["msmtpd", ...args]);
    assert.equal(r.code, 0);
    assert.equal(r.stderr, "");
    assert.match(r.stdout, new RegExp(`^msmtpd version ${VERSION.replaceAll(".", "\\.")}\n`));
    assert.match(r.stdout, /mocksmtp/);
  }
  const help = await runCliToEnd(["msmtpd", "--help"]);
  assert.deepEqual([help.code, help.stdout, help.stderr], [0, HELP, ""]);
});

test("msmtpd cli: startup errors go to stderr with exit status 3", async () => {
  const cases: Array<[string[], string]> = [
    [["--i"], "msmtpd: option '--i' is ambiguous; possibilities: '--inetd' '--interface'"],
    [["-p"], "msmtpd: invalid option -- 'p'"],
    [["--foo"], "msmtpd: unrecognized option '--foo'"],
    [["--port"], "msmtpd: option '--port' requires an argument"],
    [["--port="], "msmtpd: option '--port' requires non-empty argument"],
    [["--inetd", "extra"], "msmtpd: too many arguments"],
    [["--auth=user,false"], "msmtpd: cannot get password: cannot read output of 'false'"],
    [["--interface=localhost"], "msmtpd: invalid interface"],
    [["--max-mail-size=1T"], "msmtpd: invalid argument '1T' for '--max-mail-size'"],
  ];
  for (const [args, message] of cases) {
    const r = await runCliToEnd(["msmtpd", ...args]);
    assert.deepEqual([r.code, r.stdout, r.stderr], [3, "", `${message}\n`], args.join(" "));
  }
});

test("msmtpd cli: --auth=USER without a terminal is a startup error", async () => {
  // detached: a new session without a controlling terminal, whatever runs the tests.
  const r = await runCliToEnd(["msmtpd", "--auth=alice", "--inetd"], { detached: true });
  assert.deepEqual(
    [r.code, r.stdout, r.stderr],
    [3, "", "msmtpd: cannot get password for (localhost, smtp, alice)\n"],
  );
});

test("msmtpd cli: --auth=USER reads the password from the terminal, without echo", async () => {
  // script(1) gives the program a terminal; in inetd mode the SMTP session then runs on it too.
  const [cmd, argv] = cliCommand(["msmtpd", "--auth=user", "--inetd", "--command=cat >/dev/null"]);
  const line = [cmd, ...argv].map(shellQuote).join(" ");
  const term = spawnWatched("script", ["-qfec", line, "/dev/null"], {
    stdio: ["pipe", "pipe", "inherit"],
  });
  const type = (text: string) => term.child.stdin!.write(text);
  try {
    await term.waitStdout(/password for user at localhost: /);
    type("s3cret\n");
    await term.waitStdout(/220 localhost ESMTP msmtpd/);
    type("EHLO x\n");
    await term.waitStdout(/250 AUTH PLAIN/);
    type(`AUTH PLAIN ${Buffer.from("\0user\0s3cret").toString("base64")}\n`);
    await term.waitStdout(/235 Authentication successful/);
    type("QUIT\n");
    assert.equal(await term.exited, 0);
    assert.ok(!term.stdout.includes("s3cret"), "the password was not echoed");
  } finally {
    term.kill();
  }
});

/** Runs an inetd session on `input`; returns exit status, stdout and what was piped. */
async function inetd(input: string, extra: string[] = [], command?: string) {
  const dir = tempDir();
  try {
    const r = await runCliToEnd(
      ["msmtpd", "--inetd", `--command=${command ?? recorderCommand(dir)}`, ...extra],
      { input },
    );
    return { ...r, mails: recorded(dir) };
  } finally {
    removeDir(dir);
  }
}

const MAIL = "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nhello\r\n.\r\n";
const MAIL_REPLIES = OK + OK + "354 Send data\r\n" + PIPED;

test("msmtpd cli: inetd exits 0 after QUIT or end of input after a mail", async () => {
  let r = await inetd(`EHLO h\r\n${MAIL}QUIT\r\n`);
  assert.deepEqual([r.code, r.stdout], [0, GREETING + "250 localhost\r\n" + MAIL_REPLIES + BYE]);
  assert.equal(r.mails.length, 1);
  r = await inetd(`EHLO h\r\n${MAIL}`);
  assert.deepEqual([r.code, r.stdout], [0, GREETING + "250 localhost\r\n" + MAIL_REPLIES]);
  r = await inetd("HELO h\r\nQUIT\r\n");
  assert.deepEqual([r.code, r.stdout], [0, GREETING + "250 localhost\r\n" + BYE]);
});

test("msmtpd cli: inetd exits 1 for errors, aborts, failed delivery or AUTH", async () => {
  let r = await inetd("");
  assert.deepEqual([r.code, r.stdout], [1, GREETING]);
  r = await inetd("EHLO h\r\nVRFY x\r\n");
  assert.deepEqual([r.code, r.stdout], [
    1,
    GREETING + "250 localhost\r\n500 Expected MAIL FROM:<addr> or QUIT\r\n",
  ]);
  r = await inetd("EHLO h\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\ncut off\r\n");
  assert.equal(r.code, 1);
  assert.equal(r.stdout.endsWith("354 Send data\r\n554 Cannot pipe mail to command\r\n"), true);
  assert.deepEqual(r.mails, [], "a mail cut off is never piped");
  r = await inetd(`EHLO h\r\n${MAIL}QUIT\r\n`, [], "cat >/dev/null; exit 75");
  assert.equal(r.code, 1);
  assert.ok(r.stdout.endsWith("451 Pipe command reported error 75\r\n"), r.stdout);
  const start = performance.now();
  r = await inetd("EHLO h\r\nAUTH PLAIN AHUAeA==\r\n", ["--auth=u,echo p"]);
  assert.deepEqual([r.code, r.stdout], [
    1,
    GREETING + "250-localhost\r\n250 AUTH PLAIN\r\n535 Authentication failed\r\n",
  ]);
  assert.ok(performance.now() - start >= 990, "inetd always delays the AUTH answer");
});

test("msmtpd cli: inetd, the command's stdout never reaches the client", async () => {
  const r = await inetd(`EHLO h\r\n${MAIL}QUIT\r\n`, [], "echo 250 INJECTED; cat >/dev/null; :");
  assert.deepEqual([r.code, r.stdout], [0, GREETING + "250 localhost\r\n" + MAIL_REPLIES + BYE]);
});

test("msmtpd cli: inetd AUTH with a passwordeval, answered after a second", async () => {
  const start = performance.now();
  const r = await inetd(
    `EHLO h\r\nAUTH PLAIN ${Buffer.from("\0u\0p w").toString("base64")}\r\n${MAIL}QUIT\r\n`,
    ["--auth=u,printf 'p w\\r\\n'"],
  );
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    GREETING + "250-localhost\r\n250 AUTH PLAIN\r\n235 Authentication successful\r\n" +
      MAIL_REPLIES + BYE,
  );
  assert.ok(performance.now() - start >= 990);
});

test("msmtpd cli: binding a port in use is a startup error", async () => {
  const port = await freePort();
  const first = runCli(["msmtpd", `--port=${port}`, "--command=true"]);
  try {
    await waitForGreeting(port, first.exited);
    const r = await runCliToEnd(["msmtpd", `--port=${port}`]);
    assert.deepEqual(
      [r.code, r.stderr],
      [3, `msmtpd: cannot bind to 127.0.0.1:${port}: Address already in use\n`],
    );
  } finally {
    first.kill("SIGTERM");
    assert.equal(await first.exited, 0);
  }
});

test("msmtpd cli: SIGTERM stops listening; running sessions finish, then exit 0", async () => {
  const dir = tempDir();
  const port = await freePort();
  const cli = runCli(["msmtpd", `--port=${port}`, `--command=${recorderCommand(dir)}`]);
  try {
    await waitForGreeting(port, cli.exited);
    const c = await greeted(port);
    await c.send("MAIL FROM:<a@b.org>\r\n");
    assert.equal(await c.readLine(), OK);
    cli.kill("SIGTERM");
    // Refused once the listener is gone (the session still runs).
    for (;;) {
      const probe = await RawClient.connect(port).catch(() => null);
      if (!probe) break;
      probe.close();
      await new Promise((r) => setTimeout(r, 20)); // SIGTERM is asynchronous: poll for it
    }
    assert.equal(await sendMailAfterMailFrom(c), PIPED);
    await c.send("QUIT\r\n");
    assert.equal(await c.closed(), BYE);
    assert.equal(await cli.exited, 0);
    assert.deepEqual(recorded(dir)[0].argv, ["-f", "a@b.org", "--", "c@d.org"]);
  } finally {
    cli.kill("SIGKILL");
    removeDir(dir);
  }
});

test("msmtpd cli: SIGINT closes running sessions at once, exit status 130", async () => {
  const port = await freePort();
  const cli = runCli(["msmtpd", `--port=${port}`, "--command=true"]);
  try {
    await waitForGreeting(port, cli.exited);
    const c = await greeted(port);
    cli.kill("SIGINT");
    assert.equal(await c.closed(), "");
    assert.equal(await cli.exited, 130);
  } finally {
    cli.kill("SIGKILL");
  }
});

async function sendMailAfterMailFrom(c: RawClient): Promise<string> {
  await c.send("RCPT TO:<c@d.org>\r\nDATA\r\n");
  assert.equal(await c.readBytes(8 + 15), OK + "354 Send data\r\n");
  await c.send("x\r\n.\r\n");
  return c.readLine();
}

const STAMP = "\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}";

test("msmtpd cli: --log=FILE lines (§9), daemon and inetd", async () => {
  const dir = tempDir();
  const log = path.join(dir, "msmtpd.log");
  const port = await freePort();
  const cli = runCli(["msmtpd", `--port=${port}`, "--command=cat >/dev/null; :", `--log=${log}`]);
  try {
    await waitForGreeting(port, cli.exited); // leaves a probe session in the log
    const c = await greeted(port);
    assert.equal(await sendMail(c, "alice@example.com", ["bob@example.org"], "x\r\n.\r\n"), PIPED);
    await c.send("QUIT\r\n");
    await c.closed();
    cli.kill("SIGTERM");
    assert.equal(await cli.exited, 0);
    const pid = cli.child.pid;
    const lines = fs.readFileSync(log, "utf8").split("\n");
    for (const l of lines.slice(0, -1)) {
      assert.match(l, new RegExp(`^${STAMP} msmtpd\\[${pid}\\] (info|error): `));
    }
    const session = lines.map((l) => l.replace(/^.*?\] /, "")).slice(-7, -1);
    assert.deepEqual(session, [
      "info: connection from 127.0.0.1, active sessions 1 (max 16), auth_delay=no",
      "info: starting SMTP session",
      "info: pipe command is cat >/dev/null; : bob@example.org", // no %F in the command
      "info: mail was piped successfully",
      "info: client ended session",
      "info: connection closed",
    ]);
    // inetd: the same file, appended, no connection lines.
    fs.writeFileSync(log, "");
    const r = await runCliToEnd(["msmtpd", "--inetd", "--command=true", `--log=${log}`], {
      input: "QUIT\r\n",
    });
    assert.equal(r.code, 1);
    assert.deepEqual(
      fs.readFileSync(log, "utf8").split("\n").map((l) => l.replace(/^.*?\] /, "")),
      [
        "info: starting SMTP session",
        "error: client did not start with EHLO or HELO, session aborted",
        "",
      ],
    );
  } finally {
    cli.kill("SIGKILL");
    removeDir(dir);
  }
});

/** A unix datagram socket standing in for /dev/log; collects what arrives. */
async function fakeSyslog(socket: string) {
  const code = "import socket,sys\n" +
    "s=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM);s.bind(sys.argv[1])\n" +
    "print('ready',flush=True)\n" +
    "while True: print(repr(s.recv(65536)),flush=True)\n";
  const receiver = spawnWatched("python3", ["-c", code, socket], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  await receiver.waitStdout(/^ready\n/);
  return receiver;
}

test("msmtpd cli: --log=syslog (facility mail, ident msmtpd[PID]) and the file fallback", async () => {
  const dir = tempDir();
  const syslog = await fakeSyslog(path.join(dir, "log.sock"));
  try {
    const env = { ...process.env, MOCKSMTP_SYSLOG_SOCKET: path.join(dir, "log.sock") };
    const r = await runCliToEnd(["msmtpd", "--inetd", "--command=true", "--log=syslog"], {
      input: "EHLO h\r\nQUIT\r\n",
      env,
    });
    assert.equal(r.code, 0);
    // mail.info = 2*8+6 = 22, mail.err = 19
    await syslog.waitStdout(/client ended session/);
    assert.match(syslog.stdout, /b'<22>.* msmtpd\[\d+\]: starting SMTP session'/);
    assert.match(syslog.stdout, /b'<22>.* msmtpd\[\d+\]: client ended session'/);
    const bad = await runCliToEnd(
      ["msmtpd", "--inetd", "--command=true", `--log=${path.join(dir, "no", "such.log")}`],
      { input: "", env },
    );
    assert.equal(bad.code, 1);
    await syslog.waitStdout(/did not send initial command/);
    assert.match(
      syslog.stdout,
      /b'<19>.* msmtpd\[\d+\]: cannot open log file, using syslog instead'/,
    );
    assert.match(
      syslog.stdout,
      /b'<19>.* msmtpd\[\d+\]: client did not send initial command, session aborted'/,
    );
  } finally {
    syslog.kill();
    removeDir(dir);
  }
});
