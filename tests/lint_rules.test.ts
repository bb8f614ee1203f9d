// Client lint (src/lint/): every finding id fires on a crafted session or message, with its
// evidence, and does not fire on the corrected version. Sessions run over a scripted memory
// wire (tests/helpers/lint_engine.ts: the client waits for each reply unless a chunk is eager).
import { test } from "node:test";
import assert from "node:assert/strict";
import { type Finding, type FindingId, Linter, type SessionSummary } from "../src/lint/linter.ts";
import { ALL_EXTENSIONS, runLintSession, type Script } from "./helpers/lint_engine.ts";

const DATE = "Date: Tue, 01 Dec 2026 10:00:00 +0000\r\n";
const HEADERS = "From: Ann <ann@example.com>\r\nTo: bob@example.net\r\nSubject: hello\r\n" +
  DATE + "Message-ID: <1.2@example.com>\r\n";
const GOOD_MESSAGE = HEADERS + "\r\nHello Bob.\r\n";

/** A well-behaved session sending `message` (CRLF, dot-stuffed by the caller). */
function session(
  message = GOOD_MESSAGE,
  o: { helo?: string; mail?: string; rcpt?: string; quit?: boolean; before?: Script } = {},
): Script {
  return [
    `EHLO ${o.helo ?? "client.example.com"}\r\n`,
    ...(o.before ?? []),
    `MAIL FROM:${o.mail ?? "<ann@example.com>"}\r\n`,
    `RCPT TO:${o.rcpt ?? "<bob@example.net>"}\r\n`,
    "DATA\r\n",
    message + ".\r\n",
    ...(o.quit === false ? [] : ["QUIT\r\n"]),
  ];
}

interface Linted {
  /** Findings of each delivered message (session findings so far included). */
  messages: Finding[][];
  summary: SessionSummary;
  written: string;
  /** Every finding, messages' and the session's, by id. */
  all: Map<FindingId, Finding>;
}

async function lint(script: Script, extensions = ALL_EXTENSIONS): Promise<Linted> {
  const summaries: SessionSummary[] = [];
  const linter = new Linter({ onSessionEnd: (s) => summaries.push(s) });
  const { messages, written } = await runLintSession(script, {
    extensions,
    attach: (c) => linter.attach(c),
  });
  const found = messages.map((m) => linter.findings(m));
  assert.equal(summaries.length, 1, "one summary per session");
  const all = new Map<FindingId, Finding>();
  for (const f of [...found.flat(), ...summaries[0].findings]) if (!all.has(f.id)) all.set(f.id, f);
  return { messages: found, summary: summaries[0], written, all };
}

/** Asserts `id` fired with evidence matching `evidence`, and returns the finding. */
function fired(l: Linted, id: FindingId, evidence: RegExp | string): Finding {
  const f = l.all.get(id);
  assert.ok(f, `${id} expected, got ${[...l.all.keys()].join(", ") || "nothing"}`);
  if (typeof evidence === "string") assert.ok(f.evidence.includes(evidence), f.evidence);
  else assert.match(f.evidence, evidence);
  assert.equal(f.rfc.startsWith("RFC "), true);
  assert.ok(f.advice.length > 10);
  return f;
}

function notFired(l: Linted, id: FindingId): void {
  assert.equal(l.all.has(id), false, `${id} not expected: ${l.all.get(id)?.evidence}`);
}

test("lint: a well-behaved session and message have no finding", async () => {
  const l = await lint(session());
  assert.deepEqual([...l.all.keys()], []);
  assert.equal(l.messages.length, 1);
  assert.equal(l.summary.line, `lint: session ${l.summary.sessionId}: clean`);
});

// One case per id: [id, bad script, evidence, corrected script, extensions?]
type Case = [FindingId, Script, RegExp | string, Script, string[]?];

const CASES: Case[] = [
  [
    "early-talker",
    [{ eager: "EHLO client.example.com\r\n" }, ...session().slice(1)],
    'before the greeting: "EHLO client.example.com\\r\\n"',
    session(),
  ],
  [
    "unadvertised-pipelining",
    [
      "EHLO client.example.com\r\n",
      "MAIL FROM:<ann@example.com>\r\nRCPT TO:<bob@example.net>\r\n",
      "DATA\r\n",
      GOOD_MESSAGE + ".\r\n",
      "QUIT\r\n",
    ],
    /sent after "MAIL FROM:<ann@example.com>\\r\\n" before its 250 reply \(PIPELINING not offered\)/,
    session(),
    ["8BITMIME"],
  ],
  [
    "unadvertised-pipelining",
    [
      "EHLO client.example.com\r\n",
      "MAIL FROM:<ann@example.com>\r\nRCPT TO:<bob@example.net>\r\nDATA\r\n" + GOOD_MESSAGE +
      ".\r\n",
      "QUIT\r\n",
    ],
    /after "DATA\\r\\n" before its 354 reply \(DATA must end a PIPELINING group\)/,
    [
      "EHLO client.example.com\r\n",
      "MAIL FROM:<ann@example.com>\r\nRCPT TO:<bob@example.net>\r\nDATA\r\n",
      GOOD_MESSAGE + ".\r\n",
      "QUIT\r\n",
    ],
  ],
  ["helo-invalid", session(GOOD_MESSAGE, { helo: "my_host" }), "my_host", session()],
  ["helo-invalid", session(GOOD_MESSAGE, { helo: "[300.1.1.1]" }), "address literal", [
    ...session(GOOD_MESSAGE, { helo: "[192.0.2.1]" }),
  ]],
  [
    "no-ehlo",
    session().slice(1),
    /line 1: "MAIL FROM:<ann@example.com>\\r\\n": no EHLO or HELO/,
    ["HELO client.example.com\r\n", ...session().slice(1)],
  ],
  [
    "no-ehlo",
    ["EHLO client.example.com\r\n", "STARTTLS\r\n", ...session().slice(1)],
    "since STARTTLS",
    ["EHLO client.example.com\r\n", "STARTTLS\r\n", ...session()],
  ],
  [
    "no-quit",
    session(GOOD_MESSAGE, { quit: false }),
    /closed after 12 lines without QUIT/,
    session(),
  ],
  [
    "rset-storm",
    session(GOOD_MESSAGE, { before: ["RSET\r\n", "RSET\r\n", "RSET\r\n", "RSET\r\n", "RSET\r\n"] }),
    "RSET number 5",
    session(GOOD_MESSAGE, { before: ["RSET\r\n", "RSET\r\n", "RSET\r\n", "RSET\r\n"] }),
  ],
  [
    "auth-cleartext",
    session(GOOD_MESSAGE, { before: ["AUTH PLAIN AGFubgBzZWNyZXQ=\r\n"] }),
    "AUTH PLAIN on a connection without TLS",
    [
      "EHLO client.example.com\r\n",
      "STARTTLS\r\n",
      ...session(GOOD_MESSAGE, { before: ["AUTH PLAIN AGFubgBzZWNyZXQ=\r\n"] }),
    ],
  ],
  [
    "size-mismatch",
    session(GOOD_MESSAGE, { mail: "<ann@example.com> SIZE=20" }),
    `SIZE=20 announced, ${GOOD_MESSAGE.length} octets sent`,
    session(GOOD_MESSAGE, { mail: `<ann@example.com> SIZE=${GOOD_MESSAGE.length}` }),
  ],
  [
    "bare-lf",
    session(HEADERS + "\r\nline one\nline two\r\n"),
    'line 7: "line one\\n" (1 bare LFs)'.replace(" (1 bare LFs)", ""),
    session(HEADERS + "\r\nline one\r\nline two\r\n"),
  ],
  [
    "bare-lf",
    ["EHLO client.example.com\n", ...session().slice(1)],
    'line 1: "EHLO client.example.com\\n"',
    session(),
  ],
  [
    "bare-cr",
    session(HEADERS + "\r\nline one\rline two\r\n"),
    'line 7: "line one\\rline two\\r\\n"',
    session(HEADERS + "\r\nline one line two\r\n"),
  ],
  [
    "smuggling-sequence",
    session(HEADERS + "\r\nHi\n.\nMAIL FROM:<evil@example.org>\r\n"),
    'line 8: "i\\n.\\nM"',
    session(HEADERS + "\r\nHi\r\n..\r\nMAIL FROM:<evil@example.org>\r\n"),
  ],
  [
    "smuggling-sequence",
    session(HEADERS + "\r\nHi\r.\r\nMAIL\r\n"),
    'line 7: "i\\r.\\r\\n"',
    session(HEADERS + "\r\nHi\r\n..\r\nMAIL\r\n"),
  ],
  [
    "8bit-without-8bitmime",
    session(HEADERS + "Content-Type: text/plain; charset=utf-8\r\n\r\nGrüße\r\n"),
    /line 8: "Gr\\xc3\\xbc\\xc3\\x9fe\\r\\n" \(MAIL FROM had no BODY=8BITMIME\)/,
    session(HEADERS + "Content-Type: text/plain; charset=utf-8\r\n\r\nGrüße\r\n", {
      mail: "<ann@example.com> BODY=8BITMIME",
    }),
  ],
  [
    "utf8-address-without-smtputf8",
    session(GOOD_MESSAGE, { rcpt: "<jürgen@example.net>" }),
    /line 3: "RCPT TO:<j\\xc3\\xbcrgen@example.net>\\r\\n": MAIL FROM had no SMTPUTF8/,
    session(GOOD_MESSAGE, { mail: "<ann@example.com> SMTPUTF8", rcpt: "<jürgen@example.net>" }),
  ],
  [
    "raw-8bit-header",
    session(HEADERS.replace("hello", "Grüße") + "\r\nhi\r\n", {
      mail: "<ann@example.com> BODY=8BITMIME",
    }),
    'line 3: "Subject: Gr\\xc3\\xbc\\xc3\\x9fe\\r\\n"',
    session(HEADERS.replace("hello", "=?utf-8?q?Gr=C3=BC=C3=9Fe?=") + "\r\nhi\r\n"),
  ],
  [
    "line-too-long",
    session(HEADERS + "\r\n" + "x".repeat(999) + "\r\n"),
    /^line 7: 999 octets: "x{60}…"$/,
    session(HEADERS + "\r\n" + "x".repeat(998) + "\r\n"),
  ],
  [
    "missing-date",
    session(HEADERS.replace(DATE, "") + "\r\nhi\r\n"),
    "no Date: header",
    session(),
  ],
  [
    "missing-from",
    session(HEADERS.replace("From: Ann <ann@example.com>\r\n", "") + "\r\nhi\r\n"),
    "no From: header",
    session(),
  ],
  [
    "missing-message-id",
    session(HEADERS.replace("Message-ID: <1.2@example.com>\r\n", "") + "\r\nhi\r\n"),
    "no Message-ID: header",
    session(),
  ],
  [
    "duplicate-header",
    session(HEADERS + "Subject: again\r\n\r\nhi\r\n"),
    'line 6: Subject again (first on line 3): "Subject: again\\r\\n"',
    session(HEADERS + "Comments: again\r\n\r\nhi\r\n"),
  ],
  [
    "header-syntax",
    session(HEADERS + "X-Broken header\r\n\r\nhi\r\n"),
    'line 6: no colon: "X-Broken header\\r\\n"',
    session(HEADERS + "X-Broken: header\r\n\r\nhi\r\n"),
  ],
  [
    "header-syntax",
    session(" folded first\r\n" + GOOD_MESSAGE),
    "line 1: continuation line without a field before it",
    session(GOOD_MESSAGE),
  ],
  [
    "mime-boundary-missing",
    session(
      HEADERS +
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed\r\n\r\n--x\r\n\r\nhi\r\n--x--\r\n",
    ),
    "multipart without a boundary parameter",
    session(
      HEADERS + 'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="x"\r\n\r\n' +
        "--x\r\n\r\nhi\r\n--x--\r\n",
    ),
  ],
  [
    "mime-boundary-missing",
    session(
      HEADERS + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n" +
        "--b1\r\n\r\nhi\r\n",
    ),
    "no closing --b1-- line",
    session(
      HEADERS + "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b1\r\n\r\n" +
        "--b1\r\n\r\nhi\r\n--b1--\r\n",
    ),
  ],
  [
    "mime-bad-base64",
    session(
      HEADERS + "MIME-Version: 1.0\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8*\r\n",
    ),
    'line 9: not a base64 character: "aGVsbG8*\\r\\n"',
    session(
      HEADERS + "MIME-Version: 1.0\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n",
    ),
  ],
  [
    "mime-bad-base64",
    session(HEADERS + "Content-Transfer-Encoding: base64\r\n\r\naGVsbG8\r\n"),
    "7 base64 characters, not a multiple of 4",
    session(HEADERS + "Content-Transfer-Encoding: base64\r\n\r\naGVsbG8=\r\n"),
  ],
  [
    "mime-bad-charset",
    session(HEADERS + "Content-Type: text/plain; charset=utf-9\r\n\r\nhi\r\n"),
    'unknown charset "utf-9"',
    session(HEADERS + "Content-Type: text/plain; charset=utf-8\r\n\r\nhi\r\n"),
  ],
  [
    "mime-bad-charset",
    session(
      HEADERS + "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: " +
        "quoted-printable\r\n\r\nGr=FC=DFe\r\n",
    ),
    "text declared utf-8 is not valid UTF-8",
    session(
      HEADERS + "Content-Type: text/plain; charset=iso-8859-1\r\nContent-Transfer-Encoding: " +
        "quoted-printable\r\n\r\nGr=FC=DFe\r\n",
    ),
  ],
];

for (const [id, bad, evidence, good, extensions] of CASES) {
  test(`lint: ${id} fires with its evidence (${String(evidence).slice(0, 40)}), not when corrected`, async () => {
    fired(await lint(bad, extensions), id, evidence);
    notFired(await lint(good, extensions), id);
  });
}

test("lint: every id of the catalogue has a case here", async () => {
  const { CATALOGUE } = await import("../src/lint/catalogue.ts");
  const covered = new Set(CASES.map(([id]) => id));
  assert.deepEqual(Object.keys(CATALOGUE).filter((id) => !covered.has(id as FindingId)), []);
});
