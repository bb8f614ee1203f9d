/**
 * Heap bytes per stored message of `ServeServer` (in-process): smtp-source sends N messages of
 * 1 KiB over 50 sessions (`KEEP=1`: kept alive), then a full GC; prints the growth of
 * `heapUsed`, `external` and `rss` per message. A count that the machine's noise does not move,
 * beside scripts/bench/serve.sh's RSS. Needs a GC the script can call:
 *   deno run -A --v8-flags=--expose-gc scripts/bench/serve_heap.ts     (or: bun run …)
 * Environment: N (default 20000), KEEP=1; smtp-source (postfix) on PATH, e.g. /usr/sbin.
 */
import process from "node:process";
import { ServeServer } from "../../src/api/serve.ts";
import { smtpSource } from "./smtp_source.ts";

const N = Number(process.env.N ?? 20000);
const keep = process.env.KEEP === "1";

function gc(): void {
  const g = globalThis as { gc?: () => void; Bun?: { gc(full: boolean): void } };
  if (g.gc) (g.gc(), g.gc());
  else if (g.Bun) (g.Bun.gc(true), g.Bun.gc(true));
  else throw new Error("no GC to call: run deno with --v8-flags=--expose-gc");
}

const server = await ServeServer.start({ http: false, max: N, tls: { caOut: false } });

const drive = (n: number) => smtpSource(server.port, n, keep);

await drive(200); // code paths warm, then forgotten
server.purge();
await server.idle();
gc();
const before = process.memoryUsage();
await drive(N);
await server.idle();
gc();
const after = process.memoryUsage();
const per = (k: "heapUsed" | "external" | "rss") => Math.round((after[k] - before[k]) / N);
console.log(
  `${"Bun" in globalThis ? "bun" : "deno"} ${keep ? "kept alive" : "new connection"}: ` +
    `${server.store.size} stored; per message: heap ${per("heapUsed")} B, ` +
    `external ${per("external")} B, rss ${per("rss")} B`,
);
await server.stop({ force: true });
