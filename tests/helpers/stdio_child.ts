/**
 * Spawns tests/helpers/stdio_peer.ts under the runtime running the tests and offers the
 * child's stdin+stdout as one duplex, which is what an inetd client's socket looks like.
 */
import { type ChildProcessByStdio, spawn } from "node:child_process";
import process from "node:process";
import { Duplex, type Readable, type Writable } from "node:stream";
import { fileURLToPath } from "node:url";

const PEER = fileURLToPath(new URL("./stdio_peer.ts", import.meta.url));

/** A running peer. */
export interface StdioPeer {
  child: ChildProcessByStdio<Writable, Readable, null>;
  /** Writes go to the child's stdin, reads come from its stdout. */
  pipe: Duplex;
  /** The exit code (or the signal name) once the child is gone. */
  exited: Promise<number | string | null>;
}

/** Starts the peer; `env` is added to the current environment. */
export function spawnStdioPeer(env: Record<string, string> = {}): StdioPeer {
  const isBun = typeof (globalThis as { Bun?: unknown }).Bun !== "undefined";
  const args = isBun ? ["run", PEER] : ["run", "-A", "--quiet", PEER];
  const child = spawn(process.execPath, args, {
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, ...env },
  });
  const exited = new Promise<number | string | null>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? signal));
  });
  return { child, pipe: joinPipes(child.stdout, child.stdin), exited };
}

function joinPipes(input: Readable, output: Writable): Duplex {
  const duplex: Duplex = new Duplex({
    read() {
      input.resume();
    },
    write(chunk, _encoding, callback) {
      output.write(chunk, callback);
    },
    final(callback) {
      output.end(callback);
    },
  });
  input.on("data", (chunk: Uint8Array) => {
    if (!duplex.push(chunk)) input.pause();
  });
  input.on("end", () => duplex.push(null));
  // The child may be gone before we stop writing: EPIPE is expected then, not a failure.
  output.on("error", () => {});
  return duplex;
}
