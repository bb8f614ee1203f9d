// MAIL and RCPT parameters of the serve dialect: parsed, validated against the extensions in
// force and the size limit, and kept in the record as sent.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mailFacts, rcptParams, splitParams } from "../src/smtp/esmtp/mail_params.ts";
import { EHLO_LINES, latin1, play } from "./helpers/esmtp.ts";

const all = () => true;

test("esmtp params: split into upper-cased keywords; malformed or repeated words refused", () => {
  assert.deepEqual(splitParams("size=10 Body=8BITMIME smtputf8"), {
    SIZE: "10",
    BODY: "8BITMIME",
    SMTPUTF8: true,
  });
  assert.deepEqual(splitParams(""), {});
  const refusals = ["SIZE=", "=5", "-X=1", "SIZE=1 size=2", "A=b=c", "X\u00e9=1"];
  for (const text of refusals) {
    const r = splitParams(text);
    assert.equal((r as { code?: number }).code, 555, text);
  }
});

test("esmtp params: MAIL SIZE, BODY, SMTPUTF8, RET, ENVID, AUTH", () => {
  const ok = mailFacts("SIZE=100 BODY=binarymime SMTPUTF8 RET=hdrs ENVID=QQ+2B1 AUTH=<>", all, 100);
  assert.deepEqual(ok, {
    params: {
      SIZE: "100",
      BODY: "binarymime",
      SMTPUTF8: true,
      RET: "hdrs",
      ENVID: "QQ+2B1",
      AUTH: "<>",
    },
    body: "BINARYMIME",
    smtpUtf8: true,
  });
  const text = (r: unknown) => {
    const reply = r as { code: number; enhanced: string; lines: string[] };
    return `${reply.code} ${reply.enhanced} ${reply.lines[0]}`;
  };
  assert.equal(
    text(mailFacts("SIZE=101", all, 100)),
    "552 5.3.4 Error: message size exceeds fixed maximum message size",
  );
  assert.equal(text(mailFacts("SIZE=1x", all, 100)), "555 5.5.4 Invalid SIZE parameter");
  assert.equal(text(mailFacts("SIZE", all, 100)), "555 5.5.4 Invalid SIZE parameter");
  assert.equal(text(mailFacts("BODY=9BIT", all, 100)), "555 5.5.4 Invalid BODY parameter");
  assert.equal(text(mailFacts("SMTPUTF8=yes", all, 100)), "555 5.5.4 Invalid SMTPUTF8 parameter");
  assert.equal(text(mailFacts("RET=ALL", all, 100)), "555 5.5.4 Invalid RET parameter");
  assert.equal(text(mailFacts("ENVID=a+zz", all, 100)), "555 5.5.4 Invalid ENVID parameter");
  assert.equal(
    text(mailFacts(`ENVID=${"x".repeat(101)}`, all, 100)),
    "555 5.5.4 Invalid ENVID parameter",
  );
  assert.equal(text(mailFacts("XFOO=1", all, 100)), "555 5.5.4 Unsupported option: XFOO");
  // A parameter of an extension not in force is unknown.
  const no = (off: string) => (ext: string) => ext !== off;
  assert.equal(text(mailFacts("SIZE=1", no("SIZE"), 100)), "555 5.5.4 Unsupported option: SIZE");
  assert.equal(
    text(mailFacts("BODY=8BITMIME", no("8BITMIME"), 100)),
    "555 5.5.4 Unsupported option: BODY",
  );
  assert.equal(
    text(mailFacts("BODY=BINARYMIME", no("BINARYMIME"), 100)),
    "555 5.5.4 Unsupported option: BODY",
  );
  assert.equal(
    text(mailFacts("SMTPUTF8", no("SMTPUTF8"), 100)),
    "555 5.5.4 Unsupported option: SMTPUTF8",
  );
  assert.equal(text(mailFacts("RET=FULL", no("DSN"), 100)), "555 5.5.4 Unsupported option: RET");
  assert.equal(text(mailFacts("AUTH=<>", no("AUTH"), 100)), "555 5.5.4 Unsupported option: AUTH");
  // 7BIT needs BODY to exist at all: 8BITMIME or BINARYMIME.
  assert.deepEqual(mailFacts("BODY=7BIT", no("8BITMIME"), 100), {
    params: { BODY: "7BIT" },
    body: "7BIT",
    smtpUtf8: false,
  });
});

test("esmtp params: RCPT NOTIFY and ORCPT", () => {
  assert.deepEqual(rcptParams("NOTIFY=success,DELAY ORCPT=rfc822;a+2Bb@c.example", all), {
    NOTIFY: "success,DELAY",
    ORCPT: "rfc822;a+2Bb@c.example",
  });
  assert.deepEqual(rcptParams("NOTIFY=NEVER ORCPT=utf-8;j\u00f6rg@c.example", all), {
    NOTIFY: "NEVER",
    ORCPT: "utf-8;j\u00f6rg@c.example",
  });
  const code = (r: unknown) =>
    `${(r as { code: number }).code} ${(r as { lines: string[] }).lines[0]}`;
  assert.equal(code(rcptParams("NOTIFY=NEVER,SUCCESS", all)), "555 Invalid NOTIFY parameter");
  assert.equal(code(rcptParams("NOTIFY=SUCCESS,SUCCESS", all)), "555 Invalid NOTIFY parameter");
  assert.equal(code(rcptParams("NOTIFY", all)), "555 Invalid NOTIFY parameter");
  assert.equal(code(rcptParams("ORCPT=a@b", all)), "555 Invalid ORCPT parameter");
  assert.equal(code(rcptParams("ORCPT=rfc822;", all)), "555 Invalid ORCPT parameter");
  assert.equal(code(rcptParams("SIZE=1", all)), "555 Unsupported option: SIZE");
  assert.equal(
    code(rcptParams("NOTIFY=NEVER", (e) => e !== "DSN")),
    "555 Unsupported option: NOTIFY",
  );
});

test("esmtp params in a session: refused parameters, and accepted ones kept in the record", async () => {
  const p = await play(
    "EHLO x\r\n" +
      "MAIL FROM:<a@b.example> SIZE=30000000\r\n" +
      "MAIL FROM:<a@b.example> FOO=BAR\r\n" +
      "MAIL FROM:<a@b.example> SIZE=12 BODY=8BITMIME RET=FULL ENVID=abc\r\n" +
      "RCPT TO:<c@d.example> NOTIFY=BOGUS\r\n" +
      "RCPT TO:<c@d.example> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;c@d.example\r\n" +
      "RCPT TO:<e@d.example>\r\n" +
      "DATA\r\nhello\r\n.\r\n",
  );
  assert.deepEqual(p.lines.slice(EHLO_LINES.length + 1), [
    "552 5.3.4 Error: message size exceeds fixed maximum message size",
    "555 5.5.4 Unsupported option: FOO",
    "250 2.1.0 Ok",
    "555 5.5.4 Invalid NOTIFY parameter",
    "250 2.1.5 Ok",
    "250 2.1.5 Ok",
    "354 End data with <CR><LF>.<CR><LF>",
    "250 2.0.0 Ok: queued as ID1",
  ]);
  const [m] = p.messages;
  assert.deepEqual(m.mailParams, { SIZE: "12", BODY: "8BITMIME", RET: "FULL", ENVID: "abc" });
  assert.deepEqual(m.rcptParams, [
    { NOTIFY: "SUCCESS,FAILURE", ORCPT: "rfc822;c@d.example" },
    {},
  ]);
  assert.equal(m.bodyType, "8BITMIME");
  assert.equal(m.smtpUtf8, false);
  assert.equal(m.transport, "DATA");
});

test("esmtp params: BODY=BINARYMIME then DATA is refused (BDAT only)", async () => {
  const p = await play(latin1(
    "EHLO x\r\nMAIL FROM:<a@b.example> BODY=BINARYMIME\r\nRCPT TO:<c@d.example>\r\nDATA\r\n" +
      "BDAT 4 LAST\r\n\x00\r\n\xff",
  ));
  assert.deepEqual(p.lines.slice(-4), [
    "250 2.1.0 Ok",
    "250 2.1.5 Ok",
    "503 5.5.1 Error: BODY=BINARYMIME requires BDAT",
    "250 2.0.0 Ok: queued as ID1",
  ]);
  assert.equal(p.messages[0].bodyType, "BINARYMIME");
  assert.equal(p.messages[0].transport, "BDAT");
  assert.deepEqual([...p.messages[0].data], [0, 13, 10, 0xff]);
});
