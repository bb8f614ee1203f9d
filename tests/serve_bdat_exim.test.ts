/**
 * CHUNKING/BDAT from a real sender: Exim 4 (Debian's exim4-daemon-light, unpacked by
 * scripts/exim_client.sh; its smtp transport uses BDAT whenever the server offers CHUNKING)
 * delivers into the library's ServeServer. Exim's own debug output says which commands it
 * sent; the server's transcript must show the same BDAT commands, its record must say BDAT,
 * and the stored bytes must be exim's Received: header followed by exactly what was handed to
 * exim (line ends as CRLF). The last test does it against `mocksmtp serve` itself (started
 * through runCli, so the binary run repeats it), reading the bytes back over the HTTP API.
 * Skips, saying why, only when exim cannot be run here. The first test is what exim does on
 * the wire at the end of a session, done with a plain socket: it runs with or without exim.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { connect } from "node:net";
import { test } from "node:test";
import { ServeServer } from "../src/api/serve.ts";
import type { ReceivedMessage } from "../src/smtp/message.ts";
import { EximClient, type EximRun, findExim } from "./helpers/exim.ts";
import { startServeCli, stopServe } from "./helpers/serve.ts";

const found = findExim();
const skip = "reason" in found ? `exim unavailable: ${found.reason}` : false;
// A skip must be seen with its reason: `deno test --quiet` hides console output and neither
// runner prints a skip's reason, so it goes into the test's name.
if (skip) console.error(`serve_bdat_exim.test.ts: SKIPPED, ${skip}`);
const title = (name: string) => skip ? `${name} [SKIPPED: ${skip}]` : name;
const exim = "path" in found ? found.path : "";

const latin1 = (b: Uint8Array) => Buffer.from(b).toString("latin1");
const crlf = (text: string) => text.replaceAll("\n", "\r\n");

/**
 * What exim handed on: its debug output's BDAT commands, checked to be a proper sequence, and
 * its log's word that the delivery was done (`=>`, not deferred) and by CHUNKING (`K`).
 */
function bdatSent(client: EximClient, run: EximRun): string[] {
  assert.equal(run.code, 0, run.stderr.slice(-3000));
  assert.match(client.mainlog(), /^\S+ \S+ \S+ => .* K C="250 /m, run.stderr.slice(-3000));
  assert.ok(!run.sent.includes("DATA"), `exim used DATA: ${run.sent.join(" | ")}`);
  const bdat = run.sent.filter((c) => c.startsWith("BDAT "));
  assert.ok(
    bdat.length > 0,
    `exim sent no BDAT: ${run.sent.join(" | ")}\n${run.stderr.slice(-3000)}`,
  );
  bdat.forEach((c, i) => assert.match(c, i === bdat.length - 1 ? /^BDAT \d+ LAST$/ : /^BDAT \d+$/));
  return bdat;
}

/**
 * The one stored message, checked against exim's BDAT commands and the transcript of its
 * session: the same BDAT commands, chunk sizes adding up to the stored size, no DATA.
 */
async function received(server: ServeServer, bdat: string[]): Promise<ReceivedMessage> {
  const [m] = await server.waitForMessages(1, { timeout: 10000 });
  assert.equal(m.transport, "BDAT");
  const t = server.transcripts().find((t) => t.session?.id === m.sessionId);
  assert.ok(t, `a transcript for session ${m.sessionId}`);
  const said = t.lines.filter((l) => l.side === "C").map((l) => l.text);
  assert.deepEqual(said.filter((c) => /^BDAT /i.test(c)), bdat, t.toString());
  assert.ok(!said.includes("DATA"), t.toString());
  const chunks = said.flatMap((c) => c.match(/^\(BDAT chunk: (\d+) bytes\)$/)?.[1] ?? []);
  assert.deepEqual(chunks, bdat.map((c) => c.split(" ")[1]), t.toString());
  assert.equal(chunks.reduce((n, c) => n + Number(c), 0), m.data.length);
  return m;
}

/** The stored bytes are exim's Received: header, then `original` exactly (CRLF line ends). */
function assertExact(data: Uint8Array, original: string) {
  const text = latin1(data);
  const received = text.match(/^Received: [^\r\n]*\r\n(?:[ \t][^\r\n]*\r\n)*/);
  assert.ok(received, `starts with exim's Received: header:\n${text.slice(0, 400)}`);
  assert.match(received[0], /\(Exim \d+\.\d+\)/);
  const rest = text.slice(received[0].length);
  assert.equal(rest.length, crlf(original).length, "size after the Received: header");
  assert.ok(rest === crlf(original), "the bytes after the Received: header are those submitted");
}

test("a client that sends BDAT LAST and QUIT, then half-closes, gets every reply", async () => {
  // Exim writes MAIL, RCPT, BDAT n LAST, the chunk and QUIT at once, then shutdown(SHUT_WR),
  // and only then reads the replies: the server must answer all of them after the FIN.
  await using server = await ServeServer.start({ http: false });
  const socket = connect(server.port, server.hostname);
  let replies = "";
  socket.on("data", (d: Buffer) => replies += d.toString("latin1"));
  const ended = new Promise((resolve) => socket.on("close", resolve));
  socket.end(
    "EHLO half.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\n" +
      "BDAT 7 LAST\r\nhello\r\nQUIT\r\n",
  );
  await ended;
  const codes = replies.split("\r\n").filter((l) => /^\d{3} /.test(l)).map((l) => l.slice(0, 3));
  assert.deepEqual(codes, ["220", "250", "250", "250", "250", "221"], replies);
  const [m] = await server.waitForMessages(1);
  assert.equal(latin1(m.data), "hello\r\n");
});

const HEADERS = "From: Ann <ann@example.org>\nTo: bob@example.net\n" +
  "Date: Tue, 01 Dec 2026 12:00:00 +0000\n";

test(title("exim: a plain message in one BDAT … LAST, stored byte for byte"), {
  skip,
}, async () => {
  await using server = await ServeServer.start({ http: false });
  using client = new EximClient(exim, { port: server.port });
  const original = HEADERS + "Subject: plain via exim\nMessage-ID: <plain.1@example.org>\n\n" +
    "Hello over BDAT.\n.a line that starts with a dot\n.\nlast line\n";
  const run = await client.submit("ann@example.org", ["bob@example.net"], Buffer.from(original));
  const bdat = bdatSent(client, run);
  assert.equal(bdat.length, 1, bdat.join(" | "));
  const m = await received(server, bdat);
  assert.equal(m.from, "ann@example.org");
  assert.deepEqual(m.to, ["bob@example.net"]);
  assert.equal(m.helo, "exim-client.test");
  assertExact(m.data, original);
});

test(title("exim: an 8-bit body from SMTPUTF8 addresses over BDAT, bytes intact"), {
  skip,
}, async () => {
  await using server = await ServeServer.start({ http: false });
  using client = new EximClient(exim, { port: server.port });
  const original = "From: José <josé@exämple.org>\nTo: zoë@example.net\n" +
    "Date: Tue, 01 Dec 2026 12:00:00 +0000\nSubject: naïve café — 日本語\n" +
    "Message-ID: <utf8.1@example.org>\nMIME-Version: 1.0\n" +
    "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\n" +
    "Grüße, ¡olé! ½ € 日本語\n";
  const utf8 = Buffer.from(original).toString("latin1");
  // Handed to exim over SMTP (-bs), so it knows the message is SMTPUTF8 and 8BITMIME.
  const session = "EHLO submitter.example\r\n" +
    "MAIL FROM:<josé@exämple.org> SMTPUTF8 BODY=8BITMIME\r\nRCPT TO:<zoë@example.net>\r\n" +
    `DATA\r\n${crlf(original)}.\r\nQUIT\r\n`;
  const run = await client.smtp(Buffer.from(session));
  assert.match(run.stdout, /^250 OK id=/m, run.stdout);
  const bdat = bdatSent(client, run);
  const mail = run.sent.find((c) => c.startsWith("MAIL FROM:"));
  assert.match(mail ?? "", /^MAIL FROM:<josé@exämple\.org>.* SMTPUTF8/, run.sent.join(" | "));
  const m = await received(server, bdat);
  assert.equal(m.from, "josé@exämple.org");
  assert.deepEqual(m.to, ["zoë@example.net"]);
  assert.equal(m.mailParams?.SMTPUTF8, true);
  assertExact(m.data, utf8);
});

test(title("exim: 1 MB as a header chunk and a body chunk, joined byte for byte"), {
  skip,
}, async () => {
  await using server = await ServeServer.start({ http: false });
  using client = new EximClient(exim, { port: server.port });
  let body = "";
  for (let i = 0; i < 14000; i++) body += `line ${String(i).padStart(6, "0")} ${"x".repeat(60)}\n`;
  const original = HEADERS + "Subject: a megabyte\nMessage-ID: <big.1@example.org>\n\n" + body;
  assert.ok(original.length > 1_000_000);
  const run = await client.submit("ann@example.org", ["bob@example.net"], Buffer.from(original));
  const bdat = bdatSent(client, run);
  // Exim 4.96 sends the headers in a first small BDAT, pipelined with MAIL and RCPT.
  assert.ok(bdat.length >= 2, bdat.join(" | "));
  const m = await received(server, bdat);
  assertExact(m.data, original);
});

test(
  title("exim: STARTTLS verifying the served CA, then BDAT inside TLS"),
  { skip },
  async () => {
    await using server = await ServeServer.start({ http: false });
    assert.ok(server.caFile, "the minted CA is written to a file");
    using client = new EximClient(exim, { port: server.port, caFile: server.caFile });
    const original = HEADERS + "Subject: over TLS\nMessage-ID: <tls.1@example.org>\n\nsecret\n";
    const run = await client.submit("ann@example.org", ["bob@example.net"], Buffer.from(original));
    assert.match(run.stderr, /TLS certificate verified/);
    assert.ok(run.sent.includes("STARTTLS"), run.sent.join(" | "));
    const bdat = bdatSent(client, run);
    const m = await received(server, bdat);
    assert.equal(m.tls, true);
    const t = server.transcripts().find((t) => t.session?.id === m.sessionId)!;
    const texts = t.lines.map((l) => l.text);
    assert.ok(texts.indexOf("TLS established") < texts.indexOf(bdat[0]), t.toString());
    assertExact(m.data, original);
  },
);

test(title("exim into `mocksmtp serve`: BDAT in, the same bytes out of /raw"), {
  skip,
}, async () => {
  const cli = await startServeCli(["-q"]);
  try {
    using client = new EximClient(exim, { port: cli.smtpPort });
    const original = HEADERS + "Subject: through the CLI\nMessage-ID: <cli.1@example.org>\n\n" +
      "caf\u00e9 \u2014 8-bit\n.\n..two dots\n";
    const run = await client.submit("ann@example.org", ["cli@example.net"], Buffer.from(original));
    bdatSent(client, run);
    const q = encodeURIComponent("addressed:cli@example.net");
    const res = await fetch(`${cli.url}/api/v1/search?query=${q}&wait=1&timeout=10000`);
    assert.equal(res.status, 200);
    const found = await res.json() as { messages: Array<{ ID: string }> };
    assert.equal(found.messages.length, 1);
    const raw = await fetch(`${cli.url}/api/v1/message/${found.messages[0].ID}/raw`);
    assertExact(new Uint8Array(await raw.arrayBuffer()), Buffer.from(original).toString("latin1"));
  } finally {
    assert.equal(await stopServe(cli), 0, cli.stderr);
  }
});
