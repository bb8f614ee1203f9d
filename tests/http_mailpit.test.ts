// The Mailpit-shaped HTTP API (src/http/mailpit.ts) over a capture store fed by a real SMTP
// server: status codes and error bodies, server-side waits (woken by the arrival, 408 on the
// injected clock's timeout), Server-Sent Events, the events websocket, isolation by query,
// malformed MIME, the OpenAPI document against the routes, and the clones' flags end to end.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { MockmtaServer } from "../src/api/mockmta.ts";
import { CaptureStore } from "../src/capture/store.ts";
import { mailpitApp } from "../src/http/app.ts";
import { type MailpitApiOptions, startMailpitApi } from "../src/http/mailpit.ts";
import { openApiDocument } from "../src/http/openapi.ts";
import { CaptureSink } from "../src/sinks/capture.ts";
import { Transcript } from "../src/smtp/transcript.ts";
import { freePort, runCli, runCliToEnd } from "./helpers/cli.ts";
import { FakeClock } from "./helpers/fake_clock.ts";
import { RawClient } from "./helpers/raw_client.ts";
import { sendMail } from "./helpers/send_mail.ts";

const te = new TextEncoder();

/** A mockmta capturing into a store on a fake clock, and the API over it. */
async function served(extra: Partial<MailpitApiOptions> = {}) {
  const clock = new FakeClock();
  const store = new CaptureStore({ clock });
  const server = await MockmtaServer.start({ sink: new CaptureSink(store) });
  const api = await startMailpitApi({ store, ...extra });
  return {
    clock,
    store,
    server,
    api,
    get: (p: string) => fetch(api.url + p),
    async [Symbol.asyncDispose]() {
      await api.close();
      await server.stop({ force: true });
    },
  };
}

/** One message over a real SMTP session; `data` is the DATA content, CRLF lines, no final dot. */
const sendRaw = (port: number, data: string | Uint8Array, to = "b@example.com") =>
  sendMail(port, typeof data === "string" ? data + "\r\n" : new Uint8Array([...data, 13, 10]), {
    to,
  });

const mail = (subject: string, body = "hello") =>
  `From: a@example.com\r\nTo: b@example.com\r\nSubject: ${subject}\r\n\r\n${body}`;

test("http mailpit: status codes and plain-text errors as Mailpit's", async () => {
  await using s = await served();
  await sendRaw(s.server.port, mail("one"));
  const id = s.store.list()[0].id;
  const cases: [string, number, RegExp][] = [
    ["/api/v1/message/NoSuchIdNoSuchIdNoSuch", 404, /^Not found$/],
    ["/api/v1/message/latest?query=subject:nothing", 404, /Message not found/],
    [`/api/v1/message/${id}/part/9`, 404, /^Not found$/],
    ["/api/v1/search", 400, /^Error: no search query$/],
    ["/api/v1/search?query=%20", 400, /no search query/],
    ["/api/v1/messages?wait=x", 400, /wait must be/],
    ["/api/v1/messages?wait=1&timeout=2147483648", 400, /timeout must be/],
    ["/api/v1/nothing", 404, /^Not found$/],
    ["/view/nothing", 404, /^Not found$/],
    [`/view/${id}.html`, 404, /^Not found$/], // no HTML part
    ["/api/v1/ca.pem", 404, /no throwaway CA/],
    [`/api/v1/message/${id}/part/1/thumb`, 501, /Not implemented by mocksmtp/],
  ];
  for (const [p, status, body] of cases) {
    const res = await s.get(p);
    assert.equal(res.status, status, p);
    assert.match(res.headers.get("content-type") ?? "", /^text\/plain/, p);
    assert.match(await res.text(), body, p);
  }
  const ok = await s.get(`/api/v1/message/${id}`);
  assert.equal(ok.status, 200);
  assert.match(ok.headers.get("content-type") ?? "", /^application\/json/);
  assert.equal((await ok.json()).Subject, "one");
  assert.equal(s.store.get(id)!.read, true, "fetching a message marks it read");
  const del = await fetch(`${s.api.url}/api/v1/messages`, { method: "DELETE", body: "junk" });
  assert.deepEqual([del.status, await del.text()], [200, "ok"]);
  assert.equal(s.store.list().length, 0, "a body that is no JSON deletes all, as Mailpit");
  const big = await fetch(`${s.api.url}/api/v1/messages`, {
    method: "PUT",
    body: JSON.stringify({ IDs: ["x".repeat(2 * 1024 * 1024)] }),
  });
  assert.deepEqual([big.status, await big.text()], [413, "request body too large"]);
  const chunk = te.encode(" ".repeat(64 * 1024));
  let sent = 0;
  const streamed = await fetch(`${s.api.url}/api/v1/messages`, {
    method: "PUT",
    body: new ReadableStream({
      pull(controller) {
        if ((sent += chunk.length) > 2 * 1024 * 1024) controller.close();
        else controller.enqueue(chunk);
      },
    }),
    duplex: "half",
  } as RequestInit);
  assert.equal(streamed.status, 413, "a body without a length is cut at the limit too");
  await streamed.body?.cancel();
  assert.equal((await s.get("/livez")).status, 200);
  assert.equal((await s.get("/readyz")).status, 200);
});

test("http mailpit: ?wait=N answers on the arrival itself, 408 with the matches on timeout", async () => {
  await using s = await served();
  await sendRaw(s.server.port, mail("other"));
  let settled = false;
  const waiting = s.get("/api/v1/search?query=subject:wanted&wait=1&timeout=60000")
    .finally(() => settled = true);
  await s.clock.timerSet(60000); // the wait is pending in the store
  assert.equal(settled, false);
  await sendRaw(s.server.port, mail("wanted"));
  const res = await waiting;
  assert.equal(res.status, 200);
  const body = await res.json();
  assert.equal(body.messages_count, 1);
  assert.equal(body.messages[0].Subject, "wanted");

  // Two wanted, one there: the timeout (on the server's clock) answers 408 with that one.
  const timedOut = s.get("/api/v1/search?query=subject:wanted&wait=2&timeout=5000");
  await s.clock.timerSet(5000);
  s.clock.advance(5000);
  const late = await timedOut;
  assert.equal(late.status, 408);
  assert.deepEqual((await late.json()).messages.map((m: { Subject: string }) => m.Subject), [
    "wanted",
  ]);

  // latest with a query and wait=1: woken by the arrival, or 408.
  const latest = s.get("/api/v1/message/latest?query=subject:third&wait=1&timeout=60000");
  await s.clock.timerSet(60000);
  await sendRaw(s.server.port, mail("third"));
  const third = await latest;
  assert.equal(third.status, 200);
  assert.equal((await third.json()).Subject, "third");
  const none = s.get("/api/v1/message/latest?query=subject:never&wait=1&timeout=100");
  await s.clock.timerSet(100);
  s.clock.advance(100);
  assert.equal((await none).status, 408);
  assert.equal(s.store.pendingWaits, 0, "no wait left behind");
});

test("http mailpit: close() answers a pending wait 503", async () => {
  const s = await served();
  try {
    const waiting = s.get("/api/v1/messages?wait=1&timeout=60000");
    await s.clock.timerSet(60000);
    await s.api.close();
    assert.equal((await waiting).status, 503);
    await assert.rejects(s.get("/livez"));
  } finally {
    await s.server.stop({ force: true });
  }
});

test("http mailpit: isolation by query: lists, waits and deletes see only their tag", async () => {
  await using s = await served();
  await sendRaw(s.server.port, mail("for a"), "user+runA@example.com");
  const waitB = s.get("/api/v1/messages?query=tag:runB&wait=1&timeout=60000");
  await s.clock.timerSet(60000);
  await sendRaw(s.server.port, mail("for a too"), "user+runA@example.com");
  await sendRaw(s.server.port, mail("for b"), "user+runB@example.com");
  const b = await (await waitB).json();
  assert.deepEqual(b.messages.map((m: { Subject: string }) => m.Subject), ["for b"]);
  assert.equal(b.messages_count, 1);
  assert.equal(b.total, 3);
  const del = await fetch(`${s.api.url}/api/v1/messages?query=tag:runA`, { method: "DELETE" });
  assert.equal(del.status, 200);
  assert.deepEqual(s.store.list().map((m) => m.summary.subject), ["for b"]);
});

/** Reads server-sent events from a response body until `count` `data:` lines have come. */
async function readEvents(res: Response, count: number): Promise<unknown[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let text = "";
  const events: unknown[] = [];
  while (events.length < count) {
    const { value, done } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
    let end;
    while ((end = text.indexOf("\n\n")) >= 0) {
      const block = text.slice(0, end);
      text = text.slice(end + 2);
      const data = block.split("\n").find((l) => l.startsWith("data: "));
      if (data) events.push(JSON.parse(data.slice(6)));
    }
  }
  await reader.cancel();
  return events;
}

test("http mailpit: /api/v1/events streams arrivals matching its query (SSE)", async () => {
  await using s = await served();
  const res = await s.get("/api/v1/events?query=subject:target");
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/event-stream/);
  const events = readEvents(res, 1);
  await sendRaw(s.server.port, mail("other"));
  await sendRaw(s.server.port, mail("target"));
  const [event] = await events as { Subject: string; MailFrom: string }[];
  assert.equal(event.Subject, "target");
  assert.equal(event.MailFrom, "a@example.com");
});

test("http mailpit: the /api/events websocket sends Mailpit's new and stats events", async () => {
  await using s = await served();
  const ws = new WebSocket(s.api.url.replace("http:", "ws:") + "/api/events");
  const frames: { Type: string; Data: Record<string, unknown> }[] = [];
  const two = new Promise<void>((resolve, reject) => {
    ws.onmessage = (e) => {
      frames.push(JSON.parse(String(e.data)));
      if (frames.length === 2) resolve();
    };
    ws.onerror = () => reject(new Error("websocket error"));
  });
  await new Promise((resolve) => ws.onopen = resolve);
  await sendRaw(s.server.port, mail("live"));
  await two;
  assert.equal(frames[0].Type, "new");
  assert.equal(frames[0].Data.Subject, "live");
  assert.deepEqual([frames[1].Type, frames[1].Data.Total], ["stats", 1]);
  const closed = new Promise((resolve) => ws.onclose = resolve);
  ws.close();
  await closed;
});

test("http mailpit: malformed MIME never breaks a listing; raw is always the bytes sent", async () => {
  await using s = await served();
  const bodies: Uint8Array[] = [
    te.encode(
      "Subject: bad base64\r\nContent-Type: text/plain\r\nContent-Transfer-Encoding: base64\r\n" +
        "\r\n@@@not base64!!!\r\n",
    ),
    te.encode(
      'Subject: no boundary\r\nContent-Type: multipart/mixed; boundary="zzz"\r\n\r\n' +
        "--yyy\r\nContent-Type: text/plain\r\n\r\norphan\r\n",
    ),
    new Uint8Array([
      ...te.encode("Subject: 8bit \xff\xfe junk\r\n\r\n"),
      0xff,
      0x80,
      0xc3,
      0x0d,
      0x0a,
    ]),
    te.encode(`Subject: huge\r\nX-Huge: ${"h".repeat(200_000)}\r\n\r\nbody`),
    te.encode("no header at all, just text"),
  ];
  for (const b of bodies) await sendRaw(s.server.port, b);
  const res = await s.get("/api/v1/messages");
  assert.equal(res.status, 200);
  const list = await res.json();
  assert.equal(list.messages.length, bodies.length);
  for (const item of list.messages as { ID: string }[]) {
    const stored = s.store.get(item.ID)!;
    const raw = await s.get(`/api/v1/message/${item.ID}/raw`);
    assert.equal(raw.status, 200);
    assert.deepEqual(new Uint8Array(await raw.arrayBuffer()), new Uint8Array(stored.message.data));
    for (const p of ["", "/headers"]) {
      assert.equal((await s.get(`/api/v1/message/${item.ID}${p}`)).status, 200, p);
    }
  }
  // The bytes sent, with the line end before the final dot (part of the content).
  const sent = bodies.map((b) => b.length + 2);
  assert.deepEqual(s.store.list().map((m) => m.size).reverse(), sent);
});

test("http mailpit: the OpenAPI document and the routes match, both ways", async () => {
  await using s = await served({ info: { caPem: "-----BEGIN CERTIFICATE-----\n" } });
  await sendRaw(
    s.server.port,
    'Subject: doc\r\nContent-Type: multipart/mixed; boundary="b"\r\n\r\n--b\r\n' +
      "Content-Type: text/html\r\n\r\n<p>hi</p>\r\n--b\r\nContent-Type: text/plain\r\n" +
      'Content-Disposition: attachment; filename="a.txt"\r\n\r\nfile\r\n--b--',
    "x+t@example.com",
  );
  const id = s.store.list()[0].id;
  const doc = await (await s.get("/api/v1/swagger.json")).json();
  assert.deepEqual(doc, JSON.parse(JSON.stringify(openApiDocument())));
  const paths = doc.paths as Record<string, Record<string, unknown>>;
  const ca = await s.get("/api/v1/ca.pem");
  assert.equal(await ca.text(), "-----BEGIN CERTIFICATE-----\n");

  // Every documented operation answers as documented (a status it lists), never 404/405;
  // deletes last, as they take the message away.
  const operations = Object.entries(paths).flatMap(([template, ops]) =>
    Object.entries(ops).map(([method, op]) => [template, method, op] as const)
  ).sort((a, b) => Number(a[1] === "delete") - Number(b[1] === "delete"));
  for (const [template, method, op] of operations) {
    const url = template.replace("{ID}", id).replace("{PartID}", "2").replace("{Tag}", "t");
    {
      const documented = Object.keys((op as { responses: object }).responses).map(Number);
      if (template === "/api/events") continue; // a websocket, tested above
      const init: RequestInit = { method: method.toUpperCase() };
      if (method !== "get") init.body = "{}";
      const res = await fetch(s.api.url + url + (url.endsWith("search") ? "?query=doc" : ""), init);
      if (template === "/api/v1/events") await res.body?.cancel();
      else await res.arrayBuffer();
      assert.ok(documented.includes(res.status), `${method} ${url}: ${res.status}`);
    }
  }

  // Every route is documented (hono's :param is OpenAPI's {Param}).
  const documented = new Set(
    Object.entries(paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m} ${p}`)),
  );
  const app = mailpitApp({ store: s.store });
  app.shutdown();
  const names: Record<string, string> = { id: "ID", part: "PartID", tag: "Tag" };
  for (const { method, path: route } of app.routes) {
    if (route === "*" || route === "/*" || method === "ALL") continue; // the UI's fallback
    const p = route.replace(/:(\w+)/g, (_, n) => `{${names[n] ?? n}}`);
    const expanded = p === "/view/{file}"
      ? ["/view/{ID}.html", "/view/{ID}.txt", "/view/{ID}.raw"]
      : [p];
    for (const e of expanded) {
      assert.ok(documented.has(`${method.toLowerCase()} ${e}`), `${method} ${e} is documented`);
    }
  }
});

// ------------------------------------------------------------------ the clones' flags

const API_LINE = /HTTP API listening on (http:\/\/\S+)/;

const SEND = (port: number) => {
  const c = RawClient.connect(port);
  return c.then(async (client) => {
    client.close();
    await sendRaw(port, "Subject: via cli\r\n\r\nhello", "cli+e2e@example.com");
  });
};

test("mockmta --http-api: the daemon serves the Mailpit API beside its mailbox", async () => {
  const dir = await mkdtemp(path.join(tmpdir(), "mocksmtp-http-"));
  const mbox = path.join(dir, "mbox");
  const port = await freePort();
  const cli = runCli([
    "mockmta",
    "-f",
    "-p",
    String(port),
    "--http-api=127.0.0.1:0",
    "--fault=rcpt:*@refused.example => 550 5.1.1 No",
    mbox,
  ]);
  try {
    const url = (await cli.waitStderr(API_LINE))[1];
    await SEND(port);
    const list = await (await fetch(`${url}/api/v1/search?query=tag:e2e&wait=1`)).json();
    assert.equal(list.messages_count, 1);
    assert.equal(list.messages[0].Subject, "via cli");
    assert.match(await readFile(mbox, "latin1"), /Subject: via cli/);
    // The clone's fault rules are on the same server.
    const faults = await (await fetch(`${url}/api/v1/faults`)).json();
    assert.equal(faults.Rules.length, 1);
  } finally {
    cli.kill("SIGTERM");
    assert.equal(await cli.exited, 0);
    await rm(dir, { recursive: true, force: true });
  }
  const inetd = await runCliToEnd(["mockmta", "--http-api=0", "/dev/null"]);
  assert.deepEqual(
    [inetd.code, inetd.stderr],
    [3, "mockmta: --http-api needs daemon mode (-d or -f)\n"],
  );
  const bad = await runCliToEnd(["mockmta", "-f", "--http-api=nope", "/dev/null"]);
  assert.deepEqual([bad.code, bad.stderr], [3, "mockmta: invalid --http-api address: nope\n"]);
});

test("msmtpd --http-api: the daemon serves the Mailpit API; --h still means --help", async () => {
  const port = await freePort();
  const cli = runCli(["msmtpd", `--port=${port}`, "--command=cat >/dev/null; :", "--http-api=0"]);
  try {
    const url = (await cli.waitStderr(API_LINE))[1];
    await SEND(port);
    const m = await (await fetch(`${url}/api/v1/message/latest?query=tag:e2e&wait=1`)).json();
    assert.equal(m.Subject, "via cli");
    assert.deepEqual(m.RcptTo, ["cli+e2e@example.com"]);
  } finally {
    cli.kill("SIGTERM");
    assert.equal(await cli.exited, 0);
  }
  const help = await runCliToEnd(["msmtpd", "--h"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--http-api=\[ip:\]port/);
  const inetd = await runCliToEnd(["msmtpd", "--inetd", "--http-api=0"]);
  assert.deepEqual(
    [inetd.code, inetd.stderr],
    [3, "msmtpd: --http-api needs daemon mode (not --inetd)\n"],
  );
});

test("smtpmock -httpApi: /api/messages as before and the Mailpit API on the same port", async () => {
  const cli = runCli(["smtpmock", "-httpApi=127.0.0.1:0"]);
  try {
    const port = Number((await cli.waitStdout(/started on port: (\d+)/))[1]);
    const legacy = (await cli.waitStdout(/HTTP API listening on (http:\/\/\S+)\/api\/messages/))[1];
    await sendRaw(port, "Subject: via cli\r\n\r\nhello", "cli+e2e@example.com");
    const [old] = await (await fetch(`${legacy}/api/messages?wait=1`)).json();
    assert.equal(old.msgRequest, "Subject: via cli\r\n\r\nhello\r\n");
    const list = await (await fetch(`${legacy}/api/v1/search?query=tag:e2e&wait=1`)).json();
    assert.equal(list.messages[0].Subject, "via cli");
  } finally {
    cli.kill("SIGTERM");
    await cli.exited;
  }
});

test("http mailpit: a stored transcript and lint findings are the message's fields", async () => {
  await using s = await served();
  const transcript = new Transcript();
  transcript.command(te.encode("EHLO client.example\r\n"));
  transcript.reply({ code: 250, lines: ["ok"] }, "250 ok");
  const finding = { id: "missing-date", severity: "warning", rfc: "RFC 5322 3.6" };
  const stored = await s.store.add({
    from: "a@example.com",
    to: ["b@example.com"],
    data: te.encode("Subject: with extras\r\n\r\nhi\r\n"),
    helo: "client.example",
    remoteAddress: { hostname: "192.0.2.7", port: 4321 },
    localAddress: { hostname: "127.0.0.1", port: 25 },
    receivedAt: new Date(),
    tlsSession: { version: "TLSv1.3", cipher: "TLS_AES_128_GCM_SHA256", servername: "mx.test" },
    authUser: "alice",
  }, { transcript, lint: [finding] });
  const m = await (await s.get(`/api/v1/message/${stored.id}`)).json();
  assert.deepEqual(m.Transcript, ["C: EHLO client.example", "S: 250 ok"]);
  assert.deepEqual(m.Lint, [finding]);
  assert.equal(m.Username, "alice");
  assert.deepEqual(
    [m.Session.ClientAddress, m.Session.ClientPort, m.Session.Helo, m.Session.AuthUser],
    ["192.0.2.7", 4321, "client.example", "alice"],
  );
  assert.deepEqual(m.Session.TLS, {
    Version: "TLSv1.3",
    Cipher: "TLS_AES_128_GCM_SHA256",
    ServerName: "mx.test",
  });
  const bare = await s.store.add({ ...s.store.get(stored.id)!.message, authUser: undefined });
  const plain = await (await s.get(`/api/v1/message/${bare.id}`)).json();
  assert.equal("Transcript" in plain || "Lint" in plain, false, "absent when not kept");
  const listed = await (await s.get("/api/v1/search?query=auth:alice")).json();
  assert.deepEqual(listed.messages.map((x: { ID: string }) => x.ID), [stored.id]);
});
