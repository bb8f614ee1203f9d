/**
 * `-d`: the starting process re-runs this program as a detached child (new session, stdin and
 * stderr on /dev/null) and exits 0 once the child reports its listener up. Until then the
 * child's stdout is a pipe to the starter carrying `E <stderr line>` and finally `R` (ready);
 * if the child exits first, the starter exits with the child's status.
 */
import { spawn } from "node:child_process";
import { basename } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import type { ProgramIO } from "../../cli/io.ts";
import { runtimeName } from "../../net/runtime.ts";

/** Environment marker of the detached child (removed from its environment at once). */
export const DETACHED_ENV = "MOCKSMTP_MOCKMTA_DETACHED";

/** True in the detached child; clears the marker so the child's own children do not see it. */
export function takeDetachedMarker(): boolean {
  const marked = process.env[DETACHED_ENV] === "1";
  delete process.env[DETACHED_ENV];
  return marked;
}

/**
 * The command that runs `mockmta ARGV` with this program: the runtime plus cli.ts when running
 * as a script (Deno gets `-A`), or the compiled binary itself.
 */
export function selfCommand(argv: readonly string[]): [string, string[]] {
  const exec = process.execPath;
  const name = basename(exec).replace(/\.exe$/i, "");
  if (name === "deno" || name === "bun" || name === "node") {
    const cli = fileURLToPath(new URL("../../../cli.ts", import.meta.url));
    const runtime = runtimeName();
    const run = runtime === "deno"
      ? ["run", "-A", "--quiet", cli]
      : runtime === "bun"
      ? ["run", cli]
      : [...process.execArgv, cli];
    return [exec, [...run, "mockmta", ...argv]];
  }
  return [exec, name === "mockmta" ? [...argv] : ["mockmta", ...argv]];
}

/** Starts the detached daemon; resolves with the starter's exit status. */
export function startDetached(argv: readonly string[], io: ProgramIO): Promise<number> {
  const [command, args] = selfCommand(argv);
  return new Promise((resolve) => {
    let settled = false;
    const finish = (code: number) => {
      if (settled) return;
      settled = true;
      resolve(code);
    };
    const child = spawn(command, args, {
      detached: true,
      stdio: ["ignore", "pipe", "ignore"],
      env: { ...process.env, [DETACHED_ENV]: "1" },
    });
    let pending = "";
    child.stdout!.on("data", (chunk: Uint8Array | string) => {
      pending += typeof chunk === "string" ? chunk : new TextDecoder().decode(chunk);
      for (let nl = pending.indexOf("\n"); nl >= 0; nl = pending.indexOf("\n")) {
        const line = pending.slice(0, nl);
        pending = pending.slice(nl + 1);
        if (line.startsWith("E ")) io.stderr(`${line.slice(2)}\n`);
        else if (line === "R") {
          child.stdout!.destroy();
          child.unref();
          finish(0);
        }
      }
    });
    child.on("error", (e) => {
      io.stderr(`${io.prog}: cannot start the daemon: ${e.message}\n`);
      finish(1);
    });
    child.on("close", (code) => finish(code ?? 1));
  });
}

/** The child's end of the start-up pipe. */
export interface StarterChannel {
  /** Relays text to the starter's stderr (until ready). */
  report(text: string): void;
  /** Tells the starter to exit 0; nothing is written to the pipe afterwards. */
  ready(): void;
}

export function starterChannel(): StarterChannel {
  // The starter is gone soon after `R`: a late write must not kill the daemon.
  process.stdout.on("error", () => {});
  let open = true;
  return {
    report(text) {
      if (!open) return;
      for (const line of text.replace(/\n$/, "").split("\n")) process.stdout.write(`E ${line}\n`);
    },
    ready() {
      if (!open) return;
      open = false;
      process.stdout.write("R\n");
    },
  };
}
