/**
 * Shortcuts for the msmtpd tests: a recorder pipe command (what the command got, byte for
 * byte), in-process servers, transcripts and a greeted client.
 */
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { MsmtpdServer, type MsmtpdServerOptions } from "../../src/api/msmtpd.ts";
import { cliCommand, ROOT } from "./cli.ts";
import { spawnWatched } from "./process.ts";
import { connectWhenUp, RawClient, type Step, transcriptOn } from "./raw_client.ts";

export const RECORDER = fileURLToPath(new URL("./msmtpd_recorder.sh", import.meta.url));
const INETD_SOCKET = fileURLToPath(new URL("./inetd_socket.py", import.meta.url));

export const GREETING = "220 localhost ESMTP msmtpd\r\n";
export const OK = "250 Ok\r\n";
export const PIPED = "250 Ok, mail was piped\r\n";
export const BYE = "221 Bye\r\n";

/** A fresh temporary directory; removed by {@link removeDir}. */
export function tempDir(prefix = "msmtpd-test-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** `--command` for the recorder writing into `dir`; `args` follow it (e.g. `-f %F --`). */
export function recorderCommand(dir: string, args = "-f %F --"): string {
  return `sh ${RECORDER} ${dir} ${args}`;
}

/** One delivery the recorder saw. */
export interface Recorded {
  argv: string[];
  stdin: string;
}

/** The deliveries in `dir`, in order (stdin as latin1 so every byte is visible). */
export function recorded(dir: string): Recorded[] {
  const out: Recorded[] = [];
  for (let n = 1; fs.existsSync(path.join(dir, `${n}.mail`)); n++) {
    const args = fs.readFileSync(path.join(dir, `${n}.args`), "latin1");
    out.push({
      argv: args === "" ? [] : args.slice(0, -1).split("\0"),
      stdin: fs.readFileSync(path.join(dir, `${n}.mail`), "latin1"),
    });
  }
  return out;
}

/** The date line of a Received header, as msmtpd's strftime writes it. */
export const DATE_LINE =
  /\t[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}\r\n/;

/** `stdin` with its Received date checked and replaced by `<DATE>`. */
export function withoutDate(stdin: string): string {
  assert.match(stdin, DATE_LINE);
  return stdin.replace(DATE_LINE, "\t<DATE>\r\n");
}

/** The Received header msmtpd writes for a loopback TCP client, date replaced by `<DATE>`. */
export function receivedTcp(helo: string): string {
  return `Received: from ${helo} (localhost [127.0.0.1])\r\n` +
    "\tby localhost [127.0.0.1] (msmtpd) with ESMTP;\r\n\t<DATE>\r\n";
}

export type { Step };

/** {@link transcriptOn} against `server`: a final `["S", "<closed>"]` awaits the close. */
export function runSteps(server: MsmtpdServer, steps: Step[]): Promise<void> {
  return transcriptOn(server.port, steps);
}

/** Starts a server, runs `fn`, always stops it (forced: no client may hold the test up). */
export async function withServer(
  options: MsmtpdServerOptions,
  fn: (server: MsmtpdServer) => Promise<void>,
): Promise<void> {
  const server = await MsmtpdServer.start(options);
  try {
    await fn(server);
  } finally {
    await server.stop({ force: true });
  }
}

/** Starts a server piping to the recorder in a fresh directory; removes it afterwards. */
export async function withRecorder(
  options: MsmtpdServerOptions,
  fn: (server: MsmtpdServer, dir: string) => Promise<void>,
  args?: string,
): Promise<void> {
  const dir = tempDir();
  try {
    await withServer(
      { command: recorderCommand(dir, args), ...options },
      (server) => fn(server, dir),
    );
  } finally {
    removeDir(dir);
  }
}

/** A client that has read the greeting and been answered `250 localhost` to `HELO x`. */
export async function greeted(port: number): Promise<RawClient> {
  const c = await RawClient.connect(port);
  assert.equal(await c.readLine(), GREETING);
  await c.send("HELO x\r\n");
  assert.equal(await c.readLine(), "250 localhost\r\n");
  return c;
}

/** Sends one whole transaction and returns the reply to the final `.`. */
export async function sendMail(
  c: RawClient,
  from: string,
  to: string[],
  body: string | Uint8Array,
): Promise<string> {
  await c.send(`MAIL FROM:<${from}>\r\n`);
  assert.equal(await c.readLine(), OK);
  for (const rcpt of to) {
    await c.send(`RCPT TO:<${rcpt}>\r\n`);
    assert.equal(await c.readLine(), OK);
  }
  await c.send("DATA\r\n");
  assert.equal(await c.readLine(), "354 Send data\r\n");
  await c.send(body);
  return c.readLine();
}

/**
 * Resolves once a msmtpd daemon on `port` (127.0.0.1) serves a whole session: a probe greets,
 * says `HELO probe`, quits and waits for the close, so the probe's log lines are all written.
 * The daemon prints nothing when ready, so this waits with {@link connectWhenUp}.
 */
export async function waitForGreeting(port: number, exited: Promise<unknown>): Promise<void> {
  const c = await connectWhenUp(port, exited);
  await c.send("HELO probe\r\nQUIT\r\n");
  const all = await c.closed();
  assert.equal(all, GREETING + "250 localhost\r\n221 Bye\r\n", "probe session");
}

/** `msmtpd --inetd` started by a stand-in inetd for one TCP connection, see {@link spawnInetdOnSocket}. */
export interface InetdOnSocket {
  /** Connected to the session: its socket is the persona's stdin and stdout. */
  client: RawClient;
  /** The persona's exit status. */
  exited: Promise<number>;
}

/**
 * Runs `mocksmtp msmtpd --inetd ARGS` the way inetd does (tests/helpers/inetd_socket.py): with
 * a connected TCP socket on 127.0.0.1 (or ::1) as its stdin and stdout, the other end being
 * the returned client.
 */
export async function spawnInetdOnSocket(args: string[], ipv6 = false): Promise<InetdOnSocket> {
  const [cmd, argv] = cliCommand(["msmtpd", "--inetd", ...args]);
  const inetd = spawnWatched(
    "python3",
    [INETD_SOCKET, ...(ipv6 ? ["--ipv6"] : []), cmd, ...argv],
    { cwd: ROOT, stdio: ["ignore", "pipe", "inherit"] },
  );
  const [, port] = await inetd.waitStdout(/^port (\d+)\n/);
  const client = await RawClient.connect(Number(port), ipv6 ? "::1" : "127.0.0.1");
  const exited = inetd.waitStdout(/^exit (-?\d+)\n/m).then(([, code]) => Number(code));
  return { client, exited };
}
