/**
 * What `mocksmtp serve` loads before its first 220 on Deno: no `node:` module. On Deno the
 * first one sets up the Node compatibility layer (~18 ms, docs/benchmarks.md), so key material
 * (node:crypto, node:tls), files (node:fs) and STARTTLS (node:tls over node:stream) load after
 * the greeting. Walks the static imports (not `import type`) of every module the serve path
 * loads before listening, dynamic imports on that path included as roots.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { test } from "node:test";

const ROOT = join(dirname(new URL(import.meta.url).pathname), "..");

/** Modules the serve path imports (statically or dynamically) before the listener greets. */
const BEFORE_GREETING = [
  "cli.ts",
  "src/net/deno_process.ts", // the ProcessHost on Deno
  "src/cli/main.ts",
  "src/personas/serve/main.ts",
  "src/api/serve.ts",
  "src/faults/rules.ts", // loaded before listening when rules are given (else after)
  "src/lint/linter.ts", // likewise with --strict
  "src/net/runtime.ts",
  "src/net/deno.ts", // the listener on Deno
];

const IMPORT =
  /^\s*(?:import|export)\s+(?!type\b)([^;]*?)\s*from\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']/gm;

/** Specifiers a module imports for their values (type-only imports are erased). */
function valueImports(source: string): string[] {
  const found: string[] = [];
  for (const m of source.matchAll(IMPORT)) {
    const clause = m[1]?.trim();
    const names = clause?.startsWith("{") ? clause.slice(1, -1).split(",") : null;
    if (names && names.every((n) => n.trim() === "" || n.trim().startsWith("type "))) continue;
    found.push(m[2] ?? m[3]);
  }
  return found;
}

/** Every module reachable from `roots` by static value imports, with who imported it. */
function staticGraph(roots: string[]): Map<string, string> {
  const seen = new Map<string, string>(roots.map((r) => [r, "(root)"]));
  const queue = [...roots];
  for (let path = queue.shift(); path !== undefined; path = queue.shift()) {
    if (!path.endsWith(".ts")) continue;
    for (const spec of valueImports(readFileSync(join(ROOT, path), "utf8"))) {
      const target = spec.startsWith(".") ? normalize(join(dirname(path), spec)) : spec;
      if (seen.has(target)) continue;
      seen.set(target, path);
      queue.push(target);
    }
  }
  return seen;
}

test("serve's modules before the first greeting import no node: module (Deno's Node layer)", () => {
  const graph = staticGraph(BEFORE_GREETING);
  const node = [...graph].filter(([m]) => m.startsWith("node:")).map(([m, by]) => `${m} <- ${by}`);
  assert.deepEqual(node, []);
  // The walk sees what it should: the dialect, the seam, the transport.
  for (const m of ["src/smtp/esmtp/engine.ts", "src/smtp/conversation.ts", "src/server.ts"]) {
    assert.ok(graph.has(m), m);
  }
  assert.ok(!graph.has("src/net/tls.ts") && !graph.has("src/tls/material.ts"), "TLS loads later");
});

test("the import walk finds node: modules where they are (it can fail)", () => {
  const graph = staticGraph(["src/net/node.ts", "src/tls/material.ts"]);
  for (const m of ["node:net", "node:tls", "node:crypto", "node:fs/promises"]) {
    assert.ok(graph.has(m), m);
  }
});
