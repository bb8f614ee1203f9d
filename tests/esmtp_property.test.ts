// Property-based tests of the serve dialect without sockets (tests/helpers/engine_properties.ts):
// chunking never changes replies or messages, the engine never throws, buffering stays within
// the caps. Fixed seeds and a few runs here; `deno task property --dialect esmtp` runs them long.
import { test } from "node:test";
import assert from "node:assert/strict";
import { bytes, esmtp, propertyTests, transcript } from "./helpers/engine_properties.ts";
import { chunked } from "./helpers/memory_wire.ts";

propertyTests(esmtp, { numRuns: 300, seed: 0x5eed50 });

// One rich pipelined session, cut in two at every byte boundary: always the same replies
// and the same messages as when it arrives in one piece.
const SESSION = "EHLO client.example\r\nMAIL FROM:<a@b.example> SIZE=20 BODY=8BITMIME\r\n" +
  "RCPT TO:<c@d.example> NOTIFY=SUCCESS\r\nRCPT TO:<bad\r\nDATA\r\nSubject: x\r\n\r\n..dot\r\n" +
  "x\n.\r\n.\r\nMAIL FROM:<> BODY=BINARYMIME\r\nRCPT TO:<e@d.example>\r\nBDAT 4\r\n\r\n.\r" +
  "BDAT 2 LAST\r\n\0\nFOO\r\nNOOP\r\nQUIT\r\n";

test("esmtp: a pipelined session cut at every byte boundary gives the same replies and messages", async () => {
  const all = bytes(SESSION);
  const whole = await transcript(esmtp, { config: {}, tls: false }, [all]);
  assert.equal(whole.events.filter((e) => e.startsWith("M ")).length, 2);
  for (let at = 1; at < all.length; at++) {
    const split = await transcript(esmtp, { config: {}, tls: false }, [
      all.subarray(0, at),
      all.subarray(at),
    ]);
    assert.deepEqual(split.events, whole.events, `cut at ${at}`);
  }
  const byByte = await transcript(esmtp, { config: {}, tls: false }, chunked(all, [1]));
  assert.deepEqual(byByte.events, whole.events);
});
