// Storing without a promise (CaptureStore.addNow, serve's storeDelivery): the same records,
// IDs, order, events and tags as add(), and nothing done when the message must wait its turn.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CaptureStore, type StoreEvent } from "../src/capture/store.ts";
import { storeDelivery } from "../src/api/serve.ts";
import { Sinks } from "../src/smtp/message.ts";
import { plainMail, received } from "./helpers/capture.ts";

const plain = (subject: string) => received(plainMail({ Subject: subject }, "hi"));

test("addNow: stored at once, listed and announced before it returns, in call order with add()", async () => {
  const store = new CaptureStore({ parseOnArrival: false });
  const events: string[] = [];
  store.subscribe((e: StoreEvent) => events.push(e.type === "new" ? e.message.id : e.type));
  const a = await store.add(plain("a"));
  const b = store.addNow(
    received(plainMail({ Subject: "b" }, "hi"), { to: ["x+news@example.com"] }),
  );
  assert.ok(b);
  assert.deepEqual(events, [a.id, b.id], "its new event came before addNow returned");
  assert.equal(b.seq, a.seq + 1);
  assert.deepEqual(b.tags, ["news"]);
  assert.equal(store.get(b.id), b);
  assert.deepEqual(store.list().map((m) => m.id), [b.id, a.id]);
  const c = await store.add(plain("c"));
  assert.equal(c.seq, b.seq + 1);
});

test("addNow: undefined, with nothing stored, when the message is to be parsed first or an add waits ahead", async () => {
  const eager = new CaptureStore();
  assert.equal(eager.addNow(plain("eager")), undefined);
  assert.equal(eager.size, 0);
  const lazy = new CaptureStore({ parseOnArrival: false });
  const tagged = received(plainMail({ "X-Tags": "one", Subject: "t" }, "hi"));
  assert.equal(lazy.addNow(tagged), undefined, "X-Tags: parsed for its tags");
  const queued = lazy.add(tagged);
  assert.equal(lazy.addNow(plain("behind")), undefined, "an add is queued ahead");
  assert.equal(lazy.size, 0);
  const first = await queued;
  assert.deepEqual(first.tags, ["one"]);
  const next = lazy.addNow(plain("after"));
  assert.equal(next?.seq, first.seq + 1, "no number taken by the refused calls");
});

test("storeDelivery: answers with the stored ID, and falls back to add() (findings once) when the store cannot take it at once", async () => {
  const store = new CaptureStore({ parseOnArrival: false });
  let asked = 0;
  const linter = {
    findings: () => (asked++, [{ id: "missing-date" }]),
  } as unknown as import("../src/lint/linter.ts").Linter;
  const backend = { store, sinks: new Sinks([]), linter };
  const deliver = storeDelivery(() => backend, () => Promise.resolve(backend));
  const now = await deliver(plain("now"));
  assert.equal(now.ok && now.id, store.list()[0].id);
  assert.deepEqual(store.list()[0].lint, [{ id: "missing-date" }]);
  const tagged = await deliver(received(plainMail({ "X-Tags": "t", Subject: "t" }, "hi")));
  assert.equal(tagged.ok && tagged.id, store.list()[0].id);
  assert.deepEqual(store.list()[0].tags, ["t"]);
  assert.equal(asked, 2, "findings asked once per message");
  let ready: (b: typeof backend) => void = () => {};
  const later = new Promise<typeof backend>((resolve) => ready = resolve);
  const waiting = storeDelivery(() => null, () => later)(plain("before the store"));
  ready(backend);
  const stored = await waiting;
  assert.equal(stored.ok && stored.id, store.list()[0].id);
  assert.equal(store.size, 3);
});

test("stored form: an address object used again with other fields reads its new fields", async () => {
  const store = new CaptureStore({ parseOnArrival: false });
  const first = { hostname: "127.0.0.1", port: 2525 };
  const again = { hostname: "127.0.0.1", port: 2525 };
  const a = await store.add(received("a", { localAddress: first }));
  const b = await store.add(received("b", { localAddress: again }));
  assert.equal(b.message.localAddress, a.message.localAddress, "equal local addresses shared");
  again.port = 2526;
  const c = await store.add(received("c", { localAddress: again }));
  assert.deepEqual(c.message.localAddress, { hostname: "127.0.0.1", port: 2526 });
  assert.deepEqual(a.message.localAddress, { hostname: "127.0.0.1", port: 2525 });
});

test("stored form: a record built by hand without addresses is stored as it is", async () => {
  const store = new CaptureStore({ parseOnArrival: false });
  for (const address of [null, undefined, null]) {
    const m = received("x", {
      localAddress: address as never,
      remoteAddress: address as never,
      receivedAt: address as never,
    });
    const stored = await store.add(m);
    assert.equal(stored.message.localAddress, address);
    assert.equal(stored.message.remoteAddress, address);
  }
});
