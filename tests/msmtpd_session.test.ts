// The session rules of spec msmtpd.md §4–§5 and the log messages of §9, newest upstream where
// versions differ: NOOP/RSET, case rules, exact matching, end of input in every state.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { LogLevel } from "../src/smtp/session.ts";
import { RawClient } from "./helpers/raw_client.ts";
import { BYE, GREETING, OK, PIPED, runSteps, type Step, withServer } from "./helpers/msmtpd.ts";

const HELO: Step[] = [["S", GREETING], ["C", "HELO x\r\n"], ["S", "250 localhost\r\n"]];
const EXPECTED_MAIL = "500 Expected MAIL FROM:<addr> or QUIT\r\n";

test("msmtpd session: NOOP and RSET after HELO and between transactions (1.8.33)", async () => {
  await withServer({}, async (server) => {
    await runSteps(server, [
      ...HELO,
      ["C", "NOOP\r\n"],
      ["S", OK],
      ["C", "rset\r\n"],
      ["S", OK],
      ["C", "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nx\r\n.\r\n"],
      ["S", OK + OK + "354 Send data\r\n" + PIPED],
      ["C", "Noop\r\nRSET\r\nquit\r\n"],
      ["S", OK + OK + BYE],
      ["S", "<closed>"],
    ]);
  });
});

test("msmtpd session: RSET or NOOP inside a transaction ends it", async () => {
  await withServer({}, async (server) => {
    await runSteps(server, [
      ...HELO,
      ["C", "MAIL FROM:<a@b>\r\nRSET\r\n"],
      ["S", OK + "500 Expected RCPT TO:<addr>\r\n"],
      ["S", "<closed>"],
    ]);
    await runSteps(server, [
      ...HELO,
      ["C", "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nNOOP\r\n"],
      ["S", OK + OK + "500 Expected RCPT TO:<addr> or DATA\r\n"],
      ["S", "<closed>"],
    ]);
  });
});

test("msmtpd session: keywords in any case, but matched exactly", async () => {
  await withServer({}, async (server) => {
    await runSteps(server, [
      ["S", GREETING],
      ["C", "ehlo x\r\n"],
      ["S", "250 localhost\r\n"],
      ["C", "mail from:<a@b>\r\nrcpt to:<c@d>\r\nRcPt To:<e@f>\r\ndata\r\nx\r\n.\r\n"],
      ["S", OK + OK + OK + "354 Send data\r\n" + PIPED],
      ["C", "QUIT\r\n"],
      ["S", BYE],
      ["S", "<closed>"],
    ]);
    for (const bad of ["QUIT \r\n", "MAIL  FROM:<a@b>\r\n", "MAIL FROM <a@b>\r\n", "HELO x\r\n"]) {
      await runSteps(server, [...HELO, ["C", bad], ["S", EXPECTED_MAIL], ["S", "<closed>"]]);
    }
    await runSteps(server, [
      ["S", GREETING],
      ["C", "HELO\r\n"],
      ["S", "500 Expected EHLO or HELO\r\n"],
      ["S", "<closed>"],
    ]);
    await runSteps(server, [
      ...HELO,
      ["C", "MAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA \r\n"],
      ["S", OK + OK + "500 Expected RCPT TO:<addr> or DATA\r\n"],
      ["S", "<closed>"],
    ]);
  });
});

test("msmtpd session: address syntax (§5.4)", async () => {
  await withServer({}, async (server) => {
    const accepted = ["<a@b>", "   <a@b>", "<postmaster>", "<a-b@c>", "<A.Z_09+/=@x>"];
    for (const addr of accepted) {
      await runSteps(server, [
        ...HELO,
        ["C", `MAIL FROM:${addr}\r\nRCPT TO:${addr}\r\nQUIT\r\n`],
        ["S", OK + OK + "500 Expected RCPT TO:<addr> or DATA\r\n"],
        ["S", "<closed>"],
      ]);
    }
    const refused = ["a@b", "<a@b> ", "<a@b>x", "<-a@b>", "<a b>", "<a%b>", "<a!b>", "<<a>>"];
    for (const addr of [...refused, "<\xe9@b>", "<"]) {
      await runSteps(server, [
        ...HELO,
        ["C", `MAIL FROM:${addr}\r\n`],
        ["S", "501 Invalid address\r\n"],
        ["S", "<closed>"],
      ]);
    }
    await runSteps(server, [
      ...HELO,
      ["C", "MAIL FROM:<a@b>\r\nRCPT TO:<>\r\n"],
      ["S", OK + "501 Invalid address\r\n"],
      ["S", "<closed>"],
    ]);
  });
});

/** Runs `input` on a fresh server collecting the log; resolves once the session has ended. */
async function logOf(input: string, auth = false, command?: string): Promise<string[]> {
  const lines: string[] = [];
  const log = (level: LogLevel, message: string) => lines.push(`${level}: ${message}`);
  await withServer(
    { log, command, ...(auth && { auth: { user: "u", password: "p" } }) },
    async (server) => {
      const c = await RawClient.connect(server.port);
      await c.send(input);
      c.socket.end();
      await c.closed();
      await server.idle();
    },
  );
  return lines;
}

const OPEN = [
  "info: connection from 127.0.0.1, active sessions 1 (max 16), auth_delay=no",
  "info: starting SMTP session",
];
const CLOSE = "info: connection closed";

const CLEAN = "EHLO x\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nx\r\n.\r\nQUIT\r\n";

test("msmtpd session: log of a clean session (§9)", async () => {
  assert.deepEqual(await logOf(CLEAN, false, "cat >/dev/null; : -f %F --"), [
    ...OPEN,
    "info: pipe command is cat >/dev/null; : -f a@b -- c@d",
    "info: mail was piped successfully",
    "info: client ended session",
    CLOSE,
  ]);
});

test("msmtpd session: without a command the log names no pipe command", async () => {
  // The library then pipes nothing (mail is kept in memory): no command line to name.
  assert.deepEqual(await logOf(CLEAN), [
    ...OPEN,
    "info: mail was piped successfully",
    "info: client ended session",
    CLOSE,
  ]);
});

test("msmtpd session: log messages of every way a session ends (§9)", async () => {
  const cases: Array<[string, string, boolean?]> = [
    ["", "err: client did not send initial command, session aborted"],
    ["EHLO x", "err: client did not send initial command, session aborted"],
    ["VRFY x\r\n", "err: client did not start with EHLO or HELO, session aborted"],
    ["EHLO x\r\n", "err: client did not send second command, session aborted"],
    ["EHLO x\r\nNOOP\r\n", "err: client did not send command after NOOP or RSET, session aborted"],
    ["EHLO x\r\nVRFY x\r\n", "err: client did not send MAIL FROM or QUIT, session aborted"],
    ["EHLO x\r\nMAIL FROM:a\r\n", "err: invalid address in MAIL FROM, session aborted"],
    ["EHLO x\r\nMAIL FROM:<a>\r\n", "err: client did not send command, session aborted"],
    ["EHLO x\r\nMAIL FROM:<a>\r\nDATA\r\n", "err: client did not send RCPT TO, session aborted"],
    [
      "EHLO x\r\nMAIL FROM:<a>\r\nRCPT TO:<b>\r\nX\r\n",
      "err: client did not send RCPT TO or DATA, session aborted",
    ],
    [
      "EHLO x\r\nMAIL FROM:<a>\r\nRCPT TO:b\r\n",
      "err: invalid address in RCPT TO, session aborted",
    ],
    [
      "EHLO x\r\nMAIL FROM:<a>\r\nRCPT TO:<b>\r\nDATA\r\nx\r\n.\r\n",
      "info: client ended session without sending QUIT",
    ],
    ["EHLO x\r\nMAIL FROM:<a>\r\n", "info: client did not authenticate, session aborted", true],
    [
      "EHLO x\r\nAUTH PLAIN\r\n",
      "err: client did not send authentication information, session aborted",
      true,
    ],
    [
      "EHLO x\r\nAUTH PLAIN AHUAcA==\r\n",
      "err: client did not send command after authentication, session aborted",
      true,
    ],
    ["EHLO x\r\nAUTH PLAIN AHUAeA==\r\n", "err: authentication failed, session aborted", true],
  ];
  for (const [input, last, auth] of cases) {
    const lines = await logOf(input, auth);
    assert.equal(lines.at(-2), last, JSON.stringify(input));
  }
  const authed = await logOf("EHLO x\r\nAUTH PLAIN AHUAcA==\r\nQUIT\r\n", true);
  assert.deepEqual(authed.slice(2), [
    "info: authenticated user u",
    "info: client ended session",
    CLOSE,
  ]);
});
