// msmtpd's command line as parsed (spec msmtpd.md §1): getopt_long rules, msmtpd's own checks in
// option order, atoi ports, --auth password sources.
import { test } from "node:test";
import assert from "node:assert/strict";
import {
  atoi,
  type MsmtpdSettings,
  parseMsmtpdArgs,
  type PasswordSources,
} from "../src/personas/msmtpd/options.ts";
import { evaluatePassword } from "../src/personas/msmtpd/password.ts";

const DEFAULT = "/usr/bin/msmtp -f %F --";

/** Password sources that record what was asked. */
function fakePasswords(answers: { evaluate?: string | null; prompt?: string | null } = {}) {
  const calls: string[] = [];
  const sources: PasswordSources = {
    evaluate: (cmd) => {
      calls.push(`evaluate ${cmd}`);
      return answers.evaluate === undefined ? "pw" : answers.evaluate;
    },
    prompt: (user) => {
      calls.push(`prompt ${user}`);
      return answers.prompt === undefined ? "typed" : answers.prompt;
    },
  };
  return { sources, calls };
}

function parse(argv: string[], sources = fakePasswords().sources) {
  return parseMsmtpdArgs("msmtpd", argv, sources, DEFAULT);
}

function settings(argv: string[]): MsmtpdSettings {
  const r = parse(argv);
  assert.ok(r.ok, r.ok ? "" : r.error);
  return r.settings;
}

function error(argv: string[], sources?: PasswordSources): string {
  const r = parse(argv, sources);
  assert.ok(!r.ok, "expected an error");
  return r.error;
}

test("msmtpd options: defaults and every option", () => {
  assert.deepEqual(settings([]), {
    printVersion: false,
    printHelp: false,
    inetd: false,
    interface: "127.0.0.1",
    port: 25,
    log: { kind: "none" },
    command: DEFAULT,
    maxMailSize: 64 * 1024 * 1024,
  });
  const s = settings([
    "--inetd",
    "--interface=::",
    "--port",
    "2525",
    "--log=syslog",
    "--command=cat",
    "--auth=user,echo pw",
  ]);
  assert.equal(s.inetd, true);
  assert.equal(s.interface, "::");
  assert.equal(s.port, 2525);
  assert.deepEqual(s.log, { kind: "syslog" });
  assert.equal(s.command, "cat");
  assert.deepEqual(s.auth, { user: "user", password: "pw" });
  assert.deepEqual(settings(["--log=none"]).log, { kind: "none" });
  assert.deepEqual(settings(["--log", "/tmp/x.log"]).log, { kind: "file", path: "/tmp/x.log" });
});

test("msmtpd options: prefixes, repeated options (last wins), --version and --help", () => {
  const s = settings(["--vers", "--he", "--po=1", "--port=2", "--comm", "a", "--command=b"]);
  assert.equal(s.printVersion, true);
  assert.equal(s.printHelp, true);
  assert.equal(s.port, 2);
  assert.equal(s.command, "b");
});

test("msmtpd options: getopt_long's diagnostics", () => {
  assert.equal(
    error(["--i"]),
    "msmtpd: option '--i' is ambiguous; possibilities: '--inetd' '--interface'",
  );
  assert.equal(error(["-p", "25"]), "msmtpd: invalid option -- 'p'");
  assert.equal(error(["--foo"]), "msmtpd: unrecognized option '--foo'");
  assert.equal(error(["--foo=bar"]), "msmtpd: unrecognized option '--foo=bar'");
  assert.equal(error(["--port"]), "msmtpd: option '--port' requires an argument");
  assert.equal(error(["--inetd=yes"]), "msmtpd: option '--inetd' doesn't allow an argument");
});

test("msmtpd options: msmtpd's own errors", () => {
  for (const name of ["port", "interface", "log", "command", "auth"]) {
    assert.equal(error([`--${name}=`]), `msmtpd: option '--${name}' requires non-empty argument`);
  }
  assert.equal(error(["--po="]), "msmtpd: option '--port' requires non-empty argument");
  assert.equal(error(["x"]), "msmtpd: too many arguments");
  assert.equal(error(["--inetd", "--", "--help"]), "msmtpd: too many arguments");
  assert.equal(error([`--auth=${"u".repeat(1024)},x`]), "msmtpd: user name too long");
  const long = fakePasswords({ evaluate: "p".repeat(1024) }).sources;
  assert.equal(error(["--auth=u,x"], long), "msmtpd: password too long");
});

test("msmtpd options: options before a getopt error still take effect, in order", () => {
  assert.equal(error(["--port=", "--foo"]), "msmtpd: option '--port' requires non-empty argument");
  assert.equal(error(["--foo", "--port="]), "msmtpd: unrecognized option '--foo'");
  assert.equal(
    error(["--port", "25", "--log="]),
    "msmtpd: option '--log' requires non-empty argument",
  );
  assert.equal(error(["--port", "25", "--port"]), "msmtpd: option '--port' requires an argument");
  const before = fakePasswords();
  error(["--auth=u,cmd", "--foo"], before.sources);
  assert.deepEqual(before.calls, ["evaluate cmd"], "the passwordeval ran while parsing");
  const after = fakePasswords();
  error(["--foo", "--auth=u,cmd"], after.sources);
  assert.deepEqual(after.calls, []);
  const operand = fakePasswords();
  assert.equal(error(["x", "--auth=u,cmd"], operand.sources), "msmtpd: too many arguments");
  assert.deepEqual(operand.calls, ["evaluate cmd"], "operands are checked after all options");
});

test("msmtpd options: --auth password sources", () => {
  const p = fakePasswords();
  const split = parse(["--auth=a,b,c"], p.sources);
  assert.ok(split.ok);
  assert.deepEqual(split.settings.auth, { user: "a", password: "pw" });
  assert.deepEqual(p.calls, ["evaluate b,c"], "the user name ends at the first comma");
  const t = fakePasswords();
  const r = parse(["--auth=alice"], t.sources);
  assert.ok(r.ok);
  assert.deepEqual(r.settings.auth, { user: "alice", password: "typed" });
  assert.deepEqual(t.calls, ["prompt alice"]);
  assert.equal(
    error(["--auth=alice"], fakePasswords({ prompt: null }).sources),
    "msmtpd: cannot get password for (localhost, smtp, alice)",
  );
  assert.equal(
    error(["--auth=alice,false"], fakePasswords({ evaluate: null }).sources),
    "msmtpd: cannot get password: cannot read output of 'false'",
  );
  // Empty user name (newest msmtpd: AUTH is required with an empty user).
  assert.deepEqual(settings(["--auth=,x"]).auth, { user: "", password: "pw" });
});

test("msmtpd options: passwordeval takes the first output line (LF, then CR removed)", () => {
  assert.equal(evaluatePassword("echo secret"), "secret");
  assert.equal(evaluatePassword("printf 'a b\\r\\nsecond\\n'"), "a b");
  assert.equal(evaluatePassword("printf 'no newline'"), "no newline");
  assert.equal(evaluatePassword("printf 'x\\r\\r\\n'"), "x\r");
  assert.equal(evaluatePassword("printf '\\n'"), "");
  assert.equal(evaluatePassword("printf 'a\\0b\\n'"), "a");
  assert.equal(evaluatePassword("echo out; exit 3"), "out", "exit status ignored");
  assert.equal(evaluatePassword("true"), null);
  assert.equal(evaluatePassword("/nonexistent/command 2>/dev/null"), null);
  assert.equal(evaluatePassword("echo ~ | grep -c /"), "1", "run by the shell: ~ expands");
});

test("msmtpd options: --port is C's atoi", () => {
  const cases: Array<[string, number]> = [
    ["25", 25],
    [" \t25x", 25],
    ["abc", 0],
    ["", 0],
    ["+7", 7],
    ["-1", -1],
    ["70000", 70000],
    ["4294967296", 0],
    ["99999999999999999999", -1],
    ["-99999999999999999999", 0],
  ];
  for (const [text, value] of cases) assert.equal(atoi(text), value, JSON.stringify(text));
  assert.equal(settings(["--port=abc"]).port, 0);
});

test("msmtpd options: --max-mail-size (extension), bytes with K, M or G; 0 is no cap", () => {
  assert.equal(settings(["--max-mail-size=1000"]).maxMailSize, 1000);
  assert.equal(settings(["--max-mail-size", "2k"]).maxMailSize, 2048);
  assert.equal(settings(["--max-m=3M"]).maxMailSize, 3 * 1024 ** 2);
  assert.equal(settings(["--max-mail-size=1G"]).maxMailSize, 1024 ** 3);
  assert.equal(settings(["--max-mail-size=0"]).maxMailSize, Infinity);
  for (const bad of ["-1", "1.5M", "1T", "M", " 1", "99999999999999999999"]) {
    assert.equal(
      error([`--max-mail-size=${bad}`]),
      `msmtpd: invalid argument '${bad}' for '--max-mail-size'`,
    );
  }
  assert.equal(
    error(["--max-mail-size="]),
    "msmtpd: option '--max-mail-size' requires non-empty argument",
  );
});
