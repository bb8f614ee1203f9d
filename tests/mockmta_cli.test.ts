// `mocksmtp mockmta` as a program (spec mockmta.md §1, §2, §6): getopt diagnostics and exit 3,
// -v and -? without MAILBOX, bind failures, -d detaching with -P, stop signals, -t, logging.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import net from "node:net";
import { join } from "node:path";
import process from "node:process";
import { parseMockmtaArgs } from "../src/personas/mockmta/flags.ts";
import { usageText, versionText } from "../src/personas/mockmta/texts.ts";
import { freePort, runCliToEnd } from "./helpers/cli.ts";
import { spawnWatched } from "./helpers/process.ts";
import {
  killFromPidfile,
  procStat,
  R,
  readBodies,
  scratch,
  sendMessages,
  spawnInetd,
  startDaemon,
  stopDaemon,
  waitGone,
} from "./helpers/mockmta.ts";

test("mockmta flags: getopt clusters, attached and separate arguments, --, permutation", () => {
  const ok = (argv: string[]) => {
    const r = parseMockmtaArgs("mockmta", argv);
    assert.equal(r.action, "run", JSON.stringify(r));
    return (r as Extract<typeof r, { action: "run" }>).cli;
  };
  assert.deepEqual(ok(["mbox"]), {
    mode: "inetd",
    mailbox: "mbox",
    priority: "info",
    host: "127.0.0.1",
    port: 25,
  });
  assert.equal(ok(["-fd", "m"]).mode, "foreground", "-f implies -d and keeps the foreground");
  assert.equal(ok(["-d", "m"]).mode, "detach");
  assert.equal(ok(["-p25", "m"]).port, 25);
  assert.equal(ok(["-p", "2525", "m"]).port, 2525);
  assert.deepEqual(
    [ok(["-p", "127.0.0.2:26", "m"]).host, ok(["-p", "127.0.0.2:26", "m"]).port],
    ["127.0.0.2", 26],
  );
  assert.equal(ok(["-p", "[::1]:2525", "m"]).host, "::1");
  assert.equal(ok(["-p", "::1:2525", "m"]).host, "::1");
  assert.equal(ok(["-fldebug", "-t", "5", "m"]).priority, "debug");
  assert.equal(ok(["-t5", "m"]).timeout, 5);
  assert.equal(ok(["m", "-f"]).mode, "foreground", "glibc permutes operands");
  assert.equal(ok(["--", "-m"]).mailbox, "-m");
  assert.deepEqual(
    ok(["-c", "c.pem", "-k", "k.pem", "-a", "ca.pem", "-P", "pid", "m"]),
    {
      mode: "inetd",
      mailbox: "m",
      priority: "info",
      host: "127.0.0.1",
      port: 25,
      cert: "c.pem",
      key: "k.pem",
      ca: "ca.pem",
      pidfile: "pid",
    },
  );
  assert.deepEqual(parseMockmtaArgs("mockmta", ["-fv"]), { action: "version" });
  assert.deepEqual(parseMockmtaArgs("mockmta", ["-?", "-v"]), { action: "usage" });
});

test("mockmta usage errors: glibc and mockmta texts on stderr, exit 3, nothing on stdout", async () => {
  const cases: Array<[string[], string]> = [
    [["-x", "m"], "mockmta: invalid option -- 'x'"],
    [["-s", "m"], "mockmta: invalid option -- 's'"],
    [["m", "-t"], "mockmta: option requires an argument -- 't'"],
    [["-p"], "mockmta: option requires an argument -- 'p'"],
    [["-f"], "mockmta: MAILBOX is required"],
    [[], "mockmta: MAILBOX is required"],
    [["a", "b"], "mockmta: too many arguments"],
    [["-l", "loud", "m"], "mockmta: invalid priority: loud"],
    [["-l", "INFO", "m"], "mockmta: invalid priority: INFO"],
    [["-t", "0", "m"], "mockmta: wrong timeout value"],
    [["-t", "1s", "m"], "mockmta: wrong timeout value"],
    [["-t", "-3", "m"], "mockmta: wrong timeout value"],
    [["-p", "0", "m"], "mockmta: invalid port: 0"],
    [["-p", "65536", "m"], "mockmta: invalid port: 65536"],
    [["-p", "localhost:25", "m"], "mockmta: invalid port: localhost:25"],
  ];
  await Promise.all(cases.map(async ([args, message]) => {
    const r = await runCliToEnd(["mockmta", ...args]);
    assert.deepEqual(r, { code: 3, stdout: "", stderr: `${message}\n` }, args.join(" "));
  }));
});

test("mockmta -v and -? work without MAILBOX and exit 0", async () => {
  const [v, help, both] = await Promise.all([
    runCliToEnd(["mockmta", "-v"]),
    runCliToEnd(["mockmta", "-?"]),
    runCliToEnd(["mockmta", "-v", "-x"]), // getopt errors are reported before any action
  ]);
  assert.deepEqual(v, { code: 0, stdout: versionText(), stderr: "" });
  assert.match(v.stdout, /^mockmta \d+\.\d+\.\d+\nTLS support: yes\n$/);
  assert.deepEqual(help, { code: 0, stdout: usageText("mockmta"), stderr: "" });
  assert.match(
    help.stdout,
    /^Usage: mockmta \[-dfv\?\] \[-c CERT\] \[-a CA\] \[-k KEY\] \[-l PRIO\] \[-P FILE\] \[-p \[IP:\]PORT\] \[-t SEC\] MAILBOX\n/,
  );
  assert.equal(both.code, 3);
});

test("mockmta: port in use → bind message on stderr, exit 1 (-f and -d)", async () => {
  const s = await scratch();
  const blocker = net.createServer();
  await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
  const port = String((blocker.address() as net.AddressInfo).port);
  try {
    const fg = await runCliToEnd(["mockmta", "-f", "-p", port, s.mailbox]);
    assert.deepEqual(fg, {
      code: 1,
      stdout: "",
      stderr: "mockmta: bind: Address already in use\n",
    });
    const bg = await runCliToEnd(["mockmta", "-d", "-p", port, s.mailbox], {
      env: { ...process.env, MOCKSMTP_SYSLOG_SOCKET: join(s.dir, "no-syslog") },
    });
    assert.equal(bg.code, 1);
    assert.match(bg.stderr, /^mockmta: bind: Address already in use$/m);
  } finally {
    blocker.close();
    await s.cleanup();
  }
});

test("mockmta -d detaches (new session), -P pidfile, counter across connections, SIGTERM", async () => {
  const s = await scratch();
  const port = await freePort();
  const pidfile = join(s.dir, "mockmta.pid");
  const noSyslog = join(s.dir, "no-syslog");
  try {
    const start = await runCliToEnd(
      ["mockmta", "-d", "-p", String(port), "-P", pidfile, s.mailbox],
      { env: { ...process.env, MOCKSMTP_SYSLOG_SOCKET: noSyslog } },
    );
    assert.equal(start.code, 0, start.stderr);
    assert.equal(start.stdout, "");
    // No syslog socket here: said once, before detaching.
    assert.equal(
      start.stderr,
      `mockmta: no syslog socket at ${noSyslog}; logging to ${s.mailbox}.log\n`,
    );
    const pid = Number((await readFile(pidfile, "utf8")).trim());
    const st = await procStat(pid);
    assert.ok(st && st.state !== "Z", "the daemon runs after the starter exited");
    assert.equal(st.session, pid, "the daemon leads its own session");
    assert.deepEqual(await sendMessages(port, [{ data: "Subject: one\r\n\r\n1\r\n" }]), [
      R.accepted(1),
    ]);
    assert.deepEqual(await sendMessages(port, [{ data: "Subject: two\r\n\r\n2\r\n" }]), [
      R.accepted(2),
    ]);
    process.kill(pid, "SIGTERM");
    await waitGone(pid);
    assert.equal(existsSync(pidfile), false, "pidfile removed on a clean exit");
    assert.equal((await readBodies(s.mailbox)).length, 2);
    const log = await readFile(`${s.mailbox}.log`, "utf8");
    assert.match(log, /mockmta\[\d+\] notice: listening on 127\.0\.0\.1:\d+\n/);
    assert.match(log, /mockmta\[\d+\] info: 0002: from=<sender@example\.org>, nrcpt=1, size=\d+/);
    assert.match(log, /notice: stopped\n$/);
  } finally {
    await killFromPidfile(pidfile);
    await s.cleanup();
  }
});

test("mockmta -f: SIGTERM and SIGINT stop cleanly with exit 0 and remove the pidfile", async () => {
  const s = await scratch();
  try {
    for (const sig of ["SIGTERM", "SIGINT"] as const) {
      const pidfile = join(s.dir, `${sig}.pid`);
      const daemon = await startDaemon(s.mailbox, ["-P", pidfile]);
      assert.equal((await readFile(pidfile, "utf8")).trim(), String(daemon.child.pid));
      await sendMessages(daemon.port, [{ data: "x\r\n" }]);
      assert.equal(await stopDaemon(daemon, sig), 0, daemon.stderr);
      assert.equal(existsSync(pidfile), false);
      assert.match(daemon.stderr, /mockmta: stopped\n$/);
    }
  } finally {
    await s.cleanup();
  }
});

test("mockmta -t 1 in inetd mode: idle → exit 2, nothing sent, nothing delivered", async () => {
  const s = await scratch();
  try {
    const idle = spawnInetd(["-t", "1", s.mailbox]);
    const inData = spawnInetd(["-t", "1", s.mailbox]);
    await inData.client.send(
      "EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nSubject: half\r\n",
    );
    const [idleOut, dataOut] = await Promise.all([idle.client.closed(), inData.client.closed()]);
    assert.equal(idleOut, R.greeting, "no 421, no 221 on a timeout");
    assert.equal(dataOut, R.greeting + R.ehlo + R.sender + R.recipient + R.data);
    assert.equal(await idle.cli.exited, 2);
    assert.equal(await inData.cli.exited, 2);
    assert.equal(idle.cli.stderr, "mockmta: timed out waiting for I/O\n");
    assert.equal(existsSync(s.mailbox), false, "the incomplete message was not delivered");
  } finally {
    await s.cleanup();
  }
});

test("mockmta -t 1 in daemon mode: the idle connection is closed, the daemon serves on", async () => {
  const s = await scratch();
  const daemon = await startDaemon(s.mailbox, ["-t", "1"]);
  try {
    const idle = new net.Socket();
    let received = "";
    idle.on("data", (d) => received += d.toString("latin1"));
    const closed = new Promise<void>((r) => idle.on("close", () => r()));
    idle.connect(daemon.port, "127.0.0.1");
    await closed;
    assert.equal(received, R.greeting);
    assert.deepEqual(await sendMessages(daemon.port, [{ data: "after\r\n" }]), [R.accepted(1)]);
    assert.equal(await stopDaemon(daemon), 0);
    assert.match(daemon.stderr, /mockmta: timed out waiting for I\/O\n/);
  } finally {
    daemon.kill("SIGKILL");
    await s.cleanup();
  }
});

test("mockmta -l: info logs one status line per transaction, debug the C:/S: transcript", async () => {
  const s = await scratch();
  const session = "EHLO log\r\nMAIL FROM:<l@x>\r\nRCPT TO:<r@x>\r\nDATA\r\nhi\r\n.\r\nQUIT\r\n";
  try {
    const run = (level: string[]) =>
      runCliToEnd(["mockmta", ...level, s.mailbox], { input: session });
    const [info, notice, debug] = await Promise.all([
      run([]),
      run(["-l", "notice"]),
      run(["-l", "debug"]),
    ]);
    assert.equal(info.stderr, "mockmta: 0001: from=<l@x>, nrcpt=1, size=4: delivered\n");
    assert.equal(notice.stderr, "");
    const lines = debug.stderr.split("\n");
    for (
      const expected of [
        "mockmta: S: 220 Ready",
        "mockmta: C: EHLO log",
        "mockmta: S: 250-PIPELINING",
        "mockmta: C: MAIL FROM:<l@x>",
        "mockmta: S: 250 Sender ok",
        "mockmta: S: 250 0001 Message accepted for delivery",
        "mockmta: C: QUIT",
        "mockmta: S: 221 Bye",
      ]
    ) assert.ok(lines.includes(expected), `${expected} in\n${debug.stderr}`);
    for (const r of [info, notice, debug]) {
      assert.equal(r.code, 0);
      assert.match(r.stdout, /^220 Ready\r\n[\s\S]*221 Bye\r\n$/, "stdout: SMTP replies only");
    }
  } finally {
    await s.cleanup();
  }
});

test("mockmta -d with a syslog socket: facility mail through logger", async () => {
  const s = await scratch();
  const socket = join(s.dir, "log.sock");
  const receiver = spawnWatched("python3", [
    "-u",
    "-c",
    "import socket,sys\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\ns.bind(sys.argv[1])\n" +
    "print('ready')\nwhile True: print(s.recv(4096).decode('latin1'))",
    socket,
  ], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await freePort();
  const pidfile = join(s.dir, "pid");
  try {
    await receiver.waitStdout(/^ready$/m);
    const start = await runCliToEnd(
      ["mockmta", "-d", "-p", String(port), "-P", pidfile, s.mailbox],
      { env: { ...process.env, MOCKSMTP_SYSLOG_SOCKET: socket } },
    );
    assert.deepEqual(start, { code: 0, stdout: "", stderr: "" });
    const pid = (await readFile(pidfile, "utf8")).trim();
    await sendMessages(port, [{ from: "<sys@example.org>", data: "hi\r\n" }]);
    process.kill(Number(pid), "SIGTERM");
    await receiver.waitStdout(/stopped/);
    // mail.notice = 2*8+5 = <21>, mail.info = <22>; RFC 3164 framing by logger.
    assert.match(
      receiver.stdout,
      new RegExp(`^<21>.{15} mockmta\\[${pid}\\]: listening on 127`, "m"),
    );
    assert.match(
      receiver.stdout,
      new RegExp(`^<22>.{15} mockmta\\[${pid}\\]: 0001: from=<sys@example\\.org>, nrcpt=1`, "m"),
    );
    await waitGone(Number(pid));
    assert.equal(existsSync(`${s.mailbox}.log`), false, "no fallback file when syslog works");
  } finally {
    receiver.kill("SIGKILL");
    await killFromPidfile(pidfile);
    await s.cleanup();
  }
});

test("mockmta inetd: -P is ignored with a warning, the session still runs", async () => {
  const s = await scratch();
  try {
    const r = await runCliToEnd(["mockmta", "-l", "notice", "-P", join(s.dir, "pid"), s.mailbox], {
      input: "QUIT\r\n",
    });
    assert.deepEqual(r, {
      code: 0,
      stdout: R.greeting + R.bye,
      stderr: "mockmta: -P is ignored in inetd mode\n",
    });
  } finally {
    await s.cleanup();
  }
});
