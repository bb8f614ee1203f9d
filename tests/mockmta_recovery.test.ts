// What a killed or restarted mockmta leaves in the mailbox directory, and how the next one
// copes (issue 14 items 1 and 2): a stale lock naming its own PID, a torn last entry, stray
// temporary lock files. Real processes and real readers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { readdir, readFile, realpath, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { dirname, join } from "node:path";
import process from "node:process";
import { fileURLToPath } from "node:url";
import { scriptCommand } from "./helpers/cli.ts";
import { mailutilsCount } from "./helpers/mbox_readers.ts";
import {
  R,
  readBodies,
  scratch,
  sendMessages,
  spawnInetd,
  startDaemon,
  stopDaemon,
} from "./helpers/mockmta.ts";
import { spawnWatched } from "./helpers/process.ts";

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

test("mockmta daemon: a stale lock naming the daemon's own PID is broken (issue 14.2)", async () => {
  const s = await scratch();
  const daemon = await startDaemon(s.mailbox, ["-l", "notice"]);
  try {
    const lock = join(await realpath(s.dir), "mbox.lock");
    await writeFile(lock, `${daemon.child.pid} ${hostname()}\n`);
    const finals = await sendMessages(daemon.port, [
      { data: "Subject: one\r\n\r\nbody\r\n" },
      { data: "Subject: two\r\n\r\nbody\r\n" },
    ]);
    assert.deepEqual(finals, [R.accepted(1), R.accepted(2)]);
    assert.equal(await stopDaemon(daemon), 0, daemon.stderr);
    assert.equal((await readBodies(s.mailbox)).length, 2);
  } finally {
    daemon.kill("SIGKILL");
    await s.cleanup();
  }
});

const TORN_WRITER = join(dirname(fileURLToPath(import.meta.url)), "helpers", "mbox_torn_writer.ts");

/** Delivers one message with the CLI in inetd mode; resolves with its replies. */
async function deliverInetd(mailbox: string, subject: string): Promise<string> {
  const { cli, client } = spawnInetd(["-l", "notice", mailbox]);
  await client.send(`EHLO next\r\n${TX}Subject: ${subject}\r\n\r\nbody\r\n.\r\nQUIT\r\n`);
  const out = await client.closed();
  assert.equal(await cli.exited, 0, cli.stderr);
  return out;
}

test("mockmta: after a SIGKILL in the middle of an append, the next message is intact and the torn one gone (issue 14.1)", async () => {
  const s = await scratch();
  try {
    assert.ok((await deliverInetd(s.mailbox, "before")).includes(R.accepted(1)));
    const writer = spawnWatched(...scriptCommand(TORN_WRITER, [s.mailbox, String(256 * 1024)]), {
      stdio: ["ignore", "pipe", "inherit"],
    });
    await writer.waitStdout(/^torn\n/);
    writer.kill("SIGKILL");
    await writer.exited;
    // What the kill left: a cut-off entry without a final newline, and the dead writer's lock
    // with the journal of its append.
    const left = await readFile(s.mailbox, "latin1");
    assert.match(left, /\nFrom torn@example\.org [^\n]+\nSubject: torn\n\n[z\n]*z$/);
    assert.match(
      await readFile(`${s.mailbox}.lock`, "latin1"),
      /^\d+ \S+\nappend \d+ \d+ \d+:\d+\n$/,
    );

    assert.ok((await deliverInetd(s.mailbox, "after")).includes(R.accepted(1)));
    assert.deepEqual(await readBodies(s.mailbox), [
      "Subject: before\n\nbody\n",
      "Subject: after\n\nbody\n",
    ]);
    assert.equal(await mailutilsCount(s.mailbox), 2);
    assert.deepEqual(await readdir(s.dir), ["mbox"], "no lock, journal or temporary file left");
  } finally {
    await s.cleanup();
  }
});

test("mockmta: an entry torn by some other writer is fenced off from the next one (issue 14.1)", async () => {
  const s = await scratch();
  try {
    // What a writer without our journal leaves when killed: a partial entry, no final newline.
    await writeFile(
      s.mailbox,
      "From old@example.org Sun Nov 22 12:29:23 2026\nSubject: cut\n\nzzzz",
    );
    assert.ok((await deliverInetd(s.mailbox, "after")).includes(R.accepted(1)));
    assert.deepEqual(await readBodies(s.mailbox), [
      "Subject: cut\n\nzzzz\n",
      "Subject: after\n\nbody\n",
    ]);
    // The same after an entry that lacks only its empty separator line.
    await writeFile(
      s.mailbox,
      "From old@example.org Sun Nov 22 12:29:23 2026\nSubject: cut\n\nx\n",
    );
    assert.ok((await deliverInetd(s.mailbox, "again")).includes(R.accepted(1)));
    assert.match(
      await readFile(s.mailbox, "latin1"),
      /\nSubject: cut\n\nx\n\nFrom probe@example\.org /,
    );
    assert.equal(await mailutilsCount(s.mailbox), 2);
  } finally {
    await s.cleanup();
  }
});

test("mockmta: temporary lock files that kills left behind are removed, live ones kept (issue 14.1)", async () => {
  const s = await scratch();
  try {
    const dir = await realpath(s.dir);
    const host = hostname();
    const gone = spawn("true");
    await new Promise((resolve) => gone.on("close", resolve));
    const files: Record<string, string> = {
      [`mbox.lock.${gone.pid}.dead1`]: `${gone.pid} ${host}\n`, // its writer has exited
      [`mbox.lock.${process.pid}.live1`]: `${process.pid} ${host}\n`, // this test is alive
      "mbox.lock.4242.other1": "4242 elsewhere.example\n", // another host: cannot tell
      "mbox.lock.4343.empty1": "", // between create and write, or killed there
      "mbox.lock.stale.4444.aside1": "", // a broken lock moved aside, then a kill
      "mbox.lockx.1.a": `${gone.pid} ${host}\n`, // not one of ours at all
    };
    for (const [name, content] of Object.entries(files)) await writeFile(join(dir, name), content);
    // (Any of them older than 600 s would go too, but a change time cannot be set back.)
    assert.ok((await deliverInetd(s.mailbox, "sweep")).includes(R.accepted(1)));
    assert.deepEqual(
      (await readdir(dir)).sort(),
      [
        "mbox",
        "mbox.lock.4242.other1",
        "mbox.lock.4343.empty1",
        `mbox.lock.${process.pid}.live1`,
        "mbox.lock.stale.4444.aside1",
        "mbox.lockx.1.a",
      ].sort(),
    );
  } finally {
    await s.cleanup();
  }
});
