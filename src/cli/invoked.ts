/**
 * The name this program was started as. Scripts run by `deno run`/`bun run` report the
 * runtime in argv[0]; a compiled binary (or a symlink to it) reports its own name there.
 */
import process from "node:process";

export function invokedName(): string {
  const script = process.argv[1] ?? "";
  // Running as a script: cli.ts is the program, whatever the runtime is called.
  if (/\.(ts|js|mjs)$/.test(script) && !script.startsWith("/$bunfs/")) return "mocksmtp";
  return process.argv0 || process.execPath;
}
