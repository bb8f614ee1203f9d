/**
 * Soak/kill test of the mbox sink: a mockmta daemon takes mail from several concurrent clients
 * while it is SIGKILLed and restarted K times — at random moments, and right while the mailbox
 * grows after a large message's final dot (mid-append). At the end Python's `mailbox` reads
 * the mbox: every message acknowledged with 250 must be there once, intact, as its own entry.
 *
 *   deno run -A scripts/soak_mbox.ts [--runtime deno|bun | --bin PATH] [--seed N] [--kills K]
 *       [--clients C] [--large-bytes N] [--time-limit SEC]
 *   (deno task soak; also `bun run scripts/soak_mbox.ts`)
 *
 * Each message carries its id, its body length and the SHA-256 of its body as stored (LF line
 * ends) in its headers, so the check needs nothing but the mailbox. Exits 1 if an acknowledged
 * message is missing, duplicated or damaged, or the server did not serve again after a kill.
 */
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { parseFlags, type Runner } from "./fuzz/flags.ts";
import { Prng } from "./fuzz/prng.ts";
import {
  connectWhenUp,
  Dialogue,
  freePort,
  memoryKiB,
  Proc,
  pythonJson,
  runtimeCommand,
  sleep,
} from "./fuzz/servers.ts";

export interface SoakOptions extends Runner {
  seed: number;
  kills: number;
  clients: number;
  /** Size of the large messages (one in eight), which the mid-append kills aim at. */
  largeBytes: number;
  timeLimitS: number;
  log?: (line: string) => void;
}

export interface SoakResult {
  kills: number;
  /** Kills sent the moment the mailbox began to grow after a large message's final dot. */
  midAppend: number;
  /** Kills after which the mailbox was still found larger than just before: a write in flight. */
  writeInFlight: number;
  /** Restarts after which the server acknowledged mail again. */
  survived: number;
  acknowledged: number;
  intact: number;
  missing: string[];
  /** Acknowledged, but inside another entry (its From_ line did not start a line). */
  merged: string[];
  duplicated: string[];
  damaged: string[];
  /** Stored but never acknowledged (killed between the write and the 250): allowed. */
  unacknowledgedStored: number;
  /** Mailbox entries without a soak id (pieces of torn messages). */
  fragments: number;
  entries: number;
  peakKiB: number;
  seconds: number;
  /** Replies other than 250 to a complete message (e.g. 451 when the lock stays stale). */
  refusals: Record<string, number>;
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/** A message body of about `size` bytes: 76-char lines that never start with `.` or `From `. */
function body(r: Prng, size: number): string[] {
  const line = Array.from({ length: 76 }, () => ALPHABET[r.int(0, 63)]).join("");
  const lines: string[] = [];
  for (let n = 0; n < size; n += 77) {
    const k = lines.length;
    lines.push(line.slice(k % 50) + line.slice(0, k % 50) + String(k));
  }
  return lines;
}

/** The DATA content (CRLF, final dot) and what the mailbox must hold for it. */
function message(seed: number, client: number, n: number, largeBytes: number) {
  const r = Prng.forSession(seed, client * 1_000_000 + n);
  const id = `${client}-${n}`;
  const large = r.chance(1 / 8);
  const lines = body(r, large ? largeBytes : r.int(100, 20_000));
  const stored = lines.join("\n"); // as mbox keeps it: LF line ends
  const sha = createHash("sha256").update(stored).digest("hex");
  const headers = [
    `Message-ID: <${id}@soak.example>`,
    `Subject: soak ${id}`,
    `X-Soak-Id: ${id}`,
    `X-Soak-Len: ${stored.length}`,
    `X-Soak-Sha: ${sha}`,
  ];
  return { id, large, data: [...headers, "", ...lines, "."].join("\r\n") + "\r\n" };
}

const CHECK = `
import hashlib, json, mailbox, re, sys
out = {"entries": 0, "fragments": 0, "found": [], "inside": []}
for msg in mailbox.mbox(sys.argv[1], create=False):
    out["entries"] += 1
    payload = msg.get_payload(decode=True) or b""
    # A message whose From_ line did not start a line is read as part of the entry before it.
    out["inside"] += [m.decode() for m in re.findall(rb"\\nX-Soak-Id: ([0-9-]+)\\n", payload)]
    i = msg.get("X-Soak-Id")
    if i is None:
        out["fragments"] += 1
        continue
    payload = payload.rstrip(b"\\n")
    ok = (hashlib.sha256(payload).hexdigest() == msg.get("X-Soak-Sha")
          and str(len(payload)) == msg.get("X-Soak-Len"))
    out["found"].append([i, ok])
print(json.dumps(out))
`;

/** Python's `mailbox.mbox` view of the mailbox (see {@link CHECK}). */
interface MailboxView {
  entries: number;
  fragments: number;
  /** Each entry's soak id and whether its body is intact. */
  found: Array<[string, boolean]>;
  /** Soak ids found inside another entry's body. */
  inside: string[];
}

export async function soak(o: SoakOptions): Promise<SoakResult> {
  const log = o.log ?? (() => {});
  const started = Date.now();
  const dir = mkdtempSync(path.join(os.tmpdir(), "mocksmtp-soak-"));
  const mbox = path.join(dir, "mbox");
  const port = await freePort();
  const r = new Prng(o.seed);
  const res: SoakResult = {
    kills: 0,
    midAppend: 0,
    writeInFlight: 0,
    survived: 0,
    acknowledged: 0,
    intact: 0,
    missing: [],
    merged: [],
    duplicated: [],
    damaged: [],
    unacknowledgedStored: 0,
    fragments: 0,
    entries: 0,
    peakKiB: 0,
    seconds: 0,
    refusals: {},
  };
  const acked = new Set<string>();
  let stopping = false;

  // The running server, and a promise the clients await while it is down.
  let server!: Proc;
  let up!: Promise<void>;
  let markUp!: () => void;
  const down = () => up = new Promise((resolve) => markUp = resolve);
  const start = async () => {
    for (let attempt = 1;; attempt++) {
      server = new Proc(
        o.command(["mockmta", "-f", "-l", "notice", "-p", String(port), mbox]),
        /^mockmta: |^$/,
      );
      try {
        await server.waitOutput(/listening on 127\.0\.0\.1:\d+/, 60_000);
        markUp();
        return;
      } catch (e) {
        server.kill("SIGKILL");
        await server.exited;
        if (attempt === 5) throw e;
        log(`  restart attempt ${attempt} failed: ${e}`);
      }
    }
  };
  const notePeak = () => {
    const m = memoryKiB(server.pid);
    if (m) res.peakKiB = Math.max(res.peakKiB, m.hwm);
  };

  // Clients announce each large message's final dot; a mid-append kill waits for one.
  let onLargeDot: (() => void) | null = null;

  const client = async (c: number) => {
    let n = 0;
    while (!stopping) {
      await up;
      const socket = await connectWhenUp(port, Date.now() + 1000).catch(() => null);
      if (!socket) continue; // killed meanwhile: wait for the restart
      const d = new Dialogue(socket, socket);
      try {
        if (!(await d.reply(30_000)).startsWith("220")) continue;
        d.send("EHLO soak.example\r\n");
        if (!(await d.reply(30_000)).startsWith("250")) continue;
        for (let k = r.int(1, 5); k > 0 && !stopping; k--) {
          const m = message(o.seed, c, n++, o.largeBytes);
          d.send("MAIL FROM:<soak@example.org>\r\nRCPT TO:<box@example.net>\r\nDATA\r\n");
          const replies = [await d.reply(30_000), await d.reply(30_000), await d.reply(30_000)];
          if (!replies[2].startsWith("354")) break;
          d.send(m.data);
          if (m.large) onLargeDot?.();
          const final = await d.reply(120_000);
          if (final.startsWith("250")) {
            acked.add(m.id);
          } else if (/^\d{3}/.test(final)) {
            const code = final.slice(0, 3);
            res.refusals[code] = (res.refusals[code] ?? 0) + 1;
          } else break; // closed: killed
        }
        d.send("QUIT\r\n");
      } finally {
        socket.destroy();
      }
    }
  };

  down();
  await start();
  const clients = Array.from({ length: o.clients }, (_, c) => client(c));
  try {
    for (let k = 1; k <= o.kills; k++) {
      if ((Date.now() - started) / 1000 > o.timeLimitS) {
        log(`  time limit reached after ${res.kills} kills`);
        break;
      }
      const ackedBefore = acked.size;
      if (k % 2 === 1) {
        // Mid-append: after a large message's final dot, kill as soon as the mailbox grows.
        const dot = new Promise<boolean>((resolve) => {
          onLargeDot = () => resolve(true);
          sleep(30_000).then(() => resolve(false));
        });
        const sawDot = await dot;
        onLargeDot = null;
        if (sawDot) {
          // Linux updates a file's size page by page during a write, so this sees the append
          // begin, and SIGKILL is honoured between pages: the kill can land inside the write.
          const size0 = fileSize(mbox);
          const deadline = Date.now() + 10_000;
          while (fileSize(mbox) === size0 && Date.now() < deadline) await nextTick();
          if (fileSize(mbox) !== size0) res.midAppend++;
        }
      } else {
        await sleep(r.int(100, 2000));
      }
      notePeak();
      const sizeAtKill = fileSize(mbox);
      server.kill("SIGKILL");
      await server.exited;
      down();
      res.kills++;
      const sizeAfter = fileSize(mbox);
      const grew = sizeAfter !== sizeAtKill;
      if (grew) res.writeInFlight++;
      log(
        `  kill ${k} (${k % 2 ? "as a large message is appended" : "at a random time"}): ` +
          `mbox ${sizeAtKill} → ${sizeAfter} bytes${grew ? " (a write was in flight)" : ""}`,
      );
      await start();
      // Survived: the restarted server acknowledges mail again.
      const served = await waitFor(() => acked.size > ackedBefore, 60_000);
      if (served) res.survived++;
      else log(`  after kill ${k}: no message acknowledged within 60 s`);
    }
    await waitFor(() => false, 2000); // a last stretch of mail after the final restart
  } finally {
    stopping = true;
    markUp();
    notePeak();
    await server.stop();
    await Promise.allSettled(clients);
  }

  const box = await pythonJson<MailboxView>(CHECK, [mbox]);
  res.entries = box.entries;
  res.fragments = box.fragments;
  res.acknowledged = acked.size;
  const seen = new Map<string, boolean[]>();
  for (const [id, ok] of box.found) seen.set(id, [...(seen.get(id) ?? []), ok]);
  for (const id of acked) {
    const copies = seen.get(id) ?? [];
    if (copies.length === 0) (box.inside.includes(id) ? res.merged : res.missing).push(id);
    else if (copies.length > 1) res.duplicated.push(id);
    else if (!copies[0]) res.damaged.push(id);
    else res.intact++;
  }
  for (const id of seen.keys()) if (!acked.has(id)) res.unacknowledgedStored++;
  const lost = res.missing.length + res.merged.length + res.duplicated.length;
  if (lost + res.damaged.length === 0) {
    rmSync(dir, { recursive: true, force: true });
  } else log(`  mailbox kept for inspection: ${mbox}`);
  res.seconds = (Date.now() - started) / 1000;
  return res;
}

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0;
  }
}

const nextTick = () => new Promise<void>((r) => setImmediate(r));

/** Polls `cond` every 20 ms until true or `ms` passed; returns whether it became true. */
async function waitFor(cond: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** One result as a markdown table, ready for docs/reliability.md. */
export function soakTable(res: SoakResult, o: SoakOptions): string {
  const refused = Object.entries(res.refusals).map(([c, n]) => `${n}× ${c}`).join(", ") || "0";
  return [
    "| runner | clients | kills (mid-append, write in flight) | served again | acknowledged | intact | missing | merged into another entry | duplicated | damaged | stored unacknowledged | fragments | refused | peak VmHWM MiB | s |",
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: |",
    `| ${o.label} | ${o.clients} | ${res.kills} (${res.midAppend}, ${res.writeInFlight}) | ${res.survived}/${res.kills} | ` +
    `${res.acknowledged} | ${res.intact} | ${res.missing.length} | ${res.merged.length} | ` +
    `${res.duplicated.length} | ` +
    `${res.damaged.length} | ${res.unacknowledgedStored} | ${res.fragments} | ${refused} | ` +
    `${(res.peakKiB / 1024).toFixed(1)} | ${res.seconds.toFixed(0)} |`,
  ].join("\n");
}

function usage(): never {
  console.error(
    "usage: scripts/soak_mbox.ts [--runtime deno|bun | --bin PATH] [--seed N] [--kills K]\n" +
      "  [--clients C] [--large-bytes N] [--time-limit SEC]",
  );
  process.exit(2);
}

async function main(argv: string[]) {
  const o: SoakOptions = {
    command: runtimeCommand("deno"),
    label: "--runtime deno",
    seed: Math.floor(Math.random() * 2 ** 31),
    kills: 12,
    clients: 4,
    largeBytes: 8 << 20,
    timeLimitS: 900,
    log: (line) => console.error(line),
  };
  parseFlags(
    argv,
    o,
    {
      "--seed": "seed",
      "--kills": "kills",
      "--clients": "clients",
      "--large-bytes": "largeBytes",
      "--time-limit": "timeLimitS",
    },
    () => false,
    usage,
  );
  o.clients = Math.max(1, o.clients);
  const date = new Date().toISOString().slice(0, 16).replace("T", " ");
  console.error(`soak: ${date} UTC, ${o.label}, seed ${o.seed}`);
  const res = await soak(o);
  console.log(`\nSoak run ${date} UTC, ${o.label}, seed ${o.seed}\n`);
  console.log(soakTable(res, o));
  const lost = [
    ["missing", res.missing],
    ["merged into the entry before them (torn append)", res.merged],
    ["duplicated", res.duplicated],
    ["damaged (not intact or not its own entry)", res.damaged],
  ] as const;
  let failed = res.survived < res.kills;
  for (const [what, ids] of lost) {
    if (ids.length === 0) continue;
    failed = true;
    console.log(`\n${ids.length} acknowledged message(s) ${what}: ${ids.slice(0, 20).join(", ")}`);
  }
  if (res.survived < res.kills) {
    console.log(`\nserved again after only ${res.survived} of ${res.kills} kills`);
  }
  console.log(failed ? "\nFAILED" : "\nevery acknowledged message is stored once, intact");
  process.exit(failed ? 1 : 0);
}

if (import.meta.main) await main(process.argv.slice(2));
