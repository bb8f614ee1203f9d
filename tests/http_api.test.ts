// The HTTP/JSON API over captured messages: the library's startHttpApi on an in-process
// SmtpmockServer (routes, waiting, purge, errors, close), and `smtpmock -httpApi` as a process
// read by fetch and by Python's urllib.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import net from "node:net";
import { ListenError, SmtpmockServer, startHttpApi } from "../mod.ts";
import { smtpmockJson, smtpmockRaw } from "../src/http/smtpmock_json.ts";
import { runCliToEnd, startSmtpmockCli } from "./helpers/cli.ts";
import { RawClient } from "./helpers/raw_client.ts";
import { sendMail } from "./helpers/send_mail.ts";

const te = new TextEncoder();

/** An in-process smtpmock with the API in front of it; disposing stops both. */
async function served() {
  const server = await SmtpmockServer.start();
  const api = await startHttpApi({ server, toJson: smtpmockJson, raw: smtpmockRaw });
  return {
    server,
    api,
    async [Symbol.asyncDispose]() {
      await api.close();
      await server.stop({ force: true });
    },
  };
}

async function getJson(url: string, init?: RequestInit): Promise<[number, unknown]> {
  const res = await fetch(url, init);
  if (res.status !== 204) {
    assert.equal(res.headers.get("content-type"), "application/json; charset=utf-8");
  }
  const text = await res.text();
  return [res.status, text === "" ? undefined : JSON.parse(text)];
}

type Json = Record<string, unknown>;

// ------------------------------------------------------------------ library

test("http api: GET /api/messages lists every message as go-smtp-mock's fields", async () => {
  await using s = await served();
  assert.deepEqual(await getJson(s.api.url), [200, []]);
  await sendMail(s.server.port, "Subject: one\r\n\r\nfirst\r\n");
  await sendMail(s.server.port, "Subject: two\r\n\r\nsecond\r\n", { to: "c@example.com" });
  const [status, list] = await getJson(s.api.url) as [number, Json[]];
  assert.equal(status, 200);
  assert.equal(list.length, 2);
  const [one, two] = list;
  assert.equal(one.index, 0);
  assert.equal(one.from, "a@example.com");
  assert.deepEqual(one.to, ["b@example.com"]);
  assert.deepEqual(two.to, ["c@example.com"]);
  assert.equal(one.heloRequest, "EHLO client.example");
  assert.equal(one.mailfromRequest, "MAIL FROM:<a@example.com>");
  assert.deepEqual(one.rcpttoRequestResponse, [["RCPT TO:<b@example.com>", "250 Received"]]);
  assert.equal(one.msgRequest, "Subject: one\r\n\r\nfirst\r\n");
  assert.equal(one.msgResponse, "250 Received");
  assert.equal(one.isConsistent, true);
  assert.equal(one.size, te.encode("Subject: one\r\n\r\nfirst\r\n").length);
  const remote = one.remoteAddress as { hostname: string; port: number };
  assert.equal(remote.hostname, "127.0.0.1");
  assert.ok(remote.port > 0);
  assert.equal("raw" in one, false, "bytes are served at /raw, not in the JSON");
  // Exactly the library's records, as JSON.
  assert.deepEqual(list, JSON.parse(JSON.stringify(s.server.messages().map(smtpmockJson))));
});

test("http api: GET /api/messages/I returns one message, /raw its exact bytes", async () => {
  await using s = await served();
  await sendMail(s.server.port, "Subject: one\r\n\r\nfirst\r\n");
  // Dot-stuffed line, an invalid UTF-8 byte and a Latin-1 byte: raw keeps them as stored.
  const wire = new Uint8Array([
    ...te.encode("Subject: bytes\r\n\r\n..leading dot\r\n"),
    0xff,
    0xe9,
    ...te.encode("\r\n"),
  ]);
  const stored = new Uint8Array([
    ...te.encode("Subject: bytes\r\n\r\n.leading dot\r\n"),
    0xff,
    0xe9,
    ...te.encode("\r\n"),
  ]);
  await sendMail(s.server.port, wire);
  const [status, one] = await getJson(`${s.api.url}/1`) as [number, Json];
  assert.equal(status, 200);
  assert.equal(one.index, 1);
  assert.equal(one.size, stored.length);
  assert.match(one.msgRequest as string, /^Subject: bytes\r\n\r\n\.leading dot\r\n/);
  const res = await fetch(`${s.api.url}/1/raw`);
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("content-type"), "message/rfc822");
  assert.equal(res.headers.get("content-length"), String(stored.length));
  assert.deepEqual(new Uint8Array(await res.arrayBuffer()), stored);
  const head = await fetch(`${s.api.url}/1/raw`, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal(head.headers.get("content-length"), String(stored.length));
  assert.equal((await head.arrayBuffer()).byteLength, 0);
});

test("http api: ?wait=N answers on the arrival of the Nth message", async () => {
  await using s = await served();
  await sendMail(s.server.port, "first\r\n");
  let settled = false;
  const waiting = getJson(`${s.api.url}?wait=2&timeout=30000`).finally(() => settled = true);
  await sendMail(s.server.port, "second\r\n", {
    // Body sent, final dot not yet: the wait must still be open.
    beforeEnd: async () => {
      assert.deepEqual(await getJson(`${s.api.url}?wait=1`).then(([st]) => st), 200);
      assert.equal(settled, false, "still waiting before the second message is accepted");
    },
  });
  const [status, list] = await waiting as [number, Json[]];
  assert.equal(status, 200);
  assert.deepEqual(list.map((m) => m.msgRequest), ["first\r\n", "second\r\n"]);
  // Already satisfied: at once.
  assert.equal((await getJson(`${s.api.url}?wait=0`))[0], 200);
  assert.equal((await getJson(`${s.api.url}?wait=2&timeout=0`))[0], 200);
});

test("http api: ?wait=N times out with 408 and what did arrive", async () => {
  await using s = await served();
  await sendMail(s.server.port, "only\r\n");
  const [status, list] = await getJson(`${s.api.url}?wait=2&timeout=200`) as [number, Json[]];
  assert.equal(status, 408);
  assert.deepEqual(list.map((m) => m.msgRequest), ["only\r\n"]);
});

test("http api: DELETE /api/messages purges, 204; indexes restart at 0", async () => {
  await using s = await served();
  await sendMail(s.server.port, "old\r\n");
  const res = await fetch(s.api.url, { method: "DELETE" });
  assert.equal(res.status, 204);
  assert.equal(await res.text(), "");
  assert.deepEqual(s.server.messages(), []);
  assert.deepEqual(await getJson(s.api.url), [200, []]);
  await sendMail(s.server.port, "new\r\n");
  const [, one] = await getJson(`${s.api.url}/0`) as [number, Json];
  assert.equal(one.msgRequest, "new\r\n");
});

test("http api: unknown paths and indexes are 404, wrong methods 405, JSON errors", async () => {
  await using s = await served();
  await sendMail(s.server.port, "one\r\n");
  const base = `http://127.0.0.1:${s.api.port}`;
  for (
    const path of [
      "/",
      "/api",
      "/api/messages/",
      "/api/messagesx",
      "/api/messages/1",
      "/api/messages/1/raw",
      "/api/messages/-1",
      "/api/messages/x",
      "/api/messages/99999999999999999999999",
      "/api/messages/0/raw/x",
      "/api/messages/0/json",
    ]
  ) {
    const [status, body] = await getJson(base + path) as [number, Json];
    assert.equal(status, 404, path);
    assert.equal(typeof body.error, "string", path);
  }
  for (
    const [method, path, allow] of [
      ["POST", "/api/messages", "GET, HEAD, DELETE"],
      ["PUT", "/api/messages", "GET, HEAD, DELETE"],
      ["DELETE", "/api/messages/0", "GET, HEAD"],
      ["POST", "/api/messages/0/raw", "GET, HEAD"],
    ]
  ) {
    const res = await fetch(base + path, { method, body: method === "DELETE" ? undefined : "x" });
    assert.equal(res.status, 405, `${method} ${path}`);
    assert.equal(res.headers.get("allow"), allow);
    assert.equal(typeof (await res.json()).error, "string");
  }
  assert.equal(s.server.messages().length, 1, "nothing was deleted");
});

test("http api: a bad wait or timeout is 400", async () => {
  await using s = await served();
  for (
    const query of [
      "wait=",
      "wait=x",
      "wait=-1",
      "wait=1.5",
      "wait=1e3",
      "wait=+1",
      "wait=99999999999999999999",
      "wait=1&timeout=x",
      "wait=1&timeout=-5",
      "wait=1&timeout=",
      "wait=1&timeout=2147483648",
    ]
  ) {
    const [status, body] = await getJson(`${s.api.url}?${query}`) as [number, Json];
    assert.equal(status, 400, query);
    assert.equal(typeof body.error, "string", query);
  }
});

test("http api: garbage, a hung-up waiter and a throwing toJson do not stop it", async () => {
  const server = await SmtpmockServer.start();
  let throwing = false;
  const api = await startHttpApi({
    server,
    toJson: (m, i) => {
      if (throwing) throw new Error("boom");
      return smtpmockJson(m, i);
    },
    raw: smtpmockRaw,
  });
  try {
    const c = await RawClient.connect(api.port);
    await c.send("NOT HTTP AT ALL\r\n\r\n");
    await c.closed();
    const waiter = net.connect(api.port, "127.0.0.1");
    await new Promise((r) => waiter.once("connect", r));
    waiter.write(`GET /api/messages?wait=5&timeout=60000 HTTP/1.1\r\nHost: x\r\n\r\n`);
    waiter.destroy();
    await sendMail(server.port, "one\r\n");
    throwing = true;
    const [status, body] = await getJson(api.url) as [number, Json];
    assert.equal(status, 500);
    assert.match(body.error as string, /boom/);
    throwing = false;
    assert.equal((await getJson(api.url))[0], 200);
  } finally {
    await api.close();
    await server.stop({ force: true });
  }
});

test("http api: close() answers pending waits 503, then refuses connections", async () => {
  const server = await SmtpmockServer.start();
  const api = await startHttpApi({ server, toJson: smtpmockJson, raw: smtpmockRaw });
  try {
    const waiting = getJson(`${api.url}?wait=1&timeout=60000`);
    // An answered request proves the server has read the earlier one too.
    assert.equal((await getJson(api.url))[0], 200);
    await api.close();
    const [status] = await waiting;
    assert.equal(status, 503);
    await assert.rejects(fetch(api.url));
    await api.close(); // twice is fine
  } finally {
    await server.stop({ force: true });
  }
});

test("http api: an address in use rejects with ListenError; IPv6 and the url", async () => {
  await using s = await served();
  await assert.rejects(
    startHttpApi({ server: s.server, port: s.api.port, toJson: smtpmockJson, raw: smtpmockRaw }),
    (e) =>
      e instanceof ListenError && /address already in use/.test(e.message) &&
      e.code === "EADDRINUSE",
  );
  assert.equal(s.api.hostname, "127.0.0.1");
  assert.equal(s.api.url, `http://127.0.0.1:${s.api.port}/api/messages`);
  await using v6 = await startHttpApi({
    server: s.server,
    host: "::1",
    toJson: smtpmockJson,
    raw: smtpmockRaw,
  });
  assert.equal(v6.url, `http://[::1]:${v6.port}/api/messages`);
  assert.deepEqual(await getJson(v6.url), [200, []]);
});

test("http api: a listen error carries an errno name, the same on every runtime", async () => {
  await using s = await served();
  // A port out of range: Node's own codes here differ by runtime (ERR_SOCKET_BAD_PORT on Deno,
  // ERR_OUT_OF_RANGE on Bun) and are no errno names.
  await assert.rejects(
    startHttpApi({ server: s.server, port: 70000, toJson: smtpmockJson, raw: smtpmockRaw }),
    (e) => e instanceof ListenError && e.code === "EUNKNOWN",
  );
});

// ------------------------------------------------------------------ CLI

/** Runs `python3 -c code args…` to the end. */
function python(code: string, ...args: string[]): Promise<{ code: number; out: string }> {
  const child = spawn("python3", ["-c", code, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  child.stdout.on("data", (d) => out += d.toString());
  child.stderr.on("data", (d) => err += d.toString());
  return new Promise((resolve) =>
    child.on("close", (c) => resolve({ code: c ?? 1, out: out + err }))
  );
}

const SEND = `
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]))
s.sendmail("app@example.com", ["user@example.com"], b"Subject: Welcome\\r\\n\\r\\nHello!\\r\\n")
s.quit()
`;

const READ = `
import json, sys, urllib.request
[m] = json.load(urllib.request.urlopen(sys.argv[1] + "?wait=1&timeout=10000"))
print(m["from"], ",".join(m["to"]), m["msgRequest"].splitlines()[0], m["isConsistent"])
`;

const API_LINE = /HTTP API listening on (http:\/\/\S+\/api\/messages)\n/;

test("smtpmock -httpApi: Python sends, fetch and Python's urllib read, DELETE purges", async () => {
  const cli = await startSmtpmockCli(["-httpApi=127.0.0.1:0"]);
  try {
    const url = (await cli.waitStdout(API_LINE))[1];
    assert.match(
      cli.stdout,
      /^INFO: \S+ \S+ SMTP mock server started on port: \d+\nINFO: \d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}\.\d{6} HTTP API listening on http:\/\/127\.0\.0\.1:\d+\/api\/messages\n$/,
    );
    const sent = await python(SEND, String(cli.port));
    assert.equal(sent.code, 0, sent.out);
    const [status, list] = await getJson(`${url}?wait=1&timeout=10000`) as [number, Json[]];
    assert.equal(status, 200);
    assert.equal(list[0].from, "app@example.com");
    assert.equal(list[0].msgRequest, "Subject: Welcome\r\n\r\nHello!\r\n");
    const read = await python(READ, url);
    assert.equal(read.code, 0, read.out);
    assert.equal(read.out, "app@example.com user@example.com Subject: Welcome True\n");
    const raw = await fetch(`${url}/0/raw`);
    assert.equal(await raw.text(), "Subject: Welcome\r\n\r\nHello!\r\n");
    assert.equal((await fetch(url, { method: "DELETE" })).status, 204);
    assert.deepEqual(await getJson(url), [200, []]);
    cli.kill("SIGTERM");
    assert.equal(await cli.exited, 0);
    assert.equal(cli.stderr, "");
  } finally {
    cli.kill("SIGKILL");
    await cli.exited;
  }
});

test("smtpmock -httpApi: PORT, :PORT and [IPv6]:PORT; the line follows -log's start line", async () => {
  const cases: Array<[string[], RegExp]> = [
    [["-httpApi=0"], /^http:\/\/127\.0\.0\.1:\d+\/api\/messages$/],
    [["-httpApi=:0"], /^http:\/\/127\.0\.0\.1:\d+\/api\/messages$/],
    [["-httpApi=[::1]:0"], /^http:\/\/\[::1\]:\d+\/api\/messages$/],
    [["-log", "-httpApi", "0"], /^http:\/\/127\.0\.0\.1:\d+\/api\/messages$/],
  ];
  await Promise.all(cases.map(async ([flags, shape]) => {
    const cli = await startSmtpmockCli(flags);
    try {
      const url = (await cli.waitStdout(API_LINE))[1];
      assert.match(url, shape);
      assert.match(cli.stdout, /SMTP mock server started on port: \d+\n[^\n]*HTTP API listening/);
      assert.deepEqual(await getJson(url), [200, []]);
    } finally {
      cli.kill("SIGKILL");
      await cli.exited;
    }
  }));
});

test("smtpmock -httpApi: a bad value is Go's invalid value error and usage, exit 2", async () => {
  const bad = [
    "x",
    "",
    "127.0.0.1",
    "host:",
    "1:2:3",
    "::1:80",
    "[::1]",
    ":65536",
    "localhost:http",
  ];
  await Promise.all(bad.map(async (v) => {
    const r = await runCliToEnd(["smtpmock", `-httpApi=${v}`]);
    assert.equal(r.code, 2, v);
    assert.equal(r.stdout, "");
    assert.match(
      r.stderr,
      new RegExp(
        `^invalid value "${
          v.replace(/[[\]]/g, "\\$&")
        }" for flag -httpApi: .+\nUsage of smtpmock:\n`,
      ),
    );
  }));
  // As in Go, the check runs while parsing: a later -h is never reached.
  const early = await runCliToEnd(["smtpmock", "-httpApi=x", "-h"]);
  assert.equal(early.code, 2);
  const help = await runCliToEnd(["smtpmock", "-h"]);
  assert.equal(help.code, 0);
  assert.match(
    help.stderr,
    /\n {2}-host string\n.*\n {2}-httpApi HOST:PORT\n {4}\t.*\n {2}-lint\n/,
  );
});

test("smtpmock -httpApi: a port in use is reported on stderr, exit 1", async () => {
  const taken = net.createServer();
  await new Promise<void>((r) => taken.listen(0, "127.0.0.1", r));
  const { port } = taken.address() as net.AddressInfo;
  try {
    const r = await runCliToEnd(["smtpmock", `-httpApi=${port}`]);
    assert.equal(r.code, 1);
    assert.equal(r.stdout, "");
    assert.match(
      r.stderr,
      new RegExp(
        `^\\d{4}/\\d{2}/\\d{2} \\d{2}:\\d{2}:\\d{2} Failed to start HTTP API on 127\\.0\\.0\\.1:${port}: address already in use\\n$`,
      ),
    );
  } finally {
    await new Promise((r) => taken.close(r));
  }
});
