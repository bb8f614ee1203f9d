// Property-based tests of the smtpmock engine without sockets (tests/helpers/engine_properties.ts):
// chunking never changes replies or messages, the engine never throws, buffering stays within
// the caps. Fixed seeds and a few runs here; `deno task property` runs them long.
import { test } from "node:test";
import assert from "node:assert/strict";
import { bytes, propertyTests, smtpmock, transcript } from "./helpers/engine_properties.ts";
import { chunked, FakeClock, MemoryWire, runEngine } from "./helpers/memory_wire.ts";

propertyTests(smtpmock, { numRuns: 300, seed: 0x5eed00 });

const text = (b: Uint8Array) => new TextDecoder().decode(b);

test("smtpmock over the in-memory wire: a response delay and the linger run on the fake clock", async () => {
  const delayed = new MemoryWire([
    bytes("EHLO client.example\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nQUIT\r\n"),
  ]);
  const clock = new FakeClock();
  const run = await runEngine(
    smtpmock.engine({ options: { responseDelayRcptto: 3 } }, () => {}),
    delayed,
    { clock },
  );
  assert.deepEqual(run.outcome, { kind: "resolved" });
  assert.equal(clock.now(), 3000, "the RCPT reply waited 3 s of fake time");
  assert.equal(
    text(delayed.written),
    "220 Welcome\r\n250 Received\r\n250 Received\r\n250 Received\r\n221 Closing connection\r\n",
  );
  // A line over the cap: 500, then the connection is held open for a second before closing.
  const flood = new MemoryWire([bytes(`EHLO client.example\r\n${"x".repeat(100)}`)]);
  const lingerClock = new FakeClock();
  const lingered = await runEngine(smtpmock.engine({ options: {}, maxLine: 50 }, () => {}), flood, {
    clock: lingerClock,
  });
  assert.deepEqual(lingered.outcome, { kind: "resolved" });
  assert.equal(lingerClock.now(), 1000);
  assert.equal(
    text(flood.written),
    "220 Welcome\r\n250 Received\r\n500 Line too long (limit 50 bytes)\r\n",
  );
});

// Found by the chunking property with a small command-line cap: LineReader.readLine returned a
// line over `maxLine` when its LF was already buffered and raised LineTooLongError only while
// it waited for more bytes, so a NOOP line over the cap that arrived whole was read (and,
// having an argument, got no reply) while the same line byte by byte ended the session with
// `500 Line too long`. Over TCP the outcome depended on where the kernel split the stream.
test("smtpmock: a command line over maxLine gets the same answer however it arrives", async () => {
  const config = { options: {}, maxLine: 40 };
  const input = bytes(`EHLO client.example\r\nNOOP ${"x".repeat(50)}\r\nQUIT\r\n`);
  const whole = await transcript(smtpmock, config, [input]);
  const bytewise = await transcript(smtpmock, config, chunked(input, [1]));
  // README deviation 4: refused, and the session ends (after the linger) without the QUIT.
  assert.deepEqual(whole.events, [
    "S 220 Welcome\r\n",
    "S 250 Received\r\n",
    "S 500 Line too long (limit 40 bytes)\r\n",
  ]);
  assert.deepEqual(bytewise.events, whole.events);
});
