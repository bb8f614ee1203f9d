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

// Found by the chunking property: SessionInput dropped a line once it passed maxLine and read
// on to its end. When the input ended first, whatever of the line arrived after the drop was
// returned as a last line and answered `500 Line too long`; when the drop took everything
// buffered (the whole line came in one read), the end of input was reported alone and the 500
// was never sent.
test("mockmta: an over-long last line without LF gets the same answer however it arrives", async () => {
  const config = { limits: { maxLine: 64 }, tls: false };
  const input = bytes(`EHLO client.example\r\nNOOP ${"x".repeat(100)}`);
  const whole = await transcript(mockmta, config, [input]);
  const inTwo = await transcript(mockmta, config, chunked(input, [50]));
  // docs/mockmta.md: a line over the cap gets `500 Line too long` once; then the goodbye.
  assert.deepEqual(whole.events.slice(-2), ["S 500 Line too long\r\n", "S 221 Bye\r\n"]);
  assert.deepEqual(whole.events, inTwo.events);
});
