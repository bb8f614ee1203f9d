// Fault rules as real clients meet them, against the library's servers: nodemailer's error
// codes and its greylisted recipient accepted on the retry after the window (fake clock),
// Python smtplib's exceptions, msmtp's exit status, swaks' transcript, tarpit as throughput,
// hang ended by the client's own timeout, and the session transcript's F: lines.
import { test } from "node:test";
import assert from "node:assert/strict";
import nodemailer from "nodemailer";
import { MockmtaServer, MsmtpdServer, SmtpmockServer } from "../mod.ts";
import { FakeClock } from "./helpers/fake_clock.ts";
import { runProcess } from "./helpers/process.ts";

/** Runs a client to its end, stdin closed (or fed with `input`). */
const run = (cmd: string, args: string[], input = "") => runProcess(cmd, args, { input });

/** Sends one mail with smtplib; prints the exception's class, code and text, or "sent". */
const PYTHON_SEND = `
import smtplib, socket, sys
port, timeout = int(sys.argv[1]), float(sys.argv[2])
msg = "Subject: faults\\r\\nFrom: a@example.com\\r\\n\\r\\nhello\\r\\n"
try:
    with smtplib.SMTP("127.0.0.1", port, local_hostname="client.example.com", timeout=timeout) as s:
        s.sendmail("a@example.com", ["b@full.example"], msg)
    print("sent")
except smtplib.SMTPRecipientsRefused as e:
    code, text = e.recipients["b@full.example"]
    print("SMTPRecipientsRefused", code, text.decode())
except (smtplib.SMTPDataError, smtplib.SMTPSenderRefused, smtplib.SMTPConnectError) as e:
    print(type(e).__name__, e.smtp_code, e.smtp_error.decode())
except smtplib.SMTPServerDisconnected as e:
    print("SMTPServerDisconnected", e)
except (socket.timeout, TimeoutError) as e:
    print("timeout")
`;

const python = (port: number, timeout = 10) =>
  run("python3", ["-c", PYTHON_SEND, String(port), String(timeout)]);

test("faults clients: Python smtplib's exceptions for a refused recipient, a drop, a refused message", async () => {
  await using server = await MockmtaServer.start({
    faults: [
      "rcpt:*@full.example#1 => 452 4.2.2 Mailbox full",
      "data#1 => drop",
      "dot#1 => 451 4.3.0 Temporary failure",
    ],
  });
  assert.equal(
    (await python(server.port)).stdout,
    "SMTPRecipientsRefused 452 4.2.2 Mailbox full\n",
  );
  assert.match((await python(server.port)).stdout, /^SMTPServerDisconnected /);
  assert.equal((await python(server.port)).stdout, "SMTPDataError 451 4.3.0 Temporary failure\n");
  assert.equal((await python(server.port)).stdout, "sent\n");
  assert.equal(server.messages().length, 1);
  assert.deepEqual(server.faults.list().map((r) => r.hits), [1, 1, 1]);
});

test("faults clients: nodemailer sees the codes; a greylisted recipient passes on the retry after the window", async () => {
  const clock = new FakeClock();
  await using server = await MockmtaServer.start({
    clock,
    faults: ["rcpt => greylist 300", "mail:*@refused.example => 550 5.7.1 Sender refused"],
  });
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port: server.port,
    secure: false,
    ignoreTLS: true,
  });
  const mail = { from: "a@example.com", to: "b@example.com", subject: "hi", text: "hello" };
  const refused = await transport.sendMail(mail).then(() => null, (e: unknown) => e) as
    | { code: string; responseCode: number; response: string }
    | null;
  assert.ok(refused, "the first attempt is greylisted");
  assert.equal(refused.code, "EENVELOPE");
  assert.equal(refused.responseCode, 451);
  assert.match(refused.response, /^451 Greylisted, try again in 300 seconds/);
  // Within the window: still refused. After it (on the server's clock): accepted.
  clock.advance(299_000);
  await assert.rejects(transport.sendMail(mail), { responseCode: 451 });
  clock.advance(1000);
  const sent = await transport.sendMail(mail);
  assert.deepEqual(sent.accepted, ["b@example.com"]);
  assert.equal(server.messages().length, 1);
  const sender = await transport.sendMail({ ...mail, from: "x@refused.example" })
    .then(() => null, (e: unknown) => e) as { code: string; responseCode: number } | null;
  assert.equal(sender?.code, "EENVELOPE");
  assert.equal(sender?.responseCode, 550);
  transport.close();
});

test("faults clients: msmtp's exit status for a refused recipient, connection and message", async () => {
  await using server = await MsmtpdServer.start({
    faults: [
      "connect#1 => 421 4.7.0 Try again later",
      "rcpt#1 => 452 4.2.2 Mailbox full",
      "dot#1 => 554 5.6.0 Rejected",
    ],
  });
  const msmtp = () =>
    run("msmtp", [
      "--host=127.0.0.1",
      `--port=${server.port}`,
      "--from=a@example.com",
      "b@example.com",
    ], "Subject: x\n\nhello\n");
  const greeting = await msmtp();
  assert.equal(greeting.code, 76, greeting.stderr); // EX_PROTOCOL: no initial OK
  assert.match(greeting.stderr, /421 4\.7\.0 Try again later/);
  const rcpt = await msmtp();
  assert.equal(rcpt.code, 69, rcpt.stderr); // EX_UNAVAILABLE
  assert.match(rcpt.stderr, /recipient address b@example\.com not accepted[^]*452 4\.2\.2/);
  const dot = await msmtp();
  assert.equal(dot.code, 69, dot.stderr);
  assert.match(dot.stderr, /did not accept the mail[^]*554 5\.6\.0 Rejected/);
  assert.equal((await msmtp()).code, 0);
  assert.equal(server.messages().length, 1);
});

test("faults clients: swaks' transcript shows the rule's reply; the session transcript its F: line", async () => {
  await using server = await SmtpmockServer.start({
    transcripts: true,
    faults: ["rcpt:*@full.example => 452 4.2.2 Mailbox full"],
  });
  const r = await run("swaks", [
    "--server",
    `127.0.0.1:${server.port}`,
    "--helo",
    "client.example.com",
    "--from",
    "a@example.com",
    "--to",
    "b@full.example",
  ]);
  assert.match(r.stdout, /\n -> RCPT TO:<b@full\.example>\n<\*\* 452 4\.2\.2 Mailbox full\n/);
  await server.idle();
  const [t] = server.transcripts();
  assert.match(
    t.toString(),
    /\nC: RCPT TO:<b@full\.example>\nF: rcpt:\*@full\.example => 452 4\.2\.2 Mailbox full\nS: 452 /,
  );
});

test("faults clients: tarpit slows the replies below the rate (measured as throughput)", async () => {
  const rate = 200; // bytes per second
  await using server = await MockmtaServer.start({
    transcripts: true,
    faults: [`connect => tarpit ${rate}`],
  });
  const started = performance.now();
  const r = await python(server.port);
  const seconds = (performance.now() - started) / 1000;
  assert.equal(r.stdout, "sent\n");
  await server.idle();
  // Every reply of the session went out at the rate, the greeting included.
  const replyBytes = server.transcripts()[0].lines.filter((l) => l.side === "S")
    .reduce((n, l) => n + l.text.length + 2, 0);
  const throughput = replyBytes / seconds;
  console.log(`tarpit ${rate} B/s: ${replyBytes} reply bytes in ${seconds.toFixed(2)} s`);
  assert.ok(throughput <= rate, `${throughput.toFixed(0)} B/s is not slower than ${rate} B/s`);
});

test("faults clients: hang never answers; the client's timeout ends it and the session", async () => {
  await using server = await MockmtaServer.start({ faults: ["dot => hang"] });
  const r = await python(server.port, 1);
  // smtplib reports its own read timeout as a disconnection.
  assert.equal(r.stdout, "SMTPServerDisconnected Connection unexpectedly closed: timed out\n");
  await server.idle(); // the client's close ended the hang, so the session is over
  assert.equal(server.activeSessions, 0);
  assert.equal(server.messages().length, 0);
});

test("faults clients: rules added and removed while the server runs, through server.faults", async () => {
  await using server = await SmtpmockServer.start({ faults: [] });
  const handle = server.faults.add("rcpt => 452 4.2.2 Mailbox full");
  assert.match((await python(server.port)).stdout, /^SMTPRecipientsRefused 452/);
  assert.equal(handle.hits, 1);
  handle.remove();
  assert.equal((await python(server.port)).stdout, "sent\n");
  await using plain = await SmtpmockServer.start();
  assert.throws(() => plain.faults, /started without fault rules/);
});

test("faults clients: nodemailer's codes for a hang before the greeting and a dropped connection", async () => {
  await using server = await MockmtaServer.start({
    faults: ["connect#1 => hang", "data#1 => drop"],
  });
  const transport = nodemailer.createTransport({
    host: "127.0.0.1",
    port: server.port,
    ignoreTLS: true,
    greetingTimeout: 500,
  });
  const mail = { from: "a@example.com", to: "b@example.com", subject: "hi", text: "hello" };
  await assert.rejects(transport.sendMail(mail), { code: "ETIMEDOUT" });
  await assert.rejects(transport.sendMail(mail), { code: "ECONNECTION" });
  assert.match((await transport.sendMail(mail)).response, /^250 /);
  transport.close();
  await server.idle(); // the hang ended when nodemailer gave up and closed
  assert.deepEqual(server.faults.list().map((r) => r.hits), [1, 1]);
});
