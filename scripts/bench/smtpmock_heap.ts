/**
 * An in-process smtpmock server started as the CLI starts it, for
 * `closed_connections.py --heap`: prints the start line, then answers each line on stdin with
 * the heap after a full collection (Bun: `Bun.gc(true)` and object counts by type; Deno: run
 * with `--v8-flags=--expose-gc`, V8's spaces). What is still there after every round of
 * sessions is held by something; what the runtime merely has not collected is not.
 *
 *   bun run scripts/bench/smtpmock_heap.ts [--api] [--sessions]
 *   deno run -A --v8-flags=--expose-gc scripts/bench/smtpmock_heap.ts [--api] [--sessions]
 *
 * `--api` keeps messages as `-httpApi` does; `--sessions` keeps per-connection records too.
 */
import process from "node:process";
import { createInterface } from "node:readline";
import { SmtpmockServer } from "../../mod.ts";

const server = await SmtpmockServer.start({
  keepMessages: process.argv.includes("--api"),
  keepSessions: process.argv.includes("--sessions"),
});
console.log(`SMTP mock server started on port: ${server.port}`);

// deno-lint-ignore no-explicit-any
const runtime = globalThis as any;
const mb = (n: number) => (n / 1048576).toFixed(1);

async function heapFigures(): Promise<string> {
  for (let i = 0; i < 2; i++) {
    if (runtime.Bun) runtime.Bun.gc(true);
    else runtime.gc?.();
    await new Promise((r) => setTimeout(r, 50));
  }
  const m = process.memoryUsage();
  let out = `rss=${mb(m.rss)} heapUsed=${mb(m.heapUsed)} heapTotal=${mb(m.heapTotal)}`;
  if (runtime.Bun) {
    const { heapStats } = await import("bun:jsc");
    const s = heapStats();
    const top = Object.entries(s.objectTypeCounts as Record<string, number>)
      .sort((a, b) => b[1] - a[1]).slice(0, 8).map(([k, v]) => `${k}:${v}`);
    out += ` objects=${s.objectCount} ${top.join(" ")}`;
  } else {
    const v8 = await import("node:v8");
    for (const s of v8.getHeapSpaceStatistics()) {
      if (s.space_size > 0) out += ` ${s.space_name}=${mb(s.space_used_size)}/${mb(s.space_size)}`;
    }
  }
  return out;
}

createInterface({ input: process.stdin }).on("line", async (tag) => {
  console.log(`${tag}: ${await heapFigures()}`);
});
