// What a killed or restarted mockmta leaves in the mailbox directory, and how the next one
// copes (issue 14 items 1 and 2): a stale lock naming its own PID, a torn last entry, stray
// temporary lock files. Real processes and real readers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { hostname } from "node:os";
import { realpath, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { R, readBodies, scratch, spawnInetd } from "./helpers/mockmta.ts";

const TX = "MAIL FROM:<probe@example.org>\r\nRCPT TO:<r@example.net>\r\nDATA\r\n";

test("mockmta inetd: a stale lock naming this process's own PID is broken (issue 14.2)", async () => {
  const s = await scratch();
  try {
    const { cli, client } = spawnInetd(["-l", "notice", s.mailbox]);
    // The container-restart case: the killed predecessor had the PID this process has now.
    const lock = join(await realpath(s.dir), "mbox.lock");
    await writeFile(lock, `${cli.child.pid} ${hostname()}\n`);
    await client.send(`EHLO restart\r\n${TX}Subject: after restart\r\n\r\nbody\r\n.\r\nQUIT\r\n`);
    const out = await client.closed();
    assert.ok(out.includes(R.accepted(1)), out);
    assert.equal(await cli.exited, 0, cli.stderr);
    assert.deepEqual(await readBodies(s.mailbox), ["Subject: after restart\n\nbody\n"]);
  } finally {
    await s.cleanup();
  }
});
