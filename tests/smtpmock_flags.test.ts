// `mocksmtp smtpmock` as a process (spec smtpmock.md §2, §3, §6): Go flag syntax end to end,
// -h and -v, the Ruby gem's command line through /bin/sh, -log lines and streams, the start
// failure, and what each signal does.
import { test } from "node:test";
import assert from "node:assert/strict";
import net from "node:net";
import {
  cliCommand,
  freePort,
  ROOT,
  runCli,
  runCliToEnd,
  startSmtpmockCli,
} from "./helpers/cli.ts";
import { shellQuote, spawnWatched } from "./helpers/process.ts";
import { connectWhenUp, RawClient } from "./helpers/raw_client.ts";
import { INVALID, R221, R250, R354, withCli } from "./helpers/smtpmock.ts";
import { assertNoReply, connectOutcome, since, talk, within } from "./helpers/smtpmock_probe.ts";

const OK = "250 Ok\r\n";
const HELO_ARG = "501 HELO requires domain address or valid address literal\r\n";

/** After EHLO with a bad argument: closed with fail-fast on, still talking with it off. */
async function failFastIsOn(c: RawClient): Promise<boolean> {
  await talk(c, [["EHLO nodot\r\n", HELO_ARG]]);
  await c.send("NOOP\r\n");
  const next = await c.readLine();
  if (next === "") return true;
  assert.equal(next, OK);
  return false;
}

// ------------------------------------------------------------------ Go flag syntax

test("smtpmock CLI: -name=value, -name value and --name all set flags", async () => {
  const flags = [
    "-msgGreeting=220 a=b",
    "-msgNoopReceived",
    "250 spaced value",
    "--msgQuitCmd=221 c",
  ];
  await withCli(flags, async (c) => {
    await talk(c, [["NOOP\r\n", "250 spaced value\r\n"], ["QUIT\r\n", "221 c\r\n"]]);
  }, "220 a=b\r\n");
});

test("smtpmock CLI: every bool spelling", async () => {
  const spellings: Array<[string, boolean]> = [
    ["-failFast", true],
    ["--failFast", true],
    ...["1", "t", "T", "true", "TRUE", "True"].map((
      v,
    ): [string, boolean] => [`-failFast=${v}`, true]),
    ...["0", "f", "F", "false", "FALSE", "False"].map((
      v,
    ): [string, boolean] => [`-failFast=${v}`, false]),
  ];
  await Promise.all(
    spellings.map(([flag, on]) =>
      withCli([flag], async (c) => assert.equal(await failFastIsOn(c), on, flag))
    ),
  );
});

test("smtpmock CLI: -failFast false sets true and stops parsing at the positional", async () => {
  await withCli(["-failFast", "false", "-msgGreeting=220 ignored"], async (c) => {
    assert.equal(await failFastIsOn(c), true);
  });
});

test("smtpmock CLI: integers are parsed with base 0", async () => {
  for (const v of ["0x10", "020", "0o20", "0b10000", "1_6"]) {
    await withCli([`-msgSizeLimit=${v}`], async (c) => {
      await talk(c, [
        ["EHLO example.com\r\n", R250],
        ["MAIL FROM:<a@example.com>\r\n", R250],
        ["RCPT TO:<b@example.com>\r\n", R250],
        ["DATA\r\n", R354],
        ["x".repeat(20) + "\r\n", "552 Message exceeded max size of 16 bytes\r\n"],
      ]);
    });
  }
});

test("smtpmock CLI: the last occurrence of a flag wins", async () => {
  await withCli(
    ["-msgGreeting=220 one", "-failFast", "-msgGreeting=220 two", "-failFast=false"],
    async (c) => {
      assert.equal(await failFastIsOn(c), false);
    },
    "220 two\r\n",
  );
});

test("smtpmock CLI: unknown flag prints Go's message and usage on stderr, exit 2", async () => {
  const r = await runCliToEnd(["smtpmock", "-nope"]);
  assert.equal(r.code, 2);
  assert.equal(r.stdout, "");
  assert.match(
    r.stderr,
    /^flag provided but not defined: -nope\nUsage of smtpmock:\n {2}-blacklistedHeloDomains string\n/,
  );
});

test("smtpmock CLI: bad values print Go's messages and usage, exit 2", async () => {
  const cases: Array<[string[], string]> = [
    [["-msgSizeLimit=abc"], 'invalid value "abc" for flag -msgSizeLimit: parse error'],
    [["-port", "x1"], 'invalid value "x1" for flag -port: parse error'],
    [["-failFast=yes"], 'invalid boolean value "yes" for -failFast: parse error'],
    [["-sessionTimeout"], "flag needs an argument: -sessionTimeout"],
  ];
  await Promise.all(cases.map(async ([argv, message]) => {
    const r = await runCliToEnd(["smtpmock", ...argv]);
    assert.equal(r.code, 2, argv.join(" "));
    assert.equal(r.stdout, "");
    assert.ok(r.stderr.startsWith(message + "\nUsage of smtpmock:\n"), r.stderr.slice(0, 200));
  }));
});

test("smtpmock CLI: -h, -help and --help print usage on stderr and exit 0", async () => {
  const results = await Promise.all(
    ["-h", "-help", "--help"].map((h) => runCliToEnd(["smtpmock", h])),
  );
  for (const r of results) {
    assert.equal(r.code, 0);
    assert.equal(r.stdout, "");
    assert.ok(r.stderr.startsWith("Usage of smtpmock:\n"));
    // Go's two-line entries, alphabetical.
    const names = [...r.stderr.matchAll(/^ {2}-(\w+)/gm)].map((m) => m[1]);
    assert.deepEqual(names, [...names].sort());
    assert.ok(names.includes("msgSizeLimit") && names.includes("v"));
    assert.match(r.stderr, /\n {2}-msgSizeLimit int\n {4}\t/);
    assert.match(r.stderr, /\n {2}-failFast\n {4}\t/);
    // The extension is a bool flag whose help says what it is and why it exists.
    assert.match(
      r.stderr,
      /\n {2}-strictDataEnd\n {4}\tExtension \(not in go-smtp-mock\).*smuggle/,
    );
  }
  assert.equal(results[0].stderr, results[2].stderr);
});

test("smtpmock CLI: -v prints exactly three lines with a numeric version", async () => {
  const r = await runCliToEnd(["smtpmock", "-v"]);
  assert.equal(r.code, 0);
  assert.equal(r.stderr, "");
  const lines = r.stdout.split("\n");
  assert.equal(lines.length, 4, "three lines, each ending in a newline");
  assert.equal(lines[3], "");
  assert.match(lines[0], /^smtpmock: \d+\.\d+\.\d+$/);
  assert.match(lines[1], /^commit: \S+$/);
  assert.match(lines[2], /^built at: \S+/);
  // The Ruby gem requires at least 1.5.0.
  const [major, minor] = lines[0].slice("smtpmock: ".length).split(".").map(Number);
  assert.ok(major > 1 || (major === 1 && minor >= 5));
});

test("smtpmock CLI: -v wins over a bad port and starts nothing", async () => {
  const r = await runCliToEnd(["smtpmock", "-port=1", "-v"]);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^smtpmock: /);
});

// ------------------------------------------------------------------ the Ruby gem's contract

test("smtpmock CLI: the Ruby gem's command line through /bin/sh, quiet stderr, connectable", async () => {
  const port = await freePort();
  const [cmd, argv] = cliCommand(["smtpmock"]);
  const line = [cmd, ...argv].map(shellQuote).join(" ") +
    ` -blacklistedHeloDomains="a.com,b.com" -failFast -log -port=${port}`;
  // exec, so that the gem's SIGTERM reaches the server rather than the shell.
  const sh = spawnWatched("/bin/sh", ["-c", `exec ${line}`], { cwd: ROOT });
  try {
    await within(10_000, sh.waitStdout(new RegExp(`SMTP mock server started on port: ${port}\n`)));
    assert.equal(sh.stderr, "", "nothing on stderr during start");
    const c = await RawClient.connect(port);
    assert.equal(await c.readLine(), "220 Welcome\r\n");
    await talk(c, [["EHLO a.com\r\n", "421 Service not available\r\n"]]);
    assert.equal(await within(5000, c.closed()), "", "-failFast closed after 421");
    const c2 = await RawClient.connect(port);
    assert.equal(await c2.readLine(), "220 Welcome\r\n");
    await talk(c2, [["EHLO b.com\r\n", "421 Service not available\r\n"]]);
    c2.close();
    // The gem's liveness probe: connect and close at once.
    assert.equal(await connectOutcome(port), "connected");
    sh.kill("SIGTERM");
    assert.equal(await within(10_000, sh.exited), 0);
    assert.doesNotMatch(sh.stderr, /Failed|flag/);
  } finally {
    sh.kill("SIGKILL");
  }
});

// ------------------------------------------------------------------ -log

const STAMP = String.raw`\d{4}/\d{2}/\d{2} \d{2}:\d{2}:\d{2}\.\d{6}`;
const LOG_LINE = new RegExp(`^(INFO|WARNING|ERROR): (${STAMP}) (.*)$`);

/** Go's `YYYY/MM/DD HH:MM:SS` in local time. */
function goDate(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}/${p(d.getMonth() + 1)}/${p(d.getDate())} ` +
    `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** Parses log output into [level, message] pairs, checking every line's shape and time. */
function parseLog(text: string, before: number, after: number): Array<[string, string]> {
  const lo = goDate(new Date(before - 1000));
  const hi = goDate(new Date(after + 1000));
  return text.split("\n").filter((l) => l !== "").map((l) => {
    const m = l.match(LOG_LINE);
    assert.ok(m, `log line shape: ${JSON.stringify(l)}`);
    const stamp = m[2].slice(0, 19);
    assert.ok(stamp >= lo && stamp <= hi, `local timestamp ${stamp} within [${lo}, ${hi}]`);
    return [m[1], m[3]];
  });
}

test("smtpmock CLI: -log writes INFO/WARNING to stdout and ERROR to stderr (§3)", async () => {
  const before = Date.now();
  const cli = await startSmtpmockCli(["-log", "-sessionTimeout=2", "-responseDelayNoop=1"]);
  try {
    const c = await RawClient.connect(cli.port);
    assert.equal(await c.readLine(), "220 Welcome\r\n");
    await talk(c, [
      ["EHLO example.com\r\n", R250],
      ["MAIL FROM:<a@example.com>\r\n", R250],
      ["RCPT TO:<b@example.com>\r\n", R250],
      ["DATA\r\n", R354],
      ["line 1\r\nline 2\r\n.\r\n", R250],
      ["NOOP\r\n", OK],
      ["  QUIT  \r\n", R221],
    ]);
    await c.closed();
    // A client that hangs up (EOF) and one that idles into the session timeout.
    const gone = await RawClient.connect(cli.port);
    assert.equal(await gone.readLine(), "220 Welcome\r\n");
    gone.socket.end();
    await gone.closed();
    const idle = await RawClient.connect(cli.port);
    const idlePort = idle.socket.localPort;
    assert.equal(await idle.readLine(), "220 Welcome\r\n");
    await within(10_000, idle.closed());
    await cli.waitStderr(/i\/o timeout\n/);
    cli.kill("SIGTERM");
    assert.equal(await within(10_000, cli.exited), 0);
    const after = Date.now();
    const out = parseLog(cli.stdout, before, after);
    const err = parseLog(cli.stderr, before, after);
    assert.ok(out.every(([level]) => level === "INFO" || level === "WARNING"));
    assert.deepEqual(out.slice(0, 19), [
      ["INFO", `SMTP mock server started on port: ${cli.port}`],
      ["INFO", "SMTP session started"],
      ["INFO", "SMTP response: 220 Welcome"],
      ["INFO", "SMTP request: EHLO example.com"],
      ["INFO", "SMTP response: 250 Received"],
      ["INFO", "SMTP request: MAIL FROM:<a@example.com>"],
      ["INFO", "SMTP response: 250 Received"],
      ["INFO", "SMTP request: RCPT TO:<b@example.com>"],
      ["INFO", "SMTP response: 250 Received"],
      ["INFO", "SMTP request: DATA"],
      ["INFO", "SMTP response: 354 Ready for receive message. End data with <CR><LF>.<CR><LF>"],
      ["INFO", "SMTP request: message binary data portion"],
      ["INFO", "SMTP request: message binary data portion"],
      ["INFO", "SMTP request: message binary data portion"],
      ["INFO", "SMTP response: 250 Received"],
      ["INFO", "SMTP request: NOOP"],
      ["INFO", "SMTP response delay: 1 sec"],
      ["INFO", "SMTP response: 250 Ok"],
      ["INFO", "SMTP request: QUIT"],
    ]);
    assert.deepEqual(out.slice(19, 21), [
      ["INFO", "SMTP response: 221 Closing connection"],
      ["INFO", "SMTP session finished"],
    ]);
    assert.deepEqual(out.slice(-2), [
      ["WARNING", "SMTP mock server is in the shutdown mode and won't accept new connections"],
      ["INFO", "SMTP mock server was stopped successfully"],
    ]);
    assert.deepEqual(err, [
      ["ERROR", "EOF"],
      ["ERROR", `read tcp 127.0.0.1:${cli.port}->127.0.0.1:${idlePort}: i/o timeout`],
    ]);
  } finally {
    cli.kill("SIGKILL");
  }
});

test("smtpmock CLI: without -log and with -port nothing is printed at all", async () => {
  const port = await freePort();
  const cli = runCli(["smtpmock", `-port=${port}`]);
  try {
    const c = await connectWhenUp(port, cli.exited);
    assert.equal(await c.readLine(), "220 Welcome\r\n");
    await talk(c, [["FOO\r\n", INVALID], ["QUIT\r\n", R221]]);
    await c.closed();
    cli.kill("SIGTERM");
    assert.equal(await within(10_000, cli.exited), 0);
    assert.equal(cli.stdout, "");
    assert.equal(cli.stderr, "");
  } finally {
    cli.kill("SIGKILL");
  }
});

test("smtpmock CLI: without -log and without -port only the start line is printed", async () => {
  const cli = await startSmtpmockCli([]);
  try {
    await withClient(cli.port, async (c) => {
      await talk(c, [["QUIT\r\n", R221]]);
      await c.closed();
    });
    cli.kill("SIGTERM");
    assert.equal(await within(10_000, cli.exited), 0);
    assert.match(
      cli.stdout,
      new RegExp(`^INFO: ${STAMP} SMTP mock server started on port: \\d+\\n$`),
    );
    assert.equal(cli.stderr, "");
  } finally {
    cli.kill("SIGKILL");
  }
});

async function withClient(port: number, body: (c: RawClient) => Promise<void>): Promise<void> {
  const c = await RawClient.connect(port);
  try {
    assert.equal(await c.readLine(), "220 Welcome\r\n");
    await body(c);
  } finally {
    c.close();
  }
}

// ------------------------------------------------------------------ start failure, hosts

/** Holds a port with a plain TCP listener. */
function occupy(): Promise<net.Server & { port: number }> {
  return new Promise((resolve) => {
    const s = net.createServer((sock) => sock.destroy());
    s.listen(
      0,
      "127.0.0.1",
      () => resolve(Object.assign(s, { port: (s.address() as net.AddressInfo).port })),
    );
  });
}

test("smtpmock CLI: port in use exits 1 with Go's log.Fatalf line on stderr (§2.4)", async () => {
  const taken = await occupy();
  try {
    const plain = await runCliToEnd(["smtpmock", `-port=${taken.port}`]);
    assert.equal(plain.code, 1);
    assert.equal(plain.stdout, "");
    assert.match(
      plain.stderr,
      new RegExp(
        `^\\d{4}/\\d{2}/\\d{2} \\d{2}:\\d{2}:\\d{2} Failed to start SMTP mock server on port: ${taken.port}\\n$`,
      ),
    );
    const logged = await runCliToEnd(["smtpmock", "-log", `-port=${taken.port}`]);
    assert.equal(logged.code, 1);
    assert.equal(logged.stdout, "");
    const lines = logged.stderr.split("\n");
    assert.match(
      lines[0],
      new RegExp(`^ERROR: ${STAMP} Failed to start SMTP mock server on port: ${taken.port}$`),
    );
    assert.match(
      lines[1],
      /^\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2} Failed to start SMTP mock server on port: \d+$/,
    );
    assert.equal(lines.length, 3);
  } finally {
    await new Promise((r) => taken.close(r));
  }
});

test("smtpmock CLI: IPv6 needs brackets; a bare ::1 fails like Go (port 0 printed)", async () => {
  const bare = await runCliToEnd(["smtpmock", "-host=::1"]);
  assert.equal(bare.code, 1);
  assert.match(bare.stderr, /Failed to start SMTP mock server on port: 0\n$/);
  const cli = await startSmtpmockCli(["-host=[::1]"]);
  try {
    const c = await RawClient.connect(cli.port, "::1");
    assert.equal(await c.readLine(), "220 Welcome\r\n");
    c.close();
  } finally {
    cli.kill("SIGKILL");
    await cli.exited;
  }
});

test("smtpmock CLI: -host defaults to 127.0.0.1 (documented deviation)", async () => {
  const cli = await startSmtpmockCli([]);
  try {
    assert.equal(await connectOutcome(cli.port, "127.0.0.1"), "connected");
  } finally {
    cli.kill("SIGKILL");
    await cli.exited;
  }
});

// ------------------------------------------------------------------ signals

for (const sig of ["SIGINT", "SIGTERM", "SIGQUIT"] as const) {
  test(`smtpmock CLI: ${sig} stops the server, exit 0`, async () => {
    const cli = await startSmtpmockCli(["-log"]);
    try {
      cli.kill(sig);
      assert.equal(await within(10_000, cli.exited), 0);
      assert.match(cli.stdout, /SMTP mock server was stopped successfully\n$/);
      assert.equal(cli.stderr, "");
    } finally {
      cli.kill("SIGKILL");
    }
  });
}

test("smtpmock CLI: SIGHUP kills the process (status 129)", async () => {
  const cli = await startSmtpmockCli([]);
  try {
    cli.kill("SIGHUP");
    assert.equal(await within(10_000, cli.exited), 129);
  } finally {
    cli.kill("SIGKILL");
  }
});

test("smtpmock CLI: SIGUSR1 and SIGUSR2 are ignored", async () => {
  const cli = await startSmtpmockCli(["-log"]);
  try {
    cli.kill("SIGUSR1");
    cli.kill("SIGUSR2");
    // Still serving afterwards (a session proves the signals were handled and survived).
    await withClient(cli.port, async (c) => {
      await assertNoReply(c);
    });
    assert.equal(cli.child.exitCode, null);
    cli.kill("SIGTERM");
    assert.equal(await within(10_000, cli.exited), 0);
  } finally {
    cli.kill("SIGKILL");
  }
});

test("smtpmock CLI: only the first stop signal counts; a second one does not cut the wait short", async () => {
  const cli = await startSmtpmockCli(["-log"]);
  const c = await RawClient.connect(cli.port);
  try {
    assert.equal(await c.readLine(), "220 Welcome\r\n");
    const t = performance.now();
    cli.kill("SIGTERM");
    await cli.waitStdout(/shutdown mode/);
    cli.kill("SIGINT");
    assert.equal(await within(10_000, cli.exited), 0);
    assert.ok(since(t) >= 900, "waited for the 1 s shutdown timeout");
    assert.match(cli.stdout, /force stopped by timeout\n$/, "and nothing after it");
    assert.equal(cli.stderr, "", "the dropped session logs nothing");
  } finally {
    c.close();
    cli.kill("SIGKILL");
  }
});
