/**
 * CPU per message of serve's capture path alone: a record built as the esmtp session builds
 * it (its body an exact-size copy, as the DATA reader hands it over) and delivered into a
 * {@link CaptureStore} made as serve makes it (lazy, `--max=20000`), through serve's own
 * delivery when its checkout exports one. Retention counts: past 20,000 every arrival evicts,
 * and what is kept is what the collector walks.
 *
 *   deno run -A scripts/bench/capture_add_cpu.ts [MESSAGES]
 *   bun scripts/bench/capture_add_cpu.ts [MESSAGES]
 *
 * `ROOT=/work/wt/other` runs another checkout's `src/` with this script (before/after in the
 * same minutes). `process.cpuUsage()` microseconds, which other processes move far less than
 * wall-clock time.
 */
import process from "node:process";
import type { ReceivedMessage } from "../../src/smtp/message.ts";
import type * as StoreModule from "../../src/capture/store.ts";
import type { BodyStore } from "../../src/smtp/framing.ts";
import type * as TransactionModule from "../../src/smtp/esmtp/transaction.ts";

const root = process.env.ROOT
  ? `file://${process.env.ROOT.replace(/\/$/, "")}/src/`
  : new URL("../../src/", import.meta.url).href;
const { CaptureStore } = await import(`${root}capture/store.ts`) as typeof StoreModule;
const { buildRecord } = await import(
  `${root}smtp/esmtp/transaction.ts`
) as typeof TransactionModule;
const serveModule = await import(`${root}api/serve.ts`);
const { NO_PARAMS } = await import(`${root}smtp/message.ts`);

const messages = Number(process.argv[2] ?? 60000);
const encoder = new TextEncoder();
const text = "From: <a@example.com>\r\nTo: <b@example.com>\r\n" +
  "Date: Tue,  1 Dec 2026 17:40:24 +0000 (UTC)\r\n" +
  "Message-Id: <6975.0003.0000@bench.example.com>\r\n\r\n" +
  Array.from({ length: 11 }, (_, i) => `${i}${"X".repeat(77)}\r\n`).join("");
/** The reader's buffer the body is a view of, as after a read. */
const chunk = encoder.encode(`DATA\r\n${text}.\r\n`);
const bodyStart = 6, bodyEnd = 6 + text.length;

const store = new CaptureStore({ max: 20000, parseOnArrival: false });
const backend = { store, sinks: { list: [] }, linter: null };
const deliver: (m: ReceivedMessage) => unknown = serveModule.storeDelivery
  ? serveModule.storeDelivery(() => backend, () => Promise.resolve(backend))
  : async (message: ReceivedMessage) => {
    const stored = await store.add(message, {});
    return { ok: true, id: stored.id };
  };
/** The body as the checkout's DATA path hands it on: into its store's body when it offers one. */
const dataBody = (store as { dataBody?: (max: number) => BodyStore }).dataBody?.bind(store);
const body = (): Uint8Array => {
  const b = dataBody?.(64 * 1024 * 1024);
  if (!b) return chunk.slice(bodyStart, bodyEnd);
  b.push(chunk.subarray(bodyStart, bodyEnd));
  return b.bytes();
};
const address = { hostname: "127.0.0.1", port: 2525 };
const startedAt = new Date();

async function one(session: number): Promise<void> {
  // A session's own strings, as a dialect slices them from its command lines.
  const line = `x MAIL FROM:<a@example.com>`;
  const tx = {
    from: line.slice(12, 25),
    mail: { params: NO_PARAMS, smtpUtf8: false },
    to: [`RCPT TO:<b@example.com>`.slice(9, 22)],
    rcptParams: [NO_PARAMS],
    chunks: null,
  };
  const record = buildRecord(
    tx as unknown as TransactionModule.Transaction,
    body(),
    "DATA",
    {
      sessionId: session,
      helo: "EHLO bench.example.com".slice(5),
      heloVerb: "EHLO",
      remoteAddress: { hostname: "127.0.0.1", port: 40000 + (session % 20000) },
      localAddress: address,
      sessionStartedAt: startedAt,
      tls: false,
    },
    new Date(),
  );
  await deliver(record);
}

for (let i = 0; i < 25000; i++) await one(i); // warm-up, and the store full
const start = process.cpuUsage();
for (let i = 0; i < messages; i++) await one(i);
const used = process.cpuUsage(start);
console.log(
  `${((used.user + used.system) / messages).toFixed(2)} µs CPU per message (${messages}, ` +
    `${store.size} stored)${process.env.ROOT ? `, ${process.env.ROOT}` : ""}`,
);
