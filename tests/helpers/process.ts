/** Spawns a process and collects its output; awaitable for the result, or watch `exited`. */
import { type ChildProcess, spawn, type SpawnOptions } from "node:child_process";

export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
}

export type RunningProcess = Promise<ProcessResult> & {
  child: ChildProcess;
  exited: Promise<number>;
};

export function runProcess(cmd: string, args: string[], opts: SpawnOptions): RunningProcess {
  const child = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"], ...opts });
  let stdout = "";
  let stderr = "";
  child.stdout?.on("data", (d) => stdout += d.toString());
  child.stderr?.on("data", (d) => stderr += d.toString());
  const exited = new Promise<number>((resolve) =>
    child.on("close", (code, signal) => resolve(code ?? (signal ? 128 : 1)))
  );
  const result = exited.then((code) => ({ code, stdout, stderr }));
  return Object.assign(result, { child, exited });
}
