/**
 * Fuzzes every persona with mutated SMTP sessions and checks that it stays up and still serves.
 *
 *   deno run -A scripts/fuzz.ts [--runtime deno|bun | --bin PATH] [--persona NAME]...
 *       [--seed N] [--sessions N] [--inetd-sessions N] [--concurrency C] [--batch N]
 *       [--hold N] [--time-limit SEC] [--only I[-J]] [--verbose]
 *   (deno task fuzz; also `bun run scripts/fuzz.ts`)
 *
 * Each persona is started by this script on 127.0.0.1 (smtpmock, mockmta daemon with a temp
 * mbox, mockmta inetd, msmtpd daemon piping to `cat`, msmtpd inetd). Session i of a run is
 * generated from (seed, i) alone, so `--only i` (or a range `--only i-j`) replays it. After every batch a well-formed
 * session must get a 250 for its message. Exits 1, naming seed and sessions, on a crash, a hang,
 * a failed health check, unexpected stderr or a lost health message; prints a markdown table.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import process from "node:process";
import { makePlan } from "./fuzz/plan.ts";
import { Prng } from "./fuzz/prng.ts";
import { parseFlags } from "./fuzz/flags.ts";
import {
  type CommandFor,
  connectWhenUp,
  Dialogue,
  freePort,
  healthSession,
  memoryKiB,
  Proc,
  pythonJson,
  runtimeCommand,
  sleep,
} from "./fuzz/servers.ts";
import { type Channel, playPlan, stdioChannel, tcpChannel } from "./fuzz/session.ts";

export const PERSONAS = [
  "smtpmock",
  "mockmta",
  "mockmta-inetd",
  "msmtpd",
  "msmtpd-inetd",
] as const;
export type PersonaName = typeof PERSONAS[number];

export interface FuzzOptions {
  personas: readonly PersonaName[];
  /** Sessions per daemon persona, and per inetd persona (one process each: far slower). */
  sessions: number;
  inetdSessions: number;
  concurrency: number;
  seed: number;
  /** Sessions between two health checks. */
  batch: number;
  /** Idle connections kept open (a partial command each) during the whole run. */
  hold: number;
  /** Per persona: no new batch starts after this many seconds. */
  timeLimitS: number;
  /** A session must be over (server closed or exited) within this. */
  sessionDeadlineMs: number;
  command: CommandFor;
  /** For reports and replay lines: `--runtime deno`, `--bin PATH`. */
  label: string;
  /** Replays just these session indices, both included (plus the health checks). */
  only?: [number, number];
  /** Logs each session's shape (with `log`). */
  verbose?: boolean;
  log?: (line: string) => void;
}

export interface Finding {
  persona: PersonaName;
  kind: "crash" | "hang" | "health" | "stderr" | "stop" | "refused" | "mailbox" | "exit";
  /** The session(s) that may have caused it (all those in flight for a crash). */
  sessions: number[];
  detail: string;
}

export interface PersonaResult {
  persona: PersonaName;
  sessions: number;
  bytesOut: number;
  /** Sessions where the client saw a network error (a reset by the server, EPIPE). */
  netErrors: number;
  hangs: number;
  crashed: boolean;
  healthOk: number;
  healthRun: number;
  /** Held connections still open at the end / opened. */
  held: number;
  heldOpened: number;
  /** Peak resident memory (VmHWM, KiB): of the daemon, or the largest inetd process seen. */
  peakKiB: number;
  /** VmRSS at the end (daemons), KiB. */
  endRssKiB: number;
  seconds: number;
  findings: Finding[];
  /** What the final mailbox / recorder check saw. */
  stored: string;
}

interface Env {
  command: CommandFor;
  dir: string;
  mbox: string;
}

const INETD_EXITS: Partial<Record<PersonaName, number[]>> = {
  "mockmta-inetd": [0, 1, 2],
  "msmtpd-inetd": [0, 1],
};

/** What each persona may write on stderr: mockmta its log lines, the others nothing. */
const STDERR_OK: Record<PersonaName, RegExp> = {
  smtpmock: /^$/,
  mockmta: /^mockmta: |^$/,
  "mockmta-inetd": /^mockmta: |^$/,
  msmtpd: /^$/,
  "msmtpd-inetd": /^$/,
};

/** msmtpd serves 16 sessions at a time; a 17th waits for a slot, so stay below that. */
const MAX_SLOTS: Partial<Record<PersonaName, number>> = { msmtpd: 15 };

// msmtpd appends the recipients to the command line: `; :` makes them arguments of a no-op.
const recorder = (env: Env) => `--command=cat > ${env.dir}/$$.mail; :`;

function inetdArgs(persona: PersonaName, env: Env): string[] {
  return persona === "mockmta-inetd"
    ? ["mockmta", "-l", "err", env.mbox]
    : ["msmtpd", "--inetd", recorder(env)];
}

async function startDaemon(persona: PersonaName, env: Env): Promise<{ proc: Proc; port: number }> {
  if (persona === "smtpmock") {
    // go-smtp-mock closes a session after 30 s; longer, so the held connections stay held.
    const args = ["smtpmock", "-sessionTimeout", "3600"];
    const proc = new Proc(env.command(args), STDERR_OK[persona]);
    const m = await proc.waitOutput(/SMTP mock server started on port: (\d+)/, 60_000);
    return { proc, port: Number(m[1]) };
  }
  const port = await freePort();
  if (persona === "mockmta") {
    const args = ["mockmta", "-f", "-l", "notice", "-p", String(port), env.mbox];
    const proc = new Proc(env.command(args), STDERR_OK[persona]);
    await proc.waitOutput(/listening on 127\.0\.0\.1:\d+/, 60_000);
    return { proc, port };
  }
  const proc = new Proc(
    env.command(["msmtpd", `--port=${port}`, recorder(env)]),
    STDERR_OK[persona],
  );
  const socket = await Promise.race([
    connectWhenUp(port, Date.now() + 60_000),
    proc.exited.then(() => {
      throw new Error(`msmtpd exited (${proc.code}): ${proc.stderrTail}`);
    }),
  ]);
  socket.destroy();
  return { proc, port };
}

/** Runs `fn` over `items` with at most `limit` running at once; stops early if `stop()`. */
async function pool<T>(
  items: T[],
  limit: number,
  fn: (item: T) => Promise<void>,
  stop: () => boolean,
) {
  let next = 0;
  const worker = async () => {
    while (next < items.length && !stop()) await fn(items[next++]);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

/** Python's `mailbox.mbox` view of the fuzzed mailbox: messages and health markers. */
const READ_MBOX = `
import json, mailbox, sys
markers = [m.get("X-Fuzz-Health") for m in mailbox.mbox(sys.argv[1], create=False)]
print(json.dumps({"count": len(markers), "markers": [m for m in markers if m]}))
`;

export async function fuzzPersona(persona: PersonaName, o: FuzzOptions): Promise<PersonaResult> {
  const log = o.log ?? (() => {});
  const started = Date.now();
  const dir = mkdtempSync(path.join(os.tmpdir(), `mocksmtp-fuzz-${persona}-`));
  const env: Env = { command: o.command, dir, mbox: path.join(dir, "mbox") };
  const inetd = persona.endsWith("-inetd");
  const r: PersonaResult = {
    persona,
    sessions: 0,
    bytesOut: 0,
    netErrors: 0,
    hangs: 0,
    crashed: false,
    healthOk: 0,
    healthRun: 0,
    held: 0,
    heldOpened: 0,
    peakKiB: 0,
    endRssKiB: 0,
    seconds: 0,
    findings: [],
    stored: "",
  };
  const find = (kind: Finding["kind"], sessions: number[], detail: string) => {
    r.findings.push({ persona, kind, sessions, detail });
    log(`  FINDING ${persona} ${kind} sessions=[${sessions.join(",")}]: ${detail}`);
  };
  const markers: string[] = [];
  const [first, last] = o.only ?? [0, (inetd ? o.inetdSessions : o.sessions) - 1];
  const indices = Array.from({ length: Math.max(0, last - first + 1) }, (_, i) => first + i);
  const slots = MAX_SLOTS[persona];
  const hold = inetd
    ? 0
    : Math.min(o.hold, slots ? Math.max(0, slots - o.concurrency - 1) : o.hold);
  const concurrency = Math.min(o.concurrency, slots ?? o.concurrency);
  const notePeak = (pid: number) => {
    const m = memoryKiB(pid);
    if (m) r.peakKiB = Math.max(r.peakKiB, m.hwm);
    return m;
  };

  let daemon: { proc: Proc; port: number } | null = null;
  const held: net.Socket[] = [];
  const inFlight = new Set<number>();
  try {
    if (!inetd) daemon = await startDaemon(persona, env);
    // The sessions running when the daemon died are the suspects of a crash.
    let atExit: number[] = [];
    daemon?.proc.exited.then(() => atExit = [...inFlight]);

    const health = async (): Promise<boolean> => {
      const marker = `${persona}-${o.seed}-${r.healthRun}`;
      r.healthRun++;
      let failure: string | null;
      if (daemon) {
        const socket = await connectWhenUp(daemon.port, Date.now() + 10_000).catch((e) => e);
        if (!(socket instanceof net.Socket)) failure = `cannot connect: ${socket}`;
        else {
          failure = await healthSession(new Dialogue(socket, socket), marker);
          socket.destroy();
        }
      } else {
        const proc = new Proc(o.command(inetdArgs(persona, env)), STDERR_OK[persona], true);
        failure = await healthSession(new Dialogue(proc.child.stdout!, proc.child.stdin!), marker);
        proc.child.stdin!.end();
        if (!(await Promise.race([proc.exited.then(() => true), sleep(20_000)]))) {
          proc.kill("SIGKILL");
          failure ??= "inetd process did not exit after QUIT";
        } else if (failure === null && proc.code !== 0) {
          failure = `inetd process exited ${proc.code} after QUIT: ${proc.stderrTail}`;
        }
      }
      if (failure === null) {
        r.healthOk++;
        markers.push(marker);
        return true;
      }
      find("health", [], `health check ${r.healthRun - 1}: ${failure}`);
      return false;
    };

    // Slow-loris style idle connections, each with half a command sent, kept through the run.
    for (let i = 0; daemon && i < hold; i++) {
      const s = await connectWhenUp(daemon.port, Date.now() + 10_000);
      s.on("error", () => {});
      s.on("data", () => {});
      s.write("MAIL FROM:<held");
      held.push(s);
    }
    r.heldOpened = held.length;

    if (!(await health())) return r;
    const perBatch = inetd ? Math.max(1, Math.floor(o.batch / 5)) : o.batch;
    for (let at = 0; at < indices.length; at += perBatch) {
      if ((Date.now() - started) / 1000 > o.timeLimitS) {
        log(`  ${persona}: time limit reached after ${r.sessions} sessions`);
        break;
      }
      const batch = indices.slice(at, at + perBatch);
      await pool(batch, concurrency, async (i) => {
        inFlight.add(i);
        try {
          await oneSession(i);
        } finally {
          inFlight.delete(i);
        }
      }, () => r.crashed || (daemon !== null && !daemon.proc.running));
      if (daemon && !daemon.proc.running) {
        r.crashed = true;
        daemon.proc.flush();
        find(
          "crash",
          atExit.length > 0 ? atExit : batch,
          `server exited (${daemon.proc.code}${
            daemon.proc.signal ? " " + daemon.proc.signal : ""
          }) ` +
            `during this batch; stderr: ${daemon.proc.stderrTail.slice(-1500)}`,
        );
        break;
      }
      if (r.crashed) break;
      if (daemon) notePeak(daemon.proc.pid);
      if (!(await health())) break;
      log(
        `  ${persona}: ${r.sessions}/${indices.length} sessions, health ${r.healthOk}/${r.healthRun}` +
          `, peak ${(r.peakKiB / 1024).toFixed(1)} MiB, ${
            ((Date.now() - started) / 1000).toFixed(0)
          } s`,
      );
    }

    if (daemon?.proc.running) {
      r.held = held.filter((s) => !s.destroyed && !s.readableEnded).length;
      if (r.held < held.length) {
        find("hang", [], `${held.length - r.held} of ${held.length} held connections were closed`);
      }
      const m = notePeak(daemon.proc.pid);
      r.endRssKiB = m?.rss ?? 0;
    }
  } catch (e) {
    find("crash", [...inFlight], `fuzzer stopped: ${e instanceof Error ? e.stack : e}`);
  } finally {
    for (const s of held) s.destroy();
    if (daemon) {
      if (!(await daemon.proc.stop())) find("stop", [], "no exit within 10 s of SIGTERM");
      daemon.proc.flush();
      if (daemon.proc.unexpectedCount > 0) {
        find(
          "stderr",
          [],
          `${daemon.proc.unexpectedCount} unexpected stderr lines, first: ` +
            JSON.stringify(daemon.proc.unexpected.slice(0, 5)),
        );
      }
    }
    r.stored = await checkStored(persona, env, markers, find);
    rmSync(dir, { recursive: true, force: true });
    r.seconds = (Date.now() - started) / 1000;
  }
  return r;

  async function oneSession(i: number): Promise<void> {
    const plan = makePlan(Prng.forSession(o.seed, i));
    if (o.verbose) log(`  session ${i}: ${plan.summary}`);
    let ch: Channel;
    let proc: Proc | null = null;
    if (daemon) {
      try {
        ch = await tcpChannel(daemon.port);
      } catch (e) {
        if (daemon.proc.running) find("refused", [i], `cannot connect: ${e}`);
        return;
      }
    } else {
      proc = new Proc(o.command(inetdArgs(persona, env)), STDERR_OK[persona], true);
      ch = stdioChannel(proc.child);
    }
    const out = await playPlan(ch, plan, o.sessionDeadlineMs, () => proc && notePeak(proc.pid));
    r.sessions++;
    r.bytesOut += out.bytesOut;
    if (out.error) r.netErrors++;
    if (out.kind === "hang") {
      r.hangs++;
      find("hang", [i], `no end within ${o.sessionDeadlineMs} ms (${out.phase}); ${plan.summary}`);
    }
    if (proc) {
      if (out.kind === "hang") proc.kill("SIGKILL");
      await proc.exited;
      proc.flush();
      const allowed = INETD_EXITS[persona]!;
      if (out.kind !== "hang" && (proc.signal !== null || !allowed.includes(proc.code!))) {
        find(
          "exit",
          [i],
          `inetd process exited ${proc.code} ${proc.signal ?? ""}: ` +
            `${proc.stderrTail.slice(-1000)}; ${plan.summary}`,
        );
      } else if (proc.unexpectedCount > 0) {
        find("stderr", [i], `${JSON.stringify(proc.unexpected.slice(0, 5))}; ${plan.summary}`);
      }
    }
  }
}

/** Every health message acknowledged with 250 must be stored, once (mbox / recorder files). */
async function checkStored(
  persona: PersonaName,
  env: Env,
  markers: string[],
  find: (kind: Finding["kind"], sessions: number[], detail: string) => void,
): Promise<string> {
  if (persona === "smtpmock" || markers.length === 0) return "";
  let found: string[];
  let what: string;
  if (persona.startsWith("mockmta")) {
    const box = await pythonJson<{ count: number; markers: string[] }>(READ_MBOX, [env.mbox])
      .catch((e) => String(e));
    if (typeof box === "string") {
      find("mailbox", [], `python mailbox could not read the mbox: ${box}`);
      return "mbox unreadable";
    }
    found = box.markers;
    what = `mbox: ${box.count} messages`;
  } else {
    const files = readdirSync(env.dir).filter((f) => f.endsWith(".mail"));
    found = [];
    for (const f of files) {
      const m = readFileSync(path.join(env.dir, f), "latin1").match(/^X-Fuzz-Health: (.*)$/m);
      if (m) found.push(m[1]);
    }
    what = `piped: ${files.length} mails`;
  }
  const missing = markers.filter((m) => found.filter((f) => f === m).length !== 1);
  if (missing.length > 0) {
    find(
      "mailbox",
      [],
      `${missing.length} acknowledged health messages not stored exactly once: ` +
        missing.slice(0, 5).join(", "),
    );
  }
  return `${what}, health ${markers.length - missing.length}/${markers.length}`;
}

export async function runFuzz(o: FuzzOptions): Promise<PersonaResult[]> {
  const results: PersonaResult[] = [];
  for (const p of o.personas) {
    o.log?.(`== ${p} (${o.label}, seed ${o.seed})`);
    results.push(await fuzzPersona(p, o));
  }
  return results;
}

const mib = (kib: number) => (kib / 1024).toFixed(1);

/** The results as a markdown table, ready for docs/reliability.md. */
export function markdownTable(results: PersonaResult[], label: string): string {
  const rows = [
    "| persona | runner | sessions | MiB sent | client saw reset/EPIPE | hangs | crashes | health 250 | held conns | peak VmHWM MiB | end VmRSS MiB | stored | s |",
    "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- | ---: |",
  ];
  for (const r of results) {
    rows.push(
      `| ${r.persona} | ${label} | ${r.sessions} | ${(r.bytesOut / 2 ** 20).toFixed(0)} | ` +
        `${r.netErrors} | ${r.hangs} | ${r.crashed ? 1 : 0} | ${r.healthOk}/${r.healthRun} | ` +
        `${r.persona.endsWith("-inetd") ? "—" : `${r.held}/${r.heldOpened}`} | ${
          mib(r.peakKiB)
        } | ` +
        `${r.endRssKiB ? mib(r.endRssKiB) : "—"} | ${r.stored || "—"} | ${r.seconds.toFixed(0)} |`,
    );
  }
  return rows.join("\n");
}

function usage(): never {
  console.error(
    "usage: scripts/fuzz.ts [--runtime deno|bun | --bin PATH] [--persona NAME]... [--seed N]\n" +
      "  [--sessions N] [--inetd-sessions N] [--concurrency C] [--batch N] [--hold N]\n" +
      "  [--time-limit SEC] [--session-deadline MS] [--only I[-J]] [--verbose]\n" +
      `  personas: ${PERSONAS.join(", ")} (default: all)`,
  );
  process.exit(2);
}

async function main(argv: string[]) {
  const o: FuzzOptions = {
    personas: [],
    sessions: 5000,
    inetdSessions: 300,
    concurrency: 8,
    seed: Math.floor(Math.random() * 2 ** 31),
    batch: 500,
    hold: 200,
    timeLimitS: 900,
    sessionDeadlineMs: 30_000,
    command: runtimeCommand("deno"),
    label: "--runtime deno",
    log: (line) => console.error(line),
  };
  const personas: PersonaName[] = [];
  const numbers: Record<string, keyof FuzzOptions> = {
    "--seed": "seed",
    "--sessions": "sessions",
    "--inetd-sessions": "inetdSessions",
    "--concurrency": "concurrency",
    "--batch": "batch",
    "--hold": "hold",
    "--time-limit": "timeLimitS",
    "--session-deadline": "sessionDeadlineMs",
  };
  parseFlags(argv, o, numbers, (flag, value) => {
    if (flag === "--persona") {
      const p = value() as PersonaName;
      if (!PERSONAS.includes(p)) usage();
      personas.push(p);
    } else if (flag === "--only") {
      const m = value().match(/^(\d+)(?:-(\d+))?$/) ?? usage();
      o.only = [Number(m[1]), Number(m[2] ?? m[1])];
    } else if (flag === "--verbose") o.verbose = true;
    else return false;
    return true;
  }, usage);
  o.concurrency = Math.max(1, o.concurrency);
  o.batch = Math.max(1, o.batch);
  o.personas = personas.length > 0 ? personas : PERSONAS;
  const date = new Date().toISOString().slice(0, 16).replace("T", " ");
  console.error(`fuzz: ${date} UTC, ${o.label}, seed ${o.seed}`);
  const results = await runFuzz(o);
  const findings = results.flatMap((r) => r.findings);
  console.log(`\nFuzz run ${date} UTC, ${o.label}, seed ${o.seed}, concurrency ${o.concurrency}\n`);
  console.log(markdownTable(results, o.label));
  if (findings.length > 0) {
    console.log(`\n${findings.length} finding(s):`);
    for (const f of findings) {
      console.log(`- ${f.persona} ${f.kind}: ${f.detail}`);
      const replay = `deno run -A scripts/fuzz.ts ${o.label} --persona ${f.persona} ` +
        `--seed ${o.seed} --verbose --only`;
      for (const s of f.sessions.slice(0, 10)) console.log(`  replay: ${replay} ${s}`);
      if (f.sessions.length > 1) {
        const lo = Math.min(...f.sessions);
        const hi = Math.max(...f.sessions);
        console.log(`  replay all ${f.sessions.length}: ${replay} ${lo}-${hi}`);
      }
    }
    process.exit(1);
  }
  console.log("\nno findings");
}

if (import.meta.main) await main(process.argv.slice(2));
