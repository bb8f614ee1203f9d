// smtpmock's flags and quirks on the wire (spec smtpmock.md §4, §8, timing notes of §11): reply
// texts, delays, session timeout, fail-fast, recipient and message accumulation, blacklists,
// size limits, body rules, clear-before-validate, and graceful shutdown of the CLI.
import { test } from "node:test";
import assert from "node:assert/strict";
import { SmtpmockServer, type SmtpmockServerOptions } from "../mod.ts";
import { RawClient } from "./helpers/raw_client.ts";
import { INVALID, R221, R250, R354, withCli } from "./helpers/smtpmock.ts";
import { startSmtpmockCli } from "./helpers/cli.ts";
import { FakeClock, runUntil } from "./helpers/fake_clock.ts";
import { assertNoReply, connectOutcome, since, talk, within } from "./helpers/smtpmock_probe.ts";

const OK = "250 Ok\r\n";
const R421 = "421 Service not available\r\n";
const DATA_SEQ = "503 Bad sequence of commands. DATA should be used after RCPT TO\r\n";
const RCPT_SEQ = "503 Bad sequence of commands. RCPT TO should be used after MAIL FROM\r\n";
const MAIL_SEQ = "503 Bad sequence of commands. MAIL FROM should be used after HELO\r\n";

/**
 * Runs `body` against a fresh in-process server and a client past the greeting. Timing tests
 * pass a {@link FakeClock} in `options.clock` and move it themselves.
 */
async function withServer(
  options: SmtpmockServerOptions,
  body: (c: RawClient, server: SmtpmockServer) => Promise<void>,
): Promise<SmtpmockServer> {
  const server = await SmtpmockServer.start(options);
  const c = await RawClient.connect(server.port);
  try {
    assert.equal(await c.readLine(), (options.msgGreeting || "220 Welcome") + "\r\n");
    await body(c, server);
  } finally {
    c.close();
    await server.stop({ force: true });
  }
  return server;
}

const ENVELOPE: Array<[string, string]> = [
  ["EHLO example.com\r\n", R250],
  ["MAIL FROM:<a@example.com>\r\n", R250],
  ["RCPT TO:<b@example.com>\r\n", R250],
];

// ------------------------------------------------------------------ reply texts

/** Every text flag, set to its default's code followed by the flag's own name. */
const CUSTOM_TEXTS: Record<string, string> = {
  msgGreeting: "220 msgGreeting",
  msgInvalidCmd: "502 msgInvalidCmd",
  msgInvalidCmdHeloSequence: "503 msgInvalidCmdHeloSequence",
  msgInvalidCmdHeloArg: "501 msgInvalidCmdHeloArg",
  msgHeloBlacklistedDomain: "421 msgHeloBlacklistedDomain",
  msgHeloReceived: "250 msgHeloReceived",
  msgInvalidCmdMailfromSequence: "503 msgInvalidCmdMailfromSequence",
  msgInvalidCmdMailfromArg: "501 msgInvalidCmdMailfromArg",
  msgMailfromBlacklistedEmail: "421 msgMailfromBlacklistedEmail",
  msgMailfromReceived: "250 msgMailfromReceived",
  msgInvalidCmdRcpttoSequence: "503 msgInvalidCmdRcpttoSequence",
  msgInvalidCmdRcpttoArg: "501 msgInvalidCmdRcpttoArg",
  msgRcpttoNotRegisteredEmail: "550 msgRcpttoNotRegisteredEmail",
  msgRcpttoBlacklistedEmail: "421 msgRcpttoBlacklistedEmail",
  msgRcpttoReceived: "250 msgRcpttoReceived",
  msgInvalidCmdDataSequence: "503 msgInvalidCmdDataSequence",
  msgDataReceived: "354 msgDataReceived",
  msgMsgSizeIsTooBig: "552 msgMsgSizeIsTooBig",
  msgMsgReceived: "250 msgMsgReceived",
  msgInvalidCmdRsetSequence: "503 msgInvalidCmdRsetSequence",
  msgInvalidCmdRsetArg: "502 msgInvalidCmdRsetArg",
  msgRsetReceived: "250 msgRsetReceived",
  msgNoopReceived: "250 msgNoopReceived",
  msgQuitCmd: "221 msgQuitCmd",
};
const LISTS = {
  blacklistedHeloDomains: "bad.com",
  blacklistedMailfromEmails: "spam@example.com",
  blacklistedRcpttoEmails: "blocked@example.com",
  notRegisteredEmails: "nobody@example.com",
};

/** A session that provokes every reply text once; returns the replies it saw. */
async function provokeEveryText(c: RawClient): Promise<string[]> {
  const seen: string[] = [];
  const say = async (line: string) => {
    await c.send(line + "\r\n");
    seen.push((await c.readLine()).replace(/\r\n$/, ""));
  };
  for (
    const line of [
      "MAIL FROM:<a@example.com>",
      "RCPT TO:<b@example.com>",
      "DATA",
      "RSET",
      "NOOP",
      "FOO",
      "HELO",
      "EHLO bad.com",
      "EHLO example.com",
      "MAIL FROM:<>",
      "MAIL FROM:<spam@example.com>",
      "MAIL FROM:<a@example.com>",
      "RCPT TO:<>",
      "RCPT TO:<blocked@example.com>",
      "RCPT TO:<nobody@example.com>",
      "RCPT TO:<b@example.com>",
      "DATA foo",
      "DATA",
      "hello\r\n.",
      "RSET foo",
      "RSET",
      "MAIL FROM:<a@example.com>",
      "RCPT TO:<b@example.com>",
      "DATA",
      "0123456789abcdef",
      "QUIT",
    ]
  ) await say(line);
  assert.equal(await c.closed(), "");
  return seen;
}

const EXPECTED_TEXTS = [
  "503 msgInvalidCmdMailfromSequence",
  "503 msgInvalidCmdRcpttoSequence",
  "503 msgInvalidCmdDataSequence",
  "503 msgInvalidCmdRsetSequence",
  "250 msgNoopReceived",
  "502 msgInvalidCmd",
  "501 msgInvalidCmdHeloArg",
  "421 msgHeloBlacklistedDomain",
  "250 msgHeloReceived",
  "501 msgInvalidCmdMailfromArg",
  "421 msgMailfromBlacklistedEmail",
  "250 msgMailfromReceived",
  "501 msgInvalidCmdRcpttoArg",
  "421 msgRcpttoBlacklistedEmail",
  "550 msgRcpttoNotRegisteredEmail",
  "250 msgRcpttoReceived",
  "502 msgInvalidCmd", // DATA with an argument uses the (custom) msgInvalidCmd
  "354 msgDataReceived",
  "250 msgMsgReceived",
  "502 msgInvalidCmdRsetArg",
  "250 msgRsetReceived",
  "250 msgMailfromReceived",
  "250 msgRcpttoReceived",
  "354 msgDataReceived",
  "552 msgMsgSizeIsTooBig",
  "221 msgQuitCmd",
];

test("smtpmock: every reply text can be replaced (library)", async () => {
  const options: SmtpmockServerOptions = { ...CUSTOM_TEXTS, msgSizeLimit: 10 };
  for (const [k, v] of Object.entries(LISTS)) (options as Record<string, unknown>)[k] = [v];
  await withServer(options, async (c) => {
    assert.deepEqual(await provokeEveryText(c), EXPECTED_TEXTS);
  });
});

test("smtpmock: every reply text can be replaced (CLI flags)", async () => {
  const flags = [...Object.entries({ ...CUSTOM_TEXTS, ...LISTS }), ["msgSizeLimit", "10"]]
    .map(([k, v]) => `-${k}=${v}`);
  await withCli(flags, async (c) => {
    const seen = await provokeEveryText(c);
    assert.deepEqual(seen, EXPECTED_TEXTS);
    assert.ok(!seen.some((t) => t.includes("msgInvalidCmdHeloSequence")), "never used (§8.9)");
  }, "220 msgGreeting\r\n");
});

test("smtpmock: custom texts go out verbatim, even without a code", async () => {
  await withServer({ msgGreeting: "Hello", msgNoopReceived: "ok, fine" }, async (c) => {
    await talk(c, [["NOOP\r\n", "ok, fine\r\n"]]);
  });
});

test("smtpmock: RSET-argument text stays the built-in 502 when msgInvalidCmd is custom (§8.9)", async () => {
  await withServer({ msgInvalidCmd: "502 nope" }, async (c) => {
    await talk(c, [
      ["FOO\r\n", "502 nope\r\n"],
      ["EHLO example.com\r\n", R250],
      ["RSET foo\r\n", INVALID],
    ]);
  });
});

test("smtpmock: empty texts and zero numbers mean the default", async () => {
  const server = await SmtpmockServer.start({
    msgGreeting: "",
    msgSizeLimit: 0,
    sessionTimeout: 0,
    shutdownTimeout: 0,
  });
  try {
    assert.equal(server.config.msgGreeting, "220 Welcome");
    assert.equal(server.config.msgSizeLimit, 10485760);
    assert.equal(
      server.config.msgMsgSizeIsTooBig,
      "552 Message exceeded max size of 10485760 bytes",
    );
    assert.equal(server.config.sessionTimeout, 30);
    assert.equal(server.config.shutdownTimeout, 1);
  } finally {
    await server.stop({ force: true });
  }
});

// ------------------------------------------------------------------ delays

const DELAYED: Array<{
  flag: keyof SmtpmockServerOptions;
  setup: Array<[string, string]>;
  request: string;
  reply: string;
}> = [
  { flag: "responseDelayHelo", setup: [], request: "EHLO example.com\r\n", reply: R250 },
  // MAIL before HELO is still MAIL's handler, so still delayed.
  {
    flag: "responseDelayMailfrom",
    setup: [],
    request: "MAIL FROM:<a@example.com>\r\n",
    reply: MAIL_SEQ,
  },
  {
    flag: "responseDelayRcptto",
    setup: ENVELOPE.slice(0, 2),
    request: "RCPT TO:<b@example.com>\r\n",
    reply: R250,
  },
  { flag: "responseDelayData", setup: ENVELOPE, request: "DATA\r\n", reply: R354 },
  {
    flag: "responseDelayMessage",
    setup: [...ENVELOPE, ["DATA\r\n", R354]],
    request: "x\r\n.\r\n",
    reply: R250,
  },
  { flag: "responseDelayRset", setup: ENVELOPE.slice(0, 1), request: "RSET\r\n", reply: OK },
  { flag: "responseDelayNoop", setup: [], request: "NOOP\r\n", reply: OK },
  { flag: "responseDelayQuit", setup: [], request: "QUIT\r\n", reply: R221 },
];

test("smtpmock: each responseDelay flag delays its own reply only; keyword 502 is immediate", async () => {
  await Promise.all(DELAYED.map(async ({ flag, setup, request, reply }) => {
    const clock = new FakeClock();
    await withServer({ [flag]: 1, clock }, async (c) => {
      // Answered while the clock stands still: nothing before the delayed request waits for it.
      await talk(c, [["FOO\r\n", INVALID], ...setup]);
      assert.equal(clock.now(), 0, flag);
      await c.send(request);
      await within(5000, clock.timerSet(1000), `${flag}: the one-second delay`);
      clock.advance(1000);
      assert.equal(await c.readLine(), reply, flag);
    });
  }));
});

test("smtpmock: responseDelayMessage also delays the 552; a negative delay is none", async () => {
  const clock = new FakeClock();
  await withServer(
    { responseDelayMessage: 1, responseDelayHelo: -1, msgSizeLimit: 3, clock },
    async (c) => {
      await talk(c, [...ENVELOPE, ["DATA\r\n", R354]]);
      assert.equal(clock.now(), 0, "the negative HELO delay did not wait");
      await c.send("too long\r\n");
      await within(5000, clock.timerSet(1000), "the one-second delay");
      clock.advance(1000);
      assert.equal(await c.readLine(), "552 Message exceeded max size of 3 bytes\r\n");
    },
  );
});

test("smtpmock: a delay outside the session deadline loses the reply (sessionTimeout=1, delay 2)", async () => {
  const clock = new FakeClock();
  await withServer({ sessionTimeout: 1, responseDelayHelo: 2, clock }, async (c) => {
    await c.send("EHLO example.com\r\n");
    await within(5000, clock.timerSet(2000), "the two-second delay");
    clock.advance(2000);
    // The reply is dropped (its deadline was at 1 s); the next read waits a whole timeout.
    assert.equal(await within(5000, runUntil(clock, c.closed())), "", "no reply at all");
    assert.equal(clock.now(), 3000);
  });
});

// ------------------------------------------------------------------ session timeout

test("smtpmock: sessionTimeout closes an idle session silently", async () => {
  const clock = new FakeClock();
  await withServer({ sessionTimeout: 1, clock }, async (c) => {
    assert.equal(await within(5000, runUntil(clock, c.closed())), "");
    assert.equal(clock.now(), 1000);
  });
});

test("smtpmock: each command renews the session deadline", async () => {
  const clock = new FakeClock();
  await withServer({ sessionTimeout: 1, clock }, async (c) => {
    for (let i = 0; i < 4; i++) {
      await within(5000, clock.timerSet(), "the deadline of the next read");
      clock.advance(600);
      await talk(c, [["NOOP\r\n", OK]]);
    }
    assert.equal(clock.now(), 2400, "outlived one timeout by talking");
    assert.equal(await within(5000, runUntil(clock, c.closed())), "");
    assert.ok(clock.now() >= 3400, `closed at ${clock.now()} ms, a timeout after the last NOOP`);
  });
});

test("smtpmock: sessionTimeout=-1 closes right after the greeting", async () => {
  await withServer({ sessionTimeout: -1 }, async (c) => {
    assert.equal(await within(5000, c.closed()), "");
  });
});

test("smtpmock: DATA deadline quirk, body lines every 0.3 s fall back to commands (§4.13, §8.7)", async () => {
  const server = await withServer({ sessionTimeout: 1 }, async (c) => {
    await talk(c, ENVELOPE);
    // The deadline was set before DATA was read; the body does not renew it.
    const t = performance.now();
    await talk(c, [["DATA\r\n", R354]]);
    // Pace body lines every 0.3 s until the first reply, which can only be command mode's 502.
    let sent = 0;
    let stop = false;
    const sender = (async () => {
      while (!stop && sent < 10) {
        await new Promise((r) => setTimeout(r, 300));
        if (stop) break;
        await c.send(`body line ${sent++}\r\n`);
      }
    })();
    const first = await within(10_000, c.readLine());
    const ms = since(t);
    const before = sent;
    stop = true;
    await sender;
    assert.equal(first, INVALID, "a later body line is read as a command");
    assert.ok(ms >= 900, `body mode ended after ${ms} ms`);
    assert.ok(before >= 3, `${before} lines were sent before the first 502`);
    // Lines that crossed the reply are commands too; NOOP's reply marks the end.
    await c.send("NOOP\r\n");
    for (let line = await c.readLine(); line !== OK; line = await c.readLine()) {
      assert.equal(line, INVALID);
    }
    await talk(c, [[".\r\n", INVALID]]);
    await assertNoReply(c);
  });
  assert.equal(server.messages().length, 0, "the body was dropped");
});

// ------------------------------------------------------------------ failFast, 421

test("smtpmock: without failFast even 421 keeps the connection (§8.8)", async () => {
  await withServer({ blacklistedHeloDomains: ["bad.com"] }, async (c) => {
    await talk(c, [["EHLO bad.com\r\n", R421], ["MAIL FROM:<>\r\n", MAIL_SEQ]]);
    await assertNoReply(c);
  });
});

test("smtpmock: failFast closes after every handler error, not after keyword 502 or silence", async () => {
  const failing: Array<{ setup: Array<[string, string]>; request: string; reply: string }> = [
    { setup: [], request: "MAIL FROM:<a@example.com>\r\n", reply: MAIL_SEQ },
    { setup: [], request: "EHLO bad.com\r\n", reply: R421 },
    {
      setup: [],
      request: "EHLO nodot\r\n",
      reply: "501 HELO requires domain address or valid address literal\r\n",
    },
    {
      setup: ENVELOPE.slice(0, 2),
      request: "RCPT TO:<nobody@example.com>\r\n",
      reply: "550 User not found\r\n",
    },
    { setup: ENVELOPE, request: "DATA foo\r\n", reply: INVALID },
    { setup: ENVELOPE.slice(0, 1), request: "RSET foo\r\n", reply: INVALID },
    {
      setup: [...ENVELOPE, ["DATA\r\n", R354]],
      request: "0123456789\r\n",
      reply: "552 Message exceeded max size of 5 bytes\r\n",
    },
  ];
  const options: SmtpmockServerOptions = {
    failFast: true,
    blacklistedHeloDomains: ["bad.com"],
    notRegisteredEmails: ["nobody@example.com"],
    msgSizeLimit: 5,
  };
  const server = await SmtpmockServer.start(options);
  try {
    for (const { setup, request, reply } of failing) {
      const c = await RawClient.connect(server.port);
      assert.equal(await c.readLine(), "220 Welcome\r\n");
      // Neither the keyword screen nor a silent line counts as an error.
      await talk(c, [["VRFY x\r\n", INVALID]]);
      await c.send("FOO data\r\n");
      await assertNoReply(c);
      await talk(c, setup);
      await c.send(request);
      assert.equal(await c.readLine(), reply);
      assert.equal(await within(5000, c.closed()), "", `closed after ${request.trim()}`);
    }
  } finally {
    await server.stop({ force: true });
  }
});

test("smtpmock: failFast closes when the body deadline expires", async () => {
  const clock = new FakeClock();
  await withServer({ failFast: true, sessionTimeout: 1, clock }, async (c) => {
    await talk(c, [...ENVELOPE, ["DATA\r\n", R354]]);
    await c.send("partial body\r\n");
    assert.equal(await within(5000, runUntil(clock, c.closed())), "", "no reply, just the close");
    assert.equal(clock.now(), 1000, "at the deadline set before DATA was read");
  });
});

// ------------------------------------------------------------------ recipients, messages

test("smtpmock: multipleRcptto accumulates; a 550 alone does not allow DATA", async () => {
  const options = { multipleRcptto: true, notRegisteredEmails: ["nobody@example.com"] };
  const server = await withServer(options, async (c) => {
    await talk(c, [
      ...ENVELOPE.slice(0, 2),
      ["RCPT TO:<nobody@example.com>\r\n", "550 User not found\r\n"],
      ["DATA\r\n", DATA_SEQ],
      ["RCPT TO:<b@example.com>\r\n", R250],
      ["RCPT TO:<c@example.com>\r\n", R250],
      ["RCPT TO:<nobody@example.com>\r\n", "550 User not found\r\n"],
      ["DATA\r\n", R354],
      ["x\r\n.\r\n", R250],
    ]);
  });
  const [m] = server.messages();
  assert.deepEqual(m.to, ["b@example.com", "c@example.com"]);
  assert.equal(m.rcpttoRequestResponse.length, 4);
});

test("smtpmock: without multipleRcptto each RCPT replaces the last; a failed last one blocks DATA", async () => {
  const options = { notRegisteredEmails: ["nobody@example.com"] };
  const server = await withServer(options, async (c) => {
    await talk(c, [
      ...ENVELOPE,
      ["RCPT TO:<nobody@example.com>\r\n", "550 User not found\r\n"],
      ["DATA\r\n", DATA_SEQ],
      ["RCPT TO:<c@example.com>\r\n", R250],
      ["RCPT TO:<d@example.com>\r\n", R250],
      ["DATA\r\n", R354],
      ["x\r\n.\r\n", R250],
    ]);
  });
  const [m] = server.messages();
  assert.deepEqual(m.to, ["d@example.com"]);
  assert.deepEqual(m.rcpttoRequestResponse, [["RCPT TO:<d@example.com>", "250 Received"]]);
});

test("smtpmock: multipleMessageReceiving keeps the envelope across RSET after a message", async () => {
  const server = await withServer({ multipleMessageReceiving: true }, async (c) => {
    await talk(c, [
      ...ENVELOPE,
      ["DATA\r\n", R354],
      ["one\r\n.\r\n", R250],
      ["RSET\r\n", OK],
      ["DATA\r\n", R354], // with the flag off this is 503
      ["two\r\n.\r\n", R250],
      ["RSET\r\n", OK],
      ["RCPT TO:<c@example.com>\r\n", R250], // no MAIL needed
    ]);
  });
  assert.deepEqual(server.messages().map((m) => m.msgRequest), ["one\r\n", "two\r\n"]);
});

test("smtpmock: without multipleMessageReceiving RSET drops the envelope", async () => {
  await withServer({}, async (c) => {
    await talk(c, [
      ...ENVELOPE,
      ["DATA\r\n", R354],
      ["one\r\n.\r\n", R250],
      ["RSET\r\n", OK],
      ["DATA\r\n", DATA_SEQ],
      ["RCPT TO:<c@example.com>\r\n", RCPT_SEQ],
    ]);
  });
});

test("smtpmock: multipleMessageReceiving, RSET before the message is complete clears as usual", async () => {
  await withServer({ multipleMessageReceiving: true }, async (c) => {
    await talk(c, [...ENVELOPE, ["RSET\r\n", OK], ["DATA\r\n", DATA_SEQ], [
      "RCPT TO:<c@example.com>\r\n",
      RCPT_SEQ,
    ]]);
  });
});

test("smtpmock: without RSET between messages only the last is a session record, even with the flag", async () => {
  const server = await withServer({ multipleMessageReceiving: true }, async (c) => {
    await talk(c, [
      ...ENVELOPE,
      ["DATA\r\n", R354],
      ["one\r\n.\r\n", R250],
      ["MAIL FROM:<c@example.com>\r\n", R250],
      ["RCPT TO:<d@example.com>\r\n", R250],
      ["DATA\r\n", R354],
      ["two\r\n.\r\n", R250],
      ["QUIT\r\n", R221],
    ]);
    await c.closed();
  });
  await server.idle();
  assert.deepEqual(server.sessions().map((m) => m.msgRequest), ["two\r\n"]);
  // Accepted messages are all visible to messages(), whatever go-smtp-mock's records keep.
  assert.deepEqual(server.messages().map((m) => m.msgRequest), ["one\r\n", "two\r\n"]);
});

// ------------------------------------------------------------------ blacklists

test("smtpmock: blacklists are case-sensitive and see through display names (§4.8)", async () => {
  const options = {
    blacklistedHeloDomains: ["bad.com"],
    blacklistedMailfromEmails: ["spam@x.co"],
    blacklistedRcpttoEmails: ["blocked@x.co"],
    notRegisteredEmails: ["blocked@x.co", "nobody@x.co"],
  };
  await withServer(options, async (c) => {
    await talk(c, [
      ["EHLO BAD.COM\r\n", R250],
      ["HELO bad.com\r\n", R421],
      ["EHLO example.com\r\n", R250],
      ["MAIL FROM:<SPAM@x.co>\r\n", R250],
      ["MAIL FROM:Spam Bot <spam@x.co>\r\n", R421],
      ["RCPT TO:<b@x.co>\r\n", RCPT_SEQ], // the blacklisted MAIL left MAIL state false
      ["MAIL FROM:<a@x.co>\r\n", R250],
      ["RCPT TO:<blocked@x.co>\r\n", R421], // blacklist before not-registered
      ["RCPT TO:Nobody <nobody@x.co>\r\n", "550 User not found\r\n"],
      ["RCPT TO:<NOBODY@x.co>\r\n", R250],
    ]);
  });
});

test("smtpmock: CLI lists split on commas only, without trimming (§8.10)", async () => {
  const lists = [
    "-blacklistedHeloDomains=a.com, b.com",
    "-blacklistedMailfromEmails=x@a.com,y@a.com",
  ];
  await withCli(lists, async (c) => {
    await talk(c, [
      ["EHLO a.com\r\n", R421],
      ["EHLO b.com\r\n", R250], // the entry is " b.com"
      ["MAIL FROM:<y@a.com>\r\n", R421],
      ["MAIL FROM:<x@a.com>\r\n", R421],
      ["MAIL FROM:<z@a.com>\r\n", R250],
    ]);
  });
});

// ------------------------------------------------------------------ DATA body

test("smtpmock: msgSizeLimit=7 accepts hello\\r\\n and rejects hello!\\r\\n", async () => {
  const server = await withServer({ msgSizeLimit: 7 }, async (c) => {
    await talk(c, [
      ...ENVELOPE,
      ["DATA\r\n", R354],
      ["hello\r\n.\r\n", R250],
      ["DATA\r\n", R354],
      ["hello!\r\n", "552 Message exceeded max size of 7 bytes\r\n"],
    ]);
    // Back in command mode: the dot is a command now.
    await talk(c, [[".\r\n", INVALID]]);
  });
  assert.deepEqual(server.messages().map((m) => m.msgRequest), ["hello\r\n"]);
});

test("smtpmock: the size counts unstuffed bytes", async () => {
  await withServer({ msgSizeLimit: 7 }, async (c) => {
    await talk(c, [...ENVELOPE, ["DATA\r\n", R354], ["..ello\r\n.\r\n", R250]]);
  });
});

test("smtpmock: msgSizeLimit=-1 rejects any non-empty body, accepts an empty one (CLI)", async () => {
  await withCli(["-msgSizeLimit=-1"], async (c) => {
    await talk(c, [
      ...ENVELOPE,
      ["DATA\r\n", R354],
      ["\r\n", "552 Message exceeded max size of -1 bytes\r\n"],
      ["DATA\r\n", R354],
      [".\r\n", R250],
    ]);
  });
});

test("smtpmock: 552 mid-body drops what is buffered and reads the rest as commands", async () => {
  await withServer({ msgSizeLimit: 5 }, async (c) => {
    await talk(c, [...ENVELOPE, ["DATA\r\n", R354]]);
    // Sent in one write: the lines after the long one are discarded with the buffer.
    await c.send("0123456789\r\nNOOP\r\nNOOP\r\n");
    assert.equal(await c.readLine(), "552 Message exceeded max size of 5 bytes\r\n");
    await talk(c, [["later line\r\n", INVALID]]);
  });
});

test("smtpmock: .\\n does not end the body, only .\\r\\n does (§8.6)", async () => {
  const server = await withServer({}, async (c) => {
    await talk(c, [...ENVELOPE, ["DATA\r\n", R354]]);
    // One reply for all of it: the first dot line is body text.
    await talk(c, [["a\r\n.\nb\n.\r\n", R250]]);
    await assertNoReply(c);
  });
  const [m] = server.messages();
  assert.equal(m.msgRequest, "a\r\n\nb\n", "the bare-LF dot line was unstuffed and kept");
});

// ------------------------------------------------------------------ clear-before-validate

test("smtpmock: a rejected HELO drops the greeting state (§4.6)", async () => {
  await withServer({ blacklistedHeloDomains: ["bad.com"] }, async (c) => {
    await talk(c, [
      ...ENVELOPE.slice(0, 2),
      ["HELO nodot\r\n", "501 HELO requires domain address or valid address literal\r\n"],
      ["MAIL FROM:<a@example.com>\r\n", MAIL_SEQ],
      ["EHLO example.com\r\n", R250],
      ["MAIL FROM:<a@example.com>\r\n", R250],
      ["EHLO bad.com\r\n", R421],
      ["MAIL FROM:<a@example.com>\r\n", MAIL_SEQ],
    ]);
  });
});

test("smtpmock: a second MAIL, even a rejected one, drops the recipients (§4.6)", async () => {
  await withServer({}, async (c) => {
    await talk(c, [
      ...ENVELOPE,
      ["MAIL FROM:<c@example.com>\r\n", R250],
      ["DATA\r\n", DATA_SEQ],
      ["RCPT TO:<b@example.com>\r\n", R250],
      ["MAIL FROM:<>\r\n", "501 MAIL FROM requires valid email address\r\n"],
      ["RCPT TO:<b@example.com>\r\n", RCPT_SEQ],
    ]);
  });
});

test("smtpmock: a rejected RCPT drops the earlier recipient; a rejected DATA keeps it (§4.6)", async () => {
  await withServer({}, async (c) => {
    await talk(c, [
      ...ENVELOPE,
      ["DATA now\r\n", INVALID],
      ["DATA\r\n", R354],
      ["x\r\n.\r\n", R250],
      ["RCPT TO:<bad>\r\n", "501 RCPT TO requires valid email address\r\n"],
      ["DATA\r\n", DATA_SEQ],
    ]);
  });
});

test("smtpmock: DATA is accepted again after a completed message, same envelope (§8.4)", async () => {
  const server = await withServer({}, async (c) => {
    await talk(c, [
      ...ENVELOPE,
      ["DATA\r\n", R354],
      ["first\r\n.\r\n", R250],
      ["DATA\r\n", R354],
      ["second\r\n.\r\n", R250],
    ]);
  });
  const got = server.messages().map((m) => [m.from, m.to, m.msgRequest]);
  assert.deepEqual(got, [
    ["a@example.com", ["b@example.com"], "first\r\n"],
    ["a@example.com", ["b@example.com"], "second\r\n"],
  ]);
});

test("smtpmock: bytes after QUIT are ignored", async () => {
  await withServer({}, async (c) => {
    await c.send("QUIT\r\nNOOP\r\nEHLO example.com\r\n");
    assert.equal(await c.readLine(), R221);
    assert.equal(await within(5000, c.closed()), "");
  });
});

// ------------------------------------------------------------------ shutdown (CLI, SIGTERM)

test("smtpmock: SIGTERM with an idle session exits after the shutdown timeout (1 s)", async () => {
  const cli = await startSmtpmockCli([]);
  const c = await RawClient.connect(cli.port);
  try {
    assert.equal(await c.readLine(), "220 Welcome\r\n");
    const t = performance.now();
    cli.kill("SIGTERM");
    assert.equal(await within(10_000, cli.exited), 0);
    const ms = since(t);
    assert.ok(ms >= 900, `exited after ${ms} ms`);
    assert.equal(await within(5000, c.closed()), "", "the idle client just sees EOF");
  } finally {
    c.close();
    cli.kill("SIGKILL");
  }
});

test("smtpmock: -shutdownTimeout=3, a command after SIGTERM is answered, then close and exit 0", async () => {
  const cli = await startSmtpmockCli(["-shutdownTimeout=3", "-log"]);
  const c = await RawClient.connect(cli.port);
  try {
    assert.equal(await c.readLine(), "220 Welcome\r\n");
    cli.kill("SIGTERM");
    await cli.waitStdout(/WARNING: .* SMTP mock server is in the shutdown mode/);
    assert.equal(await connectOutcome(cli.port), "ECONNREFUSED", "new connections refused");
    const t = performance.now();
    await c.send("NOOP\r\n");
    assert.equal(await c.readLine(), OK);
    assert.equal(await within(5000, c.closed()), "");
    assert.equal(await within(5000, cli.exited), 0);
    const ms = since(t);
    assert.ok(ms < 2000, `exited ${ms} ms after the NOOP, not at the 3 s timeout`);
    assert.match(cli.stdout, /INFO: .* SMTP mock server was stopped successfully\n/);
  } finally {
    c.close();
    cli.kill("SIGKILL");
  }
});

test("smtpmock: a session mid-DATA at SIGTERM may finish its message first", async () => {
  const cli = await startSmtpmockCli(["-shutdownTimeout=3", "-log"]);
  const c = await RawClient.connect(cli.port);
  try {
    assert.equal(await c.readLine(), "220 Welcome\r\n");
    await talk(c, [...ENVELOPE, ["DATA\r\n", R354]]);
    await c.send("Subject: x\r\n");
    cli.kill("SIGTERM");
    await cli.waitStdout(/shutdown mode/);
    await talk(c, [["body\r\n.\r\n", R250]]);
    assert.equal(await within(5000, c.closed()), "");
    assert.equal(await within(5000, cli.exited), 0);
  } finally {
    c.close();
    cli.kill("SIGKILL");
  }
});
