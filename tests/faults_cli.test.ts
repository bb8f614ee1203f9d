// The clones' fault flags end to end through tests/helpers/cli.ts (so the lead's run repeats
// them against the compiled binary): smtpmock's -fault/-faults/-fault-seed, mockmta's and
// msmtpd's --fault/--faults/--fault-seed, each refusing a bad rule with its column in its own
// error style and exit status, listed in the help texts; the same rules and seed give the
// same replies on two runs.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, runCli, runCliToEnd, startSmtpmockCli } from "./helpers/cli.ts";
import { connectWhenUp, RawClient } from "./helpers/raw_client.ts";

const SESSION = "EHLO client.example.com\r\nMAIL FROM:<a@example.com>\r\n" +
  "RCPT TO:<b@full.example>\r\nRCPT TO:<c@example.com>\r\nDATA\r\nSubject: x\r\n\r\nhi\r\n.\r\n" +
  "QUIT\r\n";

/** Sends SESSION at once on a new connection; everything the server said before closing. */
async function session(port: number): Promise<string> {
  const c = await RawClient.connect(port);
  try {
    await c.send(SESSION);
    return await c.closed();
  } finally {
    c.close();
  }
}

function scratch(): { dir: string; [Symbol.dispose](): void } {
  const dir = mkdtempSync(join(tmpdir(), "faults-cli-"));
  return { dir, [Symbol.dispose]: () => rmSync(dir, { recursive: true, force: true }) };
}

test("faults cli: smtpmock -fault and -faults act; the first session is refused before its greeting", async () => {
  using tmp = scratch();
  const file = join(tmp.dir, "rules");
  writeFileSync(file, "# from a file\nrcpt:*@full.example => 452 4.2.2 Mailbox full\n");
  const cli = await startSmtpmockCli([
    "-multipleRcptto",
    "-fault",
    "connect#1 => 421 4.7.0 Try again later",
    "-faults",
    file,
  ]);
  try {
    assert.equal(await session(cli.port), "421 4.7.0 Try again later\r\n");
    const replies = await session(cli.port);
    assert.match(
      replies,
      /^220 Welcome\r\n250 Received\r\n250 Received\r\n452 4\.2\.2 Mailbox full\r\n250 Received\r\n354 /,
    );
  } finally {
    cli.kill();
    await cli.exited;
  }
});

test("faults cli: smtpmock refuses a bad rule as Go refuses a flag value (exit 2, usage)", async () => {
  const r = await runCliToEnd(["smtpmock", "-fault", "rcpt => 250 OK"]);
  assert.equal(r.code, 2);
  assert.match(
    r.stderr,
    /^invalid value "rcpt => 250 OK" for flag -fault: fault rule "rcpt => 250 OK": column 9: reply code 250 is not a failure[^\n]*\nUsage of /,
  );
  const seed = await runCliToEnd(["smtpmock", "-fault-seed", "x"]);
  assert.equal(seed.code, 2);
  assert.match(seed.stderr, /^invalid value "x" for flag -fault-seed: want a whole number/);
  const help = await runCliToEnd(["smtpmock", "-h"]);
  assert.match(
    help.stderr,
    /\n {2}-fault RULE\n {4}\tExtension \(not in go-smtp-mock\): fail a step/,
  );
  assert.match(help.stderr, /\n {2}-faults FILE\n/);
  assert.match(help.stderr, /\n {2}-fault-seed string\n/);
});

test("faults cli: mockmta --fault in inetd mode, the mailbox untouched by a refused message", async () => {
  using tmp = scratch();
  const mbox = join(tmp.dir, "mbox");
  const r = await runCliToEnd(
    [
      "mockmta",
      "--fault",
      "dot => 451 4.3.0 Temporary failure",
      "--fault=rcpt:*@full.example => 550",
      mbox,
    ],
    { input: SESSION },
  );
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /\r\n550 Requested action not taken: mailbox unavailable\r\n250 Recipient ok\r\n/,
  );
  assert.match(r.stdout, /\r\n451 4\.3\.0 Temporary failure\r\n221 Bye\r\n$/);
  assert.equal(existsSync(mbox) ? readFileSync(mbox, "latin1") : "", "", "nothing was delivered");
});

test("faults cli: mockmta and msmtpd refuse bad rules, files and seeds with exit 3", async () => {
  using tmp = scratch();
  const bad = join(tmp.dir, "bad");
  writeFileSync(bad, "rcpt => 452\n\nhelo => hang please\n");
  const cases: Array<[string[], string]> = [
    [
      ["mockmta", "--fault", "rcpt =>", "m"],
      'mockmta: fault rule "rcpt =>": column 8: want an action',
    ],
    [
      ["mockmta", "--faults", bad, "m"],
      `mockmta: ${bad}:3: fault rule "helo => hang please": column 14: unexpected text after hang`,
    ],
    [["mockmta", "--fault-seed", "-1", "m"], "mockmta: invalid fault seed: -1"],
    [["mockmta", "--fault"], "mockmta: option '--fault' requires an argument"],
    [
      ["msmtpd", "--fault=nope => drop"],
      'msmtpd: fault rule "nope => drop": column 1: unknown stage "nope"',
    ],
    [["msmtpd", "--fault-seed=x"], "msmtpd: invalid argument 'x' for '--fault-seed'"],
  ];
  for (const [args, message] of cases) {
    const r = await runCliToEnd(args);
    assert.equal(r.code, 3, args.join(" "));
    assert.ok(r.stderr.startsWith(message), `${args.join(" ")}: ${r.stderr}`);
    assert.equal(r.stderr.split("\n").length, 2, "one line");
  }
  const help = await runCliToEnd(["mockmta", "-?"]);
  assert.match(help.stdout, /\nExtensions of mocksmtp \(not in mockmta\):\n {2}--fault RULE /);
});

test("faults cli: msmtpd daemon with --faults; a refused mail is not piped, the next one is", async () => {
  using tmp = scratch();
  const rules = join(tmp.dir, "rules");
  writeFileSync(rules, "dot#1 => 554 5.6.0 Rejected\n");
  const out = join(tmp.dir, "piped");
  const port = await freePort();
  const cli = runCli([
    "msmtpd",
    `--port=${port}`,
    `--faults=${rules}`,
    `--command=cat >> ${out}; :`, // msmtpd appends the recipients: ":" takes them
  ]);
  try {
    const c = await connectWhenUp(port, cli.exited);
    const mail =
      "MAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\nSubject: n\r\n\r\nhi\r\n.\r\n";
    await c.send("EHLO client.example.com\r\n" + mail + mail + "QUIT\r\n");
    const replies = await c.closed();
    c.close();
    assert.match(replies, /\r\n354 [^\r]*\r\n554 5\.6\.0 Rejected\r\n250 Ok\r\n/);
    assert.match(replies, /\r\n250 Ok, mail was piped\r\n221 Bye\r\n$/);
    assert.equal((readFileSync(out, "latin1").match(/^Subject: n$/gm) ?? []).length, 1);
  } finally {
    cli.kill();
    await cli.exited;
  }
});

test("faults cli: the same %P rules and seed give the same replies on two runs", async () => {
  const replay = async () => {
    const cli = await startSmtpmockCli([
      "-multipleRcptto",
      "-fault",
      "rcpt%40 => 451 4.3.0 Try later",
      "-fault",
      "mail%20 => 452",
      "-fault-seed",
      "12345",
    ]);
    try {
      const out: string[] = [];
      for (let i = 0; i < 8; i++) out.push(await session(cli.port));
      return out;
    } finally {
      cli.kill();
      await cli.exited;
    }
  };
  const first = await replay();
  assert.deepEqual(await replay(), first);
  const faulted = first.filter((s) => /\r\n45[12] /.test(s)).length;
  assert.ok(faulted > 0 && faulted < 8, `${faulted} of 8 sessions met a fault`);
});
