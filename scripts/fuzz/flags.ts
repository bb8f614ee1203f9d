/**
 * Command-line flags shared by the fuzz and soak scripts: `--flag VALUE` or `--flag=VALUE`,
 * whole non-negative numbers by table, and the runner (`--runtime deno|bun` or `--bin PATH`).
 */
import { binaryCommand, type CommandFor, runtimeCommand } from "./servers.ts";

export interface Runner {
  command: CommandFor;
  /** How the runner was chosen, for reports and replay lines: `--runtime deno`. */
  label: string;
}

/**
 * Parses `argv` into `target`: a flag in `numbers` sets that key to a whole number ≥ 0;
 * `--runtime`/`--bin` set `command` and `label`; any other flag goes to `other`, which returns
 * false for an unknown one. Calls `usage` (which must not return) on any error.
 */
export function parseFlags<T extends Runner>(
  argv: string[],
  target: T,
  numbers: Record<string, keyof T>,
  other: (flag: string, value: () => string) => boolean,
  usage: () => never,
): void {
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i] ?? usage();
    if (flag in numbers) {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 0) usage();
      (target as Record<keyof T, unknown>)[numbers[flag]] = n;
    } else if (flag === "--runtime") {
      const runtime = value();
      if (runtime !== "deno" && runtime !== "bun") usage();
      target.command = runtimeCommand(runtime);
      target.label = `--runtime ${runtime}`;
    } else if (flag === "--bin") {
      const bin = value();
      target.command = binaryCommand(bin);
      target.label = `--bin ${bin}`;
    } else if (!other(flag, value)) usage();
  }
}
