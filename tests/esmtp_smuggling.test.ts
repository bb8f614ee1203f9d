// SMTP smuggling against the serve dialect, as a property: a body made of bare CRs and LFs,
// dots, NULs and whole pipelined transactions ends only at CRLF.CRLF, gives exactly one
// message, and that message holds the body dot-unstuffed at CRLF line starts only.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { chunkSizes } from "./helpers/engine_properties.ts";
import { latin1, play } from "./helpers/esmtp.ts";
import { chunked } from "./helpers/memory_wire.ts";

const ENVELOPE = "EHLO x\r\nMAIL FROM:<a@b.example>\r\nRCPT TO:<c@d.example>\r\nDATA\r\n";
const SMUGGLED = "MAIL FROM:<evil@x.example>\r\nRCPT TO:<victim@y.example>\r\nDATA\r\n";
const END = "\r\n.\r\n";

const fragment = fc.constantFrom(
  "\n",
  "\r",
  "\r\n",
  ".",
  "..",
  "\x00",
  " ",
  "text",
  "\n.\n",
  "\r.\r",
  "\n.\r\n",
  ".\n",
  SMUGGLED,
);

/** A body that does not contain the real terminator (counting the DATA line's CRLF). */
const body = fc.array(fragment, { maxLength: 24 }).map((f) => f.join(""))
  .filter((b) => `\r\n${b}${END}`.indexOf(END) === b.length + 2);

/** What the message must hold: a dot removed at the start and after every CRLF. */
function unstuffed(b: string): string {
  return `${b}\r\n`.replace(/(^|\r\n)\./g, "$1");
}

const text = (bytes: Uint8Array) => {
  let s = "";
  for (const c of bytes) s += String.fromCharCode(c);
  return s;
};

test("esmtp smuggling property: one message per CRLF.CRLF, whatever the body and chunking", async () => {
  await fc.assert(
    fc.asyncProperty(body, chunkSizes, async (b, sizes) => {
      const input = latin1(`${ENVELOPE}${b}${END}QUIT\r\n`);
      const p = await play(input, { chunks: chunked(input, sizes) });
      assert.equal(p.messages.length, 1);
      assert.equal(text(p.messages[0].data), unstuffed(b));
      assert.deepEqual(p.lines.slice(-3), [
        "354 End data with <CR><LF>.<CR><LF>",
        "250 2.0.0 Ok: queued as ID1",
        "221 2.0.0 Bye",
      ]);
    }),
    { numRuns: 300, seed: 0x5eed51 },
  );
});
