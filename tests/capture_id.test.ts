// Stored messages' IDs (src/capture/id.ts) are version-4 UUIDs in shortuuid's base57: each
// decodes (plain BigInt arithmetic here) to 128 bits with the version and variant bits set,
// and two IDs in a row never share the digits their reused buffers held.
import { test } from "node:test";
import assert from "node:assert/strict";
import { isId, newId } from "../src/capture/id.ts";

const ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

function decode(id: string): bigint {
  let n = 0n;
  for (const c of id) n = n * 57n + BigInt(ALPHABET.indexOf(c));
  return n;
}

test("capture ids: base57 of a version-4 UUID, 22 characters, all different", () => {
  const seen = new Set<string>();
  for (let i = 0; i < 3000; i++) {
    const id = newId();
    assert.ok(isId(id), id);
    const n = decode(id);
    assert.ok(n < 1n << 128n, id);
    assert.equal((n >> 76n) & 0xfn, 4n, `version of ${id}`);
    assert.equal((n >> 62n) & 0x3n, 2n, `variant of ${id}`);
    seen.add(id);
  }
  assert.equal(seen.size, 3000);
});
