// Real SMTP clients against smtpmock: Python's smtplib against the library (so the recorded
// message can be checked) and Debian's swaks against the CLI.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { SmtpmockServer } from "../mod.ts";
import { startSmtpmockCli } from "./helpers/cli.ts";
import { within } from "./helpers/smtpmock_probe.ts";

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(cmd: string, args: string[], input?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(cmd, args, { timeout: 30_000 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === "number" ? err.code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

const PYTHON_SEND = `
import smtplib, sys
port = int(sys.argv[1])
msg = "Subject: from smtplib\\r\\nFrom: a@example.com\\r\\n\\r\\nline one\\n.leading dot\\nlast\\n"
# smtpmock's HELO grammar wants a dotted domain; the machine's own name may have no dot.
with smtplib.SMTP("127.0.0.1", port, local_hostname="client.example.com", timeout=10) as s:
    try:
        refused = s.sendmail("a@example.com", ["b@example.com", "c@example.com"], msg)
        print("refused:", refused)
    except smtplib.SMTPException as e:
        print(type(e).__name__, e.smtp_code, e.smtp_error.decode())
`;

test("clients: Python smtplib sends to two recipients with multipleRcptto", async () => {
  await using server = await SmtpmockServer.start({ multipleRcptto: true });
  const r = await run("python3", ["-c", PYTHON_SEND, String(server.port)]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, "refused: {}\n");
  const [m] = await server.waitForMessages(1, { timeout: 5000 });
  assert.equal(m.heloRequest, "ehlo client.example.com");
  assert.equal(m.mailfromRequest, "mail FROM:<a@example.com>");
  assert.equal(m.from, "a@example.com");
  assert.deepEqual(m.to, ["b@example.com", "c@example.com"]);
  assert.deepEqual(m.rcpttoRequestResponse, [
    ["rcpt TO:<b@example.com>", "250 Received"],
    ["rcpt TO:<c@example.com>", "250 Received"],
  ]);
  // smtplib turns bare LF into CRLF and dot-stuffs; the server unstuffs.
  assert.equal(
    m.msgRequest,
    "Subject: from smtplib\r\nFrom: a@example.com\r\n\r\nline one\r\n.leading dot\r\nlast\r\n",
  );
  assert.equal(m.isConsistent, true);
  await server.idle();
  const [record] = server.sessions();
  assert.equal(record.quitSent, true);
});

test("clients: Python smtplib, last recipient unknown without multipleRcptto: DATA is 503", async () => {
  // Without the flag each RCPT replaces the last: the 550 for the second recipient leaves no
  // recipient at all, so DATA is a sequence error although the first RCPT got 250.
  await using server = await SmtpmockServer.start({ notRegisteredEmails: ["c@example.com"] });
  const r = await run("python3", ["-c", PYTHON_SEND, String(server.port)]);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(
    r.stdout,
    "SMTPDataError 503 Bad sequence of commands. DATA should be used after RCPT TO\n",
  );
  assert.equal(server.messages().length, 0);
});

test("clients: swaks full session against the CLI", async () => {
  const cli = await startSmtpmockCli(["-log", "-multipleRcptto"]);
  try {
    const r = await run("swaks", [
      "--server",
      `127.0.0.1:${cli.port}`,
      "--helo",
      "client.example.com",
      "--from",
      "a@example.com",
      "--to",
      "b@example.com,c@example.com",
      "--header",
      "Subject: from swaks",
      "--body",
      "hello from swaks",
    ]);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /<- {2}220 Welcome/);
    assert.match(r.stdout, / -> EHLO client\.example\.com/);
    assert.match(r.stdout, / -> RCPT TO:<c@example\.com>\n<- {2}250 Received/);
    assert.match(r.stdout, /<- {2}354 Ready for receive message/);
    assert.match(r.stdout, / -> \.\n<- {2}250 Received/);
    assert.match(r.stdout, /<- {2}221 Closing connection/);
    await within(5000, cli.waitStdout(/SMTP session finished\n/));
    assert.match(cli.stdout, /SMTP request: message binary data portion\n/);
    assert.equal(cli.stderr, "");
  } finally {
    cli.kill("SIGKILL");
    await cli.exited;
  }
});
