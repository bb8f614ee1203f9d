// Property-based tests of the mockmta engine without sockets (tests/helpers/engine_properties.ts):
// chunking never changes replies or messages, the engine never throws, buffering stays within
// the caps. Fixed seeds and a few runs here; `deno task property` runs them long.
import { test } from "node:test";
import assert from "node:assert/strict";
import { bytes, mockmta, propertyTests, transcript } from "./helpers/engine_properties.ts";
import { chunked, FakeClock, MemoryWire, runEngine } from "./helpers/memory_wire.ts";

propertyTests(mockmta, { numRuns: 300, seed: 0x5eed10 });

test("mockmta over the in-memory wire: a silent client is cut off by the idle timeout", async () => {
  const wire = new MemoryWire([bytes("EHLO client.example\r\nMAIL FROM:<a@b.example>\r\n")], {
    silentAtEnd: true,
  });
  const clock = new FakeClock();
  const run = await runEngine(
    mockmta.engine({ limits: { idleTimeoutMs: 5000 }, tls: false }, () => {}),
    wire,
    { clock },
  );
  assert.deepEqual(run.outcome, { kind: "resolved" });
  assert.equal(clock.now(), 5000);
  assert.ok(run.log.includes("err timed out waiting for I/O"), run.log.join("\n"));
  // No 221 for a timeout: that goodbye is only for a client that hung up.
  assert.equal(
    new TextDecoder().decode(wire.written),
    "220 Ready\r\n250-localhost Mock MTA pleased to meet you\r\n250-PIPELINING\r\n250 HELP\r\n" +
      "250 Sender ok\r\n",
  );
});

// Found by the chunking property: SessionInput drops a line once it passes maxLine and reads
// on to its end. When the input ends first, whatever of the line arrived after the drop is
// returned as a last line and answered `500 Line too long`; when the drop took everything
// buffered (the whole line came in one read), the end of input is reported alone and the 500
// is never sent. Both end with `221 Bye`.
test("mockmta: an over-long last line without LF gets the same answer however it arrives", {
  skip: "known bug: the 500 depends on whether bytes arrived after the cap was passed",
}, async () => {
  const config = { limits: { maxLine: 64 }, tls: false };
  const input = bytes(`EHLO client.example\r\nNOOP ${"x".repeat(100)}`);
  const whole = await transcript(mockmta, config, [input]);
  const inTwo = await transcript(mockmta, config, chunked(input, [50]));
  assert.deepEqual(whole.events, inTwo.events);
});
