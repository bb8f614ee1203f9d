/**
 * Shortcuts for the mockmta tests: reply texts, scratch directories, the CLI in inetd mode with a
 * byte-exact client on its stdin/stdout, the CLI as a foreground daemon, and a quick SMTP sender.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { type Cli, freePort, runCli } from "./cli.ts";
import { testCerts } from "./certs.ts";
import { latin1, readWithPython, run, unquoteMboxrd } from "./mbox_readers.ts";
import { RawClient, StreamClient } from "./raw_client.ts";

/** mockmta's replies, CRLF included. */
export const R = {
  greeting: "220 Ready\r\n",
  helo: "250 localhost Mock MTA pleased to meet you\r\n",
  ehlo: "250-localhost Mock MTA pleased to meet you\r\n250-PIPELINING\r\n250 HELP\r\n",
  ehloTls:
    "250-localhost Mock MTA pleased to meet you\r\n250-PIPELINING\r\n250-STARTTLS\r\n250 HELP\r\n",
  sender: "250 Sender ok\r\n",
  recipient: "250 Recipient ok\r\n",
  data: '354 Enter mail, end with "." on a line by itself\r\n',
  bye: "221 Bye\r\n",
  notValid: "500 Command not valid\r\n",
  unrecognized: "500 Command unrecognized\r\n",
  tlsGo: "220 Ready to start TLS\r\n",
  cannotWrite: "451 Local error: cannot write mailbox\r\n",
  accepted: (n: number) => `250 ${String(n).padStart(4, "0")} Message accepted for delivery\r\n`,
};

/**
 * A script: client writes (`C`), exact server bytes (`S`), and `E` for the client closing its
 * sending side (end of input for the server).
 */
export type Steps = Array<["C" | "S", string] | ["E"]>;

/** Plays `steps`, asserting each server chunk byte for byte, then that the server closes. */
export async function play(client: StreamClient, steps: Steps): Promise<void> {
  for (const [i, step] of steps.entries()) {
    if (step[0] === "E") client.end();
    else if (step[0] === "C") await client.send(step[1]);
    else {assert.equal(
        await client.expect(step[1]),
        step[1],
        `step ${i}: ${JSON.stringify(step[1])}`,
      );}
  }
  assert.equal(await client.closed(), "", "nothing after the last reply, then close");
}

/** A temporary directory with a mailbox path in it; `cleanup()` removes everything. */
export interface Scratch {
  dir: string;
  mailbox: string;
  cleanup(): Promise<void>;
}

export async function scratch(): Promise<Scratch> {
  const dir = await mkdtemp(join(tmpdir(), "mocksmtp-mockmta-"));
  return {
    dir,
    mailbox: join(dir, "mbox"),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Writes the test PKI into `dir`: `cert.pem`, `key.pem`, `ca.pem`; returns their paths. */
export async function certFiles(dir: string): Promise<{ cert: string; key: string; ca: string }> {
  const c = testCerts();
  const paths = { cert: join(dir, "cert.pem"), key: join(dir, "key.pem"), ca: join(dir, "ca.pem") };
  await writeFile(paths.cert, c.serverCert);
  await writeFile(paths.key, c.serverKey);
  await writeFile(paths.ca, c.ca);
  return paths;
}

/** `mocksmtp mockmta ARGS` in inetd mode, with a client on its stdin/stdout. */
export function spawnInetd(
  args: string[],
  env: Record<string, string> = {},
): { cli: Cli; client: StreamClient } {
  const cli = runCli(["mockmta", ...args], { env: { ...process.env, ...env } });
  // runCli collects stdout as text; the client needs the bytes, so it reads the stream too.
  const client = new StreamClient(cli.child.stdout!, cli.child.stdin!);
  return { cli, client };
}

/**
 * A foreground daemon (`-f`) on a free port, resolved once it logs that it listens (a notice:
 * `-l` must not be stricter than `notice`).
 */
export async function startDaemon(
  mailbox: string,
  extra: string[] = [],
): Promise<Cli & { port: number }> {
  const level = extra[extra.indexOf("-l") + 1];
  if (extra.includes("-l") && !["notice", "info", "debug"].includes(level)) {
    throw new Error(`startDaemon needs -l notice or more verbose, not ${level}`);
  }
  const port = await freePort();
  const cli = runCli(["mockmta", "-f", "-p", String(port), ...extra, mailbox]);
  await cli.waitStderr(/listening on 127\.0\.0\.1:\d+/);
  return Object.assign(cli, { port });
}

/** Stops a daemon with `sig` and returns its exit status. */
export async function stopDaemon(cli: Cli, sig: NodeJS.Signals = "SIGTERM"): Promise<number> {
  cli.kill(sig);
  return await cli.exited;
}

/** One message for {@link sendMessages}: the body as sent (CRLF lines, dot-stuffed). */
export interface Outgoing {
  from?: string;
  to?: string[];
  /** The DATA content (latin1: one char per byte), dot-stuffed, without the final `.` line. */
  data: string;
}

/**
 * Sends messages over one connection (one pipelined write per transaction) and returns the
 * final reply to each, e.g. `250 0001 Message accepted for delivery\r\n`.
 */
export async function sendMessages(port: number, messages: Outgoing[]): Promise<string[]> {
  const c = await RawClient.connect(port);
  try {
    assert.equal(await c.readLine(), R.greeting);
    await c.send("EHLO sender.example\r\n");
    await c.readReply();
    const finals: string[] = [];
    for (const m of messages) {
      const to = m.to ?? ["<rcpt@example.net>"];
      const transaction = `MAIL FROM:${m.from ?? "<sender@example.org>"}\r\n` +
        to.map((t) => `RCPT TO:${t}\r\n`).join("") + `DATA\r\n${m.data}.\r\n`;
      await c.send(Buffer.from(transaction, "latin1")); // one byte per char: 8-bit data intact
      for (let i = 0; i < 2 + to.length; i++) await c.readLine();
      finals.push(await c.readLine());
    }
    await c.send("QUIT\r\n");
    assert.equal(await c.readLine(), R.bye);
    return finals;
  } finally {
    c.close();
  }
}

/** The messages of a mailbox as Python's `mailbox.mbox` reads them, mboxrd-unquoted, latin1. */
export async function readBodies(mailbox: string): Promise<string[]> {
  const entries = await readWithPython(mailbox);
  return entries.map((e) => unquoteMboxrd(latin1(e.bytes)));
}

/**
 * GNU mailutils `frm -f subject`: one Subject per message. frm exits 1 when the folder holds
 * new (unread) mail, which ours always does, so only other statuses or stderr mean failure.
 */
export async function frmSubjects(mailbox: string): Promise<string[]> {
  const r = await run("frm", ["-f", "subject", mailbox]);
  if ((r.code !== 0 && r.code !== 1) || r.stderr !== "") {
    throw new Error(`frm failed (${r.code}): ${r.stderr}`);
  }
  return latin1(r.stdout).split("\n").filter((l) => l !== "");
}

/** Fields of `/proc/PID/stat` (Linux): state letter and session id; null once reaped. */
export async function procStat(pid: number): Promise<{ state: string; session: number } | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "latin1");
    // The command name is in parentheses and may hold spaces: split after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return { state: fields[0], session: Number(fields[3]) };
  } catch {
    return null;
  }
}

/** For `finally`: SIGKILLs the detached daemon named in `pidfile`, if there is one still running. */
export async function killFromPidfile(pidfile: string): Promise<void> {
  const pid = Number(await readFile(pidfile, "utf8").catch(() => "0"));
  if (pid > 0 && (await procStat(pid))?.state !== "Z") process.kill(pid, "SIGKILL");
}

/**
 * Resolves once process `pid` (not our child, so no exit event exists) has exited: gone or a
 * zombie waiting for init. Polls, with a deadline.
 */
export async function waitGone(pid: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const st = await procStat(pid);
    if (st === null || st.state === "Z") return;
    if (Date.now() > deadline) throw new Error(`process ${pid} still running`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
