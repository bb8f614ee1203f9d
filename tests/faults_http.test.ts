// The fault rules' HTTP routes (src/http/faults_routes.ts) through hono's in-process fetch:
// list with hits, add (201; 400 with the column), remove one or all, and Mailpit's chaos
// triggers (GET/PUT /api/v1/chaos, --chaos-triggers) mapped onto %P rules. The npm
// mailpit-api client's chaos calls run against the same routes.
import { test } from "node:test";
import assert from "node:assert/strict";
import { MailpitClient } from "mailpit-api";
import { applyChaosTriggers, chaosRules, parseChaosTriggers } from "../src/faults/chaos.ts";
import { FaultRules } from "../src/faults/rules.ts";
import { faultRoutes } from "../src/http/faults_routes.ts";

const post = (rule: unknown) => ({
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ Rule: rule }),
});

test("faults http: list, add, refuse with the column, remove one and all", async () => {
  const faults = new FaultRules({ seed: 5 });
  const app = faultRoutes(faults);
  const added = await app.request(
    "/api/v1/faults",
    post("rcpt:*@full.example => 452 4.2.2 Mailbox full"),
  );
  assert.equal(added.status, 201);
  const rule = await added.json();
  assert.deepEqual(rule, {
    ID: "1",
    Rule: "rcpt:*@full.example => 452 4.2.2 Mailbox full",
    Hits: 0,
  });
  const bad = await app.request("/api/v1/faults", post("rcpt => 250 OK"));
  assert.equal(bad.status, 400);
  const error = await bad.json();
  assert.equal(error.Column, 9);
  assert.match(error.Error, /column 9: reply code 250 is not a failure/);
  assert.equal((await app.request("/api/v1/faults", post(42))).status, 400);
  await app.request("/api/v1/faults", post("dot#2 => 451"));
  const listed = await (await app.request("/api/v1/faults")).json();
  assert.equal(listed.Seed, 5);
  assert.deepEqual(listed.Rules.map((r: { ID: string }) => r.ID), ["1", "2"]);
  assert.equal((await app.request("/api/v1/faults/1", { method: "DELETE" })).status, 200);
  assert.equal((await app.request("/api/v1/faults/1", { method: "DELETE" })).status, 404);
  assert.deepEqual(faults.list().map((r) => r.rule), ["dot#2 => 451"]);
  assert.equal((await app.request("/api/v1/faults", { method: "DELETE" })).status, 200);
  assert.deepEqual(faults.list(), []);
});

test("faults http: Mailpit's chaos triggers become %P rules; omitted ones reset", async () => {
  const faults = new FaultRules({ seed: 1, rules: ["data => drop"] });
  const app = faultRoutes(faults);
  const off = await (await app.request("/api/v1/chaos")).json();
  assert.deepEqual(off, {
    Authentication: { ErrorCode: 451, Probability: 0 },
    Recipient: { ErrorCode: 451, Probability: 0 },
    Sender: { ErrorCode: 451, Probability: 0 },
  });
  const put = (body: unknown) =>
    app.request("/api/v1/chaos", {
      method: "PUT",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    });
  const set = await put({
    Sender: { ErrorCode: 451, Probability: 50 },
    Recipient: { ErrorCode: 550, Probability: 5 },
  });
  assert.equal(set.status, 200);
  assert.deepEqual((await set.json()).Sender, { ErrorCode: 451, Probability: 50 });
  assert.deepEqual(faults.list().map((r) => r.rule), [
    "data => drop",
    "rcpt%5 => 550",
    "mail%50 => 451",
  ]);
  // Only Authentication given: the other two go back to 0 %, the user's rule stays.
  await put({ Authentication: { ErrorCode: 535, Probability: 100 } });
  assert.deepEqual(faults.list().map((r) => r.rule), ["data => drop", "auth%100 => 535"]);
  const badCode = await put({ Sender: { ErrorCode: 250, Probability: 10 } });
  assert.equal(badCode.status, 400);
  assert.match(await badCode.text(), /ErrorCode/);
  assert.equal((await put({ Sender: { ErrorCode: 451, Probability: 101 } })).status, 400);
  assert.deepEqual(
    faults.list().map((r) => r.rule),
    ["data => drop", "auth%100 => 535"],
    "unchanged",
  );
});

test("faults http: the mailpit-api client's getChaosTriggers/setChaosTriggers work unchanged", async () => {
  const faults = new FaultRules({ seed: 1 });
  const app = faultRoutes(faults);
  const realFetch = globalThis.fetch;
  // The client's requests go to the in-process app instead of a socket.
  globalThis.fetch =
    ((input: RequestInfo | URL, init?: RequestInit) =>
      app.request(input instanceof Request ? input : String(input), init)) as typeof fetch;
  try {
    const client = new MailpitClient("http://localhost:8025");
    const set = await client.setChaosTriggers({ Recipient: { ErrorCode: 452, Probability: 25 } });
    assert.deepEqual(set.Recipient, { ErrorCode: 452, Probability: 25 });
    assert.deepEqual((await client.getChaosTriggers()).Recipient, {
      ErrorCode: 452,
      Probability: 25,
    });
    assert.deepEqual(faults.list().map((r) => r.rule), ["rcpt%25 => 452"]);
  } finally {
    globalThis.fetch = realFetch;
  }
});

test("faults http: --chaos-triggers text (Mailpit's syntax) maps onto the same rules", () => {
  assert.deepEqual(chaosRules("Sender:451:50,Recipient:452:10"), [
    "rcpt%10 => 452",
    "mail%50 => 451",
  ]);
  assert.deepEqual(chaosRules("authentication:535:100"), ["auth%100 => 535"]);
  assert.match(parseChaosTriggers("Sender:451") as string, /want NAME:CODE:PROBABILITY/);
  assert.match(parseChaosTriggers("Helo:451:5") as string, /NAME one of/);
  assert.throws(() => chaosRules("Sender:299:5"), /ErrorCode/);
  const faults = new FaultRules({ seed: 1 });
  const set = applyChaosTriggers(faults, "Sender:451:50");
  assert.deepEqual(set.Sender, { ErrorCode: 451, Probability: 50 });
  assert.deepEqual(faults.list().map((r) => r.rule), ["mail%50 => 451"]);
});
