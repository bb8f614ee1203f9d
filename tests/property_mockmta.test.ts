// Property-based tests of the mockmta engine without sockets (tests/helpers/engine_properties.ts):
// chunking never changes replies or messages, the engine never throws, buffering stays within
// the caps. Fixed seeds and a few runs here; `deno task property` runs them long.
import { test } from "node:test";
import assert from "node:assert/strict";
import { bytes, mockmta, propertyTests, transcript } from "./helpers/engine_properties.ts";
import { chunked } from "./helpers/memory_wire.ts";

propertyTests(mockmta, { numRuns: 200, seed: 0x5eed10 });

// Found by the chunking property: SessionInput drops a line once it passes maxLine and reads
// on to its end. When the input ends first, whatever of the line arrived after the drop is
// returned as a last line and answered `500 Line too long`; when the drop took everything
// buffered (the whole line came in one read), the end of input is reported alone and the 500
// is never sent. Both end with `221 Bye`.
test("mockmta: an over-long last line without LF gets the same answer however it arrives", {
  skip: "known bug: the 500 depends on whether bytes arrived after the cap was passed",
}, async () => {
  const config = { maxLine: 64, maxCommandLine: 1024, maxMessageSize: 1 << 20, maxRecipients: 32 };
  const input = bytes(`EHLO client.example\r\nNOOP ${"x".repeat(100)}`);
  const whole = await transcript(mockmta, config, [input]);
  const inTwo = await transcript(mockmta, config, chunked(input, [50]));
  assert.deepEqual(whole.events, inTwo.events);
});
