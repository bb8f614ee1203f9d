/**
 * Spawns tests/helpers/stdio_peer.ts under the runtime running the tests and offers the
 * child's stdin+stdout as one duplex, which is what an inetd client's socket looks like.
 */
import { type ChildProcessByStdio, spawn } from "node:child_process";
import process from "node:process";
import type { Duplex, Readable, Writable } from "node:stream";
import { fileURLToPath } from "node:url";
import { scriptCommand } from "./cli.ts";
import { joinPipes } from "./raw_client.ts";

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
  const [cmd, args] = scriptCommand(PEER);
  const child = spawn(cmd, args, {
    stdio: ["pipe", "pipe", "inherit"],
    env: { ...process.env, ...env },
  });
  const exited = new Promise<number | string | null>((resolve) => {
    child.once("exit", (code, signal) => resolve(code ?? signal));
  });
  return { child, pipe: joinPipes(child.stdout, child.stdin), exited };
}
