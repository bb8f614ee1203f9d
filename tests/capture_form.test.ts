// What a stored record holds (src/capture/stored_form.ts, slabs.ts): every value reads as it
// arrived, while bytes share large arrays and repeated strings, lists and addresses are shared.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CaptureStore } from "../src/capture/store.ts";
import { NO_PARAMS } from "../src/smtp/message.ts";
import { plainMail, received } from "./helpers/capture.ts";

const te = new TextEncoder();

test("stored form: small messages' bytes are views of one shared array, each reading its own bytes", async () => {
  const store = new CaptureStore({ parseOnArrival: false });
  const raws = ["one", "two", "three"].map((s) => te.encode(plainMail({ Subject: s }, s)));
  const stored = [];
  for (const raw of raws) stored.push(await store.add(received(raw.slice())));
  stored.forEach((m, i) => {
    assert.deepEqual(m.message.data, raws[i]);
    assert.equal(m.size, raws[i].length);
  });
  assert.equal(stored[0].message.data.buffer, stored[2].message.data.buffer, "one slab");
  assert.equal(store.bytes, raws.reduce((n, r) => n + r.length, 0));
});

test("stored form: a large message gets an array of its own; empty data stays empty", async () => {
  const store = new CaptureStore({ parseOnArrival: false });
  const big = te.encode(plainMail({ Subject: "big" }, "x".repeat(200_000)));
  const m = await store.add(received(big));
  assert.deepEqual(m.message.data, big);
  assert.equal(m.message.data.buffer.byteLength, big.length);
  const empty = await store.add(received(new Uint8Array(0)));
  assert.equal(empty.message.data.length, 0);
});

test("stored form: eviction, deletion and clear() keep every other message's bytes intact", async () => {
  const store = new CaptureStore({ max: 3, parseOnArrival: false });
  const all = [];
  for (let i = 0; i < 10; i++) {
    const raw = te.encode(plainMail({ Subject: `m${i}` }, `body ${i}`));
    all.push({ raw, stored: await store.add(received(raw)) });
  }
  assert.equal(store.size, 3);
  store.delete([all[8].stored.id]);
  for (const { raw, stored } of all.slice(7)) assert.deepEqual(stored.message.data, raw);
  store.clear();
  const raw = te.encode(plainMail({ Subject: "after" }, "clear"));
  const m = await store.add(received(raw));
  assert.deepEqual(m.message.data, raw);
  assert.deepEqual(all[9].stored.message.data, all[9].raw, "a caller's reference still reads");
});

test("stored form: envelope strings, lists and the local address read the same; equal ones are shared", async () => {
  const store = new CaptureStore({ parseOnArrival: false });
  const line = "RCPT TO:<b@example.com>";
  const add = (port: number) =>
    store.add(
      received(plainMail({ Subject: "s" }, "x"), {
        from: "MAIL FROM:<a@example.com>".slice(11, 24),
        to: [line.slice(9, 22)],
        rcptParams: [{}],
        helo: "EHLO client.example".slice(5),
        remoteAddress: { hostname: "127.0.0.1", port },
        localAddress: { hostname: "127.0.0.1", port: 2525 },
      }),
    );
  const a = await add(40001);
  const b = await add(40002);
  assert.equal(a.message.from, "a@example.com");
  assert.deepEqual(a.message.to, ["b@example.com"]);
  assert.equal(a.message.helo, "client.example");
  assert.deepEqual(a.message.remoteAddress, { hostname: "127.0.0.1", port: 40001 });
  assert.deepEqual(b.message.remoteAddress, { hostname: "127.0.0.1", port: 40002 });
  assert.deepEqual(b.message.localAddress, { hostname: "127.0.0.1", port: 2525 });
  assert.equal(a.message.to, b.message.to, "one list for equal recipients");
  assert.ok(Object.isFrozen(a.message.to), "so a shared list cannot change under another record");
  assert.equal(a.message.rcptParams, b.message.rcptParams);
  assert.deepEqual(a.message.rcptParams, [NO_PARAMS]);
  assert.equal(a.message.localAddress, b.message.localAddress);
  const other = await store.add(received(plainMail({ Subject: "s" }, "x"), {
    to: ["b@example.com", "c@example.com"],
    rcptParams: [{}, { NOTIFY: "NEVER" }],
  }));
  assert.deepEqual(other.message.to, ["b@example.com", "c@example.com"]);
  assert.deepEqual(other.message.rcptParams, [NO_PARAMS, { NOTIFY: "NEVER" }]);
});

test("stored form: a one-recipient list is never taken for a longer list written as JSON", async () => {
  const store = new CaptureStore({ parseOnArrival: false });
  const two = await store.add(received("x", { to: ["a", "b"] }));
  const one = await store.add(received("x", { to: ['["a","b"]'] }));
  assert.deepEqual(two.message.to, ["a", "b"]);
  assert.deepEqual(one.message.to, ['["a","b"]']);
});

test("stored form: survivors of deletions that left a full slab nearly empty move out of it, reading the same", async () => {
  const store = new CaptureStore({ max: 0, parseOnArrival: false });
  const body = "y".repeat(4000);
  const all = [];
  for (let i = 0; i < 600; i++) { // ~2.4 MB: two full slabs and a third being filled
    const raw = te.encode(plainMail({ Subject: `m${i}` }, body));
    all.push({ raw, stored: await store.add(received(raw)) });
  }
  const first = all[0].stored.message.data.buffer;
  const inFirst = all.filter((e) => e.stored.message.data.buffer === first);
  const keep = inFirst.slice(0, 5);
  store.delete(inFirst.slice(5).map((e) => e.stored.id));
  for (const { raw, stored } of keep) {
    assert.notEqual(stored.message.data.buffer, first, "moved out of the nearly empty slab");
    assert.deepEqual(stored.message.data, raw);
  }
  for (const { raw, stored } of all.slice(-10)) assert.deepEqual(stored.message.data, raw);
  assert.equal(store.size, 600 - inFirst.length + 5);
});
