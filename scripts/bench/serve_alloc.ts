/**
 * What serve allocates per message, garbage included, by function and by file: V8's sampling
 * heap profiler (through `node:inspector`, so Deno only) keeps the objects that minor and major
 * collections freed, while smtp-source sends N messages of 1 KiB over 50 sessions (`KEEP=1`:
 * kept alive) to an in-process `ServeServer`. Counts that other processes do not move; where
 * the scavenges per message (`--trace-gc`) come from.
 *   deno run -A scripts/bench/serve_alloc.ts
 * With `--v8-flags=--no-turbo-inlining,--no-maglev-inlining` each allocation is charged to the
 * function that made it rather than to the one it was inlined into (totals barely move).
 * Environment: N (default 10000), KEEP=1, TOP (default 40); smtp-source on PATH (/usr/sbin).
 */
import process from "node:process";
import { Session } from "node:inspector";
import { ServeServer } from "../../src/api/serve.ts";
import { smtpSource } from "./smtp_source.ts";

const N = Number(process.env.N ?? 10000);
const keep = process.env.KEEP === "1";
const top = Number(process.env.TOP ?? 40);

interface ProfileNode {
  callFrame: { functionName: string; url: string; lineNumber: number };
  selfSize: number;
  children: ProfileNode[];
}

const inspector = new Session();
inspector.connect();
function post<T>(method: string, params: object = {}): Promise<T> {
  return new Promise((resolve, reject) =>
    inspector.post(method, params, (e, r) => e ? reject(e) : resolve(r as T))
  );
}

const server = await ServeServer.start({ http: false, max: N, tls: { caOut: false } });

const drive = (n: number) => smtpSource(server.port, n, keep);

await drive(2000); // code paths warm and optimized before sampling
await server.idle();
await post("HeapProfiler.startSampling", {
  samplingInterval: 256,
  includeObjectsCollectedByMajorGC: true,
  includeObjectsCollectedByMinorGC: true,
});
await drive(N);
await server.idle();
const { profile } = await post<{ profile: { head: ProfileNode } }>("HeapProfiler.stopSampling");
await server.stop({ force: true });

/** Where a frame is: its file within the checkout (or the runtime's own), line, function. */
function place(node: ProfileNode): { file: string; fn: string } {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url ? url.replace(/^file:\/\/.*?\/(src|scripts)\//, "$1/") : "(native)";
  return { file, fn: `${functionName || "(anonymous)"} ${file}:${lineNumber + 1}` };
}

const byFile = new Map<string, number>();
const byFunction = new Map<string, number>();
let total = 0;
// Natives (subarray, then, join, …) are named with the caller that ran them.
const walk = (node: ProfileNode, caller: string) => {
  const { file, fn } = place(node);
  const name = node.callFrame.url ? fn : `${fn.split(" ")[0]} <- ${caller}`;
  if (node.selfSize > 0) {
    total += node.selfSize;
    byFile.set(file, (byFile.get(file) ?? 0) + node.selfSize);
    byFunction.set(name, (byFunction.get(name) ?? 0) + node.selfSize);
  }
  for (const child of node.children) walk(child, node.callFrame.url ? fn : caller);
};
walk(profile.head, "(root)");

const perMessage = (bytes: number) => String(Math.round(bytes / N)).padStart(7);
const show = (m: Map<string, number>, k: number) =>
  [...m].sort((a, b) => b[1] - a[1]).slice(0, k).forEach(([name, bytes]) =>
    console.log(`${perMessage(bytes)} B  ${name}`)
  );
console.log(
  `deno ${keep ? "kept alive" : "new connection"}, ${N} messages: ` +
    `${perMessage(total).trim()} B allocated per message\n\nby file:`,
);
show(byFile, 25);
console.log("\nby function (self):");
show(byFunction, top);
process.exit(0);
