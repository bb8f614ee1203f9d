/**
 * What smtp-source's workload costs below the dialects: a server that answers it with fixed
 * replies and keeps nothing. `ours` goes through this tree's shared path (src/server.ts over
 * the runtime's listener, a LineReader, readData under serve's DATA policy), `raw` through the
 * runtime's own socket API alone (Bun.listen, Deno.listen), the floor the runtime sets. Between
 * them, to tell where the difference goes: `bare`, the same engine over the transport without
 * the Server (its per-connection registry, context and signal), and `wire`, raw's session over
 * the transport's Conn (no LineReader, no readData).
 * scripts/bench/transport_floor.sh measures either with the server's CPU per message.
 *
 *   deno run -A scripts/bench/transport_floor.ts ours|bare|wire|raw PORT     (or: bun …)
 */
import process from "node:process";
import { Server } from "../../src/server.ts";
import { GrowingBody, LineReader, readData } from "../../src/smtp/framing.ts";
import type { SessionContext } from "../../src/smtp/session.ts";
import { listen } from "../../src/net/runtime.ts";
import type { Conn } from "../../src/net/types.ts";

const [mode, portText] = process.argv.slice(-2);
const port = Number(portText);
const te = new TextEncoder();
const reply = (text: string) => te.encode(text + "\r\n");
const GREETING = reply("220 floor ESMTP");
const OK = reply("250 ok");
const GO = reply("354 go");
const BYE = reply("221 bye");
const EHLO = reply("250-floor\r\n250 PIPELINING");
const ENDING = {
  lineStart: "crlf",
  dotCrlf: true,
  dotLf: false,
  sameEnding: true,
  keepLoneDot: false,
} as const;

/** The reply to a command line (its first four bytes), DATA and QUIT aside. */
function answer(b0: number, b1: number, b2: number, b3: number): Uint8Array {
  return String.fromCharCode(b0, b1, b2, b3).toUpperCase() === "EHLO" ? EHLO : OK;
}

function verb(line: Uint8Array): string {
  return String.fromCharCode(line[0], line[1], line[2], line[3]).toUpperCase();
}

async function engine(ctx: Pick<SessionContext, "wire">): Promise<void> {
  const { wire } = ctx;
  const reader = new LineReader(() => wire.read(), 512);
  await wire.write(GREETING);
  for (;;) {
    const line = await reader.readLine();
    if (line === null) return;
    const v = verb(line);
    if (v === "QUIT") return wire.write(BYE);
    if (v !== "DATA") {
      await wire.write(answer(line[0], line[1], line[2], line[3]));
      continue;
    }
    await wire.write(GO);
    const body = new GrowingBody(1 << 20);
    const read = await readData(reader, {
      ending: ENDING,
      body,
      maxSize: 1 << 20,
      overflow: "drain",
    });
    if (read.end !== "data") return;
    await wire.write(OK);
  }
}

/** Whether a body's last bytes (with the `tail` kept from before) end it. */
function ends(tail: string, chunk: Uint8Array): string {
  return (tail + String.fromCharCode(...chunk.subarray(Math.max(0, chunk.length - 5)))).slice(-5);
}

/** Where a chunk-per-command session stands (the raw servers and `wire`). */
interface Dialogue {
  inData: boolean;
  tail: string;
  quit: boolean;
}

const dialogue = (): Dialogue => ({ inData: false, tail: "", quit: false });

/**
 * The reply to a chunk, taken as a whole command or a part of a body (smtp-source's workload
 * arrives so), or `undefined` while a body goes on.
 */
function respond(st: Dialogue, d: Uint8Array): Uint8Array | undefined {
  if (st.inData) {
    st.tail = ends(st.tail, d);
    if (st.tail !== "\r\n.\r\n") return undefined;
    st.inData = false;
    return OK;
  }
  const v = verb(d);
  if (v === "DATA") {
    st.inData = true;
    st.tail = "\r\n";
    return GO;
  }
  if (v === "QUIT") {
    st.quit = true;
    return BYE;
  }
  return answer(d[0], d[1], d[2], d[3]);
}

interface RawSocket {
  data: Dialogue;
  write(d: Uint8Array): number;
  end(): void;
}

function rawBun(bun: { listen(o: unknown): unknown }): void {
  bun.listen({
    hostname: "127.0.0.1",
    port,
    socket: {
      open(s: RawSocket) {
        s.data = dialogue();
        s.write(GREETING);
      },
      data(s: RawSocket, d: Uint8Array) {
        const reply = respond(s.data, d);
        if (reply) s.write(reply);
        if (s.data.quit) s.end();
      },
      close() {},
    },
  });
}

async function rawDenoSession(conn: Deno.TcpConn): Promise<void> {
  conn.setNoDelay(true);
  const buf = new Uint8Array(4096);
  const st = dialogue();
  await conn.write(GREETING);
  while (!st.quit) {
    const n = await conn.read(buf);
    if (n === null) break;
    const reply = respond(st, buf.subarray(0, n));
    if (reply) await conn.write(reply);
  }
  conn.close();
}

/** `wire`: the raw servers' session over this tree's transport (its Conn), without a Server. */
async function wireSession(c: Conn): Promise<void> {
  const st = dialogue();
  await c.write(GREETING);
  while (!st.quit) {
    const d = await c.read();
    if (d === null) break;
    const reply = respond(st, d);
    if (reply) await c.write(reply);
  }
  c.close();
}

/** Every connection of this tree's transport to `session`, as a Server would, without one. */
async function acceptAll(session: (c: Conn) => Promise<void>): Promise<void> {
  const listener = await listen({ hostname: "127.0.0.1", port });
  for (let c; (c = await listener.accept()) !== null;) session(c).catch(() => c.close());
}

// A profiler writes its profile on exit.
process.on("SIGINT", () => process.exit(0));
const bun = (globalThis as { Bun?: { listen(o: unknown): unknown } }).Bun;
if (mode === "ours") {
  await Server.start({ hostname: "127.0.0.1", port, engine });
} else if (mode === "bare") {
  // The engine without the Server: what src/server.ts adds per connection is ours − bare.
  await acceptAll((c) => engine({ wire: c }).finally(() => c.close()));
} else if (mode === "wire") {
  // The transport without LineReader/readData: what they add is bare − wire.
  await acceptAll(wireSession);
} else if (bun) {
  rawBun(bun);
} else {
  for await (const conn of Deno.listen({ hostname: "127.0.0.1", port })) {
    rawDenoSession(conn as Deno.TcpConn).catch(() => {});
  }
}
