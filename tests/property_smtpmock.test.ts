// Property-based tests of the smtpmock engine without sockets (tests/helpers/engine_properties.ts):
// chunking never changes replies or messages, the engine never throws, buffering stays within
// the caps. Fixed seeds and a few runs here; `deno task property` runs them long.
import { test } from "node:test";
import assert from "node:assert/strict";
import { bytes, propertyTests, smtpmock, transcript } from "./helpers/engine_properties.ts";
import { chunked } from "./helpers/memory_wire.ts";

propertyTests(smtpmock, { numRuns: 200, seed: 0x5eed00 });

// Found by the chunking property with a small command-line cap: LineReader.readLine returns a
// line over `maxLine` when its LF is already buffered and raises LineTooLongError only while
// it waits for more bytes. A NOOP line over the cap that arrives whole is read (and, having an
// argument, gets no reply); the same line byte by byte ends the session with
// `500 Line too long`. Over TCP the outcome depends on where the kernel splits the stream.
test("smtpmock: a command line over maxLine gets the same answer however it arrives", {
  skip: "known bug: the cap applies only while the line's LF has not arrived",
}, async () => {
  const config = { options: {}, maxLine: 40 };
  const input = bytes(`EHLO client.example\r\nNOOP ${"x".repeat(50)}\r\nQUIT\r\n`);
  const whole = await transcript(smtpmock, config, [input]);
  const bytewise = await transcript(smtpmock, config, chunked(input, [1]));
  assert.deepEqual(bytewise.events, whole.events);
});
