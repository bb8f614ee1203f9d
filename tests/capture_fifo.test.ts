// The store's oldest-first list (src/capture/fifo.ts): it behaves as an array used with push and
// shift, across the point where it gives back the empty slots at its front.
import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { Fifo } from "../src/capture/fifo.ts";
import { CaptureStore } from "../src/capture/store.ts";
import { received } from "./helpers/capture.ts";

type Op = { push: number } | "shift" | { replace: number[] };

const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: fc.integer().map((push) => ({ push })) },
  { weight: 5, arbitrary: fc.constant("shift" as const) },
  {
    weight: 1,
    arbitrary: fc.array(fc.integer(), { maxLength: 8 }).map((replace) => ({ replace })),
  },
);

/** Runs of pushes long enough to pass the 1,024 empty slots at which the front is given back. */
const burst: fc.Arbitrary<Op[]> = fc.tuple(fc.integer({ min: 0, max: 3000 }), fc.integer())
  .map(([n, v]) => Array.from({ length: n }, (_, i) => ({ push: v + i })));

test("fifo: push, shift, at, length and iteration read as an array's after any sequence", () => {
  fc.assert(
    fc.property(
      fc.array(fc.oneof(op.map((o) => [o]), burst, fc.constant<Op[]>(Array(2500).fill("shift")))),
      (groups) => {
        const fifo = new Fifo<number>();
        const model: number[] = [];
        for (const o of groups.flat()) {
          if (o === "shift") assert.equal(fifo.shift(), model.shift());
          else if ("push" in o) {
            fifo.push(o.push);
            model.push(o.push);
          } else {
            fifo.replace([...o.replace]);
            model.splice(0, model.length, ...o.replace);
          }
          assert.equal(fifo.length, model.length);
        }
        assert.deepEqual([...fifo], model);
        assert.deepEqual(fifo.toArray(), model);
        for (const i of [-1, 0, model.length >> 1, model.length - 1, model.length]) {
          assert.equal(fifo.at(i), model.at(i < 0 ? model.length : i));
        }
        assert.equal(fifo.some((v) => v === model[0]), model.length > 0);
      },
    ),
    { numRuns: 200 },
  );
});

test("store: a full store evicts oldest first past thousands of evictions, newest listed first", async () => {
  const store = new CaptureStore({ max: 1500, parseOnArrival: false });
  const ids: string[] = [];
  for (let i = 0; i < 5000; i++) {
    ids.push(
      (await store.add(received(new TextEncoder().encode(`Subject: ${i}\r\n\r\n${i}\r\n`)))).id,
    );
  }
  assert.equal(store.size, 1500);
  assert.deepEqual(store.list().map((m) => m.id), ids.slice(-1500).reverse());
  assert.equal(store.get(ids[3499]), undefined);
  assert.equal(store.get(ids[3500])?.id, ids[3500]);
  assert.equal(
    new TextDecoder().decode(store.latest()!.message.data),
    "Subject: 4999\r\n\r\n4999\r\n",
  );
});
