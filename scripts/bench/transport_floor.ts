/**
 * What smtp-source's workload costs below the dialects: a server that answers it with fixed
 * replies and keeps nothing. `ours` goes through this tree's shared path (src/server.ts over
 * the runtime's listener, a LineReader, readData under serve's DATA policy), `raw` through the
 * runtime's own socket API alone (Bun.listen, Deno.listen), the floor the runtime sets.
 * scripts/bench/transport_floor.sh measures either with the server's CPU per message.
 *
 *   deno run -A scripts/bench/transport_floor.ts ours|raw PORT     (or: bun …)
 */
import process from "node:process";
import { Server } from "../../src/server.ts";
import { GrowingBody, LineReader, readData } from "../../src/smtp/framing.ts";
import type { SessionContext } from "../../src/smtp/session.ts";

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

async function engine(ctx: SessionContext): Promise<void> {
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

interface RawSocket {
  data: { inData: boolean; tail: string };
  write(d: Uint8Array): number;
  end(): void;
}

function rawBun(bun: { listen(o: unknown): unknown }): void {
  bun.listen({
    hostname: "127.0.0.1",
    port,
    socket: {
      open(s: RawSocket) {
        s.data = { inData: false, tail: "" };
        s.write(GREETING);
      },
      data(s: RawSocket, d: Uint8Array) {
        const st = s.data;
        if (st.inData) {
          st.tail = ends(st.tail, d);
          if (st.tail === "\r\n.\r\n") (st.inData = false, s.write(OK));
          return;
        }
        const v = verb(d);
        if (v === "DATA") (st.inData = true, st.tail = "\r\n", s.write(GO));
        else if (v === "QUIT") (s.write(BYE), s.end());
        else s.write(answer(d[0], d[1], d[2], d[3]));
      },
      close() {},
    },
  });
}

async function rawDenoSession(conn: Deno.TcpConn): Promise<void> {
  conn.setNoDelay(true);
  const buf = new Uint8Array(4096);
  let inData = false;
  let tail = "";
  await conn.write(GREETING);
  for (;;) {
    const n = await conn.read(buf);
    if (n === null) break;
    const d = buf.subarray(0, n);
    if (inData) {
      tail = ends(tail, d);
      if (tail === "\r\n.\r\n") (inData = false, await conn.write(OK));
      continue;
    }
    const v = verb(d);
    if (v === "DATA") (inData = true, tail = "\r\n", await conn.write(GO));
    else if (v === "QUIT") {
      await conn.write(BYE);
      break;
    } else await conn.write(answer(d[0], d[1], d[2], d[3]));
  }
  conn.close();
}

// A profiler writes its profile on exit.
process.on("SIGINT", () => process.exit(0));
const bun = (globalThis as { Bun?: { listen(o: unknown): unknown } }).Bun;
if (mode === "ours") {
  await Server.start({ hostname: "127.0.0.1", port, engine });
} else if (bun) {
  rawBun(bun);
} else {
  for await (const conn of Deno.listen({ hostname: "127.0.0.1", port })) {
    rawDenoSession(conn as Deno.TcpConn).catch(() => {});
  }
}
