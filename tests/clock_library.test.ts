// The injected clock reaches every timer of the library classes: waitForMessages' timeout and
// the pipe command's host-name lookup follow a FakeClock, so no test waits in real time.
import { test } from "node:test";
import assert from "node:assert/strict";
import { setImmediate } from "node:timers";
import {
  MockmtaServer,
  MsmtpdServer,
  type MsmtpdServerOptions,
  SmtpmockServer,
  WaitTimeoutError,
} from "../mod.ts";
import { FakeClock } from "./helpers/fake_clock.ts";
import { greeted, PIPED, recorded, sendMail, withoutDate, withRecorder } from "./helpers/msmtpd.ts";

/** What `promise` has come to once the current turn's callbacks have run: never waits on it. */
function settledNow<T>(
  promise: Promise<T>,
): Promise<{ value: T } | { error: unknown } | "pending"> {
  return Promise.race([
    promise.then((value) => ({ value }), (error) => ({ error })),
    new Promise<"pending">((resolve) => setImmediate(() => resolve("pending"))),
  ]);
}

const starters = {
  smtpmock: (clock: FakeClock) => SmtpmockServer.start({ clock }),
  mockmta: (clock: FakeClock) => MockmtaServer.start({ clock }),
  msmtpd: (clock: FakeClock) => MsmtpdServer.start({ clock }),
};

for (const [name, start] of Object.entries(starters)) {
  test(`clock: ${name} waitForMessages times out on the server's clock`, async () => {
    const clock = new FakeClock();
    const server = await start(clock);
    // Cleared at the end, so a wait on a real timer (the bug) cannot hold the process up.
    const giveUp = new AbortController();
    try {
      const waiting: Promise<unknown> = server.waitForMessages(1, {
        timeout: 60_000,
        signal: giveUp.signal,
      });
      clock.advance(59_999);
      assert.equal(await settledNow(waiting), "pending");
      clock.advance(1);
      const outcome = await settledNow(waiting);
      assert.ok(
        outcome !== "pending" && "error" in outcome && outcome.error instanceof WaitTimeoutError,
        `expected a WaitTimeoutError, got ${JSON.stringify(outcome)}`,
      );
      assert.equal(clock.now(), 60_000);
    } finally {
      giveUp.abort();
      await server.stop({ force: true });
    }
  });
}

test("clock: msmtpd's pipe command gives up a host-name lookup after 5 s of the server's clock", async () => {
  const clock = new FakeClock();
  let lookups = 0;
  let looked!: () => void;
  const bothLooked = new Promise<void>((resolve) => looked = resolve);
  const options: MsmtpdServerOptions = {
    clock,
    // A resolver that never answers: only the 5-second cap lets the mail through.
    pipe: {
      resolveName: () => {
        if (++lookups === 2) looked();
        return new Promise(() => {});
      },
    },
  };
  await withRecorder(options, async (server, dir) => {
    const c = await greeted(server.port);
    try {
      const reply = sendMail(
        c,
        "a@example.org",
        ["b@example.org"],
        "Subject: x\r\n\r\nhi\r\n.\r\n",
      );
      await bothLooked;
      // The cap's timer is set with the lookups, on the server's clock.
      assert.notEqual(await settledNow(clock.timerSet(5000)), "pending");
      clock.advance(5000);
      assert.equal(await reply, PIPED);
      const [mail] = recorded(dir);
      // Given up, the lookups leave the Received header with the addresses alone.
      assert.equal(
        withoutDate(mail.stdin).split("\r\n", 3).join("\r\n"),
        "Received: from x ([127.0.0.1])\r\n\tby [127.0.0.1] (msmtpd) with ESMTP;\r\n\t<DATE>",
      );
    } finally {
      c.close();
    }
  });
});
