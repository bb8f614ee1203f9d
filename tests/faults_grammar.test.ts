// The fault rule grammar (src/faults/grammar.ts): every example of issue 12 and docs/faults.md
// parses to what it says; each malformed rule is refused with the 1-based column of its fault
// and a one-line message; rule files skip blanks and comments and name the bad line.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FaultSourceError, loadFaultRules } from "../src/api/faults.ts";
import { FaultRuleError, parseRule } from "../src/faults/grammar.ts";
import { globRegExp } from "../src/faults/rules.ts";
import { takeExtensionOptions } from "../src/flags/extension_options.ts";

test("fault grammar: the issue's examples parse", () => {
  assert.deepEqual(parseRule("connect#1-3 => 421 4.7.0 Try again later"), {
    text: "connect#1-3 => 421 4.7.0 Try again later",
    stage: "connect",
    select: { kind: "nth", from: 1, to: 3 },
    perSession: false,
    action: { kind: "reply", code: 421, enhanced: "4.7.0", text: "Try again later" },
  });
  const full = parseRule("rcpt:*@full.example => 452 4.2.2 Mailbox full");
  assert.equal(full.match, "*@full.example");
  assert.deepEqual(full.select, { kind: "every" });
  assert.deepEqual(parseRule("dot#2 => 451 4.3.0 Temporary failure").select, {
    kind: "nth",
    from: 2,
    to: 2,
  });
  assert.deepEqual(parseRule("data => drop").action, { kind: "drop" });
  assert.deepEqual(parseRule("mail => delay 1500").action, { kind: "delay", ms: 1500 });
  assert.deepEqual(parseRule("rcpt => greylist 5").action, { kind: "greylist", seconds: 5 });
  const many = parseRule("rcpt#101+@session => 452 4.5.3 Too many recipients");
  assert.deepEqual([many.select, many.perSession], [
    { kind: "nth", from: 101, to: Infinity },
    true,
  ]);
});

test("fault grammar: the other forms", () => {
  assert.deepEqual(parseRule("mail => delay 10 then 451").action, {
    kind: "delay",
    ms: 10,
    then: { kind: "reply", code: 451 },
  });
  assert.deepEqual(parseRule("any => tarpit 100").action, { kind: "tarpit", bytesPerSecond: 100 });
  assert.deepEqual(parseRule("quit => hang").action, { kind: "hang" });
  assert.deepEqual(parseRule("rcpt%12.5 => 450").select, { kind: "percent", percent: 12.5 });
  assert.deepEqual(parseRule("helo:*.test#2-4@session=>554 No").select, {
    kind: "nth",
    from: 2,
    to: 4,
  });
  // A trailing @session is the scope, also right after a MATCH.
  const scoped = parseRule("rcpt:*@session => 452");
  assert.deepEqual([scoped.match, scoped.perSession], ["*", true]);
  // Keywords are case-insensitive; the text after the code is kept as written.
  assert.deepEqual(parseRule("  RCPT => DROP  ").stage, "rcpt");
  assert.deepEqual(parseRule("mail => 550 5.7.1  Go  away ").action, {
    kind: "reply",
    code: 550,
    enhanced: "5.7.1",
    text: "Go  away",
  });
});

test("fault grammar: malformed rules fail with the column and a one-line message", () => {
  const cases: Array<[string, number, RegExp]> = [
    ["", 1, /empty rule/],
    ["rcpt", 5, /missing "=>"/],
    ["foo => drop", 1, /unknown stage "foo"/],
    ["  bar => drop", 3, /unknown stage/],
    ["rcpt => 250 OK", 9, /250 is not a failure/],
    ["rcpt => 354", 9, /not a failure/],
    ["rcpt => 45", 9, /3 digits/],
    ["rcpt => 470", 10, /second digit/],
    ["rcpt => 452 5.2.2 Full", 13, /does not match reply code 452/],
    ["rcpt => 452x", 12, /space after the reply code/],
    ["rcpt#0 => drop", 6, /from 1/],
    ["rcpt#3-2 => drop", 8, /range #3-2 is empty/],
    ["rcpt%0 => drop", 6, /%0 never fires/],
    ["rcpt%150 => drop", 6, /from 0 to 100/],
    ["rcpt# => drop", 6, /want N/],
    ["rcpt@sess => drop", 5, /want @session/],
    ["rcpt => dropp", 9, /unknown action "dropp"/],
    ["rcpt => drop now", 14, /unexpected text after drop/],
    ["rcpt => delay", 14, /want MS/],
    ["rcpt => delay 5 else 451", 17, /then ACTION/],
    ["rcpt => delay 5 then", 21, /want an ACTION after then/],
    ["rcpt => tarpit 0", 16, /from 1/],
    ["rcpt => greylist", 17, /want SECONDS/],
    ["rcpt =>", 8, /want an action/],
    ["rcpt: => drop", 6, /empty MATCH/],
    ["dot:x => drop", 4, /dot has no argument/],
    ["rcpt x => drop", 6, /unexpected text before "=>"/],
  ];
  for (const [rule, column, message] of cases) {
    assert.throws(() => parseRule(rule), (e: unknown) => {
      assert.ok(e instanceof FaultRuleError, rule);
      assert.equal(e.column, column, `${rule}: ${e.message}`);
      assert.match(e.message, message, rule);
      assert.doesNotMatch(e.message, /\n/);
      return true;
    });
  }
});

test("fault grammar: MATCH is a case-insensitive glob over the whole argument", () => {
  const re = globRegExp("*@Full.example");
  assert.ok(re.test("a@full.EXAMPLE"));
  assert.ok(!re.test("a@full.example.org"));
  assert.ok(globRegExp("user?@x").test("user1@x"));
  assert.ok(!globRegExp("a.b").test("axb"), "a dot is literal");
});

test("fault rules files: comments and blanks skipped, the bad line named", async () => {
  const dir = mkdtempSync(join(tmpdir(), "faults-"));
  try {
    const good = join(dir, "good.rules");
    writeFileSync(good, "# greylist everyone\n\nrcpt => greylist 5\r\n  dot#2 => 451  \n");
    const faults = await loadFaultRules([{ rule: "connect#1 => 421" }, { file: good }], 9);
    assert.deepEqual(faults.list().map((r) => r.rule), [
      "connect#1 => 421",
      "rcpt => greylist 5",
      "dot#2 => 451",
    ]);
    assert.equal(faults.seed, 9);
    const bad = join(dir, "bad.rules");
    writeFileSync(bad, "rcpt => 452\n# fine\nmail => 200 ok\n");
    await assert.rejects(loadFaultRules([{ file: bad }]), (e: unknown) => {
      assert.ok(e instanceof FaultSourceError);
      assert.equal(
        e.message,
        `${bad}:3: fault rule "mail => 200 ok": column 9: ` +
          "reply code 200 is not a failure: a rule answers 4xx or 5xx instead of the server",
      );
      return true;
    });
    await assert.rejects(
      loadFaultRules([{ file: join(dir, "missing") }]),
      /cannot read fault rules/,
    );
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test("extension long options are taken out before getopt, its own words left alone", () => {
  const specs = [{ name: "fault", hasArg: true }, { name: "fault-seed", hasArg: true }];
  assert.deepEqual(
    takeExtensionOptions(
      "m",
      ["-f", "--fault", "a => drop", "mbox", "--fault=b => hang"],
      "dfp:",
      specs,
    ),
    {
      ok: true,
      options: [{ name: "fault", value: "a => drop" }, { name: "fault", value: "b => hang" }],
      rest: ["-f", "mbox"],
    },
  );
  // The argument of -p, even one spelt like an option, and everything after -- stay.
  assert.deepEqual(takeExtensionOptions("m", ["-p", "--fault", "m"], "dfp:", specs), {
    ok: true,
    options: [],
    rest: ["-p", "--fault", "m"],
  });
  assert.deepEqual(takeExtensionOptions("m", ["--", "--fault", "x"], "p:", specs).ok, true);
  assert.deepEqual(takeExtensionOptions("m", ["--fault"], "p:", specs), {
    ok: false,
    error: "m: option '--fault' requires an argument",
  });
  // Not ours: left for getopt, which reports it as before.
  assert.deepEqual(takeExtensionOptions("m", ["--faul", "x"], "p:", specs), {
    ok: true,
    options: [],
    rest: ["--faul", "x"],
  });
});
