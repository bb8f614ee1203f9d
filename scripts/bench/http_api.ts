/**
 * The HTTP API with 10,000 stored messages (issue 11's benchmark): list page and search
 * latency, memory per stored message, wake-up latency of a server-side wait after the final
 * `250`, and SMTP throughput while a client polls the list every 100 ms. In-process, one
 * runtime per run:
 *
 *   deno run -A --v8-flags=--expose-gc scripts/bench/http_api.ts
 *   bun run scripts/bench/http_api.ts
 *
 * Prints one Markdown table; numbers are never asserted anywhere.
 */
import net from "node:net";
import process from "node:process";
import { MockmtaServer } from "../../src/api/mockmta.ts";
import { CaptureStore } from "../../src/capture/store.ts";
import { startMailpitApi } from "../../src/http/mailpit.ts";
import { CaptureSink } from "../../src/sinks/capture.ts";

const COUNT = Number(process.env.BENCH_MESSAGES ?? 10_000);
const te = new TextEncoder();
const g = globalThis as { Bun?: { gc(force: boolean): void; version: string }; gc?: () => void };
const runtime = g.Bun ? `bun ${g.Bun.version}` : `deno ${process.versions.deno}`;

function gc(): void {
  if (g.Bun) g.Bun.gc(true);
  else g.gc?.();
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

const ms = (x: number) => `${x.toFixed(2)} ms`;

/** A realistic small mail: text and HTML alternatives, a link and a code (~1.3 KB). */
function mail(i: number, to = `user${i % 50}+run${i % 10}@example.com`): Uint8Array {
  return te.encode(
    `From: App <app@example.com>\r\nTo: ${to}\r\nSubject: msg ${i} welcome\r\n` +
      `Message-ID: <${i}@bench.example>\r\nDate: Tue, 1 Dec 2026 12:00:00 +0000\r\n` +
      `MIME-Version: 1.0\r\nContent-Type: multipart/alternative; boundary="b"\r\n\r\n` +
      `--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n` +
      `Hello ${i}, your code is ${100000 + i}. Verify: https://app.example/v?t=${i}\r\n` +
      `${"Lorem ipsum dolor sit amet. ".repeat(12)}\r\n` +
      `--b\r\nContent-Type: text/html; charset=utf-8\r\n\r\n` +
      `<p>Hello ${i}, <a href="https://app.example/v?t=${i}">verify</a></p>\r\n--b--\r\n`,
  );
}

function record(i: number) {
  return {
    from: "app@example.com",
    to: [`user${i % 50}+run${i % 10}@example.com`],
    data: mail(i),
    helo: "bench",
    remoteAddress: { hostname: "127.0.0.1", port: 1 },
    localAddress: { hostname: "127.0.0.1", port: 2 },
    receivedAt: new Date(),
  };
}

async function timed(url: string, runs: number): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const res = await fetch(url);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${url}: ${res.status}`);
    times.push(performance.now() - t);
  }
  return median(times);
}

/** One SMTP connection that sends messages one after the other; `send` resolves on its 250. */
async function smtpClient(port: number) {
  const socket = net.connect(port, "127.0.0.1");
  await new Promise((r) => socket.once("connect", r));
  let buffer = "";
  let waiting: ((line: string) => void) | null = null;
  socket.on("data", (d) => {
    buffer += d.toString("latin1");
    let end;
    while (waiting && (end = buffer.indexOf("\r\n")) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      if (line[3] === "-") continue;
      const w = waiting;
      waiting = null;
      w(line);
    }
  });
  const reply = () => new Promise<string>((r) => waiting = r);
  const step = async (text: string | Uint8Array) => {
    const answer = reply();
    socket.write(text);
    const line = await answer;
    if (!/^[23]/.test(line)) throw new Error(line);
  };
  const greeting = reply();
  await greeting;
  await step("EHLO bench.example\r\n");
  return {
    async send(data: Uint8Array, to = "user@example.com"): Promise<void> {
      await step("MAIL FROM:<app@example.com>\r\n");
      await step(`RCPT TO:<${to}>\r\n`);
      await step("DATA\r\n");
      await step(new Uint8Array([...data, ...te.encode(".\r\n")]));
    },
    close: () => socket.destroy(),
  };
}

const rows: [string, string][] = [];

// Memory per stored message and list/search latency over COUNT messages.
gc();
const before = process.memoryUsage();
const store = new CaptureStore({ max: COUNT });
let t0 = performance.now();
for (let i = 0; i < COUNT; i++) await store.add(record(i));
const addMs = performance.now() - t0;
gc();
const after = process.memoryUsage();
rows.push([
  `store ${COUNT} messages (parse + summary)`,
  `${(addMs / COUNT).toFixed(3)} ms/message`,
]);
rows.push([
  "memory per stored message (heap / RSS)",
  `${((after.heapUsed - before.heapUsed) / COUNT / 1024).toFixed(2)} KiB / ${
    ((after.rss - before.rss) / COUNT / 1024).toFixed(2)
  } KiB (raw ${mail(5000).length} B)`,
]);
{
  await using api = await startMailpitApi({ store });
  rows.push([
    "GET /api/v1/messages (page of 50)",
    ms(await timed(`${api.url}/api/v1/messages`, 100)),
  ]);
  rows.push([
    "GET /api/v1/messages?start=9950",
    ms(await timed(`${api.url}/api/v1/messages?start=${COUNT - 50}`, 100)),
  ]);
  for (const q of ['subject:"msg 9999 "', "tag:run3", "verify", "to:user7@example.com -tag:run7"]) {
    const url = `${api.url}/api/v1/search?query=${encodeURIComponent(q)}`;
    rows.push([`search \`${q}\``, ms(await timed(url, 50))]);
  }
  rows.push([
    "GET /api/v1/message/{ID} (view cached)",
    ms(await timed(`${api.url}/api/v1/message/latest`, 100)),
  ]);
}

// Wake-up latency: from the client reading its 250 to the waiting HTTP client's answer.
{
  const capture = new CaptureStore();
  await using server = await MockmtaServer.start({ sink: new CaptureSink(capture) });
  await using api = await startMailpitApi({ store: capture });
  const client = await smtpClient(server.port);
  const wakes: number[] = [];
  for (let i = 0; i < 50; i++) {
    let answered = 0;
    const waiting = fetch(`${api.url}/api/v1/search?query=tag:w${i}&wait=1&timeout=10000`)
      .then(async (r) => (await r.arrayBuffer(), answered = performance.now(), r.status));
    while (capture.pendingWaits === 0) await new Promise((r) => setTimeout(r, 1));
    await client.send(mail(i, `x+w${i}@example.com`), `x+w${i}@example.com`);
    const replied = performance.now();
    if ((await waiting) !== 200) throw new Error("wait failed");
    wakes.push(answered - replied);
  }
  client.close();
  rows.push(["wait wake-up after the final 250 (median of 50)", ms(median(wakes))]);
  rows.push(["… worst of 50", ms(Math.max(...wakes))]);
}

// SMTP throughput, alone and while a client lists every 100 ms.
for (const polling of [false, true]) {
  const capture = new CaptureStore({ max: 10_000 });
  for (let i = 0; i < COUNT; i++) await capture.add(record(i));
  await using server = await MockmtaServer.start({ sink: new CaptureSink(capture) });
  await using api = await startMailpitApi({ store: capture });
  let polls = 0;
  let stop = false;
  const poller = (async () => {
    while (polling && !stop) {
      await (await fetch(`${api.url}/api/v1/messages`)).arrayBuffer();
      polls++;
      await new Promise((r) => setTimeout(r, 100));
    }
  })();
  const client = await smtpClient(server.port);
  const n = 2000;
  t0 = performance.now();
  for (let i = 0; i < n; i++) await client.send(mail(i));
  const secs = (performance.now() - t0) / 1000;
  stop = true;
  await poller;
  client.close();
  rows.push([
    `SMTP, one connection, store full (${COUNT})${
      polling ? `, list polled every 100 ms (${polls} polls)` : ""
    }`,
    `${(n / secs).toFixed(0)} msg/s`,
  ]);
}

console.log(`\n${runtime}, ${COUNT} stored messages\n`);
console.log("| figure | value |\n| --- | --- |");
for (const [k, v] of rows) console.log(`| ${k} | ${v} |`);
