// The record the serve dialect builds (src/smtp/esmtp/transaction.ts): the same keys in the same
// order whichever way it is built (one literal for the usual record, key by key otherwise).
import { test } from "node:test";
import assert from "node:assert/strict";
import { buildRecord, type SessionFacts, type Transaction } from "../src/smtp/esmtp/transaction.ts";
import { NO_PARAMS } from "../src/smtp/message.ts";

test("esmtp record: keys in the record's order for every mix of TLS, AUTH, HELO/EHLO and BODY=", () => {
  for (let mix = 0; mix < 16; mix++) {
    const [tls, auth, helo, body] = [1, 2, 4, 8].map((bit) => (mix & bit) !== 0);
    const tx = {
      from: "a@example.com",
      mail: { params: NO_PARAMS, smtpUtf8: false, ...(body && { body: "8BITMIME" }) },
      to: ["b@example.com"],
      rcptParams: [NO_PARAMS],
      chunks: null,
    } as unknown as Transaction;
    const session: SessionFacts = {
      sessionId: 7,
      helo: "client.example",
      remoteAddress: { hostname: "127.0.0.1", port: 40000 },
      localAddress: { hostname: "127.0.0.1", port: 2525 },
      sessionStartedAt: new Date(0),
      tls,
    };
    if (helo) session.heloVerb = "EHLO";
    if (tls) session.tlsSession = { version: "TLSv1.3", cipher: "TLS_AES_128_GCM_SHA256" };
    if (auth) (session.authUser = "u", session.authMechanism = "PLAIN");
    const data = new Uint8Array([1, 2]);
    const record = buildRecord(tx, data, "DATA", session, new Date(1));
    const expected = [
      ..."sessionId from to mailParams rcptParams data helo remoteAddress localAddress".split(" "),
      ..."receivedAt sessionStartedAt tls".split(" "),
      ...(tls ? ["tlsSession"] : []),
      ...(auth ? ["authUser", "authMechanism"] : []),
      ...(helo ? ["heloVerb"] : []),
      "transport",
      ...(body ? ["bodyType"] : []),
      "smtpUtf8",
    ];
    assert.deepEqual(Object.keys(record), expected, `mix ${mix}`);
    assert.equal(record.data, data);
    assert.equal(record.heloVerb, helo ? "EHLO" : undefined);
    assert.equal(record.receivedAt.getTime(), 1);
  }
});
