/**
 * Peak memory of a mockmta daemon receiving one large message (issue 14.7), measured, never
 * asserted. `mockmta_memory.ts RUNTIME MIB [MIB…]`: for each size, a fresh
 * `mockmta -f` under RUNTIME (`bun`: `bun run cli.ts`, smol mode from bunfig.toml; `deno`:
 * `deno run -A --v8-flags=--max-semi-space-size=2 cli.ts`, as `npm start` runs it) gets one
 * small message (the baseline), then one message of MIB MiB; VmHWM (peak RSS) is read from
 * /proc after each. Prints one line per size: `RUNTIME MIB reply baseline-MiB peak-MiB`.
 * MOCKMTA_ROOT runs another checkout (e.g. `git archive` of an older commit).
 */
import net from "node:net";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { freePort, ROOT } from "./cli.ts";
import { spawnWatched } from "./process.ts";

async function vmHwmMiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, "latin1");
  return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) / 1024;
}

/** Sends one message of `bytes` body bytes (78-byte CRLF lines); resolves with the final reply. */
function send(port: number, bytes: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    let got = "";
    let sent = false;
    socket.on("error", reject);
    socket.on("data", async (chunk: Uint8Array) => {
      got += new TextDecoder().decode(chunk);
      if (!sent && got.includes("354 ")) {
        sent = true;
        const line = "x".repeat(76) + "\r\n";
        const block = new TextEncoder().encode(line.repeat(Math.floor(1024 * 1024 / 78)));
        for (let at = 0; at < bytes; at += block.length) {
          if (!socket.write(block)) await new Promise((r) => socket.once("drain", r));
        }
        socket.write(".\r\nQUIT\r\n");
      }
    });
    socket.on("close", () => {
      const finals = got.split("\r\n").filter((l) => /^(250 \d{4}|5\d\d|4\d\d)/.test(l));
      resolve(finals.at(-1) ?? got);
    });
    socket.write("EHLO memory\r\nMAIL FROM:<m@example.org>\r\nRCPT TO:<r@example.net>\r\nDATA\r\n");
  });
}

/** The checkout to run (MOCKMTA_ROOT: e.g. an older version unpacked elsewhere). */
const root = process.env.MOCKMTA_ROOT ?? ROOT;

async function measure(runtime: string, mib: number): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "mockmta-memory-"));
  const port = await freePort();
  const args = ["mockmta", "-f", "-p", String(port), "-l", "notice", join(dir, "mbox")];
  const server = runtime === "bun"
    ? spawnWatched("bun", ["run", "cli.ts", ...args], { cwd: root })
    : spawnWatched(
      "deno",
      ["run", "-A", "--v8-flags=--max-semi-space-size=2", "cli.ts", ...args],
      { cwd: root },
    );
  try {
    await server.waitStderr(/listening on/);
    const pid = server.child.pid!;
    await send(port, 1000);
    const baseline = await vmHwmMiB(pid);
    const reply = await send(port, mib * 1024 * 1024);
    const peak = await vmHwmMiB(pid);
    return `${runtime} ${mib} ${JSON.stringify(reply)} ${baseline.toFixed(1)} ${peak.toFixed(1)}`;
  } finally {
    server.kill("SIGKILL");
    await server.exited;
    await rm(dir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const [runtime, ...sizes] = process.argv.slice(2);
  for (const mib of sizes) console.log(await measure(runtime, Number(mib)));
}
