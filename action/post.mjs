// @ts-check
/**
 * Post step of the mocksmtp action (runs at the end of the job, also after failures): stop the
 * server the main step started and print its log, which stays on disk at the `log-file` output.
 * @module
 */
import { getInput, getState, printFileGroup } from "./github.mjs";
import { stopProcess } from "./process.mjs";

async function post() {
  const pid = Number(getState("pid"));
  const logFile = getState("logfile");
  const persona = getInput("persona", "smtpmock");
  if (!(pid > 0)) {
    console.log("mocksmtp: no server was started, nothing to stop");
    return;
  }
  console.log(`mocksmtp: ${persona} (pid ${pid}) ${await stopProcess(pid, 5000)}`);
  if (logFile) printFileGroup(`${persona} log (${logFile})`, logFile);
}

post().catch((err) => {
  // A failing clean-up should be visible but must not hide the job's real result.
  console.log(`::warning::mocksmtp post step: ${err instanceof Error ? err.message : String(err)}`);
});
