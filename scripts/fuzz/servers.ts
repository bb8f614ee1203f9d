/**
 * The servers under test, started as separate processes on 127.0.0.1 with the runtime (or the
 * compiled binary) being measured: how to start each persona, how to tell it is ready, what it
 * may print on stderr, its memory from /proc, and a well-formed session that must get a 250.
 */
import { Buffer } from "node:buffer";
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import process from "node:process";
import type { Readable, Writable } from "node:stream";

export { freePort } from "../../tests/helpers/cli.ts";

export const ROOT = path.resolve(import.meta.dirname ?? ".", "..", "..");

/** Turns `mocksmtp` arguments (persona first) into a command line to spawn. */
export type CommandFor = (args: string[]) => [string, string[]];

export type Runtime = "deno" | "bun";

/** `mocksmtp ARGS` run from source with `runtime`, started the way `deno task start` does. */
export function runtimeCommand(runtime: Runtime): CommandFor {
  const cli = path.join(ROOT, "cli.ts");
  const self = path.basename(process.execPath).replace(/\.exe$/, "");
  const exe = self === runtime ? process.execPath : runtime;
  return runtime === "deno"
    ? (args) => [exe, ["run", "-A", "--v8-flags=--max-semi-space-size=2", cli, ...args]]
    : (args) => [exe, ["run", cli, ...args]]; // bunfig.toml (cwd ROOT) adds smol
}

/** A compiled `mocksmtp` binary. */
export function binaryCommand(bin: string): CommandFor {
  return (args) => [path.resolve(bin), args];
}

/** Memory of a running process from /proc (KiB), or null once it is gone. */
export function memoryKiB(pid: number): { hwm: number; rss: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "latin1");
    const field = (name: string) => Number(status.match(new RegExp(`${name}:\\s+(\\d+)`))?.[1]);
    const hwm = field("VmHWM");
    // A zombie (exited, not yet reaped) has no memory lines left.
    return Number.isNaN(hwm) ? null : { hwm, rss: field("VmRSS") };
  } catch {
    return null;
  }
}

/** A timer that does not keep the process alive (they only ever bound a wait on something else). */
export const sleep = (ms: number) =>
  new Promise<void>((r) => {
    const t = setTimeout(r, ms);
    (t as { unref?: () => void }).unref?.();
  });

/** A spawned process whose output is watched; stdout/stderr are kept only as a tail. */
export class Proc {
  readonly child: ChildProcess;
  /** Exit code, or 128 + signal number; null while running. */
  code: number | null = null;
  signal: string | null = null;
  readonly exited: Promise<void>;
  /** Lines of stderr that `allowed` did not match (at most 20 kept), and how many there were. */
  unexpected: string[] = [];
  unexpectedCount = 0;
  stdoutTail = "";
  stderrTail = "";
  #partial = "";
  #wake: Array<() => void> = [];

  constructor(cmd: [string, string[]], readonly allowed: RegExp, stdinPipe = false) {
    this.child = spawn(cmd[0], cmd[1], {
      cwd: ROOT,
      stdio: [stdinPipe ? "pipe" : "ignore", "pipe", "pipe"],
    });
    this.exited = new Promise((resolve) => {
      this.child.on("error", (e) => {
        this.stderrTail += String(e);
        this.code = 127;
        resolve();
      });
      this.child.on("close", (code, signal) => {
        this.code ??= code ?? 128;
        this.signal = signal;
        this.#wakeAll();
        resolve();
      });
    });
    this.child.stdout!.on("data", (d: Uint8Array) => {
      this.stdoutTail = (this.stdoutTail + String(d)).slice(-4096);
      this.#wakeAll();
    });
    this.child.stderr!.on("data", (d: Uint8Array) => {
      const text = this.#partial + String(d);
      this.stderrTail = (this.stderrTail + String(d)).slice(-4096);
      const lines = text.split("\n");
      this.#partial = lines.pop()!;
      for (const line of lines) this.#checkLine(line);
      this.#wakeAll();
    });
  }

  #checkLine(line: string) {
    if (this.allowed.test(line)) return;
    this.unexpectedCount++;
    if (this.unexpected.length < 20) this.unexpected.push(line.slice(0, 300));
  }

  #wakeAll() {
    for (const w of this.#wake.splice(0)) w();
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  get running(): boolean {
    return this.code === null;
  }

  /** Resolves with the first match of `re` in stdout or stderr; rejects if the process exits. */
  async waitOutput(re: RegExp, timeoutMs: number): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.stdoutTail.match(re) ?? this.stderrTail.match(re);
      if (m) return m;
      if (!this.running) throw new Error(`exited (${this.code}): ${this.stderrTail}`);
      if (Date.now() > deadline) throw new Error(`no ${re} within ${timeoutMs} ms`);
      await Promise.race([new Promise<void>((r) => this.#wake.push(r)), sleep(250)]);
    }
  }

  /** After exit: a last stderr line without LF is checked too. */
  flush() {
    if (this.#partial !== "") this.#checkLine(this.#partial);
    this.#partial = "";
  }

  kill(signal: NodeJS.Signals = "SIGTERM") {
    if (this.running && this.child.pid) {
      try {
        process.kill(this.child.pid, signal);
      } catch {
        // Gone meanwhile.
      }
    }
  }

  /** SIGTERM, then SIGKILL after `graceMs`; true if it exited on its own after SIGTERM. */
  async stop(graceMs = 10_000): Promise<boolean> {
    if (!this.running) return true;
    this.kill("SIGTERM");
    const t = sleep(graceMs).then(() => "late" as const);
    if (await Promise.race([this.exited.then(() => "ok" as const), t]) === "ok") return true;
    this.kill("SIGKILL");
    await this.exited;
    return false;
  }
}

/** Runs a Python program (`python3 -c code args…`) that prints one JSON value, and parses it. */
export function pythonJson<T>(code: string, args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn("python3", ["-c", code, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout!.on("data", (d) => out += d);
    child.stderr!.on("data", (d) => err += d);
    child.on("error", reject);
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`python3 exited ${code}: ${err.slice(-1000)}`));
      try {
        resolve(JSON.parse(out));
      } catch (e) {
        reject(e);
      }
    });
  });
}

/** Connects to 127.0.0.1:`port`, retrying while refused, until `deadline` (ms since epoch). */
export async function connectWhenUp(port: number, deadline: number): Promise<net.Socket> {
  for (;;) {
    try {
      return await new Promise<net.Socket>((resolve, reject) => {
        const s = net.connect({ host: "127.0.0.1", port });
        s.once("connect", () => resolve(s));
        s.once("error", reject);
      });
    } catch (e) {
      if (Date.now() > deadline) throw e;
      await sleep(50); // nothing announces readiness (msmtpd): poll the port
    }
  }
}

/** A line-oriented SMTP client over any readable/writable pair (socket, child stdio). */
export class Dialogue {
  #buf = "";
  #ended = false;
  #wake: (() => void) | null = null;

  constructor(readonly input: Readable, readonly output: Writable) {
    input.on("data", (d: Uint8Array) => {
      this.#buf += Buffer.from(d).toString("latin1");
      this.#notify();
    });
    const finish = () => {
      this.#ended = true;
      this.#notify();
    };
    input.on("end", finish);
    input.on("close", finish);
    input.on("error", finish);
    output.on("error", () => {});
  }

  #notify() {
    const w = this.#wake;
    this.#wake = null;
    w?.();
  }

  send(text: string): void {
    this.output.write(Buffer.from(text, "latin1"));
  }

  /** One whole reply (all its lines), or what arrived before the close or the timeout. */
  async reply(timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.#buf.match(/^(?:\d{3}-[^\n]*\n)*\d{3}(?: [^\n]*)?\n/);
      if (m) {
        this.#buf = this.#buf.slice(m[0].length);
        return m[0];
      }
      const left = deadline - Date.now();
      if (this.#ended || left <= 0) {
        const rest = this.#buf;
        this.#buf = "";
        return rest + (this.#ended ? "<closed>" : "<timeout>");
      }
      await Promise.race([new Promise<void>((r) => this.#wake = r), sleep(left)]);
    }
  }
}

/**
 * A well-formed session that must end with its message accepted (250). Returns null when it
 * was, else what went wrong (the reply received at the failing step).
 */
export async function healthSession(
  d: Dialogue,
  marker: string,
  timeoutMs = 20_000,
): Promise<string | null> {
  const steps: Array<[string | null, string]> = [
    [null, "220"],
    ["EHLO health.example\r\n", "250"],
    ["MAIL FROM:<health@example.org>\r\n", "250"],
    ["RCPT TO:<health@example.net>\r\n", "250"],
    ["DATA\r\n", "354"],
    [`Subject: health\r\nX-Fuzz-Health: ${marker}\r\n\r\nstill serving\r\n.\r\n`, "250"],
    ["QUIT\r\n", "221"],
  ];
  for (const [send, expect] of steps) {
    if (send !== null) d.send(send);
    const reply = await d.reply(timeoutMs);
    if (!reply.startsWith(expect)) {
      return `after ${JSON.stringify(send ?? "<connect>")} expected ${expect}, got ${
        JSON.stringify(reply.slice(0, 200))
      }`;
    }
  }
  return null;
}
