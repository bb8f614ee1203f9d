// smtpmock's DATA body beyond the command-line cap and its terminator (spec smtpmock.md §4.7):
// a body line is bounded by -msgSizeLimit, not by the 1 MiB line cap, and is answered where
// go-smtp-mock answers it (552 once the line has ended, or 250 with its bytes intact);
// `\n.\r\n` ends a body as in go-smtp-mock unless -strictDataEnd asks for CRLF.CRLF.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { SmtpmockServer } from "../mod.ts";
import { type Cli, startSmtpmockCli } from "./helpers/cli.ts";
import { RawClient } from "./helpers/raw_client.ts";
import { INVALID, R221, R250, R354 } from "./helpers/smtpmock.ts";
import { assertNoReply, talk, within } from "./helpers/smtpmock_probe.ts";

const OK = "250 Ok\r\n";
const ENVELOPE: Array<[string, string]> = [
  ["EHLO example.com\r\n", R250],
  ["MAIL FROM:<a@example.com>\r\n", R250],
  ["RCPT TO:<b@example.com>\r\n", R250],
];
const API_LINE = /HTTP API listening on (http:\/\/\S+\/api\/messages)\n/;

/** The CLI with `-httpApi` (to read what it stored) and a greeted client. */
async function withApiCli(
  flags: string[],
  body: (c: RawClient, api: string, cli: Cli) => Promise<void>,
): Promise<void> {
  const cli = await startSmtpmockCli(["-httpApi=127.0.0.1:0", ...flags]);
  try {
    const api = (await cli.waitStdout(API_LINE))[1];
    const c = await RawClient.connect(cli.port);
    try {
      assert.equal(await c.readLine(), "220 Welcome\r\n");
      await body(c, api, cli);
    } finally {
      c.close();
    }
  } finally {
    cli.kill("SIGKILL");
    await cli.exited;
  }
}

/** `n` bytes of printable text without LF (a deterministic pattern, so a lost byte shows). */
function oneLine(n: number): Buffer {
  const out = Buffer.alloc(n);
  for (let i = 0; i < n; i++) out[i] = 0x41 + i % 26;
  return out;
}

/** Sends `data` in pieces, so that the server meets the line across many reads. */
async function sendInPieces(c: RawClient, data: Uint8Array, piece = 256 * 1024): Promise<void> {
  for (let off = 0; off < data.length; off += piece) {
    await c.send(data.subarray(off, off + piece));
  }
}

async function messages(api: string): Promise<Array<{ size: number; msgRequest: string }>> {
  return await (await fetch(api)).json();
}

async function rawOf(api: string, index: number): Promise<Buffer> {
  return Buffer.from(await (await fetch(`${api}/${index}/raw`)).arrayBuffer());
}

// ------------------------------------------------------------------ DATA longer than the line cap

test("smtpmock DATA: a 5 MB body on one line is accepted with its bytes intact (-msgSizeLimit=20000000)", async () => {
  await withApiCli(["-msgSizeLimit=20000000"], async (c, api) => {
    await talk(c, [...ENVELOPE, ["DATA\r\n", R354]]);
    const line = Buffer.concat([oneLine(5_000_000), Buffer.from("\r\n")]);
    await sendInPieces(c, line);
    await talk(c, [[".\r\n", R250], ["QUIT\r\n", R221]]);
    const [m] = await messages(api);
    assert.equal(m.size, line.length);
    assert.ok((await rawOf(api, 0)).equals(line), "the stored bytes are the bytes sent");
  });
});

test("smtpmock DATA: a one-line body over the limit is answered 552 at its LF, then commands go on", async () => {
  // 12 MB > the default 10485760: go-smtp-mock reads the whole line, then answers 552.
  await withApiCli([], async (c, api) => {
    await talk(c, [...ENVELOPE, ["DATA\r\n", R354]]);
    await sendInPieces(c, oneLine(12_000_000));
    await c.send("\r\n");
    assert.equal(
      await within(60_000, c.readLine(), "reply to the long line"),
      "552 Message exceeded max size of 10485760 bytes\r\n",
    );
    // Had the server answered before the LF, the line's tail would be read as commands: the
    // next reply would be a 502 or a 500, not NOOP's.
    await talk(c, [["NOOP\r\n", OK], [".\r\n", INVALID], ["QUIT\r\n", R221]]);
    assert.deepEqual(await messages(api), []);
  });
});

test("smtpmock DATA: a long line ending the session mid-line leaves no message and no reply (CLI)", async () => {
  await withApiCli([], async (c, api) => {
    await talk(c, [...ENVELOPE, ["DATA\r\n", R354]]);
    await sendInPieces(c, oneLine(3_000_000));
    c.end();
    assert.equal(await within(30_000, c.closed()), "", "closed without a reply");
    assert.deepEqual(await messages(api), []);
  });
});

test("smtpmock DATA: the size limit holds exactly for one long line, a leading dot not counted", async () => {
  const limit = 2_000_000;
  const server = await SmtpmockServer.start({ msgSizeLimit: limit });
  try {
    const c = await RawClient.connect(server.port);
    try {
      assert.equal(await c.readLine(), "220 Welcome\r\n");
      const fits = Buffer.concat([oneLine(limit - 2), Buffer.from("\r\n")]);
      const stuffed = Buffer.concat([Buffer.from("."), fits]);
      const over = Buffer.concat([Buffer.from("x"), fits]);
      await talk(c, [...ENVELOPE, ["DATA\r\n", R354]]);
      await sendInPieces(c, fits);
      await talk(c, [[".\r\n", R250], ["DATA\r\n", R354]]);
      await sendInPieces(c, stuffed);
      await talk(c, [[".\r\n", R250], ["DATA\r\n", R354]]);
      await sendInPieces(c, over);
      assert.equal(
        await within(30_000, c.readLine()),
        `552 Message exceeded max size of ${limit} bytes\r\n`,
      );
      await assertNoReply(c);
    } finally {
      c.close();
    }
    const bodies = server.messages().map((m) => Buffer.from(m.raw));
    assert.equal(bodies.length, 2);
    assert.ok(bodies[0].equals(bodies[1]) && bodies[0].length === limit);
  } finally {
    await server.stop({ force: true });
  }
});

test("smtpmock DATA: command lines keep the 1 MiB cap", async () => {
  await using server = await SmtpmockServer.start({ msgSizeLimit: 20_000_000 });
  const c = await RawClient.connect(server.port);
  try {
    assert.equal(await c.readLine(), "220 Welcome\r\n");
    await sendInPieces(c, oneLine(1_100_000));
    assert.equal(
      await within(30_000, c.readLine()),
      "500 Line too long (limit 1048576 bytes)\r\n",
    );
  } finally {
    c.close();
  }
});

// ------------------------------------------------------------------ what ends a body

/** A first message ending in a bare LF, then `.\r\n` and a whole second transaction. */
const SMUGGLING = "first\n.\r\nMAIL FROM:<evil@example.com>\r\nRCPT TO:<b@example.com>\r\n" +
  "DATA\r\nsmuggled\r\n.\r\n";

test("smtpmock DATA: \\n.\\r\\n ends a body by default, as in go-smtp-mock (the smuggling vector)", async () => {
  await withApiCli([], async (c, api) => {
    await talk(c, [...ENVELOPE, ["DATA\r\n", R354]]);
    await c.send(SMUGGLING);
    assert.equal(
      await c.expect(R250 + R250 + R250 + R354 + R250),
      R250 + R250 + R250 + R354 + R250,
    );
    await assertNoReply(c);
    const list = await messages(api);
    assert.deepEqual(list.map((m) => m.msgRequest), ["first\n", "smuggled\r\n"]);
  });
});

test("smtpmock DATA: -strictDataEnd ends a body only at CRLF.CRLF, no second message", async () => {
  await withApiCli(["-strictDataEnd"], async (c, api) => {
    await talk(c, [...ENVELOPE, ["DATA\r\n", R354]]);
    await c.send(SMUGGLING);
    assert.equal(await c.readLine(), R250, "one reply, at the final CRLF.CRLF");
    await assertNoReply(c);
    const list = await messages(api);
    assert.deepEqual(list.map((m) => m.msgRequest), [SMUGGLING.slice(0, -3)]);
  });
});

test("smtpmock DATA: strictDataEnd (library) unstuffs a dot only at a line start after CRLF", async () => {
  await using server = await SmtpmockServer.start({ strictDataEnd: true });
  const c = await RawClient.connect(server.port);
  try {
    assert.equal(await c.readLine(), "220 Welcome\r\n");
    await talk(c, [...ENVELOPE, ["DATA\r\n", R354]]);
    await c.send("..a\r\nb\n..c\r\n..d\n.\n.\r\n");
    await c.send(".\r\n");
    assert.equal(await c.readLine(), R250);
    await talk(c, [["DATA\r\n", R354], [".\r\n", R250]]);
  } finally {
    c.close();
  }
  assert.deepEqual(server.messages().map((m) => m.msgRequest), [
    ".a\r\nb\n..c\r\n.d\n.\n.\r\n",
    "",
  ]);
});
