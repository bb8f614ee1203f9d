// The runtime transports under hostile conditions (issue 14, items 4–6): clients that reset the
// connection while it waits to be accepted or right after their final dot, and a server that
// runs out of file descriptors. Real sockets, real processes; same file on Deno and Bun.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { MsmtpdServer } from "../src/api/msmtpd.ts";
import { SmtpmockServer } from "../src/api/smtpmock.ts";
import { AcceptError, type Conn, type Listener } from "../src/net/types.ts";
import { Server } from "../src/server.ts";
import { cliCommand, freePort, isBun, ROOT } from "./helpers/cli.ts";
import { certFiles, R, scratch } from "./helpers/mockmta.ts";
import { recorded, recorderCommand, removeDir, tempDir } from "./helpers/msmtpd.ts";
import { shellQuote, spawnWatched, type Watched } from "./helpers/process.ts";
import { connectWhenUp, RawClient } from "./helpers/raw_client.ts";
import { within } from "./helpers/smtpmock_probe.ts";

/**
 * Python clients that each connect, send `data` (may be empty) and reset the connection
 * (SO_LINGER 0, then close), one after the other; argv: port, count, data.
 */
const RESETTING_CLIENTS = `
import socket, struct, sys
port, count, data = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].encode()
for _ in range(count):
    s = socket.create_connection(("127.0.0.1", port))
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    if data:
        s.sendall(data)
    s.close()
`;

/**
 * Runs {@link RESETTING_CLIENTS} synchronously: the server in this process cannot run meanwhile,
 * so every connection is queued by the kernel and reset before the runtime accepts it. `count`
 * stays below the listen backlog (511 on Deno, 512 on Bun), or connect would block.
 */
function resetWhileQueued(port: number, count: number, data = ""): void {
  const r = spawnSync("python3", ["-c", RESETTING_CLIENTS, String(port), String(count), data]);
  assert.equal(r.status, 0, String(r.stderr));
}

const MAIL = "Subject: reset\r\n\r\nThe whole body.\r\n";
const TRANSACTION =
  `HELO client.example\r\nMAIL FROM:<a@b.org>\r\nRCPT TO:<c@d.org>\r\nDATA\r\n${MAIL}.\r\n`;

test("transport: 200 clients reset while queued do not delay the next client's greeting", async () => {
  const logged: string[] = [];
  const server = await SmtpmockServer.start({
    logger: { error: (m) => logged.push(m), warning: (m) => logged.push(m) },
  });
  try {
    resetWhileQueued(server.port, 200);
    const c = await RawClient.connect(server.port);
    try {
      // Deno's accept throws NotConnected for each of the 200; the old 50 ms pause after each
      // made this greeting wait 10 s. A normal greeting takes milliseconds: 2 s is generous
      // for a loaded machine and still far below 10 s.
      assert.equal(await within(2000, c.readLine(), "greeting"), "220 Welcome\r\n");
    } finally {
      c.close();
    }
    assert.deepEqual(logged.filter((m) => /accept|descriptor/.test(m)), [], "no back-off logged");
  } finally {
    await server.stop({ force: true });
  }
});

/** One scripted outcome of a fake listener's accept(): an error code, or a connection. */
type Outcome = string | "conn";

/**
 * Runs the accept loop over a listener that answers `script` in turn, with a clock whose timers
 * fire at once and are recorded. Resolves with the pauses asked for and the lines logged.
 */
async function acceptLoop(script: Outcome[]): Promise<{ pauses: number[]; logged: string[] }> {
  const pauses: number[] = [];
  const logged: string[] = [];
  let drained!: () => void;
  const done = new Promise<void>((r) => drained = r);
  let closed!: (c: null) => void;
  const conn: Conn = {
    remote: { hostname: "127.0.0.1", port: 1 },
    local: { hostname: "127.0.0.1", port: 2 },
    read: () => Promise.resolve(null),
    write: () => Promise.resolve(),
    close: () => {},
  };
  const listener: Listener = {
    addr: { hostname: "127.0.0.1", port: 25 },
    accept() {
      const next = script.shift();
      if (next === undefined) {
        drained();
        return new Promise((r) => closed = r);
      }
      if (next === "conn") return Promise.resolve(conn);
      return Promise.reject(new AcceptError(next, next));
    },
    close: () => closed?.(null),
  };
  const server = await Server.start({
    hostname: "127.0.0.1",
    port: 0,
    engine: () => Promise.resolve(),
    log: (_, m) => logged.push(m),
    listen: () => Promise.resolve(listener),
    clock: {
      now: () => 0,
      setTimeout: (fn, ms) => {
        pauses.push(ms);
        queueMicrotask(fn);
      },
      clearTimeout: () => {},
    },
  });
  await done;
  await server.stop(0);
  return { pauses, logged };
}

test("server: a connection lost in the queue costs no pause; a shortage backs off, logged once", async () => {
  const { pauses, logged } = await acceptLoop([
    ...Array(5).fill("ENOTCONN"),
    "ECONNRESET",
    "ECONNABORTED",
    "conn",
    ...Array(10).fill("EMFILE"),
    // At the limit each ended session lets one client in: still the same shortage.
    "conn",
    "EMFILE",
    "conn",
    "conn",
    // Over once two accepts in a row worked: the next shortage is told again.
    "ENFILE",
    "conn",
  ]);
  assert.deepEqual(pauses, [10, 20, 40, 80, 160, 320, 640, 1000, 1000, 1000, 1000, 10]);
  assert.deepEqual(logged, [
    "out of file descriptors: not accepting connections until sessions end",
    "out of file descriptors: not accepting connections until sessions end",
  ]);
});

test("server: another listener error backs off too and is told with its message", async () => {
  const { pauses, logged } = await acceptLoop(["EINVAL", "EINVAL", "conn", "conn"]);
  assert.deepEqual(pauses, [10, 20]);
  assert.deepEqual(logged, ["cannot accept connection: EINVAL"]);
});

/** A line of the msmtpd log that tells where a session came from. */
const CONNECTION_FROM = /^connection from (.*), active sessions/;

test("transport: a client resetting right after its final dot still has its mail piped (×50)", async () => {
  const dir = tempDir();
  const logged: string[] = [];
  const server = await MsmtpdServer.start({
    command: recorderCommand(dir),
    logger: { info: (m) => logged.push(m), error: (m) => logged.push(m) },
  });
  try {
    for (let i = 0; i < 50; i++) {
      const c = await RawClient.connect(server.port);
      assert.match(await c.readLine(), /^220 /);
      await c.send(TRANSACTION); // handed to the kernel, which sends it before the reset
      c.socket.resetAndDestroy();
      await within(5000, server.waitForMessages(i + 1), "delivery"); // the recorder counts on order
    }
    await server.stop();
    const mails = recorded(dir);
    assert.equal(mails.length, 50);
    for (const mail of mails) assert.ok(mail.stdin.endsWith("Subject: reset\n\nThe whole body.\n"));
    const from = logged.flatMap((m) => m.match(CONNECTION_FROM)?.[1] ?? []);
    assert.deepEqual(new Set(from), new Set(["127.0.0.1"]));
  } finally {
    await server.stop({ force: true });
    removeDir(dir);
  }
});

test("transport: clients reset before they were accepted: each session they get delivers, with an address", async () => {
  const dir = tempDir();
  const logged: string[] = [];
  // One session at a time: the recorder numbers deliveries assuming they come in turn.
  const server = await MsmtpdServer.start({
    command: recorderCommand(dir),
    maxSessions: 1,
    logger: { info: (m) => logged.push(m), error: (m) => logged.push(m) },
  });
  try {
    resetWhileQueued(server.port, 50, TRANSACTION);
    // Accepting is first come, first served: once this client is greeted, all 50 were handled.
    const c = await RawClient.connect(server.port);
    assert.match(await within(10000, c.readLine(), "greeting"), /^220 /);
    await c.send("QUIT\r\n");
    await c.closed();
    await server.stop();
    const from = logged.flatMap((m) => m.match(CONNECTION_FROM)?.[1] ?? []);
    assert.equal(from.pop(), "127.0.0.1", "the client that stayed");
    // Bun accepts such a connection but can no longer tell the peer's address (the kernel has
    // forgotten it): it is reported empty, as for inetd over pipes, never `undefined`.
    // Deno.listen drops it inside accept() (NotConnected), bytes and all: no session, no mail.
    assert.deepEqual(from, Array(isBun ? 50 : 0).fill(""));
    const mails = recorded(dir);
    assert.equal(mails.length, from.length, "every session delivered its mail");
    for (const mail of mails) {
      assert.ok(mail.stdin.startsWith("Received: from client.example ([])\r\n"), mail.stdin);
      assert.ok(mail.stdin.endsWith("Subject: reset\n\nThe whole body.\n"), mail.stdin);
    }
  } finally {
    await server.stop({ force: true });
    removeDir(dir);
  }
});

test("transport: smtpmock records a string remoteAddress for a client reset before accept", async () => {
  const server = await SmtpmockServer.start();
  try {
    resetWhileQueued(server.port, 20, TRANSACTION);
    const c = await RawClient.connect(server.port);
    assert.equal(await within(10000, c.readLine(), "greeting"), "220 Welcome\r\n");
    await c.send("QUIT\r\n");
    await c.closed();
    await server.stop();
    const reset = server.sessions().filter((s) => s.heloRequest === "HELO client.example");
    assert.equal(reset.length, isBun ? 20 : 0, "sessions of the clients that reset (see above)");
    assert.equal(server.messages().length, reset.length, "each delivered its message");
    for (const s of server.sessions()) {
      assert.equal(typeof s.remoteAddress.hostname, "string");
      assert.equal(typeof s.remoteAddress.port, "number");
    }
  } finally {
    await server.stop({ force: true });
  }
});

/** Descriptors for the server process; the runtime itself holds about 25 (Deno) or 9 (Bun). */
const FD_LIMIT = 64;

/** utime + stime of a process in milliseconds, from /proc (Linux, 100 ticks a second). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** A persona to run out of descriptors, and a short session it must still serve. */
interface LimitedServer {
  args: string[];
  /** Resolves with the port once the server listens. */
  listening(server: Watched): Promise<number>;
  greeting: string;
  session: Array<[string, string]>;
}

const SMTPMOCK: LimitedServer = {
  args: ["smtpmock", "-log"],
  listening: async (server) => Number((await server.waitStdout(/started on port: (\d+)/))[1]),
  greeting: "220 Welcome\r\n",
  session: [["EHLO example.com\r\n", "250 Received\r\n"], [
    "QUIT\r\n",
    "221 Closing connection\r\n",
  ]],
};

/** mockmta with STARTTLS (-c/-k); its files are removed afterwards. */
async function withMockmtaTls(fn: (limited: LimitedServer) => Promise<void>): Promise<void> {
  const s = await scratch();
  try {
    const files = await certFiles(s.dir);
    const port = await freePort();
    await fn({
      args: ["mockmta", "-f", "-p", String(port), "-c", files.cert, "-k", files.key, s.mailbox],
      listening: async (server) => {
        await server.waitStderr(/listening on 127\.0\.0\.1:\d+/);
        return port;
      },
      greeting: R.greeting,
      session: [["HELO x\r\n", R.helo], ["QUIT\r\n", R.bye]],
    });
  } finally {
    await s.cleanup();
  }
}

/** Runs `limited` (under `ulimit -n` if given) for `fn`; kills it and every client after. */
async function running(
  limited: LimitedServer,
  ulimit: number | null,
  fn: (server: Watched, port: number, clients: RawClient[]) => Promise<void>,
): Promise<void> {
  const [cmd, args] = cliCommand(limited.args);
  const line = `${ulimit ? `ulimit -n ${ulimit} && ` : ""}exec ${
    [cmd, ...args].map(shellQuote).join(" ")
  }`;
  const server = spawnWatched("sh", ["-c", line], { cwd: ROOT });
  const clients: RawClient[] = [];
  try {
    await fn(server, await limited.listening(server), clients);
  } finally {
    for (const c of clients) c.close();
    server.kill("SIGKILL");
    await server.exited;
  }
}

/**
 * Once the shortage is logged: the process sleeps instead of retrying accept() in a busy loop
 * (Bun did: 100 % of a core), measured over 2 s and asserted far below that; it said so once;
 * `session` is served in full on the greeted client `first`.
 */
async function assertIdleAndServing(
  limited: LimitedServer,
  server: Watched,
  first: RawClient,
): Promise<void> {
  const before = cpuMs(server.child.pid!);
  await new Promise((r) => setTimeout(r, 2000));
  const used = cpuMs(server.child.pid!) - before;
  assert.ok(used < 500, `CPU ${used} ms in 2000 ms while out of descriptors`);
  const told = server.stderr.match(/out of file descriptors/g)?.length;
  assert.equal(told, 1, `said once while the shortage lasts: ${server.stderr}`);
  for (const [request, reply] of limited.session) {
    await first.send(request);
    assert.equal(await within(10000, first.readLine(), request), reply);
  }
}

/** Once the held clients are gone, a new client is served (after a refusal or two on Bun). */
async function assertRecovers(
  limited: LimitedServer,
  server: Watched,
  port: number,
  clients: RawClient[],
): Promise<void> {
  for (const c of clients.splice(0)) c.close();
  const next = await connectWhenUp(port, server.exited);
  clients.push(next);
  assert.equal(await within(10000, next.readLine(), "greeting"), limited.greeting);
}

/** More clients than `ulimit -n` allows descriptors. */
async function outOfDescriptors(limited: LimitedServer): Promise<void> {
  await running(limited, FD_LIMIT, async (server, port, clients) => {
    // Those the server cannot take wait or are refused.
    const attempts = await Promise.allSettled(
      Array.from({ length: 2 * FD_LIMIT }, () => RawClient.connect(port)),
    );
    for (const a of attempts) if (a.status === "fulfilled") clients.push(a.value);
    await within(10000, server.waitStderr(/out of file descriptors/), "the log line");
    const greeted = clients.map(async (c) => {
      if (await c.readLine() !== limited.greeting) throw new Error("not greeted");
      return c;
    });
    const first = await within(10000, Promise.any(greeted), "a greeting");
    await assertIdleAndServing(limited, server, first);
    await assertRecovers(limited, server, port, clients);
  });
}

/**
 * Descriptors run out with no accept to notice it: the limit is lowered (prlimit) to what the
 * server holds, then a client knocks. The transports' periodic check must catch it.
 */
async function descriptorsTakenElsewhere(limited: LimitedServer): Promise<void> {
  await running(limited, null, async (server, port, clients) => {
    const pid = server.child.pid!;
    for (let i = 0; i < 3; i++) {
      const c = await RawClient.connect(port);
      clients.push(c);
      assert.equal(await within(10000, c.readLine(), "greeting"), limited.greeting);
    }
    const held = readdirSync(`/proc/${pid}/fd`).length;
    const r = spawnSync("prlimit", ["--pid", String(pid), `--nofile=${held}:${held}`]);
    assert.equal(r.status, 0, String(r.stderr));
    const knocking = await RawClient.connect(port);
    await within(10000, server.waitStderr(/out of file descriptors/), "the log line");
    await assertIdleAndServing(limited, server, clients[0]);
    clients.push(knocking);
    await assertRecovers(limited, server, port, clients);
  });
}

test("transport: out of file descriptors smtpmock idles, serves its sessions, says so once, recovers", async () => {
  await outOfDescriptors(SMTPMOCK);
});

test("transport: out of file descriptors the STARTTLS listener (mockmta -c/-k) idles and recovers too", async () => {
  await withMockmtaTls(outOfDescriptors);
});

test("transport: descriptors taken by something else: smtpmock notices, idles, recovers", async () => {
  await descriptorsTakenElsewhere(SMTPMOCK);
});

test("transport: descriptors taken by something else: the STARTTLS listener notices, recovers", async () => {
  await withMockmtaTls(descriptorsTakenElsewhere);
});

test("transport: a listener collecting after every closed connection serves on (collectEvery)", async () => {
  const greeting = new TextEncoder().encode("220 hi\r\n");
  // On Bun each close asks for a full collection; the other transports ignore the option.
  const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
  const gc = bun?.gc;
  const asked: boolean[] = [];
  if (bun && gc) bun.gc = (force) => (asked.push(force), gc(force));
  const server = await Server.start({
    hostname: "127.0.0.1",
    port: 0,
    collectEvery: 1,
    engine: (ctx) => ctx.wire.write(greeting),
  });
  try {
    for (let i = 0; i < 5; i++) {
      const c = await RawClient.connect(server.address.port);
      try {
        assert.equal(await within(2000, c.readLine(), "greeting"), "220 hi\r\n");
      } finally {
        c.close();
      }
    }
    // Bun reports a close a turn or more after the session closed its socket.
    for (let t = 0; isBun && asked.length < 5 && t < 200; t++) await sleepMs(10);
  } finally {
    await server.stop(1000);
    if (bun && gc) bun.gc = gc;
  }
  if (isBun) assert.deepEqual(asked, [true, true, true, true, true]);
});

function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
