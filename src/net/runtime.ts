/**
 * The one place that asks "Deno or Bun?". Everything else gets a {@link Listener} and never
 * looks at runtime globals. Listeners that must offer STARTTLS use `node:net` (see node.ts):
 * neither `Deno.listen` nor `Bun.listen` connections can be upgraded server-side here.
 */
import type { Listener, ListenOptions } from "./types.ts";

export type RuntimeName = "deno" | "bun" | "node";

export function runtimeName(): RuntimeName {
  const g = globalThis as Record<string, unknown>;
  if (g.Bun) return "bun";
  if (g.Deno) return "deno";
  return "node";
}

/** Opens a TCP listener with the best transport for this runtime and these options. */
export async function listen(opts: ListenOptions): Promise<Listener> {
  const runtime = runtimeName();
  if (opts.tls || runtime === "node") return (await import("./node.ts")).listenNode(opts);
  if (runtime === "bun") return (await import("./bun.ts")).listenBun(opts);
  return (await import("./deno.ts")).listenDeno(opts);
}
