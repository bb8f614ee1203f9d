// The capture store: Mailpit-shaped IDs, arrival order, the count and byte caps (oldest out
// first), search pages and counts, delete by IDs or query, read flags, tags (X-Tags and
// plus-addresses, Mailpit's cleaning), events, and waits woken by the arrival itself, timed
// by the injected clock, leaving no listener behind however they end.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CaptureStore, type StoreEvent, WaitTimeoutError } from "../src/capture/store.ts";
import { isId } from "../src/capture/id.ts";
import { cleanTag, normalizeTags, plusTags } from "../src/capture/tags.ts";
import { FakeClock } from "./helpers/fake_clock.ts";
import { plainMail, received } from "./helpers/capture.ts";

function mail(subject: string, extra: Record<string, string> = {}, body = "body") {
  return received(
    plainMail({ From: "a@example.com", To: "b@example.com", Subject: subject, ...extra }, body),
  );
}

test("capture store: IDs are 22 base57 characters, unique; seq counts arrivals", async () => {
  const store = new CaptureStore({ max: 0 });
  const ids = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const m = await store.add(mail(`m${i}`));
    assert.ok(isId(m.id), m.id);
    assert.equal(m.seq, i + 1);
    ids.add(m.id);
  }
  assert.equal(ids.size, 200);
  assert.equal(isId("0".repeat(22)), false);
  assert.equal(isId("abc"), false);
});

test("capture store: lists newest first, in add() order even when parsing finishes out of order", async () => {
  const store = new CaptureStore();
  // A big message parses slower than a small one added right after it.
  const big = mail("big", {}, "line of text\n".repeat(50_000));
  const [a, b] = await Promise.all([store.add(big), store.add(mail("small"))]);
  assert.deepEqual([a.seq, b.seq], [1, 2]);
  assert.deepEqual(store.list().map((m) => m.summary.subject), ["small", "big"]);
  assert.equal(store.latest()?.summary.subject, "small");
  assert.equal(store.latest("subject:big")?.summary.subject, "big");
  assert.equal(store.get(a.id), a);
  assert.equal(store.get("nope"), undefined);
});

test("capture store: max drops the oldest first and says so in a delete event", async () => {
  const store = new CaptureStore({ max: 3 });
  const events: StoreEvent[] = [];
  store.subscribe((e) => events.push(e));
  const added = [];
  for (let i = 1; i <= 5; i++) added.push(await store.add(mail(`m${i}`)));
  assert.equal(store.size, 3);
  assert.deepEqual(store.list().map((m) => m.summary.subject), ["m5", "m4", "m3"]);
  assert.equal(store.get(added[0].id), undefined);
  const evictions = events.filter((e) => e.type === "delete");
  assert.deepEqual(evictions, [
    { type: "delete", ids: [added[0].id], reason: "evicted" },
    { type: "delete", ids: [added[1].id], reason: "evicted" },
  ]);
  assert.equal(events.filter((e) => e.type === "new").length, 5);
});

test("capture store: the byte budget drops the oldest until it fits, never the newest", async () => {
  const one = mail("x").data.length;
  const store = new CaptureStore({ max: 0, maxBytes: one * 2 + 1 });
  for (let i = 0; i < 4; i++) await store.add(mail("x"));
  assert.equal(store.size, 2);
  assert.equal(store.bytes, one * 2);
  // One message larger than the budget is still kept (alone): it is what just arrived.
  const huge = await store.add(mail("huge", {}, "y".repeat(one * 3)));
  assert.deepEqual(store.list().map((m) => m.id), [huge.id]);
  assert.equal(store.bytes, huge.size);
});

test("capture store: search pages with Mailpit's counts", async () => {
  const store = new CaptureStore();
  for (let i = 1; i <= 7; i++) await store.add(mail(`n${i}`, i % 2 ? { "X-Tags": "odd" } : {}));
  store.setRead(store.list("tag:odd").slice(0, 2).map((m) => m.id), true);
  const page = store.search("tag:odd", { start: 1, limit: 2 });
  assert.equal(page.total, 7);
  assert.equal(page.unread, 5);
  assert.equal(page.messagesCount, 4);
  assert.equal(page.messagesUnread, 2);
  assert.equal(page.start, 1);
  assert.equal(page.count, 2);
  assert.deepEqual(page.messages.map((m) => m.summary.subject), ["n5", "n3"]);
  assert.deepEqual(page.tags, ["odd"]);
  assert.equal(store.search(undefined, { start: 6 }).count, 1);
  assert.equal(store.search(undefined, { start: 50 }).count, 0);
  assert.equal(store.search("", { limit: -1 }).count, 7);
});

test("capture store: delete by IDs or by query, clear, each one event", async () => {
  const store = new CaptureStore();
  const events: StoreEvent[] = [];
  store.subscribe((e) => events.push(e));
  const a = await store.add(mail("keep"));
  const b = await store.add(mail("drop one"));
  await store.add(mail("drop two"));
  assert.deepEqual(store.delete([b.id, "missing"]), [b.id]);
  assert.deepEqual(store.delete([]), []);
  const gone = store.delete("subject:drop");
  assert.equal(gone.length, 1);
  assert.deepEqual(store.list().map((m) => m.id), [a.id]);
  assert.deepEqual(store.delete("subject:nothing"), []);
  store.clear();
  assert.equal(store.size, 0);
  assert.equal(store.bytes, 0);
  assert.deepEqual(events.slice(3).map((e) => e.type), ["delete", "delete", "clear"]);
});

test("capture store: read flags and tags change with update events", async () => {
  const store = new CaptureStore();
  const events: StoreEvent[] = [];
  const m = await store.add(mail("t"));
  store.subscribe((e) => events.push(e));
  assert.deepEqual(store.setRead([m.id], false), []);
  assert.deepEqual(store.setRead([m.id], true), [m]);
  assert.equal(m.read, true);
  store.setTags([m.id], ["Beta", "alpha", "beta", "bad/char", "  "]);
  assert.deepEqual(m.tags, ["Beta", "alpha", "bad char"]);
  store.renameTag("BETA", "gamma");
  assert.deepEqual(m.tags, ["alpha", "bad char", "gamma"]);
  assert.deepEqual(store.tags(), ["alpha", "bad char", "gamma"]);
  // Across messages too, a tag is listed once ignoring case.
  await store.add(mail("u", { "X-Tags": "ALPHA, delta" }));
  assert.deepEqual(store.tags(), ["alpha", "bad char", "delta", "gamma"]);
  assert.deepEqual(events.map((e) => e.type), ["update", "update", "update", "new"]);
});

test("capture store: tags from X-Tags and plus-addresses (headers and envelope), cleaned", async () => {
  const store = new CaptureStore();
  const m = await store.add(
    received(
      plainMail({
        From: "a+fromtag@example.com",
        To: "b+Run42@example.com",
        Cc: "c+c.c@example.com",
        "X-Tags": "one, Two ,,thr/ee",
        Subject: "tags",
      }, "x"),
      { to: ["b+Run42@example.com", "hidden+secret@example.com", "plain@example.com"] },
    ),
    { tags: ["extra", "ONE"] },
  );
  assert.deepEqual(m.tags, ["Run42", "Two", "c.c", "extra", "fromtag", "one", "secret", "thr ee"]);
  const off = new CaptureStore({ tagsFromPlusAddresses: false });
  const n = await off.add(received(plainMail({ To: "b+x@example.com", "X-Tags": "y" }, "x")));
  assert.deepEqual(n.tags, ["y"]);
  assert.deepEqual(plusTags("user+tag@example.com"), ["tag"]);
  assert.deepEqual(plusTags("user+a+b@example.com"), ["a", "b"]);
  assert.deepEqual(plusTags("user+@example.com"), []);
  assert.deepEqual(plusTags("user@example.com"), []);
  assert.deepEqual(plusTags("user@plus+domain.example"), []);
  assert.equal(cleanTag(" a  b\t!c "), "a b c");
  assert.deepEqual(normalizeTags(["b", "a", "A", "!!", "C"]), ["C", "a", "b"]);
});

test("capture store: a wait is woken by the arrival that satisfies it", async () => {
  const clock = new FakeClock();
  const store = new CaptureStore({ clock });
  const waiting = store.waitFor("tag:run7", 2, { timeout: 1000 });
  assert.equal(store.pendingWaits, 1);
  await store.add(mail("other"));
  await store.add(received(plainMail({ To: "x+run7@example.com", Subject: "first" }, "x")));
  assert.equal(store.pendingWaits, 1, "one match is not two");
  await store.add(received(plainMail({ To: "x+run7@example.com", Subject: "second" }, "x")));
  const got = await waiting;
  assert.deepEqual(got.map((m) => m.summary.subject), ["second", "first"]);
  assert.equal(store.pendingWaits, 0);
  assert.equal(clock.pending, 0, "its timer is cleared");
  // Already satisfied: resolves at once, sets no timer.
  assert.equal((await store.waitFor("tag:run7", 1)).length, 2);
  assert.equal(clock.pending, 0);
});

test("capture store: an update (read, tags) can satisfy a wait too", async () => {
  const store = new CaptureStore({ clock: new FakeClock() });
  const m = await store.add(mail("u"));
  const waiting = store.waitFor("is:read", 1);
  store.setRead([m.id], true);
  assert.deepEqual((await waiting).map((x) => x.id), [m.id]);
});

test("capture store: a wait times out on the injected clock with what did match", async () => {
  const clock = new FakeClock();
  const store = new CaptureStore({ clock });
  await store.add(mail("one match", { "X-Tags": "t" }));
  const waiting = store.waitFor("tag:t", 2, { timeout: 3000 });
  await clock.timerSet(3000);
  clock.advance(2999);
  assert.equal(store.pendingWaits, 1);
  clock.advance(1);
  const err = await waiting.then(() => null, (e) => e);
  assert.ok(err instanceof WaitTimeoutError, String(err));
  assert.equal(err.expected, 2);
  assert.deepEqual(
    (err.received as { summary: { subject: string } }[]).map((m) => m.summary.subject),
    ["one match"],
  );
  assert.equal(store.pendingWaits, 0);
});

test("capture store: aborting a wait rejects with the reason and leaves nothing behind", async () => {
  const clock = new FakeClock();
  const store = new CaptureStore({ clock });
  const ac = new AbortController();
  const waits = Array.from({ length: 50 }, () => store.waitFor("subject:never", 1, ac));
  assert.equal(store.pendingWaits, 50);
  assert.equal(clock.pending, 50);
  ac.abort(new Error("client went away"));
  for (const w of waits) await assert.rejects(w, /client went away/);
  assert.equal(store.pendingWaits, 0);
  assert.equal(clock.pending, 0);
  // An already aborted signal: rejected at once, never registered.
  const again = store.waitFor("subject:never", 1, {
    signal: AbortSignal.abort(new Error("early")),
  });
  await assert.rejects(again, /early/);
  assert.equal(store.pendingWaits, 0);
  assert.equal(clock.pending, 0);
});

test("capture store: unsubscribe stops events; a throwing listener does not stop others", async () => {
  const store = new CaptureStore();
  const seen: string[] = [];
  store.subscribe(() => {
    throw new Error("broken socket");
  });
  const stop = store.subscribe((e) => seen.push(e.type));
  assert.equal(store.subscribers, 2);
  await store.add(mail("a"));
  stop();
  assert.equal(store.subscribers, 1);
  await store.add(mail("b"));
  assert.deepEqual(seen, ["new"]);
});

test("capture store: views are parsed once, cached, and parsed again after eviction", async () => {
  const store = new CaptureStore({ viewCache: 1 });
  const a = await store.add(mail("A", {}, "alpha https://a.example/x"));
  const b = await store.add(mail("B"));
  const va = await store.view(a.id)!;
  assert.equal(va.subject, "A");
  assert.deepEqual(va.links, ["https://a.example/x"]);
  assert.equal(await store.view(a.id), va, "cached");
  await store.view(b.id);
  const again = await store.view(a.id)!;
  assert.notEqual(again, va, "pushed out of a cache of one, parsed again");
  assert.deepEqual(again.links, va.links);
  assert.equal(store.view("missing"), undefined);
  // A `new` listener asking for the view gets the one parsed on arrival, not a second parse.
  const views: Promise<unknown>[] = [];
  store.subscribe((e) => e.type === "new" && views.push(store.view(e.message.id)!));
  const c = await store.add(mail("C"));
  assert.equal(await views[0], await store.view(c.id));
});

test("capture store: the view cache also keeps to its byte budget", async () => {
  const store = new CaptureStore({ viewCacheBytes: 1000 });
  const small = await store.add(mail("small"));
  const big = await store.add(mail("big", {}, "z".repeat(2000)));
  const first = await store.view(small.id)!;
  await store.view(big.id);
  // The big one alone passes the budget: it stays (the latest always does), the small one goes.
  assert.notEqual(await store.view(small.id), first);
  // A message deleted from the store leaves the cache too.
  store.delete([small.id]);
  assert.equal(store.view(small.id), undefined);
});

test("capture store: extras carry lint findings and the transcript", async () => {
  const store = new CaptureStore();
  const m = await store.add(mail("x"), {
    lint: [{ id: "no-date", severity: "info" }],
    transcript: ["C: HELO x", "S: 250 ok"],
  });
  assert.deepEqual(m.lint, [{ id: "no-date", severity: "info" }]);
  assert.deepEqual(m.transcript, ["C: HELO x", "S: 250 ok"]);
  assert.equal((await store.add(mail("y"))).lint, undefined);
});
