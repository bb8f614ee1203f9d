// DATA bodies written straight into the store's slabs (src/capture/slab_body.ts, slabs.ts):
// the stored message keeps those bytes, never a copy, and bodies that cannot stay one view in a
// slab (interleaved, large) still read exactly as they arrived.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CaptureStore, type StoredMessage } from "../src/capture/store.ts";
import { esmtpEngine } from "../src/smtp/esmtp/engine.ts";
import type { ReceivedMessage } from "../src/smtp/message.ts";
import { plainMail, received } from "./helpers/capture.ts";
import { memoryContext, MemoryWire } from "./helpers/memory_wire.ts";

const te = new TextEncoder();
const MAX = 10 * 1024 * 1024;

/** `text` pushed into a store's body in pieces of `piece` bytes. */
function pushed(body: { push(b: Uint8Array): void }, text: string, piece: number): Uint8Array {
  const raw = te.encode(text);
  for (let i = 0; i < raw.length; i += piece) body.push(raw.slice(i, i + piece));
  return raw;
}

test("capture body: a body in one or several pieces is stored where it was written, not copied", async () => {
  const store = new CaptureStore({ parseOnArrival: false });
  for (const piece of [1 << 20, 7]) {
    const body = store.dataBody(MAX);
    const raw = pushed(body, plainMail({ Subject: `piece ${piece}` }, "hello\r\n"), piece);
    assert.equal(body.length, raw.length);
    const data = body.bytes();
    assert.deepEqual(data, raw);
    const stored = await store.add(received(data));
    const kept = stored.message.data;
    assert.equal(kept.buffer, data.buffer, "its bytes kept where they were written, not copied");
    assert.equal(kept.byteOffset, data.byteOffset);
    assert.notEqual(kept, data, "a view of the store's own: nothing keyed by the body's lives on");
    assert.notEqual(data.buffer.byteLength, data.length, "a view into a shared slab");
  }
  assert.equal(store.bytes, store.list().reduce((n, m) => n + m.size, 0));
});

test("capture body: interleaved, large, cleared and abandoned bodies leave every stored message intact", async () => {
  const store = new CaptureStore({ max: 0, parseOnArrival: false });
  const a = store.dataBody(MAX), b = store.dataBody(MAX);
  const aText = plainMail({ Subject: "a" }, "a".repeat(3000));
  const bText = plainMail({ Subject: "b" }, "b".repeat(3000));
  // Alternating pieces: neither body can stay one view after the other took the slab.
  const aRaw = te.encode(aText), bRaw = te.encode(bText);
  for (let i = 0; i < Math.max(aRaw.length, bRaw.length); i += 500) {
    if (i < aRaw.length) a.push(aRaw.slice(i, i + 500));
    if (i < bRaw.length) b.push(bRaw.slice(i, i + 500));
  }
  const abandoned = store.dataBody(MAX);
  pushed(abandoned, "never delivered", 4);
  const cleared = store.dataBody(MAX);
  pushed(cleared, "dropped", 3);
  cleared.clear();
  assert.equal(cleared.length, 0);
  assert.equal(cleared.bytes().length, 0);
  const large = store.dataBody(MAX);
  const largeRaw = pushed(large, plainMail({ Subject: "large" }, "L".repeat(200_000)), 8192);
  const one = store.dataBody(MAX);
  const oneRaw = pushed(one, plainMail({ Subject: "one" }, "o"), 1 << 20);
  const stored: StoredMessage[] = [];
  for (const body of [a, b, large, one]) stored.push(await store.add(received(body.bytes())));
  // Written after all of them: a later body must not land over any stored one.
  const later = store.dataBody(MAX);
  const laterRaw = pushed(later, plainMail({ Subject: "later" }, "z".repeat(100)), 1 << 20);
  stored.push(await store.add(received(later.bytes())));
  [aRaw, bRaw, largeRaw, oneRaw, laterRaw].forEach((raw, i) => {
    assert.deepEqual(stored[i].message.data, raw);
  });
  assert.equal(
    store.bytes,
    [aRaw, bRaw, largeRaw, oneRaw, laterRaw].reduce((n, r) => n + r.length, 0),
  );
  store.delete([stored[0].id, stored[3].id]);
  assert.deepEqual(store.list().map((m) => m.message.data), [laterRaw, largeRaw, bRaw]);
});

test("capture body: the esmtp session writes DATA into the embedder's body and delivers that view", async () => {
  const store = new CaptureStore({ parseOnArrival: false });
  const bodies: Uint8Array[] = [];
  const kept: ReceivedMessage[] = [];
  const text = plainMail({ Subject: "via esmtp" }, "..dot-stuffed line\r\nlast");
  const wire = new MemoryWire([
    te.encode("EHLO x\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n"),
    te.encode(`${text}\r\n.\r\nQUIT\r\n`),
  ]);
  await esmtpEngine({}, {
    now: () => new Date(),
    dataBody: (max) => {
      const body = store.dataBody(max);
      const bytes = body.bytes.bind(body);
      body.bytes = () => {
        const b = bytes();
        bodies.push(b);
        return b;
      };
      return body;
    },
    deliver: (m) => store.add(m).then((s) => (kept.push(s.message), { ok: true, id: s.id })),
  })(memoryContext(wire));
  assert.equal(kept.length, 1);
  assert.equal(kept[0].data.buffer, bodies[0].buffer, "the body's bytes, stored where written");
  assert.equal(kept[0].data.byteOffset, bodies[0].byteOffset);
  assert.equal(new TextDecoder().decode(kept[0].data), text.replace("..dot", ".dot") + "\r\n");
});

test("capture body: serve writes a DATA body into its store's slab, and a BDAT message is copied there", async (t) => {
  const { ServeServer } = await import("../mod.ts");
  const { connect } = await import("node:net");
  const written: Uint8Array[] = [];
  const dataBody = CaptureStore.prototype.dataBody;
  CaptureStore.prototype.dataBody = function (this: CaptureStore, max: number) {
    const body = dataBody.call(this, max);
    const bytes = body.bytes.bind(body);
    return Object.assign(body, { bytes: () => (written.push(bytes()), written.at(-1)!) });
  };
  t.after(() => CaptureStore.prototype.dataBody = dataBody);
  await using server = await ServeServer.start({ http: false, tls: { caOut: false } });
  await server.waitForMessages(0, { timeout: 10_000 }); // the store is loaded once this answers
  const text = plainMail({ Subject: "slab" }, "one\n..two");
  const bdat = "chunked\r\n";
  const script = "EHLO x\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\nDATA\r\n" +
    `${text}\r\n.\r\nMAIL FROM:<a@example.com>\r\nRCPT TO:<b@example.com>\r\n` +
    `BDAT ${bdat.length} LAST\r\n${bdat}QUIT\r\n`;
  await new Promise<void>((resolve, reject) => {
    const socket = connect(server.port, "127.0.0.1");
    let got = "";
    socket.on("data", (d) => {
      got += d;
      if (/^221 /m.test(got)) socket.end();
    });
    socket.on("error", reject);
    socket.on("close", () => resolve());
    socket.write(script);
  });
  const messages = await server.waitForMessages(2, { timeout: 10_000 });
  const data = messages.find((m) => m.transport === "DATA")!;
  const chunked = messages.find((m) => m.transport === "BDAT")!;
  assert.equal(new TextDecoder().decode(data.data), text.replace("..two", ".two") + "\r\n");
  assert.equal(new TextDecoder().decode(chunked.data), bdat);
  assert.equal(data.data.buffer.byteLength, 1024 * 1024, "a view into a slab");
  assert.equal(chunked.data.buffer, data.data.buffer, "the same slab");
  assert.equal(written.length, 1, "the DATA body, written as it arrived");
  assert.equal(written[0].buffer, data.data.buffer);
  assert.equal(written[0].byteOffset, data.data.byteOffset, "where it was written: not copied");
});
