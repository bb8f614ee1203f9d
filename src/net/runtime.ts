/**
 * The one place that asks "Deno or Bun?". Everything else gets a {@link Listener} and never
 * looks at runtime globals. Every listener's connections offer STARTTLS: on Deno and Bun the
 * runtime's own listener, upgraded with `node:tls` loaded on the first STARTTLS (upgrade.ts), so
 * nothing of Node's layers loads before the first greeting; `node:net` (node.ts) elsewhere.
 */
import type { Listener, ListenOptions } from "./types.ts";

export type RuntimeName = "deno" | "bun" | "node";

export function runtimeName(): RuntimeName {
  const g = globalThis as Record<string, unknown>;
  if (g.Bun) return "bun";
  if (g.Deno) return "deno";
  return "node";
}

type Listen = (opts: ListenOptions) => Promise<Listener>;

let transport: Promise<Listen> | null = null;

/** This runtime's listen function, its module loaded once. */
function transportListen(): Promise<Listen> {
  const runtime = runtimeName();
  return transport ??= runtime === "node"
    ? import("./node.ts").then((m) => m.listenNode)
    : runtime === "bun"
    ? import("./bun.ts").then((m) => m.listenBun)
    : import("./deno.ts").then((m) => m.listenDeno);
}

/**
 * Starts loading the transport {@link listen} will use, so that a caller can load it side by
 * side with its own modules before listening.
 */
export async function preloadTransport(): Promise<void> {
  await transportListen();
}

/** Opens a TCP listener with the best transport for this runtime and these options. */
export async function listen(opts: ListenOptions): Promise<Listener> {
  return (await transportListen())(opts);
}

export type HostSignal =
  | "SIGINT"
  | "SIGTERM"
  | "SIGQUIT"
  | "SIGUSR1"
  | "SIGUSR2"
  | "SIGHUP"
  | "SIGPIPE";

/**
 * What the command line needs from its process. On Deno it is built on `Deno.*` because the
 * first use of `node:process` sets up Deno's Node compatibility layer, ~9 ms of every start
 * (docs/benchmarks.md); elsewhere it is Node's global `process`.
 */
export interface ProcessHost {
  /** The arguments after the script (after the executable, when compiled). */
  args: string[];
  /** The running executable: the runtime, or the compiled binary. */
  execPath: string;
  /** The name the process was started as (argv[0]); only a compiled binary needs it. */
  argv0(): Promise<string>;
  /** Writes `text` to stdout (1) or stderr (2), in call order. */
  write(fd: 1 | 2, text: string): void;
  /** Resolves once everything written so far has been flushed. */
  flush(): Promise<void>;
  /** Calls `handler` on `signal` until the returned function is called. */
  onSignal(signal: HostSignal, handler: () => void): () => void;
  exit(code: number): never;
}

/** The {@link ProcessHost} for this runtime. */
export async function processHost(): Promise<ProcessHost> {
  if (runtimeName() === "deno") return (await import("./deno_process.ts")).denoProcess();
  return (await import("./node_process.ts")).nodeProcess();
}
