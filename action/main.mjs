// @ts-check
/**
 * Main step of the mocksmtp action: get the binary for this runner, start the chosen persona in
 * the background, wait until it accepts connections, publish port/pid/log-file(/mailbox).
 * @module
 */
import { writeFileSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { planLaunch, splitArgs } from "./args.mjs";
import { obtainBinary } from "./download.mjs";
import { fail, getInput, printFileGroup, saveState, setOutput } from "./github.mjs";
import { findFreePort, startDetached, waitUntilListening } from "./launch.mjs";
import { assetFor, defaultBaseUrl, normalizeVersion, releaseDirUrl } from "./platform.mjs";
import { stopProcess } from "./process.mjs";

async function main() {
  const persona = getInput("persona", "smtpmock");
  const userArgs = splitArgs(getInput("args", ""));
  const version = normalizeVersion(getInput("version", "latest"));
  const baseUrl = getInput("base-url", defaultBaseUrl());
  const waitSeconds = Number(getInput("wait-timeout", "30"));
  if (!(waitSeconds > 0)) throw new Error("wait-timeout must be a positive number of seconds");

  const { asset, key } = assetFor(process.env.RUNNER_OS, process.env.RUNNER_ARCH);
  const temp = process.env.RUNNER_TEMP || tmpdir();
  const cacheRoot = process.env.RUNNER_TOOL_CACHE || temp;
  const dirUrl = releaseDirUrl(baseUrl, version);
  const binary = await obtainBinary({
    dirUrl,
    asset,
    cacheDir: join(cacheRoot, "mocksmtp", version, key),
  });
  console.log(
    `mocksmtp: ${binary.cached ? "using cached" : "downloaded"} ${asset} from ${dirUrl} ` +
      `(sha256 ${binary.sha256} verified) → ${binary.path}`,
  );

  const runDir = await mkdtemp(join(temp, `mocksmtp-${persona}-`));
  const plan = planLaunch(persona, userArgs, {
    freePort: await findFreePort("127.0.0.1"),
    freeHttpPort: await findFreePort("127.0.0.1"),
    defaultMailbox: join(runDir, "mailbox"),
    defaultCaFile: join(runDir, "ca.pem"),
  });
  if (plan.createMailbox && plan.mailbox) writeFileSync(plan.mailbox, "");
  const logFile = join(runDir, `${persona}.log`);
  const args = [persona, ...plan.argv];
  console.log(`mocksmtp: starting ${JSON.stringify([binary.path, ...args])}`);

  const child = await startDetached(binary.path, args, logFile);
  // Saved at once so the post step stops the server even if this step fails from here on.
  saveState("pid", child.pid);
  saveState("logfile", logFile);
  try {
    await waitUntilListening(child, plan.host, plan.port, waitSeconds * 1000);
    // serve's HTTP API listens once the CA file is written: ready means both.
    if (plan.httpPort) {
      await waitUntilListening(
        child,
        plan.httpHost ?? "127.0.0.1",
        plan.httpPort,
        waitSeconds * 1000,
      );
    }
  } catch (err) {
    console.log(`mocksmtp: ${persona} ${await stopProcess(child.pid, 2000)}`);
    printFileGroup(`${persona} log (${logFile})`, logFile);
    throw new Error(`${persona} ${/** @type {Error} */ (err).message}; log: ${logFile}`);
  }
  child.unref();

  setOutput("port", plan.port);
  setOutput("pid", child.pid);
  setOutput("log-file", logFile);
  if (plan.mailbox) setOutput("mailbox", plan.mailbox);
  if (plan.httpPort) {
    const h = plan.httpHost ?? "127.0.0.1";
    setOutput("http-url", `http://${h.includes(":") ? `[${h}]` : h}:${plan.httpPort}`);
  }
  if (plan.caFile) setOutput("ca-file", plan.caFile);
  console.log(
    `mocksmtp: ${persona} (pid ${child.pid}) is accepting connections on ${plan.host}:${plan.port}` +
      `; log: ${logFile}`,
  );
}

main().catch((err) => fail(`mocksmtp: ${err instanceof Error ? err.message : String(err)}`));
