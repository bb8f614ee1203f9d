/**
 * Probes for smtpmock behaviour tests: prove silence with a NOOP, talk in
 * request/reply pairs, see whether a port takes connections, read a process's RSS.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import net from "node:net";
import type { RawClient } from "./raw_client.ts";

/**
 * Proves the previous line got no reply: NOOP is answered, and its reply is the next thing
 * on the wire.
 */
export async function assertNoReply(c: RawClient, noopReply = "250 Ok\r\n"): Promise<void> {
  await c.send("NOOP\r\n");
  assert.equal(await c.readLine(), noopReply, "the next bytes are NOOP's reply");
}

/** Sends each request and checks that exactly the paired reply comes back. */
export async function talk(c: RawClient, pairs: Array<[string, string]>): Promise<void> {
  for (const [request, reply] of pairs) {
    await c.send(request);
    assert.equal(await c.readLine(), reply, `reply to ${JSON.stringify(request.slice(0, 80))}`);
  }
}

/** Milliseconds since `start` (a `performance.now()` value). */
export function since(start: number): number {
  return performance.now() - start;
}

/** Resolves with the error code of a connection attempt that fails, or "connected". */
export function connectOutcome(port: number, host = "127.0.0.1"): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, host);
    s.once("connect", () => {
      s.destroy();
      resolve("connected");
    });
    s.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
  });
}

/** Resident set size of a process in KiB, from /proc (Linux). */
export function vmRssKiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const m = status.match(/^VmRSS:\s+(\d+) kB$/m);
  if (!m) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]);
}

/** Rejects with `what` if `p` has not settled within `ms` (guards against a hung test). */
export function within<T>(ms: number, p: Promise<T>, what = "operation"): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const guard = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms} ms`)), ms);
  });
  return Promise.race([p, guard]).finally(() => clearTimeout(timer));
}
