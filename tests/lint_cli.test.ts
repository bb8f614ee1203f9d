// The clones' lint extension flags end to end (runCli, so the lead's run repeats them against
// the binary): smtpmock -lint prints each session's line on stdout, msmtpd --lint on stderr
// (no --log), mockmta --lint in its log (stderr in inetd mode). One session each: a message
// with a bare LF and no From/Date/Message-ID.
import { test } from "node:test";
import assert from "node:assert/strict";
import { freePort, runCli, startSmtpmockCli } from "./helpers/cli.ts";
import { RawClient, type StreamClient } from "./helpers/raw_client.ts";
import { scratch, spawnInetd } from "./helpers/mockmta.ts";
import { waitForGreeting } from "./helpers/msmtpd.ts";
import { parseMsmtpdArgs } from "../src/personas/msmtpd/options.ts";
import { parseMockmtaArgs } from "../src/personas/mockmta/flags.ts";

const LINE =
  /lint: session \d+: 3 errors \(bare-lf, missing-date, missing-from\), 1 warning \(missing-message-id\)/;

/** A polite session (each command after its reply) sending a message with a bare LF. */
async function session(c: StreamClient): Promise<string> {
  let replies = await c.readReply();
  for (
    const command of [
      "EHLO client.example.com\r\n",
      "MAIL FROM:<a@example.com>\r\n",
      "RCPT TO:<b@example.com>\r\n",
      "DATA\r\n",
      "Subject: lint\r\n\r\nbare\nLF\r\n.\r\n",
      "QUIT\r\n",
    ]
  ) {
    await c.send(command);
    replies += await c.readReply();
  }
  return replies;
}

test("smtpmock -lint: one line per session on stdout, without -log; lint in -httpApi's JSON", async () => {
  const cli = await startSmtpmockCli(["-lint", "-httpApi", "0"]);
  try {
    const [, api] = await cli.waitStdout(/HTTP API listening on (\S+)/);
    const replies = await session(await RawClient.connect(cli.port));
    assert.match(replies, /^221 /m);
    const [line] = await cli.waitStdout(LINE);
    const [json] = await (await fetch(api)).json();
    assert.deepEqual(json.lint.map((f: { id: string }) => f.id), [
      "bare-lf",
      "missing-date",
      "missing-from",
      "missing-message-id",
    ]);
    assert.equal(json.lint[1].evidence, "no Date: header among 1 header field");
    assert.ok(
      cli.stdout.split("\n").some((l) => /^INFO: \S+ \S+ lint: /.test(l) && l.endsWith(line)),
    );
  } finally {
    cli.kill();
    assert.equal(await cli.exited, 0);
  }
});

test("msmtpd --lint: the session line on stderr when there is no --log", async () => {
  const port = await freePort();
  const cli = runCli(["msmtpd", `--port=${port}`, "--lint", "--command=cat >/dev/null; :"]);
  try {
    await waitForGreeting(port, cli.exited);
    const replies = await session(await RawClient.connect(port));
    assert.match(replies, /^250 Ok, mail was piped\r$/m);
    const [line] = await cli.waitStderr(LINE);
    assert.ok(cli.stderr.split("\n").includes(`msmtpd: ${line}`), cli.stderr);
  } finally {
    cli.kill();
    await cli.exited;
  }
});

test("mockmta --lint: the session line in the log (stderr in inetd mode)", async () => {
  const s = await scratch();
  try {
    const { cli, client } = spawnInetd(["--lint", s.mailbox]);
    const replies = await session(client);
    assert.match(replies, /^250 0001 Message accepted for delivery\r$/m);
    assert.equal(await cli.exited, 0);
    assert.match(cli.stderr, LINE);
    // Without the flag: the same session logs no lint line.
    const plain = spawnInetd([s.mailbox]);
    await session(plain.client);
    assert.equal(await plain.cli.exited, 0);
    assert.doesNotMatch(plain.cli.stderr, /lint/);
  } finally {
    await s.cleanup();
  }
});

test("the --lint flags parse, and leave the clones' own options as they were", () => {
  const none = { evaluate: () => null, prompt: () => null };
  const msmtpd = (argv: string[]) => {
    const r = parseMsmtpdArgs("msmtpd", argv, none, "cmd");
    assert.ok(r.ok, JSON.stringify(r));
    return r.settings;
  };
  assert.equal(msmtpd(["--lint"]).lint, true);
  assert.equal(msmtpd([]).lint, undefined);
  // --l still abbreviates --log (a --lint in getopt_long's table would make it ambiguous).
  assert.deepEqual(msmtpd(["--lint", "--l=syslog"]).log, { kind: "syslog" });
  // The argument of an option is not the flag.
  assert.deepEqual(
    [msmtpd(["--command", "--lint"]).command, msmtpd(["--command", "--lint"]).lint],
    [
      "--lint",
      undefined,
    ],
  );
  assert.deepEqual(parseMsmtpdArgs("msmtpd", ["--lint=x"], none, "cmd"), {
    ok: false,
    error: "msmtpd: unrecognized option '--lint=x'",
  });
  const mockmta = parseMockmtaArgs("mockmta", ["-f", "--lint", "mbox"]);
  assert.ok(
    mockmta.action === "run" && mockmta.cli.lint === true && mockmta.cli.mode === "foreground",
  );
  const plain = parseMockmtaArgs("mockmta", ["mbox"]);
  assert.ok(plain.action === "run" && plain.cli.lint === undefined);
});
