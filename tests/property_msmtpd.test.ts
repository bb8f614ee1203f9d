// Property-based tests of the msmtpd engine without sockets (tests/helpers/engine_properties.ts):
// chunking never changes replies or messages, the engine never throws, buffering stays within
// the caps. Fixed seeds and a few runs here; `deno task property` runs them long.
import { test } from "node:test";
import assert from "node:assert/strict";
import { bytes, msmtpd, propertyTests, watchReaders } from "./helpers/engine_properties.ts";
import { chunked, FakeClock, MemoryWire, runEngine } from "./helpers/memory_wire.ts";

// DATA mode buffers at most a command line's cap plus a chunk too (see below).
propertyTests(msmtpd, { numRuns: 300, seed: 0x5eed20 });

test("msmtpd over the in-memory wire: the AUTH brake waits one second of fake time", async () => {
  const wire = new MemoryWire([
    bytes("EHLO client.example\r\nAUTH PLAIN AHVzZXIAc2VjcmV0\r\nQUIT\r\n"),
  ]);
  const clock = new FakeClock();
  const run = await runEngine(msmtpd.engine({ auth: true, authDelay: true }, () => {}), wire, {
    clock,
  });
  assert.deepEqual(run.outcome, { kind: "resolved" });
  assert.equal(clock.now(), 1000);
  assert.equal(
    new TextDecoder().decode(wire.written),
    "220 localhost ESMTP msmtpd\r\n250-localhost\r\n250 AUTH PLAIN\r\n" +
      "235 Authentication successful\r\n221 Bye\r\n",
  );
});

// Found when msmtpd read a DATA line of any length whole (design.md: "msmtpd's DATA buffer is
// unbounded"): a 64 KiB line sent in 1 KiB chunks was held whole before its LF. The shared
// framing streams a body line into the mail, which the size cap bounds.
test("msmtpd: a DATA line is held within a cap plus one chunk", async () => {
  const input = bytes(
    "HELO client.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n" +
      "x".repeat(65536) + "\r\n.\r\nQUIT\r\n",
  );
  let most = 0;
  await watchReaders(async (readers) => {
    const wire = new MemoryWire(chunked(input, [1024]), {
      beforeRead: (chunk) => {
        for (const r of readers) most = Math.max(most, r.buffered + (chunk?.length ?? 0));
      },
    });
    const engine = msmtpd.engine({ auth: false, authDelay: false }, () => {});
    await runEngine(engine, wire, { clock: new FakeClock() });
  });
  assert.ok(most > 0, "msmtpd reads through the shared LineReader");
  assert.ok(most <= 1023 + 1024, `held ${most} bytes`);
});
