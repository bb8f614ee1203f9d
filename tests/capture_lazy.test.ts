// A store that parses on first need (serve's): nothing is parsed on arrival unless a reader
// needs it (a wait or subscriber reading parsed fields, tags the header may carry), queries
// that read parsed fields work after `ready`, pages after `summarize`; transcripts are looked
// up per session rather than held per message.
import { test } from "node:test";
import assert from "node:assert/strict";
import { CaptureStore, type StoreEvent } from "../src/capture/store.ts";
import { mayCarryTags } from "../src/capture/tags.ts";
import { parseQuery } from "../src/capture/query.ts";
import { NO_PARAMS } from "../src/smtp/message.ts";
import { FakeClock } from "./helpers/fake_clock.ts";
import { crlf, plainMail, received } from "./helpers/capture.ts";

const te = new TextEncoder();

function mail(subject: string, extra: Record<string, string> = {}, body = "hello world") {
  return received(
    plainMail({ From: "a@example.com", To: "b@example.com", Subject: subject, ...extra }, body),
  );
}

const lazy = () => new CaptureStore({ clock: new FakeClock(), parseOnArrival: false });

test("lazy store: an arrival is listed unparsed; ready(query) parses what the query reads", async () => {
  const store = lazy();
  const m = await store.add(mail("Welcome aboard", {}, "your code is 123456"));
  assert.equal(store.list().length, 1, "listed without parsing");
  assert.throws(() => m.summary, /not parsed yet/);
  // A query on envelope and session facts needs no parse.
  assert.equal(store.list("ip:127.0.0.1").length, 1);
  await store.ready("ip:127.0.0.1");
  assert.throws(() => m.summary, /not parsed yet/, "ready() parsed nothing it did not need");
  await store.ready("subject:welcome");
  assert.equal(m.summary.subject, "Welcome aboard");
  assert.equal(store.latest("code")?.id, m.id, "bare words search the parsed body");
  assert.equal(store.list("subject:other").length, 0);
});

test("lazy store: summarize(page) parses just those messages", async () => {
  const store = lazy();
  const a = await store.add(mail("a"));
  const b = await store.add(mail("b"));
  await store.summarize([b]);
  assert.equal(b.summary.subject, "b");
  assert.throws(() => a.summary);
  await store.summarize(store.list());
  assert.equal(a.summary.subject, "a");
});

test("lazy store: a wait whose query reads parsed fields sees every arrival parsed", async () => {
  const store = lazy();
  await store.add(mail("early match"));
  const waiting = store.waitFor("subject:match", 2, { timeout: 1000 });
  await store.add(mail("no"));
  await store.add(mail("late match"));
  const got = await waiting;
  assert.deepEqual(got.map((m) => m.summary.subject), ["late match", "early match"]);
  assert.equal(store.pendingWaits, 0);
  // With no reader left, arrivals are not parsed again.
  const after = await store.add(mail("after"));
  assert.throws(() => after.summary);
});

test("lazy store: a subscriber that asks for parsed messages gets them; others do not cost a parse", async () => {
  const store = lazy();
  const seen: string[] = [];
  const plain = store.subscribe(() => {});
  const first = await store.add(mail("one"));
  assert.throws(() => first.summary, /not parsed/);
  const stop = store.subscribe((e: StoreEvent) => {
    if (e.type === "new") seen.push(e.message.summary.subject);
  }, { parsed: true });
  await store.add(mail("two"));
  stop();
  stop(); // twice is harmless
  const third = await store.add(mail("three"));
  assert.deepEqual(seen, ["two"]);
  assert.throws(() => third.summary, /not parsed/);
  plain();
  assert.equal(store.subscribers, 0);
});

test("lazy store: tags from X-Tags and header plus-addresses still come on arrival", async () => {
  const store = lazy();
  const x = await store.add(mail("x", { "X-Tags": "alpha, beta" }));
  const plus = await store.add(mail("p", { Cc: "Team <team+gamma@example.org>" }));
  const env = await store.add(mail("e"), {});
  const bcc = await store.add(
    received(plainMail({ Subject: "b" }, "x"), { to: ["u+delta@x.org"] }),
  );
  assert.deepEqual(x.tags, ["alpha", "beta"]);
  assert.deepEqual(plus.tags, ["gamma"]);
  assert.deepEqual(env.tags, []);
  assert.deepEqual(bcc.tags, ["delta"], "envelope plus-addresses need no parse");
  assert.throws(() => bcc.summary, "and so were not parsed");
  assert.deepEqual(store.list("tag:gamma").map((m) => m.id), [plus.id]);
});

test("mayCarryTags: only address headers' plus signs and X-Tags count, folded lines too", () => {
  const carry = (text: string) => mayCarryTags(te.encode(text), true);
  assert.equal(
    carry(crlf("Date: Tue, 1 Dec 2026 17:00:00 +0000", "To: <b@x.org>", "", "+")),
    false,
  );
  assert.equal(carry(crlf("To: A <a@x.org>,", " B <b+t@x.org>", "", "body")), true);
  assert.equal(carry(crlf("x-tags: one", "", "")), true);
  assert.equal(carry(crlf("Subject: a+b", "From: <f+t@x.org>")), true, "no body: still headers");
  assert.equal(mayCarryTags(te.encode(crlf("To: <b+t@x.org>", "")), false), false, "plus off");
});

test("query: terms say whether they read parsed fields", () => {
  for (
    const q of ["tag:x", "is:read", "auth:u", "ip:1.2.3.4", "helo:h", "lint:bare-lf", "larger:1k"]
  ) {
    assert.equal(parseQuery(q).parsed, false, q);
  }
  for (const q of ["to:x", "from:x", "subject:x", "message-id:x", "has:attachment", "word"]) {
    assert.equal(parseQuery(q).parsed, true, q);
  }
  assert.equal(parseQuery("tag:x word").parsed, true);
});

test("store: a message without its own transcript shows its session's from transcriptOf", async () => {
  const kept = new Map<number, string>([[7, "C: EHLO x"]]);
  const store = new CaptureStore({ transcriptOf: (id) => kept.get(id) });
  const m = await store.add(received(plainMail({ Subject: "s" }, "x"), { sessionId: 7 }));
  const own = await store.add(received(plainMail({ Subject: "s" }, "x"), { sessionId: 7 }), {
    transcript: ["C: mine"],
  });
  const none = await store.add(received(plainMail({ Subject: "s" }, "x")));
  assert.equal(m.transcript, "C: EHLO x");
  assert.deepEqual(own.transcript, ["C: mine"]);
  assert.equal(none.transcript, undefined);
  kept.clear(); // the transcript store forgot the session
  assert.equal(m.transcript, undefined);
  assert.equal(m.created, m.message.receivedAt);
  assert.equal(m.size, m.message.data.length);
});

test("store: a message's bytes are a copy in the store's own slab, not a view of the transport's chunk", async () => {
  const store = new CaptureStore();
  const raw = te.encode(plainMail({ Subject: "s" }, "x"));
  const chunk = new Uint8Array(raw.length + 4096);
  chunk.set(raw, 100);
  const m = await store.add(received(chunk.subarray(100, 100 + raw.length)));
  assert.deepEqual(m.message.data, raw);
  assert.notEqual(m.message.data.buffer, chunk.buffer, "the chunk is not kept");
});

test("store: empty parameters become the shared NO_PARAMS, lists keep their values", async () => {
  const store = new CaptureStore();
  const m = await store.add(
    received(plainMail({ Subject: "s" }, "x"), {
      to: ["a@x.org", "b@x.org"],
      mailParams: {},
      rcptParams: [{}, { NOTIFY: "NEVER" }],
    }),
  );
  assert.equal(m.message.mailParams, NO_PARAMS);
  assert.equal(m.message.rcptParams?.[0], NO_PARAMS);
  assert.deepEqual(m.message.rcptParams?.[1], { NOTIFY: "NEVER" });
  assert.deepEqual(m.message.to, ["a@x.org", "b@x.org"]);
});

test("lazy store: ready() also parses what arrived while it was parsing", async () => {
  const store = lazy();
  await store.add(mail("first"));
  const [, second] = await Promise.all([store.ready("subject:o"), store.add(mail("second"))]);
  assert.equal(second.summary.subject, "second");
  assert.equal(store.list("subject:o").length, 1);
});
