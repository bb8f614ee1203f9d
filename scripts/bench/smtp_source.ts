/** The benchmark's workload from a script: smtp-source (postfix) on PATH, e.g. /usr/sbin. */
import { spawn } from "node:child_process";

/**
 * smtp-source sending `n` messages of 1 KiB over 50 sessions to `127.0.0.1:port`, a new
 * connection per message (kept alive with `keep`), as scripts/bench/serve.sh drives it.
 */
export function smtpSource(port: number, n: number, keep: boolean): Promise<void> {
  const args = [...(keep ? ["-d"] : []), "-c", "-s", "50", "-m", String(n), "-l", "1024"];
  args.push("-M", "bench.example.com", "-f", "a@example.com", "-t", "b@example.com");
  args.push(`127.0.0.1:${port}`);
  return new Promise((resolve, reject) => {
    const p = spawn("smtp-source", args, { stdio: ["ignore", "ignore", "inherit"] });
    p.on("error", reject);
    p.on("exit", (code) => code === 0 ? resolve() : reject(new Error(`smtp-source: ${code}`)));
  });
}
