/**
 * The name this program was started as. Under `deno run`/`bun run` the process is the
 * runtime and the program is cli.ts, so the name is "mocksmtp"; a compiled binary (or a
 * symlink to it, which is how persona names reach us) reports the invoked name in argv0.
 */
import type { ProcessHost } from "../net/runtime.ts";

/** True when `execPath` is a standalone executable rather than a runtime running a script. */
export function isCompiled(execPath: string): boolean {
  // Not node:path, which costs Deno's start-up ~3 ms.
  return !/^(deno|bun|node)(\.exe)?$/i.test(execPath.split(/[\\/]/).pop()!);
}

export async function invokedName(host: ProcessHost): Promise<string> {
  if (!isCompiled(host.execPath)) return "mocksmtp";
  return (await host.argv0()) || host.execPath;
}
