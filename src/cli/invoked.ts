/**
 * The name this program was started as. Under `deno run`/`bun run` the process is the
 * runtime and the program is cli.ts, so the name is "mocksmtp"; a compiled binary (or a
 * symlink to it, which is how persona names reach us) reports the invoked name in argv0.
 */
import path from "node:path";
import process from "node:process";

/** True when running as a standalone executable rather than a script under a runtime. */
export function isCompiled(): boolean {
  return !/^(deno|bun|node)(\.exe)?$/i.test(path.basename(process.execPath));
}

export function invokedName(): string {
  return isCompiled() ? process.argv0 || process.execPath : "mocksmtp";
}
