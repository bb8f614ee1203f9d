// ESMTP parameters as the record keeps them (src/smtp/params.ts): split after the path,
// keywords upper-cased, values verbatim, never validated.
import { test } from "node:test";
import assert from "node:assert/strict";
import { NO_PARAMS, paramsAfterPath, parseParams } from "../src/smtp/params.ts";

test("params: KEY=VALUE and KEY words, keywords upper-cased, values verbatim", () => {
  assert.deepEqual(parseParams("size=1024 Body=8BITMIME smtputf8"), {
    SIZE: "1024",
    BODY: "8BITMIME",
    SMTPUTF8: true,
  });
  // Only the first `=` splits; an empty value stays empty; the last of a repeated key wins.
  assert.deepEqual(parseParams("ORCPT=rfc822;a=b@x.example X= A=1 a=2"), {
    ORCPT: "rfc822;a=b@x.example",
    X: "",
    A: "2",
  });
  assert.deepEqual(parseParams(" \t  "), {});
  assert.deepEqual(parseParams("\tNOTIFY=SUCCESS,FAILURE  RET=hdrs\t"), {
    NOTIFY: "SUCCESS,FAILURE",
    RET: "hdrs",
  });
});

test("params: the words after the path, bracketed or bare", () => {
  assert.deepEqual(paramsAfterPath("<a@b.example> SIZE=10 BODY=7BIT"), {
    SIZE: "10",
    BODY: "7BIT",
  });
  assert.deepEqual(paramsAfterPath("  <> RET=FULL"), { RET: "FULL" });
  // A space inside the brackets belongs to the path; the path ends at its first `>`.
  assert.deepEqual(paramsAfterPath("<a b@c.example>SIZE=1"), { SIZE: "1" });
  assert.deepEqual(paramsAfterPath("a@b.example SMTPUTF8"), { SMTPUTF8: true });
  assert.deepEqual(paramsAfterPath("<@r.example:a@b.example> AUTH=<>"), { AUTH: "<>" });
  // No closing bracket: the path is the first word.
  assert.deepEqual(paramsAfterPath("<a@b.example SIZE=2"), { SIZE: "2" });
  assert.deepEqual(paramsAfterPath("<a@b.example>"), {});
  assert.deepEqual(paramsAfterPath(""), {});
});

test("params: a prototype-looking keyword is a plain key", () => {
  const p = parseParams("__proto__=x constructor");
  assert.equal(p.__PROTO__, "x");
  assert.equal(p.CONSTRUCTOR, true);
  assert.equal(Object.getPrototypeOf(p), Object.prototype);
  assert.ok(Object.isFrozen(NO_PARAMS));
});
