/**
 * serve with fault rules and client lint, through runCli (the binary run repeats it): a rule
 * answers as written, a bad rule is one line and exit 2, every stored message carries its lint
 * findings, and --strict refuses a message with an error finding.
 */
import assert from "node:assert/strict";
import { connect } from "node:net";
import { test } from "node:test";
import { runCliToEnd } from "./helpers/cli.ts";
import { run } from "./helpers/mbox_readers.ts";
import { type ServeCli, startServeCli, stopServe } from "./helpers/serve.ts";

const text = (b: Uint8Array) => new TextDecoder().decode(b);

/**
 * A well-behaved pipelining client: EHLO, then MAIL, RCPT and DATA together once PIPELINING is
 * advertised, the body after the 354, then QUIT; resolves with the replies once the server
 * closed.
 */
function session(port: number, envelope: string, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let got = "";
    let step = 0;
    socket.on("data", (d) => {
      got += d;
      if (step === 0 && /^250 /m.test(got)) socket.write(envelope), step++;
      if (step === 1 && /^354 /m.test(got)) socket.write(body + "QUIT\r\n"), step++;
      if (/^221 /m.test(got)) socket.end();
    });
    socket.on("error", reject);
    socket.on("close", () => resolve(got));
    socket.write("EHLO lint.example\r\n");
  });
}

async function latest(cli: ServeCli): Promise<Record<string, unknown>> {
  const res = await fetch(`${cli.url}/api/v1/message/latest`);
  assert.equal(res.status, 200);
  return await res.json();
}

test("serve --fault: a rule answers exactly as written; other recipients go through", async () => {
  const cli = await startServeCli([
    "-q",
    "--fault",
    "rcpt:*@full.example => 452 4.2.2 Mailbox full",
  ]);
  try {
    const r = await run("swaks", [
      "--server",
      `127.0.0.1:${cli.smtpPort}`,
      "--from",
      "a@example.org",
      "--to",
      "x@full.example,y@ok.example",
    ]);
    const out = text(r.stdout);
    assert.match(out, /<\*\* 452 4\.2\.2 Mailbox full/);
    assert.match(out, /<- {2}250 2\.0\.0 /, "the message went to the other recipient");
    assert.deepEqual((await latest(cli)).RcptTo, ["y@ok.example"]);
  } finally {
    assert.equal(await stopServe(cli), 0);
  }
});

test("serve --fault with a bad rule: one line naming rule and column, exit 2", async () => {
  const r = await runCliToEnd(["serve", "--fault", "rcpt => 99 nope"]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^mocksmtp serve: fault rule "rcpt => 99 nope": column \d+: .*\n$/);
});

test("serve lints every message; --strict refuses one with an error finding", async () => {
  const envelope = "MAIL FROM:<a@x.org>\r\nRCPT TO:<b@x.org>\r\nDATA\r\n";
  const bareLf = "Subject: bare\nDate: Tue, 1 Dec 2026 10:00:00 +0000\r\n\r\nhi\r\n.\r\n";
  const cli = await startServeCli([]);
  try {
    assert.match(await session(cli.smtpPort, envelope, bareLf), /^250 2\.0\.0 /m);
    const lint = (await latest(cli)).Lint as Array<{ id: string; severity: string }>;
    assert.ok(lint.some((f) => f.id === "bare-lf" && f.severity === "error"), JSON.stringify(lint));
    // The session's summary line comes once the session has ended.
    await cli.waitStderr(/lint: session \d+: .*bare-lf/);
  } finally {
    assert.equal(await stopServe(cli), 0);
  }
  assert.match(cli.stdout, /^message \S+ from <a@x\.org> to <b@x\.org> \(\d+ bytes\)$/m);
  assert.match(cli.stderr, /^mocksmtp serve: lint: total: .*bare-lf.*\n$/m, "totals on exit");
  const strict = await startServeCli(["-q", "--strict"]);
  try {
    const replies = await session(strict.smtpPort, envelope, bareLf);
    assert.match(replies, /^550 5\.6\.0 Message rejected by lint: bare-lf /m);
    const list = await (await fetch(`${strict.url}/api/v1/messages`)).json();
    assert.equal(list.total, 0, "nothing stored");
  } finally {
    assert.equal(await stopServe(strict), 0);
  }
});
