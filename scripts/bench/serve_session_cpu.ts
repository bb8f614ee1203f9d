/**
 * CPU per serve-like session without sockets or the store: EHLO, MAIL, RCPT, DATA with the
 * 1 KiB message smtp-source sends, QUIT, over an in-memory wire, with serve's attachments
 * (a transcript, fault rules with no rule attached as serve attaches them, lint) and a delivery
 * that answers at once. What it
 * measures is the seam, the esmtp dialect and lint, in `process.cpuUsage()` microseconds, which
 * other processes on the machine move far less than msg/s (docs/benchmarks.md, helper hotpath).
 *
 *   deno run -A scripts/bench/serve_session_cpu.ts [SESSIONS]
 *   bun scripts/bench/serve_session_cpu.ts [SESSIONS]
 *
 * `OFF=transcript,faults,lint` leaves those attachments out (`lint-observer`: no session lint,
 * `lint-findings`: no findings asked of a delivery), to see what each costs per session.
 *
 * `ALONE=none|noop|early` attaches none of these but one observer of its own, to see what the
 * seam costs observed: `noop` has empty `command`, `reply` and `data` methods, `early` only an
 * empty `early` (which has the session read ahead before its greeting); `none` attaches nothing.
 *
 * `PER=k` sends k messages per session (default 1); per connection = the difference of two k.
 * `HELD=1` keeps one more session waiting throughout, as under concurrent load (see below).
 *
 * `STORE=1` delivers into a {@link CaptureStore} made as serve makes it (lazy, `--max=20000`,
 * transcripts per session), the way serve's `deliver` does, so that the capture path shows.
 * `ROOT=/work/wt/other` runs another checkout's modules (its `src/`) with this script, for a
 * before/after comparison in the same minutes.
 */
import process from "node:process";
import type { Conversation, Observer } from "../../src/smtp/conversation.ts";
import type { Wire } from "../../src/smtp/wire.ts";
import type { ReceivedMessage } from "../../src/smtp/message.ts";
import type { DeliveryResult } from "../../src/smtp/message.ts";
import type * as StoreModule from "../../src/capture/store.ts";

const root = process.env.ROOT
  ? `file://${process.env.ROOT.replace(/\/$/, "")}/src/`
  : new URL("../../src/", import.meta.url).href;
const { esmtpEngine } = await import(`${root}smtp/esmtp/engine.ts`);
const { systemClock } = await import(`${root}smtp/clock.ts`);
const { TranscriptStore } = await import(`${root}smtp/transcript.ts`);
const { FaultRules } = await import(`${root}faults/rules.ts`);
const { ENHANCED_CONVENTIONS } = await import(`${root}faults/conventions.ts`);
const { LateFaults } = await import(`${root}faults/session.ts`);
const { Linter } = await import(`${root}lint/linter.ts`);
const { CaptureStore } = await import(`${root}capture/store.ts`) as typeof StoreModule;
const serveModule = await import(`${root}api/serve.ts`);

const sessions = Number(process.argv[2] ?? 30000);
const off = new Set((process.env.OFF ?? "").split(",").filter(Boolean));
for (const name of off) {
  if (!["transcript", "faults", "lint", "lint-observer", "lint-findings"].includes(name)) {
    throw new Error(`OFF: unknown attachment '${name}'`);
  }
}
const empty = (): void => {};
const alone = process.env.ALONE;
const aloneObservers: Record<string, Observer | null> = {
  none: null,
  noop: { command: empty, reply: empty, data: empty },
  early: { early: empty },
};
if (alone !== undefined && !(alone in aloneObservers)) throw new Error(`ALONE: '${alone}'?`);
const withTranscript = alone === undefined && !off.has("transcript");
const withFaults = alone === undefined && !off.has("faults");
const withLintObserver = alone === undefined && !off.has("lint") && !off.has("lint-observer");
const withLintFindings = alone === undefined && !off.has("lint") && !off.has("lint-findings");
const withStore = process.env.STORE === "1";
const encoder = new TextEncoder();
const message = "From: <a@example.com>\r\nTo: <b@example.com>\r\n" +
  "Date: Tue,  1 Dec 2026 17:40:24 +0000 (UTC)\r\n" +
  "Message-Id: <6975.0003.0000@bench.example.com>\r\n\r\n" +
  Array.from({ length: 11 }, (_, i) => `${i}${"X".repeat(77)}\r\n`).join("") + ".\r\n";
/** Messages per session (`PER=k`): with two values of k the cost per connection shows apart. */
const per = Number(process.env.PER ?? 1);
// One read per command, as a client that waits for each reply sends them.
const input = [
  "EHLO bench.example.com\r\n",
  ...Array.from({ length: per }, () => [
    "MAIL FROM:<a@example.com>\r\n",
    "RCPT TO:<b@example.com>\r\n",
    "DATA\r\n",
    message,
  ]).flat(),
  "QUIT\r\n",
].map((s) => encoder.encode(s));

const transcripts = new TranscriptStore(100);
const faults = new LateFaults(ENHANCED_CONVENTIONS);
faults.arrived(new FaultRules());
const linter = new Linter();
let delivered = 0;
const store = new CaptureStore({
  max: 20000,
  clock: systemClock,
  transcriptOf: (id: number) => transcripts.get(id),
  parseOnArrival: false,
});
const backend = { store, sinks: { list: [] }, linter: withLintFindings ? linter : null };
/** Serve's own delivery into the store when its checkout exports it, else the one it had. */
const intoStore: (m: ReceivedMessage) => DeliveryResult | Promise<DeliveryResult> =
  serveModule.storeDelivery
    ? serveModule.storeDelivery(() => backend, () => Promise.resolve(backend))
    : async (message: ReceivedMessage) => {
      const { store, linter } = backend;
      const stored = await store.add(message, linter ? { lint: linter.findings(message) } : {});
      return { ok: true, id: stored.id };
    };
/** Bodies into the store's own storage, as serve has them, when the checkout's store offers it. */
const dataBody = (store as { dataBody?: (max: number) => unknown }).dataBody?.bind(store);
const engine = esmtpEngine({ hostname: "bench" }, {
  now: () => new Date(),
  dataBody: withStore && dataBody ? dataBody : undefined,
  authenticate: () => true,
  attach: (conv: Conversation) => {
    if (withTranscript) transcripts.attach(conv);
    if (withFaults) faults.attach(conv);
    if (withLintObserver) linter.attach(conv);
    const observer = alone === undefined ? null : aloneObservers[alone];
    if (observer) conv.observe({ ...observer });
  },
  deliver: (m: ReceivedMessage) => {
    if (withStore) return (delivered++, intoStore(m));
    if (withLintFindings) linter.findings(m);
    return Promise.resolve({ ok: true, id: String(++delivered) });
  },
});
const address = { hostname: "127.0.0.1", port: 1 };
const never = new AbortController().signal;

async function session(): Promise<void> {
  let next = 0;
  // The first command comes once the greeting was written, as from a client that waits for
  // it: a read answered before would make every session an early talker for lint.
  let greeted!: () => void;
  const greeting = new Promise<void>((resolve) => (greeted = resolve));
  const wire: Wire = {
    read: () =>
      next === 0 ? greeting.then(() => input[next++]) : Promise.resolve(input[next++] ?? null),
    write: () => (greeted(), Promise.resolve()),
    close: () => {},
  };
  await converse(wire);
}

/** One session over `wire`, as the listener starts it. */
function converse(wire: Wire): Promise<void> {
  return engine({
    wire,
    remote: address,
    local: address,
    clock: systemClock,
    log: () => {},
    stopping: never,
    closed: never,
  });
}

/**
 * `HELD=1`: one more session waits for input all along, as one of smtp-source's 50 always does,
 * so the idle watch's shared timer stays armed; otherwise each session here arms and clears it.
 */
let release = (): void => {};
if (process.env.HELD === "1") {
  const input = new Promise<null>((resolve) => release = () => resolve(null));
  converse({ read: () => input, write: () => Promise.resolve(), close: () => {} });
}

for (let i = 0; i < sessions / 6; i++) await session(); // warm-up
const start = process.cpuUsage();
for (let i = 0; i < sessions; i++) await session();
const used = process.cpuUsage(start);
release();
const perSession = (used.user + used.system) / sessions;
console.log(
  `${perSession.toFixed(1)} µs CPU per session (${sessions} sessions, ${delivered} messages)` +
    (off.size ? `, without ${[...off].join(", ")}` : "") + (alone ? `, ALONE=${alone}` : "") +
    (withStore ? ", stored" : "") + (per !== 1 ? `, PER=${per}` : "") +
    (process.env.HELD === "1" ? ", HELD" : "") +
    (process.env.ROOT ? `, ${process.env.ROOT}` : ""),
);
