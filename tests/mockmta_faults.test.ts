// mockmta's mailbox under load and faults: many writers at once (a daemon and inetd processes
// sharing one mailbox), the daemon killed mid-DATA, and a mailbox that cannot be written.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { Buffer } from "node:buffer";
import { mailutilsCount } from "./helpers/mbox_readers.ts";
import { RawClient } from "./helpers/raw_client.ts";
import {
  R,
  readBodies,
  scratch,
  sendMessages,
  spawnInetd,
  startDaemon,
  stopDaemon,
} from "./helpers/mockmta.ts";

/** A recognisable body: every line names its message, so a torn or mixed message shows. */
function body(id: string, lines = 20): string {
  let text = `Subject: ${id}\r\n\r\n`;
  for (let i = 0; i < lines; i++) text += `${id} line ${i} ${"=".repeat(i * 3)}\r\n`;
  return text;
}

/** What a reader returns for {@link body}. */
function readBack(id: string, lines = 20): string {
  return body(id, lines).replaceAll("\r\n", "\n");
}

test("mockmta: 20 clients × 50 messages (daemon) + 4 inetd processes, one mailbox", async () => {
  const s = await scratch();
  const daemon = await startDaemon(s.mailbox, ["-l", "notice"]);
  const INETD = 4;
  const PER_INETD = 10;
  try {
    const ids: string[] = [];
    const tcp = Array.from({ length: 20 }, (_, c) => {
      const mine = Array.from({ length: 50 }, (_, m) => `tcp${c}-m${m}`);
      ids.push(...mine);
      return sendMessages(daemon.port, mine.map((id) => ({ data: body(id) })));
    });
    const inetd = Array.from({ length: INETD }, async (_, p) => {
      const mine = Array.from({ length: PER_INETD }, (_, m) => `inetd${p}-m${m}`);
      ids.push(...mine);
      const { cli, client } = spawnInetd(["-l", "notice", s.mailbox]);
      const transactions = mine.map((id) =>
        `MAIL FROM:<i@x>\r\nRCPT TO:<r@x>\r\nDATA\r\n${body(id)}.\r\n`
      ).join("");
      await client.send(`EHLO inetd${p}\r\n${transactions}QUIT\r\n`);
      const out = await client.closed();
      assert.equal(await cli.exited, 0, cli.stderr);
      return out.match(/^250 \d{4} Message accepted/gm)?.length ?? 0;
    });
    const finals = (await Promise.all(tcp)).flat();
    const inetdAccepted = await Promise.all(inetd);
    // The daemon numbers its 1,000 messages 0001…1000 across all connections.
    const numbers = finals.map((f) => Number(/^250 (\d{4}) /.exec(f)?.[1]));
    assert.deepEqual(
      numbers.toSorted((a, b) => a - b),
      Array.from({ length: 1000 }, (_, i) => i + 1),
    );
    assert.deepEqual(inetdAccepted, Array(INETD).fill(PER_INETD));
    assert.equal(await stopDaemon(daemon), 0, daemon.stderr);

    const total = 1000 + INETD * PER_INETD;
    const bodies = await readBodies(s.mailbox);
    assert.equal(bodies.length, total);
    assert.deepEqual(bodies.toSorted(), ids.map((id) => readBack(id)).toSorted());
    assert.equal(await mailutilsCount(s.mailbox), total);
    assert.equal(existsSync(`${s.mailbox}.lock`), false, "no lock left behind");
  } finally {
    daemon.kill("SIGKILL");
    await s.cleanup();
  }
});

test("mockmta: SIGKILL in the middle of a large DATA leaves only whole messages", async () => {
  const s = await scratch();
  const daemon = await startDaemon(s.mailbox, ["-l", "notice"]);
  const acknowledged: string[] = [];
  try {
    const first = ["before-1", "before-2", "before-3"];
    await sendMessages(daemon.port, first.map((id) => ({ data: body(id) })));
    acknowledged.push(...first);

    // Small deliveries keep going while the big one arrives and the daemon dies.
    let stop = false;
    let wake: (() => void) | null = null;
    const busy = Array.from({ length: 3 }, async (_, c) => {
      for (let m = 0; !stop; m++) {
        const id = `busy${c}-m${m}`;
        try {
          const [reply] = await sendMessages(daemon.port, [{ data: body(id) }]);
          if (reply.startsWith("250 ")) acknowledged.push(id);
          wake?.();
        } catch {
          return; // the daemon is gone
        }
      }
    });
    const delivered = (n: number) =>
      new Promise<void>((resolve) => {
        const check = () => acknowledged.length >= n ? resolve() : void (wake = check);
        check();
      });

    const big = await RawClient.connect(daemon.port);
    await big.readLine();
    await big.send("EHLO big\r\nMAIL FROM:<big@x>\r\nRCPT TO:<r@x>\r\nDATA\r\n");
    assert.equal(await big.readReply(), R.ehlo);
    for (let i = 0; i < 3; i++) await big.readLine(); // 250, 250, 354
    const chunk = Buffer.from(`big message line ${"#".repeat(60)}\r\n`.repeat(4 * 1024));
    for (let sent = 0; sent < 8 * 1024 * 1024; sent += chunk.length) {
      await big.send(chunk);
      // Interleave: a few small messages are delivered while the big one is half-way in.
      if (sent === 4 * chunk.length) await delivered(acknowledged.length + 3);
    }
    daemon.kill("SIGKILL");
    await daemon.exited;
    stop = true;
    await Promise.all(busy);
    big.close();

    const bodies = await readBodies(s.mailbox);
    assert.ok(acknowledged.length > first.length, "deliveries ran alongside the big DATA");
    assert.ok(bodies.length >= acknowledged.length, "every acknowledged message is there");
    const stored = new Set(bodies);
    for (const id of acknowledged) assert.ok(stored.has(readBack(id)), `${id} stored whole`);
    for (const b of bodies) {
      const id = /^Subject: (\S+)\n/.exec(b)?.[1] ?? "?";
      assert.equal(b, readBack(id), "no torn or mixed message");
    }
    // The next writer gets through at once, a lock left by the killed daemon notwithstanding:
    // such a lock always carries the dead daemon's PID (it is linked into place complete), and
    // the journal of its append if it died in the middle of one.
    const lock = `${s.mailbox}.lock`;
    if (existsSync(lock)) {
      assert.match(readFileSync(lock, "latin1"), /^\d+ \S+\n(append \d+ \d+ \d+:\d+\n)?$/);
    }
    const { cli, client } = spawnInetd(["-l", "notice", s.mailbox]);
    await client.send(
      `EHLO after\r\nMAIL FROM:<a@x>\r\nRCPT TO:<r@x>\r\nDATA\r\n${body("after")}.\r\nQUIT\r\n`,
    );
    assert.match(await client.closed(), /^250 0001 Message accepted for delivery\r$/m);
    assert.equal(await cli.exited, 0, cli.stderr);
    assert.equal((await readBodies(s.mailbox)).at(-1), readBack("after"));
  } finally {
    daemon.kill("SIGKILL");
    await s.cleanup();
  }
});

/** `chattr ±i PATH`; false where the filesystem has no immutable flag. */
function chattr(flag: "+i" | "-i", path: string): boolean {
  return spawnSync("chattr", [flag, path], { stdio: "ignore" }).status === 0;
}

test("mockmta: mailbox not writable → 451, and nothing acknowledged is missing", async (t) => {
  const s = await scratch();
  // We run as root, which ignores permission bits; the immutable flag stops root too. An
  // immutable directory refuses the MAILBOX.lock dotlock, an immutable mailbox the append.
  if (!chattr("+i", s.dir)) {
    await s.cleanup();
    t.skip("chattr +i is not supported here");
    return;
  }
  chattr("-i", s.dir);
  const daemon = await startDaemon(s.mailbox);
  const one = async (id: string) => (await sendMessages(daemon.port, [{ data: body(id) }]))[0];
  try {
    assert.equal(await one("ok-1"), R.accepted(1));
    assert.equal(await one("ok-2"), R.accepted(2));

    assert.ok(chattr("+i", s.dir));
    assert.equal(await one("dir-locked"), R.cannotWrite);
    assert.ok(chattr("-i", s.dir));
    assert.equal(await one("ok-3"), R.accepted(3), "451 used up no message number");

    assert.ok(chattr("+i", s.mailbox));
    assert.equal(await one("file-locked"), R.cannotWrite);
    assert.ok(chattr("-i", s.mailbox));
    assert.equal(await one("ok-4"), R.accepted(4));

    assert.deepEqual(
      await readBodies(s.mailbox),
      ["ok-1", "ok-2", "ok-3", "ok-4"].map((id) => readBack(id)),
    );
    assert.equal(existsSync(`${s.mailbox}.lock`), false, "the lock was released after a failure");
    assert.equal(await stopDaemon(daemon), 0);
    assert.match(
      daemon.stderr,
      /mockmta: from=<sender@example\.org>, nrcpt=1, size=\d+: not delivered: .+/,
    );
  } finally {
    chattr("-i", s.dir);
    chattr("-i", s.mailbox);
    daemon.kill("SIGKILL");
    await s.cleanup();
  }
});
