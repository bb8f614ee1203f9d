// Command-line parsers of the three personas. Expected glibc texts and results were taken from
// a small C program calling getopt/getopt_long, built with gcc against Debian glibc 2.36; the
// Go texts come from Go's flag and strconv sources and the smtpmock spec.
import { test } from "node:test";
import assert from "node:assert/strict";
import { defineFlags, goParseInt, goQuote, goUsage, parseGoFlags } from "../src/flags/goflag.ts";
import { getopt } from "../src/flags/getopt.ts";
import { getoptLong, type LongOption } from "../src/flags/getopt_long.ts";

// ---------------------------------------------------------------- Go flag

const smtpmockish = defineFlags([
  { name: "v", kind: "bool", usage: "Prints current smtpmock version" },
  { name: "host", kind: "string", usage: "Host address where smtpmock will run" },
  { name: "port", kind: "int", usage: "Server port number" },
  { name: "log", kind: "bool", usage: "Enables log server activity" },
  { name: "failFast", kind: "bool", usage: "Enables fail fast scenario" },
  { name: "msgSizeLimit", kind: "int", usage: "Message body size limit in bytes" },
  { name: "msgGreeting", kind: "string", usage: "Custom server greeting message" },
]);

function goOk(argv: string[]) {
  const r = parseGoFlags(smtpmockish, argv);
  assert.ok(r.ok, `expected success, got ${JSON.stringify(r, (_, v) => String(v))}`);
  return r;
}

function goError(argv: string[]): string {
  const r = parseGoFlags(smtpmockish, argv);
  assert.ok(!r.ok && !r.help, "expected an error");
  return r.error;
}

test("goflag: -name=value, -name value and --name forms", () => {
  const r = goOk(["-port=2525", "--host", "127.0.0.1", "--msgGreeting=220 hi=there", "-log"]);
  assert.deepEqual(
    r.values,
    new Map<string, unknown>([
      ["port", 2525n],
      ["host", "127.0.0.1"],
      ["msgGreeting", "220 hi=there"],
      ["log", true],
    ]),
  );
  assert.deepEqual(r.positional, []);
});

test("goflag: a separate value is taken even when it looks like a flag", () => {
  assert.equal(goOk(["-host", "-log"]).values.get("host"), "-log");
  assert.equal(goError(["-port", "-log"]), 'invalid value "-log" for flag -port: parse error');
});

test("goflag: empty values after = are values", () => {
  assert.equal(goOk(["-msgGreeting="]).values.get("msgGreeting"), "");
  assert.equal(goError(["-port="]), 'invalid value "" for flag -port: parse error');
  assert.equal(goError(["-failFast="]), 'invalid boolean value "" for -failFast: parse error');
});

test("goflag: every ParseBool spelling", () => {
  for (const t of ["1", "t", "T", "true", "TRUE", "True"]) {
    assert.equal(goOk([`-failFast=${t}`]).values.get("failFast"), true, t);
  }
  for (const f of ["0", "f", "F", "false", "FALSE", "False"]) {
    assert.equal(goOk([`--failFast=${f}`]).values.get("failFast"), false, f);
  }
  assert.equal(goError(["-failFast=x"]), 'invalid boolean value "x" for -failFast: parse error');
  assert.equal(
    goError(["-failFast=yes"]),
    'invalid boolean value "yes" for -failFast: parse error',
  );
});

test("goflag: a bool flag does not take the next word: parsing stops there", () => {
  const r = goOk(["-failFast", "false", "-port=1"]);
  assert.deepEqual(r.values, new Map([["failFast", true]]));
  assert.deepEqual(r.positional, ["false", "-port=1"]);
});

test("goflag: the last occurrence wins", () => {
  const r = goOk(["-port=1", "-log", "-port", "2", "-log=false", "-host=a", "--host=b"]);
  assert.equal(r.values.get("port"), 2n);
  assert.equal(r.values.get("log"), false);
  assert.equal(r.values.get("host"), "b");
});

test("goflag: parsing stops at the first non-flag, at a lone - and after --", () => {
  assert.deepEqual(goOk(["-log", "x", "-port=1"]).positional, ["x", "-port=1"]);
  assert.equal(goOk(["-log", "x", "-port=1"]).values.has("port"), false);
  assert.deepEqual(goOk(["-log", "-", "-v"]).positional, ["-", "-v"]);
  assert.deepEqual(goOk(["-log", "--", "-v", "--"]).positional, ["-v", "--"]);
  assert.deepEqual(goOk(["", "-v"]).positional, ["", "-v"]);
  assert.deepEqual(goOk([]).positional, []);
});

test("goflag: undefined flag, missing value and bad syntax texts", () => {
  assert.equal(goError(["-x"]), "flag provided but not defined: -x");
  assert.equal(goError(["--x=5"]), "flag provided but not defined: -x");
  assert.equal(goError(["-port"]), "flag needs an argument: -port");
  assert.equal(goError(["---x"]), "bad flag syntax: ---x");
  assert.equal(goError(["-=x"]), "bad flag syntax: -=x");
  assert.equal(goError(["--=x"]), "bad flag syntax: --=x");
  assert.equal(goError(["-log", "-x", "-port"]), "flag provided but not defined: -x");
});

test("goflag: value errors quote the value like %q", () => {
  assert.equal(
    goError(["-msgSizeLimit=abc"]),
    'invalid value "abc" for flag -msgSizeLimit: parse error',
  );
  assert.equal(
    goError(["-port=99999999999999999999"]),
    'invalid value "99999999999999999999" for flag -port: value out of range',
  );
  assert.equal(
    goError(["-port", 'a"b\\c\n']),
    'invalid value "a\\"b\\\\c\\n" for flag -port: parse error',
  );
});

test("goflag: -h, -help and --help ask for help unless defined", () => {
  for (const h of ["-h", "-help", "--help", "--h", "-help=1"]) {
    assert.deepEqual(parseGoFlags(smtpmockish, ["-log", h, "-x"]), { ok: false, help: true }, h);
  }
  const withH = defineFlags([{ name: "h", kind: "bool", usage: "" }]);
  assert.deepEqual(parseGoFlags(withH, ["-h"]), {
    ok: true,
    values: new Map([["h", true]]),
    positional: [],
  });
  // An error before the help flag wins, as Go stops at the first problem.
  assert.equal(goError(["-x", "-h"]), "flag provided but not defined: -x");
});

test("goflag: base-0 integers (strconv.ParseInt(s, 0, 64))", () => {
  const cases: Array<[string, bigint]> = [
    ["0", 0n],
    ["-0", 0n],
    ["+7", 7n],
    ["010", 8n],
    ["0o17", 15n],
    ["0O17", 15n],
    ["0x1F", 31n],
    ["0XfF", 255n],
    ["-0x10", -16n],
    ["0b101", 5n],
    ["0B11", 3n],
    ["1_000", 1000n],
    ["0x_1_0", 16n],
    ["0_7", 7n],
    ["00", 0n],
    ["9223372036854775807", 9223372036854775807n],
    ["-9223372036854775808", -9223372036854775808n],
  ];
  for (const [text, value] of cases) {
    assert.deepEqual(goParseInt(text), { ok: true, value }, text);
  }
  const parseErrors = [
    "",
    "+",
    "-",
    "abc",
    "08",
    "0x",
    "0b",
    "0b2",
    "1__0",
    "_1",
    "1_",
    "0x_",
    "--1",
  ];
  for (const text of [...parseErrors, "+-1", "1e3", " 1", "1.0", "0x1g", "0o8", "١"]) {
    assert.deepEqual(goParseInt(text), { ok: false, error: "parse error" }, text);
  }
  const rangeErrors = [
    "9223372036854775808",
    "-9223372036854775809",
    "18446744073709551616",
    "0x8000000000000000",
    // Overflow is found before the bad character that follows it.
    "99999999999999999999x",
  ];
  for (const text of rangeErrors) {
    assert.deepEqual(goParseInt(text), { ok: false, error: "value out of range" }, text);
  }
  assert.equal(goOk(["-msgSizeLimit=0x10"]).values.get("msgSizeLimit"), 16n);
  assert.equal(goOk(["-msgSizeLimit", "-1"]).values.get("msgSizeLimit"), -1n);
});

test("goflag: goQuote matches strconv.Quote", () => {
  assert.equal(goQuote("plain"), '"plain"');
  assert.equal(goQuote("tab\there\x07\x00\x7f"), '"tab\\there\\a\\x00\\x7f"');
  assert.equal(goQuote("é ü 日本"), '"é ü 日本"');
  assert.equal(goQuote("\u00a0\u00ad\u2028"), '"\\u00a0\\u00ad\\u2028"');
  assert.equal(goQuote("\u{1F600}\u{E0001}"), '"\u{1F600}\\U000e0001"');
});

test("goflag: usage text is Go's PrintDefaults, sorted, with both line layouts", () => {
  const set = defineFlags([
    { name: "v", kind: "bool", usage: "Prints current smtpmock version" },
    { name: "port", kind: "int", usage: "Server port number" },
    { name: "host", kind: "string", usage: "Host address", default: "0.0.0.0" },
    { name: "x", kind: "string", usage: "one letter string" },
    { name: "n", kind: "int", usage: "count", default: 3n },
    { name: "b", kind: "bool", usage: "on by default", default: true },
    { name: "log", kind: "bool", usage: "Enables log" },
    { name: "dir", kind: "string", usage: "search `directory`\nfor files", default: "a\tb" },
    { name: "Z", kind: "bool", usage: "uppercase sorts first" },
  ]);
  assert.equal(
    goUsage("./smtpmock", set),
    [
      "Usage of ./smtpmock:",
      "  -Z\tuppercase sorts first",
      "  -b\ton by default (default true)",
      "  -dir directory",
      "    \tsearch directory",
      '    \tfor files (default "a\\tb")',
      "  -host string",
      '    \tHost address (default "0.0.0.0")',
      "  -log",
      "    \tEnables log",
      "  -n int",
      "    \tcount (default 3)",
      "  -port int",
      "    \tServer port number",
      "  -v\tPrints current smtpmock version",
      "  -x string",
      "    \tone letter string",
      "",
    ].join("\n"),
  );
  assert.equal(goUsage("", defineFlags([])), "Usage:\n");
  // A lone back quote is kept and the type name is used.
  assert.equal(
    goUsage("p", defineFlags([{ name: "q", kind: "int", usage: "a ` b" }])),
    "Usage of p:\n  -q int\n    \ta ` b\n",
  );
  // The 4-byte test counts UTF-8 bytes: "  -é" is 5 bytes.
  assert.equal(
    goUsage("p", defineFlags([{ name: "é", kind: "bool", usage: "u" }])),
    "Usage of p:\n  -é\n    \tu\n",
  );
});

test("goflag: defineFlags rejects what Go's FlagSet.Var panics on", () => {
  assert.throws(() => defineFlags([{ name: "-a", kind: "bool", usage: "" }]), TypeError);
  assert.throws(() => defineFlags([{ name: "a=b", kind: "bool", usage: "" }]), TypeError);
  assert.throws(
    () =>
      defineFlags([
        { name: "a", kind: "bool", usage: "" },
        { name: "a", kind: "int", usage: "" },
      ]),
    TypeError,
  );
  assert.throws(() => defineFlags([{ name: "a", kind: "int", usage: "", default: 1 as never }]));
});

// ---------------------------------------------------------------- getopt

const MOCKMTA = "a:c:dfk:l:P:p:t:v?";

test("getopt: clusters, attached and separate arguments, -? as an option", () => {
  // glibc: -fv -p25 x -t 5 -? y -- -d z  =>  f v p=25 t=5 ?  operands x y -d z
  assert.deepEqual(
    getopt("mockmta", ["-fv", "-p25", "x", "-t", "5", "-?", "y", "--", "-d", "z"], MOCKMTA),
    {
      ok: true,
      options: [
        { opt: "f" },
        { opt: "v" },
        { opt: "p", arg: "25" },
        { opt: "t", arg: "5" },
        { opt: "?" },
      ],
      operands: ["x", "y", "-d", "z"],
    },
  );
  assert.deepEqual(getopt("mockmta", ["-dfp", "2525", "-tl"], MOCKMTA), {
    ok: true,
    options: [{ opt: "d" }, { opt: "f" }, { opt: "p", arg: "2525" }, { opt: "t", arg: "l" }],
    operands: [],
  });
  assert.deepEqual(getopt("mockmta", ["-a", ""], MOCKMTA), {
    ok: true,
    options: [{ opt: "a", arg: "" }],
    operands: [],
  });
});

test("getopt: a required argument is the next word whatever it is", () => {
  // glibc: -t -- -f  =>  t="--", f
  assert.deepEqual(getopt("mockmta", ["-t", "--", "-f"], MOCKMTA), {
    ok: true,
    options: [{ opt: "t", arg: "--" }, { opt: "f" }],
    operands: [],
  });
});

test("getopt: permutation keeps operand order; a lone - is an operand", () => {
  assert.deepEqual(getopt("mockmta", ["box", "-d", "-", "-p", "25", "other"], MOCKMTA), {
    ok: true,
    options: [{ opt: "d" }, { opt: "p", arg: "25" }],
    operands: ["box", "-", "other"],
  });
  // glibc: f x -- y -- z  =>  operands x y -- z
  assert.deepEqual(getopt("p", ["x", "--", "y", "--", "z"], "f"), {
    ok: true,
    options: [],
    operands: ["x", "y", "--", "z"],
  });
});

test("getopt: '+' or POSIXLY_CORRECT stops at the first operand", () => {
  const expected = { ok: true, options: [{ opt: "f" }], operands: ["x", "-v"] };
  assert.deepEqual(getopt("p", ["-f", "x", "-v"], "+fv"), expected);
  assert.deepEqual(getopt("p", ["-f", "x", "-v"], "fv", { posixlyCorrect: true }), expected);
  assert.deepEqual(getopt("p", ["-f", "--", "x", "--"], "+fv"), {
    ok: true,
    options: [{ opt: "f" }],
    operands: ["x", "--"],
  });
  assert.deepEqual(getopt("p", ["-f", "x", "-v"], "fv"), {
    ok: true,
    options: [{ opt: "f" }, { opt: "v" }],
    operands: ["x"],
  });
});

test("getopt: optional arguments (x::) are attached only", () => {
  // glibc: -ox -o y  =>  o="x", o, operand y
  assert.deepEqual(getopt("p", ["-ox", "-o", "y"], "fo::"), {
    ok: true,
    options: [{ opt: "o", arg: "x" }, { opt: "o" }],
    operands: ["y"],
  });
});

test("getopt: glibc diagnostics, first error wins", () => {
  assert.deepEqual(getopt("mockmta", ["-x"], MOCKMTA), {
    ok: false,
    error: "mockmta: invalid option -- 'x'",
  });
  assert.deepEqual(getopt("mockmta", ["-fvx", "-y"], MOCKMTA), {
    ok: false,
    error: "mockmta: invalid option -- 'x'",
  });
  assert.deepEqual(getopt("mockmta", ["-t"], MOCKMTA), {
    ok: false,
    error: "mockmta: option requires an argument -- 't'",
  });
  // glibc: x -ft  =>  f, then the error: the skipped operand does not count as the argument.
  assert.deepEqual(getopt("./mockmta", ["x", "-ft"], MOCKMTA), {
    ok: false,
    error: "./mockmta: option requires an argument -- 't'",
  });
  // Plain getopt has no long options: "--foo" is the cluster "-", "f", "o", "o".
  assert.deepEqual(getopt("mockmta", ["--foo"], MOCKMTA), {
    ok: false,
    error: "mockmta: invalid option -- '-'",
  });
  // ':' and ';' are never options, even when present in the option string.
  assert.deepEqual(getopt("p", ["-;"], "ab:;"), { ok: false, error: "p: invalid option -- ';'" });
  assert.deepEqual(getopt("p", ["-:"], "ab:;"), { ok: false, error: "p: invalid option -- ':'" });
  assert.deepEqual(getopt("p", ["-x"], ":fv"), { ok: false, error: "p: invalid option -- 'x'" });
});

// ---------------------------------------------------------------- getopt_long

const MSMTPD: LongOption[] = [
  { name: "version", hasArg: "no_argument" },
  { name: "help", hasArg: "no_argument" },
  { name: "inetd", hasArg: "no_argument" },
  { name: "port", hasArg: "required_argument" },
  { name: "interface", hasArg: "required_argument" },
  { name: "log", hasArg: "required_argument" },
  { name: "log-level", hasArg: "required_argument" },
  { name: "command", hasArg: "required_argument" },
  { name: "auth", hasArg: "required_argument" },
];

function longErr(argv: string[], table: LongOption[] = MSMTPD): string {
  const r = getoptLong("msmtpd", argv, table);
  assert.ok(!r.ok, "expected an error");
  return r.error;
}

test("getopt_long: =value, separate value, prefixes, exact match, permutation", () => {
  // glibc: --vers --inetd x --port 25 --port=26 y --po=1 --log= --interf=::1
  assert.deepEqual(
    getoptLong("msmtpd", [
      "--vers",
      "--inetd",
      "x",
      "--port",
      "25",
      "--port=26",
      "y",
      "--po=1",
      "--log=",
      "--interf=::1",
      "--log",
      "a=b",
    ], MSMTPD),
    {
      ok: true,
      options: [
        { opt: "version" },
        { opt: "inetd" },
        { opt: "port", arg: "25" },
        { opt: "port", arg: "26" },
        { opt: "port", arg: "1" },
        { opt: "log", arg: "" },
        { opt: "interface", arg: "::1" },
        { opt: "log", arg: "a=b" },
      ],
      operands: ["x", "y"],
    },
  );
});

test("getopt_long: options come back in the order given", () => {
  assert.deepEqual(getoptLong("msmtpd", ["--help", "--version"], MSMTPD), {
    ok: true,
    options: [{ opt: "help" }, { opt: "version" }],
    operands: [],
  });
});

test("getopt_long: a required argument may be an option-looking word", () => {
  assert.deepEqual(getoptLong("msmtpd", ["--log", "--inetd"], MSMTPD), {
    ok: true,
    options: [{ opt: "log", arg: "--inetd" }],
    operands: [],
  });
});

test("getopt_long: -- ends options; - is an operand", () => {
  assert.deepEqual(getoptLong("msmtpd", ["x", "--", "--inetd"], MSMTPD), {
    ok: true,
    options: [],
    operands: ["x", "--inetd"],
  });
  assert.deepEqual(getoptLong("msmtpd", ["-", "--inetd"], MSMTPD), {
    ok: true,
    options: [{ opt: "inetd" }],
    operands: ["-"],
  });
  assert.deepEqual(getoptLong("msmtpd", ["x", "--inetd"], MSMTPD, { posixlyCorrect: true }), {
    ok: true,
    options: [],
    operands: ["x", "--inetd"],
  });
});

test("getopt_long: ambiguous prefixes list every candidate, word echoed as typed", () => {
  assert.equal(
    longErr(["--i"]),
    "msmtpd: option '--i' is ambiguous; possibilities: '--inetd' '--interface'",
  );
  assert.equal(
    longErr(["--i=5"]),
    "msmtpd: option '--i=5' is ambiguous; possibilities: '--inetd' '--interface'",
  );
  // "--log" is exact, "--lo" is not.
  assert.equal(
    longErr(["--log=x", "--lo"]),
    "msmtpd: option '--lo' is ambiguous; possibilities: '--log' '--log-level'",
  );
  assert.equal(
    longErr(["--=x"]),
    "msmtpd: option '--=x' is ambiguous; possibilities: '--version' '--help' '--inetd'" +
      " '--port' '--interface' '--log' '--log-level' '--command' '--auth'",
  );
});

test("getopt_long: aliases (same val and has_arg) do not make a prefix ambiguous", () => {
  const table: LongOption[] = [
    ...MSMTPD,
    { name: "alias", hasArg: "no_argument", val: "inetd" },
    { name: "alia2", hasArg: "no_argument", val: "inetd" },
  ];
  assert.deepEqual(getoptLong("msmtpd", ["--al"], table), {
    ok: true,
    options: [{ opt: "inetd" }],
    operands: [],
  });
  assert.equal(longErr(["--alias=3"], table), "msmtpd: option '--alias' doesn't allow an argument");
});

test("getopt_long: unrecognized, missing and forbidden arguments, short options", () => {
  assert.equal(longErr(["--foo"]), "msmtpd: unrecognized option '--foo'");
  assert.equal(longErr(["--foo=bar"]), "msmtpd: unrecognized option '--foo=bar'");
  assert.equal(longErr(["--port"]), "msmtpd: option '--port' requires an argument");
  assert.equal(longErr(["--po"]), "msmtpd: option '--port' requires an argument");
  assert.equal(longErr(["--inetd=1"]), "msmtpd: option '--inetd' doesn't allow an argument");
  assert.equal(longErr(["--inet="]), "msmtpd: option '--inetd' doesn't allow an argument");
  assert.equal(longErr(["-p"]), "msmtpd: invalid option -- 'p'");
  assert.equal(longErr(["--inetd", "-vp", "--foo"]), "msmtpd: invalid option -- 'v'");
});

test("getopt_long: optional_argument takes =value only", () => {
  const table: LongOption[] = [{ name: "opt", hasArg: "optional_argument" }];
  // glibc: --opt x --opt=y --opt= --o  =>  opt, opt="y", opt="", opt; operand x
  assert.deepEqual(getoptLong("p", ["--opt", "x", "--opt=y", "--opt=", "--o"], table), {
    ok: true,
    options: [{ opt: "opt" }, { opt: "opt", arg: "y" }, { opt: "opt", arg: "" }, { opt: "opt" }],
    operands: ["x"],
  });
});

test("getopt_long: short options alongside long ones when a short string is given", () => {
  assert.deepEqual(
    getoptLong("p", ["-vp", "25", "--inetd"], MSMTPD, { shortopts: "vp:" }),
    {
      ok: true,
      options: [{ opt: "v" }, { opt: "p", arg: "25" }, { opt: "inetd" }],
      operands: [],
    },
  );
});
