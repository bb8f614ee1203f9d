// The CLI test helper reports the exit status the child really had after a signal, on both
// runtimes (Deno's `ChildProcess.kill()` would make a caught SIGTERM look fatal).
import { test } from "node:test";
import assert from "node:assert/strict";
import { startSmtpmockCli } from "./helpers/cli.ts";

test("cli helper: smtpmock stopped by a caught signal exits 0, an uncaught one 128+n", async () => {
  const cases: Array<[NodeJS.Signals, number]> = [["SIGTERM", 0], ["SIGINT", 0], ["SIGHUP", 129]];
  for (const [signal, status] of cases) {
    const cli = await startSmtpmockCli(["-port", "0"]);
    try {
      cli.kill(signal);
      assert.equal(await cli.exited, status, `${signal}: ${cli.stderr}`);
      cli.kill(signal); // after the exit: a no-op, no error
    } finally {
      cli.kill("SIGKILL");
    }
  }
});
